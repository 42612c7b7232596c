#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A real sshd (UsePAM yes, key authentication, the module in its session stack)
# and the real ssh, scp and sftp clients:
#   - two concurrent ssh sessions of nsiso-alice share mnt/ipc/uts and /tmp;
#   - nsiso-bob's session shares none of it;
#   - the per-connection sshd processes ([priv] monitor, user@notty) sit in
#     the user's set, the listening sshd stays in the sandbox's namespaces;
#   - files uploaded with scp (SFTP and legacy protocol) and sftp land in
#     nsiso-alice's /tmp, seen by her concurrent shell; scp downloads read it;
#   - when nsiso-alice's last ssh session closes (sshd closes PAM sessions from its
#     monitor, which then sits inside the set), her set is released: no mount
#     table keeps a pin of it, and the next login gets a fresh /tmp;
#   - accounts named alice and bob on the machine do not get in the way.
# shellcheck source=tests/e2e/lib.sh disable=SC3043,SC2317
# (SC2317: wait_until calls the small predicate functions below)
. "$(dirname "$0")/lib.sh"
setup
need_prog ssh scp sftp /usr/lib/openssh/sftp-server
# A machine may have its own alice and bob (the names of the examples): the
# suite's accounts carry the project's prefix and never collide with them.
useradd -M -s /bin/sh alice && useradd -M -s /bin/sh bob || bail "cannot add the machine's own alice and bob"
add_user nsiso-alice
add_user nsiso-bob
uid_a=$(uid_of nsiso-alice)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts
hostname = %u-e2e
EOF
start_sshd
is "$(ns_of "$SSHD_PID")" "$SANDBOX_NS" "listening sshd (pid $SSHD_PID) is in the sandbox's namespaces"

# ------------------------------------------------- two sessions of nsiso-alice
session_start a1 nsiso-alice || bail "nsiso-alice's first ssh session did not come up"
run_facts a1 "nsiso-alice ssh 1: write /tmp/f, report" "echo from-a1 >/tmp/f && $BIN/facts"
a1=$(getf ns "$FACTS")
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$a1")" "$(field $i "$SANDBOX_NS")" "nsiso-alice ssh 1: $ns namespace differs from the sandbox's"
done
is "$(getf host "$FACTS")" "nsiso-alice-e2e" "nsiso-alice ssh 1: hostname is nsiso-alice-e2e (her UTS namespace)"
is "$(getf uid "$FACTS")" "$uid_a" "nsiso-alice ssh 1: runs as nsiso-alice"
a1_pid=$(session_pid a1)

session_start a2 nsiso-alice || bail "nsiso-alice's second ssh session did not come up"
run_facts a2 "nsiso-alice ssh 2 (concurrent): report, write /tmp/g" "$BIN/facts && echo from-a2 >/tmp/g"
is "$(getf ns "$FACTS")" "$a1" "nsiso-alice ssh 2: same mnt/ipc/uts inodes as ssh 1"
is "$(getf tmp_f "$FACTS")" "from-a1" "nsiso-alice ssh 2: sees ssh 1's /tmp/f"
is "$(getf host "$FACTS")" "nsiso-alice-e2e" "nsiso-alice ssh 2: hostname is nsiso-alice-e2e"
is "$(session_run a1 'cat /tmp/g')" "from-a2" "nsiso-alice ssh 1: sees ssh 2's /tmp/g"

rc=0
out=$(ssh_run a3 nsiso-alice "$BIN/facts") || rc=$?
is "$rc" 0 "nsiso-alice ssh 3 (one-shot command): exits 0"
is "$(getf ns "$out")" "$a1" "nsiso-alice ssh 3: same mnt/ipc/uts inodes as ssh 1"
is "$(getf tmp_f "$out")" "from-a1" "nsiso-alice ssh 3: sees /tmp/f"

# ------------------------------------------------- nsiso-bob
session_start b1 nsiso-bob || bail "nsiso-bob's ssh session did not come up"
run_facts b1 "nsiso-bob ssh: report" "$BIN/facts"
b1=$(getf ns "$FACTS")
for i in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $i)
	isnt "$(field $i "$b1")" "$(field $i "$a1")" "nsiso-bob ssh: $ns namespace differs from nsiso-alice's"
	isnt "$(field $i "$b1")" "$(field $i "$SANDBOX_NS")" "nsiso-bob ssh: $ns namespace differs from the sandbox's"
done
is "$(getf tmp_f "$FACTS")" "ABSENT" "nsiso-bob ssh: does not see nsiso-alice's /tmp/f"
is "$(getf host "$FACTS")" "nsiso-bob-e2e" "nsiso-bob ssh: hostname is nsiso-bob-e2e"
is "$(hostname)" "$SANDBOX_HOST" "sandbox: hostname unchanged"
is "$(ls -A /tmp)" "" "sandbox: /tmp is still empty"

# ------------------------------------------------- the sshd processes
# From nsiso-alice's agent up to the listener: every process in between is in the set.
chain=""
p=$a1_pid
while [ -n "$p" ] && [ "$p" != "$SSHD_PID" ] && [ "$p" != 1 ] && [ "$p" != 0 ]; do
	chain="$chain $p"
	p=$(ppid_of "$p")
done
is "$p" "$SSHD_PID" "nsiso-alice ssh 1's shell descends from the listening sshd"
priv=""
notty=""
for p in $chain; do
	case $(args_of "$p") in
	"sshd: nsiso-alice [priv]") priv=$p ;;
	"sshd: nsiso-alice@notty") notty=$p ;;
	esac
done
isnt "$priv" "" "nsiso-alice ssh 1 has a 'sshd: nsiso-alice [priv]' monitor process between shell and listener"
isnt "$notty" "" "nsiso-alice ssh 1 has a 'sshd: nsiso-alice@notty' process between shell and listener"
for p in $chain; do
	is "$(ns_of "$p")" "$a1" "process $p ($(args_of "$p")) of nsiso-alice ssh 1 is in nsiso-alice's set"
done
# Every per-connection sshd of each user, found by title.
n=0
for p in $(pgrep -f '^sshd: nsiso-alice'); do
	n=$((n + 1))
	is "$(ns_of "$p")" "$a1" "pid $p '$(args_of "$p")' is in nsiso-alice's set"
done
if [ "$n" -ge 4 ]; then
	pass "pgrep finds >= 4 'sshd: nsiso-alice' processes (2 per open session): $n"
else
	fail "pgrep finds >= 4 'sshd: nsiso-alice' processes (2 per open session)" "found $n" "$(ps -eo pid,ppid,args)"
fi
n=0
for p in $(pgrep -f '^sshd: nsiso-bob'); do
	n=$((n + 1))
	is "$(ns_of "$p")" "$b1" "pid $p '$(args_of "$p")' is in nsiso-bob's set"
done
if [ "$n" -ge 2 ]; then
	pass "pgrep finds >= 2 'sshd: nsiso-bob' processes: $n"
else
	fail "pgrep finds >= 2 'sshd: nsiso-bob' processes" "found $n" "$(ps -eo pid,ppid,args)"
fi
is "$(ns_of "$SSHD_PID")" "$SANDBOX_NS" "listening sshd is still in the sandbox's namespaces"

# ------------------------------------------------- scp / sftp
SCP_OPTS="$SSH_OPTS -i $STATE/keys/nsiso-alice -P $SSH_PORT"
echo "uploaded-by-scp" >"$STATE/up-scp"
echo "uploaded-by-scp-O" >"$STATE/up-scpO"
echo "uploaded-by-sftp" >"$STATE/up-sftp"
# shellcheck disable=SC2086
ok_cmd "scp (SFTP protocol) uploads to nsiso-alice@127.0.0.1:/tmp/up-scp" \
	timeout -k 5 "$WAIT" scp $SCP_OPTS "$STATE/up-scp" nsiso-alice@127.0.0.1:/tmp/up-scp
# shellcheck disable=SC2086
ok_cmd "scp -O (legacy scp protocol) uploads to /tmp/up-scpO" \
	timeout -k 5 "$WAIT" scp -O $SCP_OPTS "$STATE/up-scpO" nsiso-alice@127.0.0.1:/tmp/up-scpO
printf 'put %s /tmp/up-sftp\n' "$STATE/up-sftp" >"$STATE/sftp.batch"
# shellcheck disable=SC2086
ok_cmd "sftp -b uploads to /tmp/up-sftp" \
	timeout -k 5 "$WAIT" sftp -b "$STATE/sftp.batch" $SCP_OPTS nsiso-alice@127.0.0.1
is "$(session_run a1 'cat /tmp/up-scp')" "uploaded-by-scp" "nsiso-alice ssh 1 (concurrent shell) sees the scp upload"
is "$(session_run a1 'cat /tmp/up-scpO')" "uploaded-by-scp-O" "nsiso-alice ssh 1 sees the scp -O upload"
is "$(session_run a1 'cat /tmp/up-sftp')" "uploaded-by-sftp" "nsiso-alice ssh 1 sees the sftp upload"
is "$(session_run a1 'stat -c %U /tmp/up-scp')" "nsiso-alice" "the upload is owned by nsiso-alice"
is "$(session_run b1 'ls /tmp/up-scp /tmp/up-scpO /tmp/up-sftp 2>/dev/null | wc -l')" "0" \
	"nsiso-bob's session sees none of the uploads"
is "$(ls -A /tmp)" "" "sandbox: /tmp still empty after the uploads"
rm -f "$STATE/down"
# shellcheck disable=SC2086
ok_cmd "scp downloads nsiso-alice@127.0.0.1:/tmp/f" \
	timeout -k 5 "$WAIT" scp $SCP_OPTS nsiso-alice@127.0.0.1:/tmp/f "$STATE/down"
is "$(cat "$STATE/down" 2>/dev/null)" "from-a1" "the downloaded /tmp/f is nsiso-alice's (from her set)"

# ------------------------------------------------- closing through sshd
# (the check below has teeth: while the set exists, the keeper holds its pins)
ok_cmd "while nsiso-alice's sessions are open, the registry's keeper holds pins of her set" \
	sh -c '"$1" mounts | grep -q -E " mnt:\[$2\] "' _ "$TOP/build/nsiso-keeper" "$(field 1 "$a1")"
is "$(grep -c -E " (mnt|ipc|uts):\[($(echo "$a1" | tr ' ' '|'))\] " /proc/1/mountinfo)" "0" \
	"... and the sandbox's (the host's) mount table holds none (registry v2)"
isnt "$(refs_of "$a1")" "" "refs_of finds the mount tables holding nsiso-alice's pins"
session_end a2
is "$RC" 0 "nsiso-alice ssh 2 ends with exit status 0"
is "$(session_run a1 'cat /tmp/f')" "from-a1" "nsiso-alice ssh 1 still has /tmp/f after ssh 2 closed"
session_end a1
is "$RC" 0 "nsiso-alice ssh 1 ends with exit status 0"
# The monitor closes the PAM session after the client has gone: bounded wait.
no_alice_sshd()
{
	[ -z "$(pgrep -f '^sshd: nsiso-alice')" ]
}
ok_cmd "all of nsiso-alice's sshd processes exit after her last session" wait_until no_alice_sshd
if wait_until no_refs_of "$a1"; then
	pass "nsiso-alice's set is released after her last ssh session: no mount table holds a pin of it"
else
	fail "nsiso-alice's set is released after her last ssh session: no mount table holds a pin of it" \
		"still referenced in: $(refs_of "$a1" | tr '\n' ' ')" "$(findmnt -rn -t nsfs)"
fi
session_start a4 nsiso-alice || bail "nsiso-alice's ssh session after release did not come up"
run_facts a4 "nsiso-alice ssh 4 (after release): report" "$BIN/facts"
is "$(getf tmp_f "$FACTS")" "ABSENT" "nsiso-alice ssh 4: a fresh set, /tmp/f is gone"
is "$(getf host "$FACTS")" "nsiso-alice-e2e" "nsiso-alice ssh 4: hostname is nsiso-alice-e2e"
session_end a4
is "$RC" 0 "nsiso-alice ssh 4 ends with exit status 0"
session_end b1
is "$RC" 0 "nsiso-bob's ssh session ends with exit status 0"
is "$(ns_of "$SSHD_PID")" "$SANDBOX_NS" "listening sshd is still in the sandbox's namespaces at the end"

done_testing
