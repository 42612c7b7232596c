#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile or broken policy files. For each: the non-exempt user is refused
# (exit 3) in bounded time (a FIFO or a device must not hang a login), root
# still gets in (in the sandbox's own namespaces), nothing is created,
# changed or chowned in any writable tree (not even /run/nsiso), and the
# policy file itself is left as it was. The same for a good policy file with a
# hostile drop-in directory (issue 15). A file with more than 4096 sections is
# refused too; one with exactly 4096 is
# checked for what it does when valid: it loads in bounded time and the
# user's own section (the last one) applies.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-p
mkdir -m 0700 "$OUT/root"
start_logsink || bail "cannot start the /dev/log listener (build/tests/helpers/logsink)"
uid_p=$(uid_of nsiso-p)
LOGIN_TIMEOUT=$((30 * TIME_FACTOR))
LIMIT=$((10 * TIME_FACTOR))

GOOD='[global]
namespaces = mnt, ipc, uts'

# refused LABEL CONFIG: the login checks for a bad policy at CONFIG.
refused()
{
	local label cfg rc start end changes
	label=$1
	cfg=$2
	write_pam_config "$MODULE" "$cfg" debug
	fs_snapshot "$STATE/snap.$label"
	rc=0
	start=$(date +%s)
	login "p-$label" nsiso-p --ns-report "$STATE/p-$label.ns" -- "$BIN/report" "$OUT/nsiso-p/p-$label" || rc=$?
	end=$(date +%s)
	expect_rc "p-$label" "$rc" 3 "policy $label: nsiso-p is refused (exit 3; 124/137 would be a hang)"
	[ $((end - start)) -le $LIMIT ] && pass "policy $label: the refusal took $((end - start)) s (at most $LIMIT)" ||
		fail "policy $label: the refusal took $((end - start)) s (at most $LIMIT)"
	no_cmd "policy $label: nsiso-p's command did not run" test -e "$OUT/nsiso-p/p-$label"
	is "$(sed -n 's/^open [0-9]* //p' "$STATE/p-$label.ns")" "$SANDBOX_NS" \
		"policy $label: the refused caller stays in the sandbox's namespaces"
	report_login "r-$label" root
	expect_rc "r-$label" "$RC" 0 "policy $label: root still gets in"
	is "$(fact root "r-$label" ns)" "$SANDBOX_NS" "policy $label: root runs in the sandbox's own namespaces"
	changes=$(fs_changes "$STATE/snap.$label")
	empty "$changes" "policy $label: nothing created, changed or chowned (no /run/nsiso, policy file untouched)"
	[ -e /run/nsiso ] && fail "policy $label: /run/nsiso does not exist" || pass "policy $label: /run/nsiso does not exist"
}

# put_policy FILE MODE OWNER < TEXT
put_policy()
{
	rm -f "$1"
	cat >"$1"
	chown "$3" "$1"
	chmod "$2" "$1"
}

case_start "group-writable policy file"
echo "$GOOD" | put_policy "$CONF" 0664 root:root
refused group-writable "$CONF"

case_start "world-writable policy file"
echo "$GOOD" | put_policy "$CONF" 0646 root:root
refused world-writable "$CONF"

case_start "policy file owned by a user"
echo "$GOOD" | put_policy "$CONF" 0644 nsiso-p:
refused user-owned "$CONF"

case_start "policy file is a symlink (to a good root-owned file)"
echo "$GOOD" | put_policy "$CONFDIR/real.conf" 0644 root:root
rm -f "$CONF"
ln -s "$CONFDIR/real.conf" "$CONF"
refused symlink "$CONF"

case_start "policy file in a directory owned by the user"
mkdir -m 0755 "$CONFDIR/udir"
chown nsiso-p: "$CONFDIR/udir"
echo "$GOOD" | put_policy "$CONFDIR/udir/nsiso.conf" 0644 root:root
refused user-dir "$CONFDIR/udir/nsiso.conf"

case_start "policy file in a world-writable sticky directory (like /tmp)"
mkdir -m 1777 "$CONFDIR/sticky"
echo "$GOOD" | put_policy "$CONFDIR/sticky/nsiso.conf" 0644 root:root
refused sticky-dir "$CONFDIR/sticky/nsiso.conf"

case_start "a directory on the way is a symlink"
mkdir -m 0755 "$CONFDIR/realdir"
echo "$GOOD" | put_policy "$CONFDIR/realdir/nsiso.conf" 0644 root:root
ln -s "$CONFDIR/realdir" "$CONFDIR/linkdir"
refused dir-symlink "$CONFDIR/linkdir/nsiso.conf"

case_start "policy file is a FIFO (no writer: a blocking open would hang)"
rm -f "$CONF"
mkfifo -m 0644 "$CONF"
refused fifo "$CONF"
is "$(stat -c %F "$CONF")" "fifo" "policy fifo: the FIFO is still there, untouched"

case_start "policy file is a character device (/dev/zero: an endless read)"
refused dev-zero /dev/zero

case_start "policy file is a directory"
refused directory "$CONFDIR/realdir"

case_start "syntax errors"
printf '[global\nnamespaces = mnt\n' | put_policy "$CONF" 0644 root:root
refused syntax-open-section "$CONF"
printf '[global]\nnamespaces mnt\n' | put_policy "$CONF" 0644 root:root
refused syntax-no-equals "$CONF"
printf 'namespaces = mnt\n[global]\n' | put_policy "$CONF" 0644 root:root
refused syntax-key-before-section "$CONF"
printf '[global]\nnamespaces = mnt, ipc \\\n' | put_policy "$CONF" 0644 root:root
refused syntax-dangling-continuation "$CONF"
printf '[global]\ntmp_size = 99999999999999999999999G\n' | put_policy "$CONF" 0644 root:root
refused value-overflow "$CONF"
printf '[global]\ntmp_dirs = /tmp/../etc\n' | put_policy "$CONF" 0644 root:root
refused value-dotdot-tmpdir "$CONF"
printf '[global]\nhostname = %%x\n' | put_policy "$CONF" 0644 root:root
refused value-bad-template "$CONF"
printf '[global]\n[global]\n' | put_policy "$CONF" 0644 root:root
refused duplicate-global "$CONF"
printf '[global]\ntmp_dirs = /run/nsiso\n' | put_policy "$CONF" 0644 root:root
refused tmpdir-registry "$CONF"
printf '[global]\ntmp_dirs = /\n' | put_policy "$CONF" 0644 root:root
refused tmpdir-root "$CONF"
printf '[global]\ntmp_dirs = /proc/sys\n' | put_policy "$CONF" 0644 root:root
refused tmpdir-proc "$CONF"
printf '[global]\ntmp_dirs = tmp\n' | put_policy "$CONF" 0644 root:root
refused tmpdir-relative "$CONF"

case_start "control bytes and non-ASCII in section names, keys and values (the log must escape them)"
printf '[user:\033]0;owned\007\377]\ntmp_size = 1M\n[global]\nhost\033[2Jname = x\n' | put_policy "$CONF" 0644 root:root
refused control-bytes "$CONF"

case_start "NUL bytes in the policy"
printf '[global]\nnamespaces = mnt\000, ipc, uts\n' | put_policy "$CONF" 0644 root:root
refused nul-in-value "$CONF"
printf '[glo\000bal]\nnamespaces = mnt\n' | put_policy "$CONF" 0644 root:root
refused nul-in-section "$CONF"

case_start "a 1 MB line"
{
	printf '[global]\nhostname = '
	head -c 1048000 /dev/zero | tr '\0' a
	printf '\n'
} | put_policy "$CONF" 0644 root:root
refused one-mb-line "$CONF"

case_start "a file larger than 1 MiB (comment lines only after [global])"
{
	printf '[global]\n'
	i=0
	while [ $i -lt 20000 ]; do
		printf '; %s\n' "padding padding padding padding padding padding padding"
		i=$((i + 1))
	done
} | put_policy "$CONF" 0644 root:root
refused over-1mib "$CONF"

case_start "10000 sections, the last one broken"
{
	echo "$GOOD"
	i=1
	while [ $i -le 10000 ]; do
		printf '[user:u%d]\ntmp_size = 1M\n' $i
		i=$((i + 1))
	done
	printf '[user:u10001]\nno_such_key = 1\n'
} | put_policy "$CONF" 0644 root:root
refused 10000-sections-one-bad "$CONF"

case_start "10000 copies of the same section"
{
	echo "$GOOD"
	i=1
	while [ $i -le 10000 ]; do
		printf '[user:nsiso-p]\ntmp_size = 1M\n'
		i=$((i + 1))
	done
} | put_policy "$CONF" 0644 root:root
refused 10000-duplicate-sections "$CONF"

case_start "10000 valid sections (over the cap of 4096: refused before iniparser sees it)"
{
	echo "$GOOD"
	i=1
	while [ $i -le 5000 ]; do
		printf '[user:u%d]\ntmp_size = 1M\n[group:g%d]\nlifetime = boot\n' $i $i
		i=$((i + 1))
	done
} | put_policy "$CONF" 0644 root:root
refused 10000-valid-sections "$CONF"

# ---------------------------------------------------------------- drop-ins
# A good main file, a hostile nsiso.d next to it: each is refused like a
# hostile main file (the login does not hang or take long, nothing is made).
DROP=$CONFDIR/nsiso.d
echo "$GOOD" | put_policy "$CONF" 0644 root:root
mkdir -m 0755 "$DROP"

case_start "a drop-in that is a FIFO (no writer: a blocking open would hang)"
mkfifo -m 0644 "$DROP/50-fifo.conf"
refused dropin-fifo "$CONF"
rm -f "$DROP/50-fifo.conf"

case_start "a drop-in that is a character device (/dev/zero: an endless read)"
if mknod -m 0644 "$DROP/50-zero.conf" c 1 5 2>/dev/null; then
	refused dropin-dev-zero "$CONF"
	rm -f "$DROP/50-zero.conf"
else
	skip "a /dev/zero drop-in is refused" "mknod is not permitted in this sandbox"
fi

case_start "a drop-in that is a symlink to /dev/zero"
ln -s /dev/zero "$DROP/50-zero.conf"
refused dropin-symlink-dev-zero "$CONF"
rm -f "$DROP/50-zero.conf"

case_start "a drop-in directory owned by the user"
chown nsiso-p: "$DROP"
refused dropin-dir-user "$CONF"
chown root:root "$DROP"

case_start "a drop-in directory that is a symlink to a directory of the user's"
mkdir -m 0755 "$OUT/nsiso-p/d"
chown nsiso-p: "$OUT/nsiso-p/d"
rmdir "$DROP"
ln -s "$OUT/nsiso-p/d" "$DROP"
refused dropin-dir-symlink "$CONF"
rm -f "$DROP"
mkdir -m 0755 "$DROP"

case_start "300 drop-ins (over the bound of 256)"
i=0
while [ $i -lt 300 ]; do
	printf '[user:u%d]
tmp_size = 1M
' $i >"$DROP/$i.conf"
	i=$((i + 1))
done
refused dropin-300-files "$CONF"
rm -f "$DROP"/*.conf

case_start "5000 entries in the drop-in directory (over the bound of 4096)"
i=0
while [ $i -lt 5000 ]; do
	: >"$DROP/junk$i"
	i=$((i + 1))
done
refused dropin-5000-entries "$CONF"
rm -f "$DROP"/junk*

case_start "drop-ins of more than 1 MiB together (each one less)"
for f in a b; do
	{
		printf '[global]
'
		i=0
		while [ $i -lt 9100 ]; do
			printf '; %s\n' "padding padding padding padding padding padding padding"
			i=$((i + 1))
		done
	} >"$DROP/$f.conf"
done
refused dropin-over-1mib "$CONF"
rm -rf "$DROP"

case_start "4096 sections, the cap (accepted: the user's own, last, section applies)"
{
	echo "$GOOD"
	i=1
	while [ $i -le 2047 ]; do
		printf '[user:u%d]\ntmp_size = 1M\n[group:g%d]\nlifetime = boot\n' $i $i
		i=$((i + 1))
	done
	printf '[user:nsiso-p]\nhostname = deep-%%U\nlifetime = session\n'
} | put_policy "$CONF" 0644 root:root
write_pam debug
start=$(date +%s)
report_login big nsiso-p
end=$(date +%s)
expect_rc big "$RC" 0 "4096 sections: nsiso-p gets in"
[ $((end - start)) -le $LIMIT ] && pass "4096 sections: the login took $((end - start)) s (at most $LIMIT)" ||
	fail "4096 sections: the login took $((end - start)) s (at most $LIMIT)"
is "$(fact nsiso-p big hostname)" "deep-$uid_p" "4096 sections: nsiso-p's own section (the last) applies"
isnt "$(field 1 "$(fact nsiso-p big ns)")" "$(field 1 "$SANDBOX_NS")" "4096 sections: nsiso-p is isolated"
empty "$(pins_of "$uid_p")" "4096 sections: lifetime = session from that section: no pin after the close"

case_start "a hostname template with control and non-ASCII bytes (accepted: expanded to a safe name)"
printf '[global]\nnamespaces = mnt, ipc, uts\nhostname = \303\251\377\033[31m%%u\n' | put_policy "$CONF" 0644 root:root
report_login odd-host nsiso-p
expect_rc odd-host "$RC" 0 "odd hostname template: nsiso-p gets in"
is "$(fact nsiso-p odd-host hostname)" "-----31mnsiso-p" "odd hostname template: every byte outside [A-Za-z0-9._-] became '-'"
is "$(hostname)" "$SANDBOX_HOST" "odd hostname template: the sandbox's own host name is unchanged"

case_start "the module's log lines for all of the above"
n=$(grep -c 'pam_nsiso' "$SYSLOG" 2>/dev/null || true)
[ "${n:-0}" -ge 30 ] && pass "the module logged ($n lines through the sandbox's /dev/log)" ||
	{ fail "the module logged one line per refusal (got ${n:-0})"; diag_file "$SYSLOG"; }
empty "$(grep '^RAW .*pam_nsiso' "$SYSLOG" || true)" "no log line of the module carries a raw control or non-ASCII byte"
empty "$(grep 'pam_nsiso' "$SYSLOG" | awk 'length($0) > 2048' || true)" "no log line of the module is longer than 2048 bytes (the 1 MB line is not logged whole)"

case_start "control: a good policy isolates nsiso-p (so the refusals above were the policy's doing)"
echo "$GOOD" | put_policy "$CONF" 0644 root:root
report_login ctl nsiso-p
expect_rc ctl "$RC" 0 "good policy: nsiso-p gets in"
isnt "$(field 1 "$(fact nsiso-p ctl ns)")" "$(field 1 "$SANDBOX_NS")" "good policy: nsiso-p is isolated"
empty "$(pamh_procs)" "no nsiso-pamh process is left"

done_testing
