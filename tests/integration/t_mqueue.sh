#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# POSIX message queues and /dev/mqueue, /dev/shm (nsiso.conf(5), namespaces:
# "ipc ... the set also gets its own /dev/shm ... and a fresh /dev/mqueue
# where the host has one mounted"):
#   with ipc: the set's /dev/mqueue is an mqueue fs of its own (another device
#     than the host's), the one of the set's IPC namespace: a queue made with
#     mq_open by one session is listed there for the user's other sessions,
#     not for another user's set, not on the host; a host queue is not seen
#     inside;
#   without ipc (namespaces = mnt, uts): nothing of the kind is set up, the set
#     uses the host's IPC namespace, /dev/mqueue and /dev/shm (same device,
#     objects made on either side seen on the other).
# The sandbox mounts an mqueue on /dev/mqueue only where the machine has one;
# this file makes sure there is one (on /dev as an overlay: nothing is created
# in the machine's /dev).
# shellcheck disable=SC2034 # read by lib.sh
SANDBOX_EXTRA_OVERLAYS=dev
. "$(dirname "$0")/lib.sh"
setup
need_module

if ! mountpoint -q /dev/mqueue; then
	{ mkdir -p /dev/mqueue && mount -t mqueue sandbox-mqueue /dev/mqueue; } ||
		bail "cannot mount an mqueue on the sandbox's /dev/mqueue"
fi
is "$(stat -f -c %T /dev/mqueue)" "mqueue" "the sandbox has an mqueue fs on /dev/mqueue"

# $MQ create|exists NAME: mq_open(3) in the caller's IPC namespace; prints
# yes, ENOENT or the error (tests/lib/mqprobe.c, built by make).
MQ=$TOP/build/tests/helpers/mqprobe
[ -x "$MQ" ] || bail "$MQ is missing: run make helpers"

# $BIN/mqreport DIR: $BIN/report DIR, and what the session sees of POSIX IPC.
cat >"$BIN/mqreport" <<EOF
#!/bin/sh
d=\$1
$BIN/report "\$d" || exit 1
ls -A /dev/mqueue >"\$d/mq_ls" 2>&1
stat -f -c %T /dev/mqueue >"\$d/mq_fstype" 2>&1
stat -L -c %i /proc/self/ns/ipc >"\$d/ipc_ns"
for q in nsiso-qa nsiso-qhost nsiso-qn; do
	$MQ exists /\$q >"\$d/mq_\$q" 2>&1
	head -c 5 /dev/mqueue/\$q >"\$d/mqfile_\$q" 2>/dev/null || echo ABSENT >"\$d/mqfile_\$q"
done
ls -A /dev/shm >"\$d/shm_ls" 2>&1
exit 0
EOF
chmod 0755 "$BIN/mqreport"

# mqreport_login TAG USER: log in, run $BIN/mqreport into $OUT/USER/TAG; sets RC.
mqreport_login()
{
	RC=0
	login "$1" "$2" -- "$BIN/mqreport" "$OUT/$2/$1" || RC=$?
}

# top_mount MOUNTINFO MOUNTPOINT: "FSTYPE MAJOR:MINOR" of the top mount on it.
top_mount()
{
	awk -v mp="$2" '$5 == mp {
		for (i = 7; $i != "-"; i++)
			;
		top = $(i + 1) " " $3
	}
	END { print top }' "$1"
}

add_user nsiso-a
add_user nsiso-b
add_user nsiso-n
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts

[user:nsiso-n]
namespaces = mnt, uts
EOF
write_pam debug

host_mq=$(top_mount /proc/self/mountinfo /dev/mqueue)
host_shm=$(top_mount /proc/self/mountinfo /dev/shm)
host_ipc=$(field 2 "$SANDBOX_NS")

# ----------------------------------------------------------- with ipc
bg_session a1 nsiso-a "$MQ create /nsiso-qa >$OUT/nsiso-a/a1.mq 2>&1"
if ! wait_ready a1 nsiso-a; then
	finish a1
	bail "first session of nsiso-a did not come up (exit status $RC)" "$(cat "$STATE/a1.err")"
fi
is "$(cat "$OUT/nsiso-a/a1.mq")" "yes" "nsiso-a's session creates the queue /nsiso-qa with mq_open"
a1_mq=$(top_mount "$OUT/nsiso-a/a1/mountinfo" /dev/mqueue)
is "${a1_mq%% *}" "mqueue" "the set's /dev/mqueue is an mqueue fs (mountinfo)"
isnt "${a1_mq#* }" "${host_mq#* }" "the set's /dev/mqueue is another mqueue instance than the host's ($a1_mq vs $host_mq)"

mqreport_login a2 nsiso-a
expect_rc a2 "$RC" 0 "nsiso-a's second session (concurrent) opens"
is "$(fact nsiso-a a2 ns)" "$(fact nsiso-a a1 ns)" "the second session is in the same set"
is "$(fact nsiso-a a2 mq_ls)" "nsiso-qa" "the second session's /dev/mqueue lists the queue, and only it"
is "$(fact nsiso-a a2 mqfile_nsiso-qa)" "QSIZE" "  /dev/mqueue/nsiso-qa there is a queue (QSIZE:...)"
is "$(fact nsiso-a a2 mq_nsiso-qa)" "yes" "  mq_open finds /nsiso-qa from the second session"

mqreport_login b1 nsiso-b
expect_rc b1 "$RC" 0 "nsiso-b's session opens"
is "$(fact nsiso-b b1 mq_fstype)" "mqueue" "nsiso-b's /dev/mqueue is an mqueue fs"
is "$(fact nsiso-b b1 mq_ls)" "" "nsiso-b's /dev/mqueue is empty (not nsiso-a's queue)"
is "$(fact nsiso-b b1 mq_nsiso-qa)" "ENOENT" "mq_open does not find /nsiso-qa from nsiso-b's set"
isnt "$(top_mount "$OUT/nsiso-b/b1/mountinfo" /dev/mqueue | cut -d' ' -f2)" "${a1_mq#* }" \
	"nsiso-b's /dev/mqueue is another instance than nsiso-a's"

is "$(ls -A /dev/mqueue)" "" "the host's /dev/mqueue is empty (not nsiso-a's queue)"
is "$("$MQ" exists /nsiso-qa)" "ENOENT" "mq_open does not find /nsiso-qa on the host"

is "$("$MQ" create /nsiso-qhost)" "yes" "the host creates the queue /nsiso-qhost"
mqreport_login a3 nsiso-a
expect_rc a3 "$RC" 0 "nsiso-a's third session opens"
is "$(fact nsiso-a a3 mq_ls)" "nsiso-qa" "the host's queue is not in the set's /dev/mqueue"
is "$(fact nsiso-a a3 mq_nsiso-qhost)" "ENOENT" "mq_open does not find the host's queue from the set"
finish a1
expect_rc a1 "$RC" 0 "nsiso-a's first session closes"

# ----------------------------------------------------------- without ipc
mqreport_login n1 nsiso-n
expect_rc n1 "$RC" 0 "nsiso-n (namespaces = mnt, uts) logs in"
isnt "$(field 1 "$(fact nsiso-n n1 ns)")" "$(field 1 "$SANDBOX_NS")" "nsiso-n has a mount namespace of its own"
is "$(fact nsiso-n n1 ipc_ns)" "$host_ipc" "nsiso-n is in the host's IPC namespace"
is "$(top_mount "$OUT/nsiso-n/n1/mountinfo" /dev/mqueue)" "$host_mq" \
	"nsiso-n's /dev/mqueue is the host's mqueue (fstype, device)"
is "$(top_mount "$OUT/nsiso-n/n1/mountinfo" /dev/shm)" "$host_shm" \
	"nsiso-n's /dev/shm is the host's tmpfs (fstype, device)"
is "$(fact nsiso-n n1 mq_ls)" "nsiso-qhost" "nsiso-n's /dev/mqueue lists the host's queue"
is "$(fact nsiso-n n1 mq_nsiso-qhost)" "yes" "mq_open finds the host's queue from nsiso-n's set"
RC=0
out=$(login n2 nsiso-n -- sh -c "$MQ create /nsiso-qn && echo from-n >/dev/shm/nsiso-n-f") || RC=$?
is "$RC:$out" "0:yes" "nsiso-n's session creates /nsiso-qn and a /dev/shm file"
is "$(ls -A /dev/mqueue | sort | paste -sd ' ' -)" "nsiso-qhost nsiso-qn" "the host's /dev/mqueue lists nsiso-n's queue"
is "$(cat /dev/shm/nsiso-n-f 2>&1)" "from-n" "the host's /dev/shm has nsiso-n's file"

done_testing
