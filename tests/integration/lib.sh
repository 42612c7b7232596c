# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043,SC2034,SC2016
# (local: dash, bash and busybox sh have it; SC2034: variables used by the
# t_*.sh files that source this; SC2016: $PAM_TYPE is failclose's own)
#
# Helpers for the integration tests. Sourced by tests/integration/t_*.sh (and
# by tests/ctl/t_*.sh that need real sets):
#
#   . "$(dirname "$0")/lib.sh"
#
# A test file re-executes itself inside tests/lib/sandbox.sh (overlays on
# /etc and /var, hostname nsiso-sandbox), so nothing here ever runs against
# the real machine. The reporting is tests/lib/tap.sh, the logins through
# nsiso-pamh are tests/lib/pamh.sh; here: the suite's settings and the facts
# a session reports ($BIN/report).
#
# The tests check kernel facts only: namespace inodes (/proc/PID/ns), mount
# tables (findmnt, /proc/PID/mountinfo), ipcs, hostname, files. A session's
# facts are written by $BIN/report (run as the user inside the session) into
# $OUT/<user>/<tag>/ and read back here as root.

TOP=$(cd "$(dirname "$0")/../.." && pwd)

# The sandbox this file runs in (tests/lib/sandbox.sh): outside it, start again inside.
# A file that must create something under /dev (a /dev/mqueue mount point on a
# machine without one, t_mqueue.sh; the /dev/log it listens on, t_log.sh) sets
# SANDBOX_EXTRA_OVERLAYS=dev before sourcing this.
export NSISO_SANDBOX_SUITE=integration NSISO_SANDBOX_OVERLAYS="etc var${SANDBOX_EXTRA_OVERLAYS:+ $SANDBOX_EXTRA_OVERLAYS}" NSISO_SANDBOX_HOSTNAME=nsiso-sandbox NSISO_SANDBOX_SSHD=0
sh "$TOP/tests/lib/sandbox.sh" --inside || exec sh "$TOP/tests/lib/sandbox.sh" "$0" "$@"

set -u

PAMH=${NSISO_TEST_PAMH:-$TOP/build/nsiso-pamh}
# NSISO_TEST_MODULE=pam_permit.so dry-runs the test logic without the module
# (every isolation assertion then fails, by design).
MODULE=${NSISO_TEST_MODULE:-$TOP/build/pam_nsiso.so}
LOGIN_TIMEOUT=${LOGIN_TIMEOUT:-120}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-60}

TAP_SUITE=integration
# shellcheck source=tests/lib/tap.sh
. "$TOP/tests/lib/tap.sh"
# service nsiso-test, /etc/nsiso-test, work dirs under /run/nsiso-test
PAMH_NAME=nsiso-test
# shellcheck source=tests/lib/pamh.sh
. "$TOP/tests/lib/pamh.sh"

# $BIN/report DIR: facts as seen by the calling process, one file each.
write_report_script()
{
	cat >"$BIN/report" <<'EOF'
#!/bin/sh
# report DIR: write what this process sees into DIR (created, must not exist yet)
d=$1
mkdir "$d" || exit 1
stat -L -c %i @NS_PATHS@ | paste -sd ' ' - >"$d/ns"
id -u >"$d/uid"
hostname >"$d/hostname"
cat /tmp/f >"$d/tmp_f" 2>/dev/null || echo ABSENT >"$d/tmp_f"
cat /var/tmp/f >"$d/vartmp_f" 2>/dev/null || echo ABSENT >"$d/vartmp_f"
cat /dev/shm/nsiso-f >"$d/shm_f" 2>/dev/null || echo ABSENT >"$d/shm_f"
ipcs -q >"$d/ipcs_q" 2>&1
ipcs -q | awk '$1 ~ /^0x/ { print $2 }' >"$d/msqids"
findmnt -rn -t nsfs >"$d/findmnt_nsfs" 2>&1
grep -c nsfs /proc/self/mountinfo >"$d/mountinfo_nsfs"
for p in /tmp /var/tmp /dev/shm; do
	n=$(echo "$p" | tr / _)
	# the top of a stack of mounts on $p is the last one listed
	findmnt -no FSTYPE,OPTIONS --mountpoint "$p" 2>&1 | tail -n 1 >"$d/mnt$n"
	stat -c '%a %U %G' "$p" >"$d/stat$n" 2>&1
	stat -c %d "$p" >"$d/dev$n" 2>&1
done
cp /proc/self/mountinfo "$d/mountinfo"
# what this shell inherited: 0-2 and the descriptors of this loop itself are expected
for f in /proc/$$/fd/*; do
	printf '%s %s\n' "${f##*/}" "$(readlink "$f")"
done >"$d/fds"
exit 0
EOF
	ns_fill "$BIN/report"
	chmod 0755 "$BIN/report"
	printf '#!/bin/sh\n# fails in close_session only (pam_exec sets PAM_TYPE)\n[ "$PAM_TYPE" != close_session ]\n' >"$BIN/failclose"
	chmod 0755 "$BIN/failclose"
}
