#!/bin/sh
# shellcheck disable=SC3043
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: show what pam_nsiso does, for real: a real sshd (UsePAM yes, the
# built module in its session stack) on 127.0.0.1, and the real ssh client.
# nsiso-alice logs in twice, nsiso-bob once, and nsiso-alice runs su - nsiso-bob, all inside a
# throwaway sandbox (tests/lib/sandbox.sh: new mount, pid, ipc, uts and net
# namespaces, fresh /run, /tmp, /var/tmp, /dev/shm, overlays on /etc, /var,
# /root and /home). The sshd, the demo users, their keys and homes, the PAM
# stacks and everything the module creates vanish with it.
#
# The sshd and session plumbing is the end-to-end tests' (tests/e2e/lib.sh,
# sourced): the demo shows the same machinery make e2e checks.
#
# Needs root. Exit status 0 when everything looked as it should.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)

# What the demo needs, checked before lib.sh puts it in the sandbox (and,
# harmlessly, once more inside).
if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it creates namespaces, mounts, users and an sshd inside a sandbox)" >&2
	exit 1
fi
[ -e "$TOP/build/pam_nsiso.so" ] || {
	echo "demo: $TOP/build/pam_nsiso.so is missing: run make" >&2
	exit 1
}
for p in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen; do
	[ -x "$p" ] || {
		echo "demo: $p is missing: make demo installs it (apt-get install openssh-server openssh-client)" >&2
		exit 1
	}
done

WAIT=20 # every wait is bounded by this many seconds
# The e2e tests' helpers; outside the sandbox, lib.sh re-executes this script
# inside the e2e sandbox (tests/lib/sandbox.sh) and never returns.
# shellcheck source=tests/e2e/lib.sh
. "$TOP/tests/e2e/lib.sh"

# --- inside the sandbox
MODULE=$TOP/build/pam_nsiso.so
BAD=0
GOOD=0

say()
{
	printf '%s\n' "$@"
}

# lib.sh reports in TAP for make e2e; the demo says it in its own words.
diag()
{
	printf '%s\n' "$@" | sed 's/^/           /'
}

diag_file()
{
	[ -s "$1" ] || return 0
	[ "$1" != "$STATE/sshd.log" ] || SSHD_LOG_SHOWN=1
	say "           --- $1"
	tail -n 20 "$1" | sed 's/^/           | /'
}

bail()
{
	say "    [FAIL] cannot go on: $1"
	shift
	[ $# = 0 ] || diag "$@"
	[ -z "${SSHD_PID:-}" ] || [ -n "${SSHD_LOG_SHOWN:-}" ] || diag_file "$STATE/sshd.log"
	exit 1
}

cannot_run()
{
	say "demo: cannot run: $1"
	exit 1
}

# check DESC CONDITION...: one line with a verdict
check()
{
	local desc
	desc=$1
	shift
	if "$@"; then
		say "    [ok]   $desc"
		GOOD=$((GOOD + 1))
	else
		say "    [FAIL] $desc"
		BAD=$((BAD + 1))
	fi
}

not()
{
	! "$@"
}

# all_differ "INODES" "INODES" (ns_of's output): every namespace differs
all_differ()
{
	local i
	for i in $(seq "$NSISO_TEST_NS_N"); do
		[ "$(field $i "$1")" != "$(field $i "$2")" ] || return 1
	done
}

ns_line()
{
	local i ns out
	i=0
	out=
	for ns in $NSISO_TEST_NS; do
		i=$((i + 1))
		out="${out:+$out  }$ns:[$(field $i "$1")]"
	done
	say "$out"
}

# show LOOK: what a session saw (the output of $BIN/look)
show()
{
	say "    namespaces: $(ns_line "$(getf ns "$1")")    hostname: $(getf host "$1")"
	say "    cat /tmp/hello  -> $(getf hello "$1")"
	say "    message queues  -> $(getf queues "$1")"
}

# run_in SESSION SNIPPET: run SNIPPET in an open ssh session (lib.sh's agent
# shell); its output in $OUT_TXT. A failure is said and counted.
run_in()
{
	local rc
	rc=0
	session_run "$1" "$2" >"$STATE/run_in.out" || rc=$?
	OUT_TXT=$(cat "$STATE/run_in.out")
	if [ "$rc" != 0 ]; then
		say "    [FAIL] in ssh session $1: '$2' exited $rc"
		diag_file "$LAST_ERR"
		BAD=$((BAD + 1))
	fi
}

# same_and_differ NS SAME OTHER: NS is SAME, and all of it differs from OTHER
same_and_differ()
{
	[ "$1" = "$2" ] && all_differ "$1" "$3"
}

# same_look LOOK NS HELLO: LOOK shows namespaces NS and /tmp/hello HELLO
same_look()
{
	[ "$(getf ns "$1")" = "$2" ] && [ "$(getf hello "$1")" = "$3" ]
}

# logout SESSION: end an open ssh session (its shell exits)
logout()
{
	session_end "$1"
	[ "$RC" = 0 ] && return 0
	say "    [FAIL] ssh session $1 ended with exit status $RC"
	diag_file "$STATE/$1.log"
	BAD=$((BAD + 1))
}

# The sets' pins live in the registry's keeper, a mount namespace of its
# own (docs/architecture.md); build/nsiso-keeper reads its table for us.
keeper_pins()
{
	"$TOP/build/nsiso-keeper" pins 2>/dev/null
}

# pinned: the users whose set the keeper pins
pinned()
{
	local uid list
	list=""
	for uid in $(keeper_pins | sed -n 's|^/\([0-9]*\)/mnt$|\1|p'); do
		list="$list${list:+, }$(getent passwd "$uid" | cut -d: -f1) (uid $uid)"
	done
	echo "${list:-none}"
}

n_pinned()
{
	keeper_pins | grep -c '^/[0-9]*/mnt$'
}

no_pins()
{
	[ -z "$(keeper_pins)" ]
}

# host_nsfs: the nsfs mounts under /run/nsiso in the host's own mount table
host_nsfs()
{
	findmnt -rn -t nsfs -o TARGET | grep '^/run/nsiso/' | tr '\n' ' '
}

# --- setup: users with ssh keys, the policy, PAM stacks, sshd
setup
add_user nsiso-alice
add_user nsiso-bob
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
hostname   = %u-box
EOF
pam_su
start_sshd
# what a session looks at, as KEY=value lines (getf KEY)
cat >"$BIN/look" <<'EOF'
#!/bin/sh
echo "ns=$(stat -L -c %i @NS_PATHS@ | paste -sd ' ' -)"
echo "host=$(hostname)"
echo "hello=$(cat /tmp/hello 2>&1 | sed 's/^cat: //')"
echo "queues=$(ipcs -q | awk '$1 ~ /^0x/' | wc -l)"
EOF
ns_fill "$BIN/look"
chmod 0755 "$BIN/look"

say "pam_nsiso demo: one persistent namespace set per user, through a real sshd"
say "(all of it runs in a throwaway sandbox; nothing is left on this machine)"
say ""
say "The sandbox plays the host. Its namespaces: $(ns_line "$SANDBOX_NS")"
say "Its hostname: $SANDBOX_HOST. Policy: namespaces = mnt, ipc, uts; hostname = %u-box"
say "sshd listens on 127.0.0.1:$SSH_PORT (UsePAM yes, key authentication); /etc/pam.d/sshd ends with"
say "    $(module_line)"
say ""

# --- nsiso-alice, ssh session 1: stays logged in until the end
say "nsiso-alice logs in with ssh (ssh nsiso-alice@127.0.0.1, session 1), writes /tmp/hello,"
say "creates a message queue, and stays logged in:"
session_start a1 nsiso-alice || bail "nsiso-alice's first ssh session did not come up"
run_in a1 "echo 'hello from nsiso-alice, ssh session 1' >/tmp/hello && ipcmk -Q >/dev/null && $BIN/look"
a1=$OUT_TXT
a1_ns=$(getf ns "$a1")
say "    namespaces: $(ns_line "$a1_ns")    hostname: $(getf host "$a1")"
check "nsiso-alice has namespaces of her own (mnt, ipc, uts all differ from the host's)" all_differ "$a1_ns" "$SANDBOX_NS"
check "her hostname is nsiso-alice-box" [ "$(getf host "$a1")" = nsiso-alice-box ]
say ""

say "nsiso-alice logs in again with ssh (session 2) while session 1 is still open:"
rc=0
a2=$(ssh_run a2 nsiso-alice "$BIN/look") || rc=$?
if [ "$rc" != 0 ]; then
	say "    [FAIL] ssh nsiso-alice@127.0.0.1 exited $rc"
	diag_file "$STATE/a2.err"
	BAD=$((BAD + 1))
fi
show "$a2"
check "same namespaces as her session 1 (same inode numbers)" [ "$(getf ns "$a2")" = "$a1_ns" ]
check "sees session 1's /tmp/hello" [ "$(getf hello "$a2")" = "hello from nsiso-alice, ssh session 1" ]
check "sees session 1's message queue" [ "$(getf queues "$a2")" = 1 ]
check "her hostname is nsiso-alice-box" [ "$(getf host "$a2")" = nsiso-alice-box ]
say ""

# --- nsiso-bob: stays logged in, for su - nsiso-bob below
say "nsiso-bob logs in with ssh (ssh nsiso-bob@127.0.0.1) and stays logged in:"
session_start b1 nsiso-bob || bail "nsiso-bob's ssh session did not come up"
run_in b1 "$BIN/look"
b1=$OUT_TXT
b1_ns=$(getf ns "$b1")
show "$b1"
check "none of nsiso-alice's namespaces (mnt, ipc, uts all differ)" all_differ "$b1_ns" "$a1_ns"
check "nor the host's" all_differ "$b1_ns" "$SANDBOX_NS"
check "does not see nsiso-alice's /tmp/hello" [ "$(getf hello "$b1")" = "/tmp/hello: No such file or directory" ]
check "does not see nsiso-alice's message queue" [ "$(getf queues "$b1")" = 0 ]
check "his hostname is nsiso-bob-box" [ "$(getf host "$b1")" = nsiso-bob-box ]
say "    (nsiso-bob writes his own /tmp/hello: 'hello from nsiso-bob')"
run_in b1 "echo 'hello from nsiso-bob' >/tmp/hello"
say ""

say "Meanwhile, on the host (the sandbox):"
# shellcheck disable=SC2012 # shown as it is, not parsed
say "    ls -A /tmp      -> $(ls -A /tmp | tr '\n' ' ')(empty means untouched)"
say "    hostname        -> $(hostname)"
say "    message queues  -> $(ipcs -q | awk '$1 ~ /^0x/' | wc -l)"
say "    pinned sets     -> $(pinned)"
say "    host's nsfs     -> $(host_nsfs)(the registry's keeper only)"
check "the registry's keeper pins both sets" [ "$(n_pinned)" = 2 ]
check "the host's own mount table holds one pin of pam_nsiso's, the keeper, not one per set" \
	[ "$(host_nsfs)" = "/run/nsiso/keeper " ]
check "the host's /tmp is untouched" [ -z "$(ls -A /tmp)" ]
check "the host's hostname is unchanged" [ "$(hostname)" = "$SANDBOX_HOST" ]
check "the host has none of nsiso-alice's message queues" [ "$(ipcs -q | awk '$1 ~ /^0x/' | wc -l)" = 0 ]
check "the listening sshd (pid $SSHD_PID) is still in the host's namespaces" [ "$(ns_of "$SSHD_PID")" = "$SANDBOX_NS" ]
say ""

# --- su - nsiso-bob from inside nsiso-alice's ssh session (the sandbox's su asks no password)
say "nsiso-alice, in her ssh session 1, runs su - nsiso-bob (the sandbox's su asks no password):"
run_in a1 "su - nsiso-bob -c $BIN/look"
su_b=$OUT_TXT
show "$su_b"
check "lands in nsiso-bob's set (same inode numbers as nsiso-bob's ssh session, not nsiso-alice's)" \
	same_and_differ "$(getf ns "$su_b")" "$b1_ns" "$a1_ns"
check "sees nsiso-bob's /tmp/hello, not nsiso-alice's" [ "$(getf hello "$su_b")" = "hello from nsiso-bob" ]
check "hostname is nsiso-bob-box" [ "$(getf host "$su_b")" = nsiso-bob-box ]
run_in a1 "$BIN/look"
check "nsiso-alice's own shell is still in her set, with her /tmp/hello" \
	same_look "$OUT_TXT" "$a1_ns" "hello from nsiso-alice, ssh session 1"
say ""

# --- both log out: the sets go away with their last session
say "nsiso-alice and nsiso-bob log out (lifetime = processes: a set goes with its last session):"
say "    pinned sets before -> $(pinned)"
logout b1
logout a1
wait_until no_pins
say "    pinned sets after  -> $(pinned)"
check "both sets are released" no_pins

say ""
if [ "$BAD" = 0 ]; then
	say "Everything looked as it should. The sandbox now ends: sshd, users, mounts and sets are gone."
else
	say "$BAD check(s) failed. The end of sshd's log:"
	diag_file "$STATE/sshd.log"
fi
# make check runs the demo too (so it cannot rot): its closing line.
echo "demo: $GOOD passed, $BAD failed"
[ "$BAD" = 0 ]
