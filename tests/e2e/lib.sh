# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043,SC2016,SC2034
# (SC2016: sh -c '...' scripts get their values as arguments; SC2034: variables
# used by the t_*.sh files that source this)
# (local: dash, bash and busybox sh have it)
#
# Helpers for the end-to-end tests, sourced by tests/e2e/t_*.sh:
#
#   . "$(dirname "$0")/lib.sh"
#
# A test file run directly (sh tests/e2e/t_x.sh) re-executes itself inside
# tests/lib/sandbox.sh (overlays on /etc, /var, /root and /home, /run/sshd,
# hostname nsiso-e2e), so nothing here ever runs against the real machine.
#
# Real programs only: /usr/sbin/sshd with UsePAM and key authentication, the
# real ssh/scp/sftp clients, util-linux su and runuser, with test PAM stacks
# written over /etc/pam.d/{sshd,su,su-l,runuser,runuser-l} (the sandbox's
# overlay of /etc). The tests assert kernel facts (namespace inodes from
# /proc/PID/ns, files, hostname), never the module's log lines.
#
# A login session is driven by an "agent" ($BIN/agent) run as the user's
# remote command: root hands it shell snippets through command files in $CMDS
# (root-owned, 0755) and reads stdout, stderr and exit status back from
# $OUT/<user>/ (see session_start, session_run, session_end).

# The repository: the nearest directory above this script's with tests/lib
# (tests/demo.sh, one level up, sources this file too).
TOP=$(cd "$(dirname "$0")" && until [ -f tests/lib/tap.sh ] || [ "$PWD" = / ]; do cd ..; done && pwd)

# The sandbox this file runs in (tests/lib/sandbox.sh): outside it, start again
# inside. The systemd suite sources this file for its helpers inside a sandbox
# of its own (a booted systemd, tests/systemd/sandbox.sh), checked here too.
if [ "${NSISO_E2E_SANDBOX:-}" = systemd ] && sh "$TOP/tests/systemd/sandbox.sh" --inside; then
	:
else
	export NSISO_SANDBOX_SUITE=e2e NSISO_SANDBOX_OVERLAYS="etc var root home" NSISO_SANDBOX_HOSTNAME=nsiso-e2e NSISO_SANDBOX_SSHD=1
	sh "$TOP/tests/lib/sandbox.sh" --inside || exec sh "$TOP/tests/lib/sandbox.sh" "$0" "$@"
fi

set -u
umask 022

# NSISO_TEST_MODULE=pam_permit.so (the old name NSISO_E2E_MODULE works too)
# dry-runs the tests without the module (every isolation assertion then
# fails, by design: a check of the checks).
MODULE=${NSISO_TEST_MODULE:-${NSISO_E2E_MODULE:-$TOP/build/pam_nsiso.so}}
PAMH=${NSISO_TEST_PAMH:-$TOP/build/nsiso-pamh}
E2E=/etc/nsiso-e2e   # root 0755 (sandbox overlay of /etc): policy, keys, sshd config
CONF=$E2E/nsiso.conf # the policy (root 0644), passed with config=
AUTHKEYS=$E2E/keys   # AuthorizedKeysFile $AUTHKEYS/%u, root 0644
SSHDIR=$E2E/ssh      # host key, sshd_config
W=/run/nsiso-e2e     # root 0755, visible inside the sets (same /run tmpfs)
BIN=$W/bin           # scripts run inside sessions
CMDS=$W/cmds         # root 0755: command files and flags, only root writes here
OUT=$W/out           # $OUT/<user>: owned by the user, 0700
STATE=$W/state       # root 0700: client keys, logs
# every wait is bounded by this many seconds: WAIT_TIMEOUT, as in the other
# suites (WAIT, the old name, still works)
WAIT=${WAIT_TIMEOUT:-${WAIT:-60}}
SSH_PORT=
SSHD_PID=
USERADD_OPTS="-m" # test users have a home (sshd's session starts there)

# ---------------------------------------------------------------- reporting

# tests/lib/tap.sh, with the end of a long output shown (sshd's log), and
# facts that read MISSING never taken for a match (TAP_STRICT).
TAP_SUITE=e2e
TAP_EXCERPT="tail"
TAP_STRICT=1
# shellcheck source=tests/lib/tap.sh
. "$TOP/tests/lib/tap.sh"
# ns_of, field, add_user, uid_of, write_policy, session_pid, pins_of, ...
# shellcheck source=tests/lib/common.sh
. "$TOP/tests/lib/common.sh"

# A bail shows the end of sshd's log once sshd was started.
tap_on_bail()
{
	[ -z "${SSHD_PID:-}" ] || diag_file "$STATE/sshd.log"
}

# need_prog PATH-OR-NAME...: cannot_run unless every program is there.
need_prog()
{
	local p
	for p in "$@"; do
		case $p in
		/*) [ -x "$p" ] || cannot_run "$p is not installed (Debian: openssh-server/openssh-client/util-linux/login)" ;;
		*) command -v "$p" >/dev/null 2>&1 || cannot_run "$p is not installed" ;;
		esac
	done
}

# ---------------------------------------------------------------- waiting

# wait_until CMD [ARGS...]: poll until CMD (a command or a shell function of
# the test) succeeds, at most $WAIT s; 0, or 124 on timeout.
wait_until()
{
	local end
	end=$(($(date +%s) + WAIT))
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 124
		sleep 0.05
	done
}

# ---------------------------------------------------------------- kernel facts

# getf KEY TEXT: the value of "KEY=value" in TEXT (the output of $BIN/facts),
# MISSING when there is none.
getf()
{
	local v
	v=$(printf '%s\n' "$2" | sed -n "s/^$1=//p" | head -n 1)
	echo "${v:-MISSING}"
}

# refs_of "INODES" (ns_of's output): every mount table on the machine
# holding an nsfs mount (a pin) of one of these namespaces: each
# /proc/PID/mountinfo (all of them here), and the registry's keeper (registry
# v2, lib/keeper.h), which has no process to show it in /proc and is named
# "keeper".
refs_of()
{
	local re
	re=$(nsfs_re "$1")
	grep -l -E "$re" /proc/[0-9]*/mountinfo 2>/dev/null
	if "$TOP/build/nsiso-keeper" mounts 2>/dev/null | grep -q -E "$re"; then
		echo keeper
	fi
	return 0
}

# no_refs_of "INODES": true when no mount table holds a pin of them.
no_refs_of()
{
	[ -z "$(refs_of "$1")" ]
}

ppid_of()
{
	awk '/^PPid:/ { print $2 }' "/proc/$1/status" 2>/dev/null
}

args_of()
{
	ps -o args= -p "$1" 2>/dev/null | sed 's/ *$//'
}

# ---------------------------------------------------------------- setup

setup()
{
	need_prog unshare ip ss ps pgrep useradd stat timeout
	case $MODULE in
	*/*) [ -f "$MODULE" ] || bail "$MODULE is missing: run make" ;;
	esac
	mkdir -p "$E2E" "$AUTHKEYS" "$SSHDIR" "$W" "$BIN" "$CMDS" "$OUT" "$STATE/keys"
	chown root:root "$E2E" "$AUTHKEYS" "$SSHDIR" "$W" "$BIN" "$CMDS" "$OUT" "$STATE"
	chmod 0755 "$E2E" "$AUTHKEYS" "$SSHDIR" "$W" "$BIN" "$CMDS" "$OUT"
	chmod 0700 "$STATE" "$STATE/keys"
	[ "$(stat -c '%a %U' /etc)" = "755 root" ] || bail "/etc is not root 0755: the policy would be refused"
	write_scripts
	SANDBOX_NS=$(ns_of 1)
	SANDBOX_HOST=$(hostname)
	[ "$(ns_of $$)" = "$SANDBOX_NS" ] || bail "the test shell is not in the namespaces of the sandbox's PID 1"
}

write_scripts()
{
	# facts: what the calling process sees, as KEY=value lines.
	cat >"$BIN/facts" <<'EOF'
#!/bin/sh
echo "ns=$(stat -L -c %i @NS_PATHS@ | paste -sd ' ' -)"
echo "uid=$(id -u)"
echo "host=$(hostname)"
echo "tmp_f=$(cat /tmp/f 2>/dev/null || echo ABSENT)"
echo "pid=$$"
EOF
	# agent TAG: a session's shell, driven by root (see session_run).
	cat >"$BIN/agent" <<EOF
#!/bin/sh
tag=\$1
dir=$OUT/\$(id -un)
echo \$\$ >"\$dir/\$tag.pid"
: >"\$dir/\$tag.ready"
n=1
while :; do
	f=$CMDS/\$tag.\$n
	timeout $WAIT sh -c 'until [ -e "\$1" ]; do sleep 0.05; done' _ "\$f" || exit 124
	[ "\$(cat "\$f")" = exit ] && exit 0
	rc=0
	sh "\$f" >"\$dir/\$tag.\$n.out" 2>"\$dir/\$tag.\$n.err" </dev/null || rc=\$?
	echo "\$rc" >"\$dir/\$tag.\$n.rc"
	n=\$((n + 1))
done
EOF
	# hold FLAG: print its pid (holder=), the facts and "ready", then wait
	# (bounded) for $CMDS/FLAG.
	cat >"$BIN/hold" <<EOF
#!/bin/sh
echo "holder=\$\$"
$BIN/facts
echo ready
timeout $WAIT sh -c 'until [ -e "\$1" ]; do sleep 0.05; done' _ "$CMDS/\$1"
EOF
	ns_fill "$BIN/facts"
	chmod 0755 "$BIN/facts" "$BIN/agent" "$BIN/hold"
}

# flag NAME: create $CMDS/NAME (only root can).
flag()
{
	: >"$CMDS/$1"
}

# ---------------------------------------------------------------- users

# add_user NAME [useradd options] (tests/lib/common.sh): a user with a home
# (in the sandbox's /home overlay) and, added here, an ed25519 client key in
# $STATE/keys/NAME and its public half as the user's root-owned authorized
# keys file $AUTHKEYS/NAME.
user_added()
{
	ssh-keygen -q -t ed25519 -N '' -C "$1@e2e" -f "$STATE/keys/$1" </dev/null ||
		bail "ssh-keygen for $1 failed"
	install -o root -g root -m 0644 "$STATE/keys/$1.pub" "$AUTHKEYS/$1"
}

# ---------------------------------------------------------------- policy, PAM

# write_pam FILE LINE...: a PAM stack, replaced atomically, root 0644.
write_pam()
{
	local f
	f=$1
	shift
	printf '%s\n' "$@" >"$f.tmp"
	chown root:root "$f.tmp"
	chmod 0644 "$f.tmp"
	mv "$f.tmp" "$f"
}

SESSION_LINES="session required pam_permit.so"

# The module line every stack ends with.
module_line()
{
	echo "session required $MODULE config=$CONF"
}

# sshd: key authentication only, so PAM auth is never reached: pam_deny there
# makes sure nothing could get in through it.
pam_sshd()
{
	write_pam /etc/pam.d/sshd \
		"auth required pam_deny.so" \
		"account required pam_permit.so" \
		"password required pam_deny.so" \
		"$SESSION_LINES" \
		"$(module_line)"
}

# su (and su-l: util-linux su -l uses that service name): nsiso-alice's shell runs
# su as nsiso-alice, so auth is pam_permit here (the sandbox only).
pam_su()
{
	local svc
	for svc in su su-l; do
		write_pam "/etc/pam.d/$svc" \
			"auth sufficient pam_permit.so" \
			"account required pam_permit.so" \
			"password required pam_deny.so" \
			"$SESSION_LINES" \
			"$(module_line)"
	done
}

pam_runuser()
{
	local svc
	for svc in runuser runuser-l; do
		write_pam "/etc/pam.d/$svc" \
			"auth sufficient pam_rootok.so" \
			"account required pam_permit.so" \
			"$SESSION_LINES" \
			"$(module_line)"
	done
}

# ---------------------------------------------------------------- sshd

# free_port: a TCP port nothing listens on (in the sandbox's own net namespace).
free_port()
{
	local i p
	i=0
	while [ $i -lt 50 ]; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		if [ -z "$(ss -Hltn "sport = :$p")" ]; then
			echo "$p"
			return 0
		fi
		i=$((i + 1))
	done
	return 1
}

# start_sshd: a real sshd on 127.0.0.1:$SSH_PORT (set here), its pid in $SSHD_PID.
start_sshd()
{
	need_prog /usr/sbin/sshd ssh ssh-keygen
	getent passwd sshd >/dev/null || cannot_run "no 'sshd' privilege separation user (openssh-server not installed properly)"
	pam_sshd
	SSH_PORT=$(free_port) || bail "no free TCP port"
	ssh-keygen -q -t ed25519 -N '' -f "$SSHDIR/host_ed25519" </dev/null || bail "ssh-keygen (host key) failed"
	cat >"$SSHDIR/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $SSHDIR/host_ed25519
PidFile $W/sshd.pid
UsePAM yes
PubkeyAuthentication yes
AuthenticationMethods publickey
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $AUTHKEYS/%u
AuthorizedPrincipalsFile none
StrictModes yes
PermitRootLogin no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowAgentForwarding no
MaxStartups 100:30:200
MaxSessions 20
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	chmod 0644 "$SSHDIR/sshd_config"
	local out
	out=$(/usr/sbin/sshd -t -f "$SSHDIR/sshd_config" 2>&1) || bail "sshd -t rejects the test config" "$out"
	/usr/sbin/sshd -D -e -f "$SSHDIR/sshd_config" </dev/null >"$STATE/sshd.log" 2>&1 &
	local launcher
	launcher=$!
	if ! wait_until sh -c '[ -n "$(ss -Hltn "sport = :$1")" ] || ! kill -0 "$2" 2>/dev/null' _ "$SSH_PORT" "$launcher" ||
		[ -z "$(ss -Hltn "sport = :$SSH_PORT")" ]; then
		SSHD_PID=$launcher
		bail "sshd did not start listening on 127.0.0.1:$SSH_PORT"
	fi
	SSHD_PID=$(cat "$W/sshd.pid" 2>/dev/null)
	[ "$SSHD_PID" = "$launcher" ] || bail "sshd's pid file says '$SSHD_PID', started $launcher"
}

# Options of every ssh, scp and sftp client run (word-split on purpose): no
# user or system config, key authentication only, no host key bookkeeping.
SSH_OPTS="-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 -o IdentitiesOnly=yes"

# ssh_run TAG USER CMD: one bounded ssh session running CMD; stdout to ours,
# stderr to $STATE/TAG.err. Its exit status.
ssh_run()
{
	local tag user
	tag=$1
	user=$2
	shift 2
	# shellcheck disable=SC2086
	timeout -k 5 "$WAIT" ssh $SSH_OPTS -i "$STATE/keys/$user" -p "$SSH_PORT" "$user@127.0.0.1" "$@" \
		</dev/null 2>"$STATE/$tag.err"
}

# ---------------------------------------------------------------- sessions

# session_start TAG USER: an ssh session of USER in the background whose remote
# command is the agent. 0 once the agent runs (its pid: session_pid TAG),
# 1 when the session ended or timed out first (diagnostics printed).
session_start()
{
	local tag user
	tag=$1
	user=$2
	echo "$user" >"$STATE/$tag.user"
	echo 0 >"$STATE/$tag.n"
	rm -f "$STATE/$tag.rc"
	(
		rc=0
		# shellcheck disable=SC2086
		timeout -k 5 $((WAIT * 2)) ssh $SSH_OPTS -i "$STATE/keys/$user" -p "$SSH_PORT" \
			"$user@127.0.0.1" "$BIN/agent $tag" </dev/null >"$STATE/$tag.log" 2>&1 || rc=$?
		echo "$rc" >"$STATE/$tag.rc"
	) &
	echo $! >"$STATE/$tag.bg"
	if wait_until sh -c '[ -e "$1" ] || [ -e "$2" ]' _ "$OUT/$user/$tag.ready" "$STATE/$tag.rc" &&
		[ -e "$OUT/$user/$tag.ready" ]; then
		return 0
	fi
	diag "ssh session $tag of $user did not come up (ssh exit status: $(cat "$STATE/$tag.rc" 2>/dev/null || echo timeout))"
	diag_file "$STATE/$tag.log"
	diag_file "$STATE/sshd.log"
	return 1
}

# session_run TAG SNIPPET: run SNIPPET (sh, as the user) in session TAG's shell.
# Prints its stdout; its stderr is in the file named by $LAST_ERR. Returns its
# exit status, 125 when the session did not answer within $WAIT s.
session_run()
{
	local tag n user dir
	tag=$1
	n=$(($(cat "$STATE/$tag.n") + 1))
	echo "$n" >"$STATE/$tag.n"
	user=$(cat "$STATE/$tag.user")
	dir=$OUT/$user
	LAST_ERR=$dir/$tag.$n.err
	printf '%s\n' "$2" >"$CMDS/.$tag.$n"
	chmod 0644 "$CMDS/.$tag.$n"
	mv "$CMDS/.$tag.$n" "$CMDS/$tag.$n"
	if ! wait_until sh -c '[ -e "$1" ] || [ -e "$2" ]' _ "$dir/$tag.$n.rc" "$STATE/$tag.rc" ||
		! [ -e "$dir/$tag.$n.rc" ]; then
		LAST_ERR=$STATE/$tag.log
		return 125
	fi
	cat "$dir/$tag.$n.out"
	return "$(cat "$dir/$tag.$n.rc")"
}

# session_end TAG: tell the agent to exit and wait for the ssh client; sets RC.
session_end()
{
	local tag n
	tag=$1
	n=$(($(cat "$STATE/$tag.n") + 1))
	echo "$n" >"$STATE/$tag.n"
	printf 'exit\n' >"$CMDS/.$tag.$n"
	chmod 0644 "$CMDS/.$tag.$n"
	mv "$CMDS/.$tag.$n" "$CMDS/$tag.$n"
	if wait_until test -e "$STATE/$tag.rc"; then
		RC=$(cat "$STATE/$tag.rc")
	else
		RC=timeout
	fi
	wait "$(cat "$STATE/$tag.bg")" 2>/dev/null || true
}

# run_facts TAG DESC-PREFIX SNIPPET: session_run, then check it worked;
# FACTS holds its stdout. 0 when the snippet exited 0.
run_facts()
{
	local rc
	rc=0
	LAST_ERR=/dev/null
	session_run "$1" "$3" >"$STATE/run_facts.out" || rc=$?
	FACTS=$(cat "$STATE/run_facts.out")
	if [ "$rc" = 0 ]; then
		pass "$2: exits 0"
		return 0
	fi
	fail "$2: exits 0" "exit status: $rc" "stdout: $FACTS"
	diag_file "$LAST_ERR"
	return 1
}
