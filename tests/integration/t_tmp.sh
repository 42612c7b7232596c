#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Case 11: the private /tmp, /var/tmp and /dev/shm of a set.
# Case 12: tmp = persistent survives a full tear-down of the set.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-a
add_user nsiso-p
uid_p=$(uid_of nsiso-p)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
tmp_size = 64M

[user:nsiso-p]
tmp = persistent
lifetime = session
EOF
write_pam debug

# has_opt OPTIONS OPT: is OPT one of the comma-separated OPTIONS?
has_opt()
{
	case ",$1," in
	*",$2,"*) return 0 ;;
	esac
	return 1
}

# ----------------------------------------------------------- case 11
report_login a1 nsiso-a
expect_rc a1 "$RC" 0 "nsiso-a's session opens"
for p in /tmp /var/tmp; do
	n=$(echo "$p" | tr / _)
	m=$(fact nsiso-a a1 "mnt$n")
	fstype=${m%% *}
	opts=${m#* }
	is "$fstype" "tmpfs" "$p inside is a tmpfs"
	is "$(fact nsiso-a a1 "stat$n")" "1777 root root" "$p inside is mode 1777, owned by root:root"
	for o in nosuid nodev size=65536k; do
		if has_opt "$opts" "$o"; then
			pass "$p inside is mounted with $o"
		else
			fail "$p inside is mounted with $o" "findmnt -no FSTYPE,OPTIONS: $m"
		fi
	done
	isnt "$(fact nsiso-a a1 "dev$n")" "$(stat -c %d "$p")" "$p inside is not the sandbox's $p"
done
is "$(fact nsiso-a a1 mnt_dev_shm | cut -d' ' -f1)" "tmpfs" "/dev/shm inside is a tmpfs"
is "$(fact nsiso-a a1 stat_dev_shm)" "1777 root root" "/dev/shm inside is mode 1777, owned by root:root"
isnt "$(fact nsiso-a a1 dev_dev_shm)" "$(stat -c %d /dev/shm)" "/dev/shm inside is not the sandbox's /dev/shm"
# One tmpfs for the whole set (issue 12: tmp_size is one per-user figure), with a
# directory of its own per mount point: the same st_dev, not the same files.
is "$(fact nsiso-a a1 dev_tmp)" "$(fact nsiso-a a1 dev_var_tmp)" "/tmp and /var/tmp inside are one tmpfs"
is "$(fact nsiso-a a1 dev_dev_shm)" "$(fact nsiso-a a1 dev_tmp)" "/dev/shm inside is that tmpfs too"
RC=0
login a2 nsiso-a -- sh -c 'echo only-tmp >/tmp/which; test ! -e /var/tmp/which && test ! -e /dev/shm/which' ||
	RC=$?
expect_rc a2 "$RC" 0 "a file in /tmp is not in /var/tmp or /dev/shm: distinct directories"

# ----------------------------------------------------------- case 12
bg_session p1 nsiso-p "echo persist-1 >/tmp/f; echo persist-v >/var/tmp/f"
wait_ready p1 nsiso-p || bail "persistent: first session did not come up" "$(cat "$STATE/p1.err")"
p1=$(fact nsiso-p p1 ns)
hold_ns p "$(session_pid nsiso-p p1)"
finish p1
expect_rc p1 "$RC" 0 "persistent: session 1 wrote /tmp/f and /var/tmp/f and closed"
is "$(pins_of "$uid_p")" "" "persistent: the set is torn down (lifetime session, no pin left)"
is "$(mountinfo_refs "$p1")" "" "persistent: no /proc/*/mountinfo holds the old set's namespaces"
report_login p2 nsiso-p
expect_rc p2 "$RC" 0 "persistent: next session opens"
isnt "$(field 1 "$(fact nsiso-p p2 ns)")" "$(field 1 "$p1")" "persistent: it is a new set (new mnt namespace)"
is "$(fact nsiso-p p2 tmp_f)" "persist-1" "persistent: /tmp/f survived the tear-down"
is "$(fact nsiso-p p2 vartmp_f)" "persist-v" "persistent: /var/tmp/f survived the tear-down"
no_cmd "persistent: the files are not in the sandbox's /tmp" test -e /tmp/f
is "$(stat -c '%a %U %G' /var/lib/nsiso 2>&1)" "700 root root" "/var/lib/nsiso is root 0700"
is "$(stat -c %F /var/lib/nsiso 2>&1)" "directory" "/var/lib/nsiso is a real directory"

done_testing
