#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Pre-existing state that is unsafe: /run/nsiso (the registry) or
# /var/lib/nsiso (tmp = persistent) owned by a user, group/world writable, a
# symlink, or holding attacker symlinks and FIFOs where the module's own
# files and instance dirs would go; and tmp_dirs entries that a user
# controls. For each: the login is refused (exit 3) in bounded time, no set
# and no pin is left, nothing outside /run/nsiso and /var/lib/nsiso is
# created, changed or chowned (the attacker's targets are untouched, nothing
# is mounted on them), and the planted objects are not "repaired" (chowned or
# chmodded) by the module. /run/nsiso/keeper (the pin of the keeper namespace
# that holds every set's pins) replaced by a symlink, a regular file, a FIFO,
# a directory or a user-owned file: refused, or a new keeper is made in its
# place; nothing is followed, nothing outside /run/nsiso is created.
. "$(dirname "$0")/lib.sh"
setup
need_module
need_keeper_tool

add_user nsiso-s
add_user nsiso-o
uid_s=$(uid_of nsiso-s)
mkdir -m 0700 "$OUT/root"
LOGIN_TIMEOUT=$((30 * TIME_FACTOR))
LIMIT=$((10 * TIME_FACTOR))
write_pam debug

tmpfs_policy()
{
	write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
EOF2
}

persistent_policy()
{
	write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
tmp = persistent
tmp_dirs = /tmp, /var/tmp
EOF2
}

# Unmount whatever is mounted under the registry (never through a symlink), remove it.
reset_state()
{
	local m
	if [ ! -L /run/nsiso ] && [ -d /run/nsiso ]; then
		for m in $(findmnt -rn -o TARGET | grep '^/run/nsiso\(/\|$\)' | sort -r); do
			umount -l "$m" 2>/dev/null
		done
	fi
	rm -rf /run/nsiso /var/lib/nsiso /tmp/evil* /var/tmp/work
}

# outside_changes SNAP: changes since SNAP outside the module's own two trees.
outside_changes()
{
	fs_changes "$1" | grep -v -E ' (/run/nsiso|/run/\.sandbox/_var/upper/lib/nsiso|/var/lib/nsiso)(/|$)' || true
}

# Make the registry exist (a good login with lifetime session: no pins left).
make_registry()
{
	tmpfs_policy
	RC=0
	login mk nsiso-o -- /bin/true || RC=$?
	[ "$RC" = 0 ] && [ -d /run/nsiso/users ] || bail "a good login did not set up /run/nsiso (exit $RC)" "$(cat "$STATE/mk.err")"
}

# planted LABEL [ROOT_TOO]: a login of nsiso-s against the planted state; every check.
planted()
{
	local label rc start end
	label=$1
	fs_snapshot "$STATE/snap.$label"
	rc=0
	start=$(date +%s)
	login "s-$label" nsiso-s --ns-report "$STATE/s-$label.ns" -- "$BIN/report" "$OUT/nsiso-s/s-$label" || rc=$?
	end=$(date +%s)
	expect_rc "s-$label" "$rc" 3 "$label: nsiso-s is refused (exit 3; 124/137 would be a hang)"
	[ $((end - start)) -le $LIMIT ] && pass "$label: the refusal took $((end - start)) s (at most $LIMIT)" ||
		fail "$label: the refusal took $((end - start)) s (at most $LIMIT)"
	is "$(sed -n 's/^open [0-9]* //p' "$STATE/s-$label.ns")" "$SANDBOX_NS" \
		"$label: the refused caller stays in the sandbox's namespaces"
	empty "$(outside_changes "$STATE/snap.$label")" \
		"$label: nothing outside /run/nsiso and /var/lib/nsiso created, changed or chowned"
	empty "$(host_nsfs | grep -vx /run/nsiso/keeper || true)" "$label: no nsfs mount in the sandbox's table but the keeper's pin"
	empty "$(keeper_pins)" "$label: no pin in the keeper"
	[ -L /run/nsiso ] || is "$(set_state "$uid_s")" none "$label: no set record for nsiso-s"
	empty "$(pamh_procs)" "$label: no nsiso-pamh process (harness or child) is left"
}

# root_login LABEL: root (exempt) with the planted state.
root_login()
{
	report_login "r-$1" root
	expect_rc "r-$1" "$RC" 0 "$1: root (exempt) still gets in"
	is "$(fact root "r-$1" ns)" "$SANDBOX_NS" "$1: root is in the sandbox's own namespaces"
}

# ------------------------------------------------------------ /run/nsiso itself
tmpfs_policy

case_start "/run/nsiso owned by a user"
mkdir -m 0700 /run/nsiso
chown nsiso-s: /run/nsiso
planted run-user-owned
is "$(stat -c '%U %a' /run/nsiso)" "nsiso-s 700" "run-user-owned: /run/nsiso still nsiso-s 0700 (not taken over)"
is "$(find /run/nsiso -mindepth 1 | wc -l)" 0 "run-user-owned: nothing created inside it"
root_login run-user-owned
reset_state

case_start "/run/nsiso world-writable"
mkdir -m 0777 /run/nsiso
planted run-world-writable
is "$(stat -c '%U %a' /run/nsiso)" "root 777" "run-world-writable: mode left as it was"
is "$(find /run/nsiso -mindepth 1 | wc -l)" 0 "run-world-writable: nothing created inside it"
root_login run-world-writable
reset_state

case_start "/run/nsiso group-writable"
mkdir -m 0770 /run/nsiso
planted run-group-writable
is "$(find /run/nsiso -mindepth 1 | wc -l)" 0 "run-group-writable: nothing created inside it"
reset_state

case_start "/run/nsiso a symlink to a user's directory"
mkdir -m 0755 /tmp/evil
chown nsiso-s: /tmp/evil
ln -s /tmp/evil /run/nsiso
planted run-symlink
is "$(find /tmp/evil -mindepth 1 | wc -l)" 0 "run-symlink: nothing created in the symlink's target"
is "$(stat -c '%U %a' /tmp/evil)" "nsiso-s 755" "run-symlink: the target is not chowned or chmodded"
empty "$(findmnt -rn -o TARGET | grep '^/tmp/evil' || true)" "run-symlink: nothing mounted on the target"
root_login run-symlink
reset_state

case_start "/run/nsiso a regular file"
: >/run/nsiso
planted run-file
root_login run-file
reset_state

# ------------------------------------------------------------ inside the registry
# ------------------------------------------------------------ the keeper's pin
# lose_keeper: the registry as a good login leaves it, then its keeper pin
# unmounted and the file under it removed (the planted object goes there).
lose_keeper()
{
	make_registry
	keeper_pinned || bail "a good login left no keeper pin at /run/nsiso/keeper"
	umount -l /run/nsiso/keeper || bail "cannot unmount the keeper pin"
	rm -f /run/nsiso/keeper
}

# planted_keeper LABEL DESCRIBE: a login of nsiso-s with the planted object at
# /run/nsiso/keeper (DESCRIBE: a command printing what it is, run before and
# after). Refused (exit 3, nothing followed, the object left as it was) or a
# new keeper made in its place (exit 0: one nsfs mount at /run/nsiso/keeper,
# a mount namespace whose tree is the keeper's own tmpfs; the set torn down
# at the close, lifetime session). Either way: no hang, nothing outside
# /run/nsiso created or changed, no pin anywhere but in a real keeper.
planted_keeper()
{
	local label what_before rc start end got
	label=$1
	what_before=$(sh -c "$2" 2>&1)
	fs_snapshot "$STATE/snap.$label"
	rc=0
	start=$(date +%s)
	login "s-$label" nsiso-s --ns-report "$STATE/s-$label.ns" -- "$BIN/report" "$OUT/nsiso-s/s-$label" || rc=$?
	end=$(date +%s)
	[ $((end - start)) -le $LIMIT ] && pass "$label: the login ended in $((end - start)) s (exit $rc)" ||
		fail "$label: the login ended in $((end - start)) s (at most $LIMIT; exit $rc)"
	got=$(sed -n 's/^open [0-9]* //p' "$STATE/s-$label.ns")
	case $rc in
	0)
		pass "$label: a new keeper was made in its place (exit 0)"
		is "$(host_nsfs | grep -cx /run/nsiso/keeper)" 1 "$label: /run/nsiso/keeper is one nsfs mount"
		like "$(keeper_id)" '^[0-9]+$' "$label: ... of a mount namespace (NS_GET_MNTNS_ID answers)"
		is "$(keeper_table | head -n 1 | awk '{ for (i = 7; $i != "-"; i++) ; print $5, $(i + 1), $(i + 2) }')" \
			"/ tmpfs nsiso-keeper" "$label: the keeper's whole tree is its own tmpfs (not the sandbox's, not the planted object's)"
		isnt "$(field 1 "$got")" "$(field 1 "$SANDBOX_NS")" "$label: the caller was moved into a set of its own"
		is "$(fact nsiso-s "s-$label" ns)" "$(sed -n 's/^close [0-9]* //p' "$STATE/s-$label.ns")" \
			"$label: the user's command ran in the caller's set"
		is "$(set_state "$uid_s")" none "$label: the close tore the set down (no record)"
		empty "$(keeper_pins)" "$label: no pin left in the new keeper"
		;;
	3)
		pass "$label: refused (exit 3)"
		is "$got" "$SANDBOX_NS" "$label: the refused caller stays in the sandbox's namespaces"
		is "$(sh -c "$2" 2>&1)" "$what_before" "$label: the planted object is left as it was"
		is "$(host_nsfs | grep -c '^/run/nsiso')" 0 "$label: nothing is mounted on it (no keeper pinned)"
		;;
	*)
		fail "$label: exit 0 (a new keeper) or 3 (refused), got $rc"
		diag_file "$STATE/s-$label.err"
		;;
	esac
	empty "$(outside_changes "$STATE/snap.$label")" \
		"$label: nothing outside /run/nsiso and /var/lib/nsiso created, changed or chowned"
	no_cmd "$label: no pin directory /$uid_s was made in the sandbox's root" test -e "/$uid_s"
	empty "$(host_nsfs | grep -vx /run/nsiso/keeper || true)" "$label: no nsfs mount in the sandbox's table but the keeper's pin"
	empty "$(keeper_procs)" "$label: no process is left in the keeper"
	empty "$(pamh_procs)" "$label: no nsiso-pamh process is left"
}

tmpfs_policy

case_start "/run/nsiso/keeper a symlink to the sandbox's own mount namespace (/proc/1/ns/mnt)"
lose_keeper
ln -s /proc/1/ns/mnt /run/nsiso/keeper
host_mark
planted_keeper keeper-symlink-proc "readlink /run/nsiso/keeper"
empty "$(host_changes)" "keeper-symlink-proc: nothing changed on the machine's own root file system (no pins made there)"
reset_state

case_start "/run/nsiso/keeper a symlink to a file the user owns"
lose_keeper
echo "user data" >/tmp/evil-keeper
chown nsiso-s: /tmp/evil-keeper
ln -s /tmp/evil-keeper /run/nsiso/keeper
target_before=$(stat -c '%U %a %s %Y' /tmp/evil-keeper)
planted_keeper keeper-symlink-user "readlink /run/nsiso/keeper"
is "$(stat -c '%U %a %s %Y' /tmp/evil-keeper)" "$target_before" "keeper-symlink-user: the user's file is untouched"
empty "$(findmnt -rn -o TARGET | grep '^/tmp/evil' || true)" "keeper-symlink-user: nothing mounted on the target"
reset_state

case_start "/run/nsiso/keeper a regular file (root's, with content)"
lose_keeper
echo "not a namespace" >/run/nsiso/keeper
planted_keeper keeper-file "stat -c '%F %U %s' /run/nsiso/keeper"
reset_state

case_start "/run/nsiso/keeper a FIFO (an open for reading would hang)"
lose_keeper
mkfifo -m 0600 /run/nsiso/keeper
planted_keeper keeper-fifo "stat -c '%F %U' /run/nsiso/keeper"
reset_state

case_start "/run/nsiso/keeper an empty directory"
lose_keeper
mkdir -m 0700 /run/nsiso/keeper
planted_keeper keeper-dir "stat -c '%F %U %a' /run/nsiso/keeper; ls -A /run/nsiso/keeper"
reset_state

case_start "/run/nsiso/keeper a directory with a file in it"
lose_keeper
mkdir -m 0755 /run/nsiso/keeper
echo data >/run/nsiso/keeper/file
planted_keeper keeper-dir-full "stat -c '%F %U %a' /run/nsiso/keeper; ls -A /run/nsiso/keeper; cat /run/nsiso/keeper/file"
reset_state

case_start "/run/nsiso/keeper a file owned by the user"
lose_keeper
echo "user data" >/run/nsiso/keeper
chown nsiso-s: /run/nsiso/keeper
planted_keeper keeper-user-file "stat -c '%F %U %a' /run/nsiso/keeper"
reset_state

case_start "/run/nsiso/users/UID owned by the user"
make_registry
mkdir -m 0700 "/run/nsiso/users/$uid_s"
chown nsiso-s: "/run/nsiso/users/$uid_s"
planted users-dir-user-owned
is "$(find "/run/nsiso/users/$uid_s" -mindepth 1 | wc -l)" 0 "users-dir-user-owned: nothing created in it"
reset_state

case_start "/run/nsiso/users/UID a symlink to a user's directory"
make_registry
mkdir -m 0755 /tmp/evil-u
chown nsiso-s: /tmp/evil-u
ln -s /tmp/evil-u "/run/nsiso/users/$uid_s"
planted users-dir-symlink
is "$(find /tmp/evil-u -mindepth 1 | wc -l)" 0 "users-dir-symlink: nothing created in the target"
reset_state

case_start "/run/nsiso/users/UID/lock a symlink to a file that does not exist yet"
make_registry
mkdir -m 0700 "/run/nsiso/users/$uid_s"
ln -s /tmp/evil-lock "/run/nsiso/users/$uid_s/lock"
planted lock-symlink
no_cmd "lock-symlink: the symlink's target was not created" test -e /tmp/evil-lock
reset_state

case_start "/run/nsiso/users/UID/sessions a symlink to a user's directory"
make_registry
mkdir -m 0700 "/run/nsiso/users/$uid_s"
mkdir -m 0755 /tmp/evil-sess
chown nsiso-s: /tmp/evil-sess
ln -s /tmp/evil-sess "/run/nsiso/users/$uid_s/sessions"
planted sessions-symlink
is "$(find /tmp/evil-sess -mindepth 1 | wc -l)" 0 "sessions-symlink: no session record in the target"
reset_state

case_start "/run/nsiso/users/UID/set a symlink to a user-written record"
make_registry
mkdir -m 0700 "/run/nsiso/users/$uid_s"
printf 'version=2\nmask=7\ndev=4\nkeeper=%s\ncreated=1\nlifetime=boot\nmnt=1\nipc=1\nuts=1\n' "$(keeper_id)" >/tmp/evil-rec
chown nsiso-s: /tmp/evil-rec
ln -s /tmp/evil-rec "/run/nsiso/users/$uid_s/set"
rec_before=$(stat -c '%U %s %Y' /tmp/evil-rec)
planted set-symlink
is "$(stat -c '%U %s %Y' /tmp/evil-rec)" "$rec_before" "set-symlink: the user's file is unchanged"
ok_cmd "set-symlink: the planted symlink is still there (the module neither followed nor trusted it)" test -L "/run/nsiso/users/$uid_s/set"
reset_state

case_start "/run/nsiso/users/UID/set a FIFO (a blocking read would hang)"
make_registry
mkdir -m 0700 "/run/nsiso/users/$uid_s"
mkfifo -m 0600 "/run/nsiso/users/$uid_s/set"
rc=0
start=$(date +%s)
report_login s-set-fifo nsiso-s
end=$(date +%s)
[ "$RC" = 124 ] || [ "$RC" = 137 ] && fail "set-fifo: the login hung (timed out)" || pass "set-fifo: the login did not hang (exit $RC)"
[ $((end - start)) -le $LIMIT ] && pass "set-fifo: it took $((end - start)) s (at most $LIMIT)" || fail "set-fifo: it took $((end - start)) s (at most $LIMIT)"
if [ "$RC" = 0 ]; then
	isnt "$(field 1 "$(fact nsiso-s s-set-fifo ns)")" "$(field 1 "$SANDBOX_NS")" "set-fifo: the FIFO was taken as no set; a new set was made and joined"
else
	expect_rc s-set-fifo "$RC" 3 "set-fifo: refused"
fi
empty "$(adv_pins_of "$uid_s")" "set-fifo: no pin left in the keeper (lifetime session)"
reset_state

# ------------------------------------------------------------ /var/lib/nsiso (tmp = persistent)
case_start "control: tmp = persistent works with a clean /var/lib/nsiso"
persistent_policy
report_login pctl nsiso-o
expect_rc pctl "$RC" 0 "persistent control: nsiso-o gets in"
is "$(stat -c '%U %a' /var/lib/nsiso 2>&1)" "root 700" "persistent control: /var/lib/nsiso made root 0700"
reset_state
persistent_policy

case_start "/var/lib/nsiso owned by a user"
mkdir -m 0700 /var/lib/nsiso
chown nsiso-s: /var/lib/nsiso
planted state-user-owned
is "$(stat -c '%U %a' /var/lib/nsiso)" "nsiso-s 700" "state-user-owned: not chowned or chmodded"
is "$(find /var/lib/nsiso -mindepth 1 | wc -l)" 0 "state-user-owned: nothing created inside it"
reset_state
persistent_policy

case_start "/var/lib/nsiso world-writable"
mkdir -m 0777 /var/lib/nsiso
planted state-world-writable
is "$(stat -c '%U %a' /var/lib/nsiso)" "root 777" "state-world-writable: mode left as it was"
is "$(find /var/lib/nsiso -mindepth 1 | wc -l)" 0 "state-world-writable: nothing created inside it"
reset_state
persistent_policy

case_start "/var/lib/nsiso a symlink to a user's directory"
mkdir -m 0755 /tmp/evil-state
chown nsiso-s: /tmp/evil-state
ln -s /tmp/evil-state /var/lib/nsiso
planted state-symlink
is "$(find /tmp/evil-state -mindepth 1 | wc -l)" 0 "state-symlink: nothing created in the target"
is "$(stat -c '%U %a' /tmp/evil-state)" "nsiso-s 755" "state-symlink: target not chowned or chmodded"
reset_state
persistent_policy

case_start "/var/lib/nsiso/UID a symlink to a user's directory"
mkdir -m 0700 /var/lib/nsiso
mkdir -m 0755 /tmp/evil-ud
chown nsiso-s: /tmp/evil-ud
ln -s /tmp/evil-ud "/var/lib/nsiso/$uid_s"
planted statedir-symlink
is "$(find /tmp/evil-ud -mindepth 1 | wc -l)" 0 "statedir-symlink: nothing created in the target"
reset_state
persistent_policy

case_start "instance dir /var/lib/nsiso/UID/tmp a symlink to a root-owned directory"
mkdir -m 0700 /var/lib/nsiso "/var/lib/nsiso/$uid_s"
mkdir -m 0755 /etc/nsiso-adv/target
: >/etc/nsiso-adv/target/keep
ln -s /etc/nsiso-adv/target "/var/lib/nsiso/$uid_s/tmp"
planted instance-symlink
is "$(stat -c '%U %a' /etc/nsiso-adv/target)" "root 755" "instance-symlink: the target is not chmodded to 1777"
empty "$(findmnt -rn -o TARGET | grep '^/etc/nsiso-adv' || true)" "instance-symlink: nothing mounted on the target"
reset_state
rm -rf /etc/nsiso-adv/target
persistent_policy

case_start "instance dir /var/lib/nsiso/UID/var-tmp a symlink to /etc (with /tmp's instance fine)"
mkdir -m 0700 /var/lib/nsiso "/var/lib/nsiso/$uid_s"
etc_mode=$(stat -c '%U %a' /etc)
ln -s /etc "/var/lib/nsiso/$uid_s/var-tmp"
planted instance-symlink-etc
is "$(stat -c '%U %a' /etc)" "$etc_mode" "instance-symlink-etc: /etc is not chmodded"
reset_state
persistent_policy

case_start "instance dir a FIFO"
mkdir -m 0700 /var/lib/nsiso "/var/lib/nsiso/$uid_s"
mkfifo -m 0600 "/var/lib/nsiso/$uid_s/tmp"
planted instance-fifo
is "$(stat -c %F "/var/lib/nsiso/$uid_s/tmp")" fifo "instance-fifo: the FIFO is left as it was"
reset_state
persistent_policy

case_start "instance dir owned by the user"
mkdir -m 0700 /var/lib/nsiso "/var/lib/nsiso/$uid_s"
mkdir -m 0700 "/var/lib/nsiso/$uid_s/tmp"
chown nsiso-s: "/var/lib/nsiso/$uid_s/tmp"
planted instance-user-owned
is "$(stat -c '%U %a' "/var/lib/nsiso/$uid_s/tmp")" "nsiso-s 700" "instance-user-owned: not chowned or chmodded"
reset_state

# ------------------------------------------------------------ tmp_dirs a user controls
case_start "tmp_dirs entry is a symlink the user planted in /var/tmp (CVE-2025-6020 shape)"
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
tmp_dirs = /var/tmp/work
EOF2
mkdir -m 0755 /etc/nsiso-adv/target
: >/etc/nsiso-adv/target/keep
setpriv --reuid nsiso-s --regid nsiso-s --clear-groups ln -s /etc/nsiso-adv/target /var/tmp/work
planted tmpdir-symlink
is "$(stat -c '%U %a' /etc/nsiso-adv/target)" "root 755" "tmpdir-symlink: the target is untouched"
reset_state

case_start "tmp_dirs entry is a directory the user owns"
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
tmp_dirs = /var/tmp/work
EOF2
setpriv --reuid nsiso-s --regid nsiso-s --clear-groups mkdir -m 0755 /var/tmp/work
planted tmpdir-user-owned
reset_state

case_start "afterwards, with a clean state, nsiso-s gets a good set"
tmpfs_policy
report_login good nsiso-s
expect_rc good "$RC" 0 "clean state: nsiso-s gets in"
isnt "$(field 1 "$(fact nsiso-s good ns)")" "$(field 1 "$SANDBOX_NS")" "clean state: nsiso-s is isolated"
is "$(fact nsiso-s good mnt_tmp | cut -d' ' -f1)" tmpfs "clean state: /tmp in the set is a tmpfs"

done_testing
