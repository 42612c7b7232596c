#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl release --purge USER (issue 12): releases the set, if any, and
# removes the user's persistent tmp dirs (/var/lib/nsiso/<uid>); refused
# while the user has an open session, even with --force; a symlink the user
# planted is removed, never followed (its root-owned target survives); a
# mount point inside is never crossed (it fails, saying so, and what is
# mounted survives); a deep tree is no obstacle.
# Facts: the files on disk, the keeper's pins, exit status and messages.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE

add_user nsiso-pu
add_user nsiso-pb
add_user nsiso-px
uid_u=$(uid_of nsiso-pu)
uid_b=$(uid_of nsiso-pb)
uid_x=$(uid_of nsiso-px)
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
tmp        = persistent

[user:nsiso-pb]
lifetime = boot
POLICY
write_pam
Du=/var/lib/nsiso/$uid_u
Db=/var/lib/nsiso/$uid_b

echo secret >/etc/nsiso-test-secret
chmod 0600 /etc/nsiso-test-secret
mkdir -p /etc/nsiso-test-secretdir
echo secret >/etc/nsiso-test-secretdir/f
secrets()
{
	echo "$(cat /etc/nsiso-test-secret 2>/dev/null)/$(cat /etc/nsiso-test-secretdir/f 2>/dev/null)"
}

ctl release --all --purge
expect 2 "" "nsisoctl: release: --purge takes one USER, never --all
usage: nsisoctl release USER|--all [--force] [--purge]" "--purge with --all: a usage error"
ctl release nsiso-px --purge
expect 0 "nothing to purge for nsiso-px (uid $uid_x)" "" "a user with no set and no directories: nothing to purge, exit 0"

# ------------------------------------------------- refused while a session is open
bg_session u1 nsiso-pu 'echo mine >/tmp/f
mkdir -p /tmp/tree/a/b && echo deep >/tmp/tree/a/b/f
ln -s /etc/nsiso-test-secret /tmp/link
ln -s /etc/nsiso-test-secretdir /tmp/linkdir
ln -s /etc/nsiso-test-secretdir/f /var/tmp/link2
d=/tmp/deep; i=0; while [ $i -lt 100 ]; do d=$d/d; i=$((i + 1)); done
mkdir -p $d && echo bottom >$d/f'
wait_ready u1 nsiso-pu || bail "nsiso-pu's session did not come up" "$(cat "$STATE/u1.err" 2>/dev/null)"
ok_cmd "the session wrote its files to $Du" test -f "$Du/tmp/f" -a -L "$Du/tmp/link" -a -f "$Du/tmp/tree/a/b/f"
ctl release nsiso-pu --purge
expect 1 "" "nsisoctl: uid $uid_u still has 1 open session(s): not purged (its tmp directories are in use; end them first)" \
	"--purge: refused while a session is open, with the reason"
ctl release nsiso-pu --purge --force
is "$RC" 1 "--purge --force: refused all the same"
ok_cmd "the directories are untouched" test -f "$Du/tmp/f" -a -f "$Du/tmp/tree/a/b/f"
finish u1
expect_rc u1 "$RC" 0 "the session closes (lifetime processes: its set ends)"

# ------------------------------------------------- a mount point inside is never crossed
mkdir "$Du/tmp/mnt"
mount -t tmpfs nsiso-test-mnt "$Du/tmp/mnt"
echo precious >"$Du/tmp/mnt/keep"
ctl release nsiso-pu --purge
is "$RC" 1 "--purge with a mount point inside: exit 1"
is "$CERR" "nsisoctl: cannot remove all of /var/lib/nsiso/$uid_u: a mount point (or a tree that keeps changing) is in the way; the rest is removed" \
	"... saying why"
is "$(cat "$Du/tmp/mnt/keep" 2>/dev/null)" "precious" "what is mounted there is untouched"
ok_cmd "the rest is gone" test ! -e "$Du/tmp/f" -a ! -e "$Du/tmp/tree" -a ! -e "$Du/tmp/deep"
umount "$Du/tmp/mnt"

ctl release nsiso-pu --purge
expect 0 "removed /var/lib/nsiso/$uid_u" "" "--purge once nothing is in the way: removed"
ok_cmd "$Du is gone" test ! -e "$Du"
is "$(secrets)" "secret/secret" "the planted symlinks' targets (root's files) survive"
ok_cmd "/var/lib/nsiso itself stays" test -d /var/lib/nsiso

RC=0
login u2 nsiso-pu -- sh -c "ls -A /tmp >$OUT/nsiso-pu/u2.ls" || RC=$?
expect_rc u2 "$RC" 0 "the next login works"
is "$(cat "$OUT/nsiso-pu/u2.ls")" "" "... with empty persistent tmp dirs"

# ------------------------------------------------- a kept set is released too
RC=0
login b1 nsiso-pb -- sh -c 'echo mine >/tmp/f' || RC=$?
expect_rc b1 "$RC" 0 "nsiso-pb (lifetime boot) logs in and out"
is "$(pins_of "$uid_b" | wc -l | tr -d ' ')" "3" "its set is kept"
ctl release nsiso-pb --purge
expect 0 "released nsiso-pb (uid $uid_b)
removed /var/lib/nsiso/$uid_b" "" "--purge releases the set and removes the directories"
is "$(pins_of "$uid_b" | wc -l | tr -d ' ')" "0" "no pin is left"
ok_cmd "$Db is gone" test ! -e "$Db"

done_testing
