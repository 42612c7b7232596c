#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: the shipped tmpfiles.d rule (config/tmpfiles.d/nsiso.conf) ages
# what users leave in their persistent tmp dirs (tmp = persistent,
# /var/lib/nsiso/<uid>/<instance>), run by the real systemd-tmpfiles --clean
# in the sandbox. systemd-tmpfiles ages by every timestamp, ctime and btime
# included, which touch -d cannot set back: its clock is moved 40 days ahead
# instead (tests/lib/clockshift.c, LD_PRELOAD), and touch -d makes a file
# that is recent in that future.
# Facts: the files on disk before and after, a planted symlink's target,
# what the next session sees.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE
RULE=$TOP/config/tmpfiles.d/nsiso.conf
DAY=86400

if ! have systemd-tmpfiles; then
	skip "the tmpfiles.d rule ages persistent tmp dirs" "systemd-tmpfiles is not installed"
	done_testing
fi
cc -shared -fPIC -o "$BIN/clockshift.so" "$TOP/tests/lib/clockshift.c" -ldl ||
	bail "cannot build tests/lib/clockshift.c"

add_user nsiso-t
uid=$(uid_of nsiso-t)
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
tmp        = persistent
POLICY
write_pam
D=/var/lib/nsiso/$uid

# Root's files outside, that a user's symlinks point at.
echo secret >/etc/nsiso-test-secret
chmod 0600 /etc/nsiso-test-secret
mkdir -p /etc/nsiso-test-secretdir
echo secret >/etc/nsiso-test-secretdir/f

RC=0
login t1 nsiso-t -- sh -c 'now=$(date +%s)
echo old >/tmp/old
mkdir -p /tmp/tree/a/b && echo deep >/tmp/tree/a/b/f
ln -s /etc/nsiso-test-secret /tmp/link
ln -s /etc/nsiso-test-secretdir /tmp/linkdir
echo recent >/tmp/recent && touch -d "@$((now + 35 * 86400))" /tmp/recent
echo old >/var/tmp/old' || RC=$?
expect_rc t1 "$RC" 0 "a session of tmp = persistent leaves files in /tmp and /var/tmp"
listing()
{
	(cd "$D" && find . -mindepth 1 | sort | paste -sd ' ' -)
}
before="./.owner ./tmp ./tmp/link ./tmp/linkdir ./tmp/old ./tmp/recent ./tmp/tree ./tmp/tree/a ./tmp/tree/a/b ./tmp/tree/a/b/f ./var-tmp ./var-tmp/old"
is "$(listing)" "$before" "they are in $D"

RC=0
systemd-tmpfiles --clean "$RULE" >"$STATE/clean1.out" 2>&1 || RC=$?
is "$RC" 0 "systemd-tmpfiles --clean with the rule, now: succeeds"
diag_file "$STATE/clean1.out"
is "$(listing)" "$before" "... and removes nothing new"

RC=0
LD_PRELOAD=$BIN/clockshift.so NSISO_CLOCK_SHIFT=$((40 * DAY)) \
	systemd-tmpfiles --clean "$RULE" >"$STATE/clean2.out" 2>&1 || RC=$?
is "$RC" 0 "systemd-tmpfiles --clean 40 days later: succeeds"
diag_file "$STATE/clean2.out"
is "$(listing)" "./.owner ./tmp ./tmp/recent ./var-tmp" \
	"it removes what is 30 days old (files, a user's tree, symlinks), keeps the recent file, the instance dirs and .owner"
is "$(stat -c '%a %U' "$D/tmp" "$D/var-tmp" | paste -sd ' ' -)" "1777 root 1777 root" \
	"the instance dirs keep their owner and mode"
is "$(cat /etc/nsiso-test-secret)/$(cat /etc/nsiso-test-secretdir/f)" "secret/secret" \
	"the symlinks' targets (root's files) are untouched: a symlink is never followed"

RC=0
login t2 nsiso-t -- sh -c "ls -A /tmp /var/tmp >$OUT/nsiso-t/t2.ls" || RC=$?
expect_rc t2 "$RC" 0 "the next session opens"
is "$(tr '\n' ' ' <"$OUT/nsiso-t/t2.ls")" "/tmp: recent  /var/tmp: " "it sees what was kept"

done_testing
