#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Unprivileged users cannot list the registry, open or enter the keeper (the
# mount namespace that holds every pin, pinned at /run/nsiso/keeper), see the
# keeper's pins, nor reach another user's set through /proc. nsiso-b probes
# nsiso-a's set, once from the sandbox's (host) namespaces (setpriv, no
# session) and once from inside nsiso-b's own set (a real session); every
# probe must be refused by the kernel (or, for the mount tables, find
# nothing). Controls show that the same probes work for root or on nsiso-b's
# own process (so a refusal is the protection, not a broken probe).
. "$(dirname "$0")/lib.sh"
setup
need_module
need_keeper_tool

add_user nsiso-a
add_user nsiso-b
uid_a=$(uid_of nsiso-a)
uid_b=$(uid_of nsiso-b)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
EOF2
write_pam debug

bg_session a1 nsiso-a "echo a-secret >/tmp/a-secret"
wait_ready a1 nsiso-a || bail "nsiso-a's session did not come up" "$(cat "$STATE/a1.err")"
pid_a=$(session_pid nsiso-a a1)
set_a=$(fact nsiso-a a1 ns)
is "$(set_state "$uid_a")" made "nsiso-a has a set (its pins in the keeper)"
empty "$(keeper_procs)" "no process is in the keeper: no /proc/PID/root or mountinfo shows its tree"

# The probe: one line "NAME RC" per attempt.
cat >"$BIN/probe" <<'EOS'
#!/bin/sh
# probe PID UID "MNT IPC UTS": try to reach the set of process PID (user UID),
# its pins and the keeper.
pid=$1
uid=$2
mntino=${3%% *}
ipcino=$(echo "$3" | cut -d' ' -f2)
utsino=${3##* }
t() { name=$1; shift; "$@" >/dev/null 2>&1; echo "$name $?"; }
t ls-registry ls /run/nsiso/
t find-registry find /run/nsiso -name "$uid"
t stat-users-dir stat "/run/nsiso/users/$uid"
t stat-keeper stat /run/nsiso/keeper
t open-keeper sh -c "exec 3</run/nsiso/keeper"
t nsenter-keeper nsenter --mount=/run/nsiso/keeper true
t open-keeper-in-userns unshare -Ur sh -c "exec 3</run/nsiso/keeper"
# The pins are in no mount table a process can show: the keeper has no process.
t grep-pin-in-mountinfo grep -s -q -E " (mnt:\[$mntino\]|ipc:\[$ipcino\]|uts:\[$utsino\]) " /proc/[0-9]*/mountinfo
t open-proc-ns-mnt sh -c "exec 3</proc/$pid/ns/mnt"
t open-proc-ns-ipc sh -c "exec 3</proc/$pid/ns/ipc"
t readlink-proc-ns readlink -e "/proc/$pid/ns/mnt"
t nsenter-proc nsenter -t "$pid" -m -i -u true
t proc-root-tmp cat "/proc/$pid/root/tmp/a-secret"
t proc-cwd ls "/proc/$pid/cwd/"
t proc-fd ls "/proc/$pid/fd/"
t proc-map-files ls "/proc/$pid/map_files/"
EOS
chmod 0755 "$BIN/probe"

check_probes()
{
	local where file line name rc
	where=$1
	file=$2
	[ -s "$file" ] || { fail "$where: the probes ran" "no output in $file"; return; }
	while read -r name rc; do
		if [ "$rc" != 0 ]; then
			pass "$where: nsiso-b's $name is refused (exit $rc)"
		else
			fail "$where: nsiso-b's $name is refused" "it succeeded"
		fi
	done <"$file"
}

case_start "nsiso-b, no session, in the sandbox's (host) namespaces"
setpriv --reuid nsiso-b --regid nsiso-b --init-groups --inh-caps=-all --bounding-set=-all -- \
	"$BIN/probe" "$pid_a" "$uid_a" "$set_a" >"$STATE/probe-host" 2>&1
check_probes "from the host" "$STATE/probe-host"

case_start "nsiso-b inside its own set"
RC=0
login b1 nsiso-b -- sh -c "$BIN/probe $pid_a $uid_a '$set_a' >$OUT/nsiso-b/probe-set 2>&1; findmnt -rn -t nsfs >$OUT/nsiso-b/nsfs-set; ls -A /run/nsiso >$OUT/nsiso-b/ls-run-nsiso 2>&1; echo \$? >>$OUT/nsiso-b/ls-run-nsiso; stat -L -c %i /proc/self/ns/mnt >$OUT/nsiso-b/b-mnt" || RC=$?
expect_rc b1 "$RC" 0 "nsiso-b's session ran the probes"
isnt "$(cat "$OUT/nsiso-b/b-mnt" 2>/dev/null)" "$(field 1 "$SANDBOX_NS")" "the probes ran inside nsiso-b's set"
check_probes "from inside nsiso-b's set" "$OUT/nsiso-b/probe-set"
empty "$(cat "$OUT/nsiso-b/nsfs-set")" "inside nsiso-b's set, the mount table holds no nsfs mount (no pin of anyone)"
empty "$(grep -E "nsfs|mnt:\[|ipc:\[|uts:\[" "$OUT/nsiso-b/nsfs-set" || true)" "... in particular none of nsiso-a's"

case_start "controls: the same probes on nsiso-b's own process work"
bg_session b2 nsiso-b ":"
wait_ready b2 nsiso-b || bail "nsiso-b's second session did not come up"
pid_b=$(session_pid nsiso-b b2)
out=$(setpriv --reuid nsiso-b --regid nsiso-b --init-groups -- sh -c "exec 3</proc/$pid_b/ns/mnt && readlink /proc/$pid_b/ns/mnt" 2>&1)
is "$(echo "$out" | grep -c '^mnt:\[')" 1 "control: nsiso-b can open and read its own session's /proc/PID/ns/mnt"
out=$(setpriv --reuid nsiso-b --regid nsiso-b --init-groups -- ls /proc/$pid_b/root/tmp 2>&1)
rc=$?
is "$rc" 0 "control: nsiso-b can look into its own set through /proc/PID/root"
is "$(cat /proc/$pid_a/root/tmp/a-secret 2>&1)" a-secret "control: root sees nsiso-a's file through /proc (so the probe path is right)"
ok_cmd "control: root opens /run/nsiso/keeper" sh -c 'exec 3</run/nsiso/keeper'
is "$(adv_pins_of "$uid_a" | LC_ALL=C sort | paste -sd ' ' -)" "/$uid_a/ipc /$uid_a/mnt /$uid_a/uts" \
	"control: root, entering the keeper, sees nsiso-a's three pins there"
keeper_hold access
ok_cmd "control: with a process in the keeper, the probe's pattern finds the pins in its mountinfo" \
	grep -q -E " ipc:\[$(field 2 "$set_a")\] " "/proc/$HOLDER/mountinfo"
keeper_unhold access
ok_cmd "control: nsiso-b can read the sandbox's (root's) mount table, so a pin in any process's table would be seen" \
	setpriv --reuid nsiso-b --regid nsiso-b --init-groups -- grep -q ' /run/nsiso/keeper ' /proc/1/mountinfo
finish b2
finish a1
expect_rc a1 "$RC" 0 "nsiso-a's session closed"
empty "$(all_pins)" "no pin left after both users left"

done_testing
