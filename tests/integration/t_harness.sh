#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Self-test of the harness (nsiso-pamh + sandbox) with stacks of stock modules
# only: it must pass whatever state pam_nsiso.so is in.
. "$(dirname "$0")/lib.sh"
setup

add_user nsiso-a
uid_a=$(uid_of nsiso-a)

# The sandbox itself
is "$(cat /proc/1/comm)" "sh" "sandbox: PID 1 is the sandbox shell"
is "$(findmnt -no FSTYPE --mountpoint /etc)" "overlay" "sandbox: /etc is an overlay"
is "$(findmnt -no FSTYPE --mountpoint /tmp)" "tmpfs" "sandbox: /tmp is a fresh tmpfs"
is "$(findmnt -no SOURCE --mountpoint /dev/shm | tail -n 1)" "sandbox-shm" "sandbox: /dev/shm is a fresh tmpfs"
is "$SANDBOX_HOST" "nsiso-sandbox" "sandbox: own hostname"

write_pam_lines "session required pam_permit.so"

report_login permit nsiso-a
expect_rc permit "$RC" 0 "permit-only stack: session opens and the command runs (exit 0)"
is "$(fact nsiso-a permit uid)" "$uid_a" "command runs as the user (uid $uid_a)"
is "$(fact nsiso-a permit ns)" "$SANDBOX_NS" "permit-only stack: command runs in the sandbox's own namespaces"

RC=0
login rc7 nsiso-a -- sh -c 'exit 7' || RC=$?
is "$RC" 7 "exit status of the command is passed through"

RC=0
login sig nsiso-a -- sh -c 'kill -TERM $$' || RC=$?
is "$RC" 143 "a command killed by SIGTERM gives 128+15"

RC=0
out=$(login asroot nsiso-a --as-root -- id -u) || RC=$?
is "$RC:$out" "0:0" "--as-root keeps uid 0"

out=$(login env nsiso-a -- env | cut -d= -f1 | sort | tr '\n' ' ')
is "$out" "HOME LOGNAME PATH USER " "minimal environment (HOME LOGNAME PATH USER)"

groupadd nsiso-extra
usermod -a -G nsiso-extra nsiso-a
out=$(login groups nsiso-a -- id -Gn | tr ' ' '\n' | sort | tr '\n' ' ')
is "$out" "nsiso-a nsiso-extra " "supplementary groups are set (initgroups)"

write_pam_lines "session required pam_deny.so"
RC=0
login deny nsiso-a -- sh -c ': >/run/nsiso-test/out/nsiso-a/ran' || RC=$?
expect_rc deny "$RC" 3 "failing open_session: exit 3"
no_cmd "failing open_session: the command does not run" test -e "$OUT/nsiso-a/ran"
ok_cmd "failing open_session: message on stderr" grep -q '^pamh: open_session: ' "$STATE/deny.err"

write_pam_lines "session required pam_permit.so" \
	"session required pam_exec.so $BIN/failclose"
RC=0
login closefail nsiso-a -- true || RC=$?
expect_rc closefail "$RC" 4 "failing close_session: exit 4"
RC=0
login noclose nsiso-a --no-close -- true || RC=$?
expect_rc noclose "$RC" 0 "--no-close does not call close_session"

RC=0
"$PAMH" --confdir "$PAMDIR" --user nsiso-a -- true 2>/dev/null || RC=$?
is "$RC" 2 "usage error: exit 2"

done_testing
