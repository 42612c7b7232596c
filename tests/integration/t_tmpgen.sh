#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 12: the private tmpfs memory a user can fill is bounded by one
# per-user figure (tmp_size) across set generations too. With
# lifetime = session a set ends at the last close even when processes stay,
# and the next login makes a new one: each used to mount a fresh tmpfs, so
# N login cycles that each leave a process behind held N tmpfs of tmp_size.
# Now every set of a user is a generation of one tmpfs (the user's store,
# kept in the keeper): a new set still gets an empty /tmp, old generations
# go when nothing uses them, the tmpfs when the user has no set and nothing
# holds it.
# Facts: every /proc/*/mountinfo on the machine and the keeper's table
# (distinct devices of tmpfs named nsiso-tmp), df, bytes a user could write,
# a process's /tmp through /proc/PID/root.
. "$(dirname "$0")/lib.sh"
setup
need_module
KEEPER=$TOP/build/nsiso-keeper
CTL=$TOP/build/nsisoctl
[ -x "$KEEPER" ] || bail "build/nsiso-keeper is missing (make)"

add_user nsiso-g
uid_g=$(uid_of nsiso-g)
write_policy <<POLICY
[global]
namespaces = mnt, ipc, uts
tmp_size   = 1M
lifetime   = session
POLICY
write_pam debug

# nsiso_tmpfs: distinct devices of tmpfs mounts named nsiso-tmp in every mount
# table on the machine and in the keeper's.
nsiso_tmpfs()
{
	{
		cat /proc/[0-9]*/mountinfo 2>/dev/null
		"$KEEPER" mounts 2>/dev/null
	} | awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { if ($(i+1) == "tmpfs" && $(i+2) == "nsiso-tmp") print $3; break } }' |
		sort -u | wc -l | tr -d ' '
}

# cycle N: a login that finds /tmp empty, writes as much as it can (at most
# 4 MiB) to /tmp/fill.N and leaves a process behind in the set.
cycle()
{
	RC=0
	login "c$1" nsiso-g -- sh -c "d=$OUT/nsiso-g/c$1; mkdir \$d
ls -A /tmp | wc -l >\$d/entries
df -k /tmp | awk 'NR>1 {print \$2}' >\$d/df
dd if=/dev/zero of=/tmp/fill.$1 bs=64k count=64 2>/dev/null
stat -c %s /tmp/fill.$1 >\$d/bytes
setsid sleep 300 </dev/null >/dev/null 2>&1 &
echo \$! >\$d/bg" || RC=$?
	expect_rc "c$1" "$RC" 0 "cycle $1: a login that fills /tmp and leaves a process behind"
}
cfact()
{
	cat "$OUT/nsiso-g/c$1/$2" 2>/dev/null || echo MISSING
}

total=0
for i in 1 2 3 4 5; do
	cycle "$i"
	is "$(cfact "$i" entries)" "0" "cycle $i: the new set's /tmp is empty"
	is "$(cfact "$i" df)" "1024" "cycle $i: df shows the tmp_size, 1M"
	total=$((total + $(cfact "$i" bytes | tr -dc 0-9)))
done
is "$(nsiso_tmpfs)" "1" "after 5 cycles the machine (every mount table, the keeper's) holds one nsiso tmpfs"
ok_cmd "the 5 cycles could write $total bytes in all: no more than tmp_size (1048576)" \
	test "$total" -le 1048576
ok_cmd "... and the first one could write most of it" test "$(cfact 1 bytes)" -ge 524288
bg1=$(cfact 1 bg)
is "$(stat -c %s "/proc/$bg1/root/tmp/fill.1" 2>/dev/null)" "$(cfact 1 bytes)" \
	"cycle 1's process still sees its file: a generation in use is kept"
is "$("$KEEPER" pins | grep -c "^/$uid_g/")" "0" "lifetime session: no set is left after the last close"

# The generations whose processes are gone are removed at the next creation.
for i in 1 2 3 4; do
	kill "$(cfact "$i" bg)" 2>/dev/null
done
for i in 1 2 3 4; do
	wait_gone "$(cfact "$i" bg)" || true
done
cycle 6
is "$(cfact 6 entries)" "0" "cycle 6: an empty /tmp again"
ok_cmd "cycle 6: the space of the generations nobody uses is back (wrote $(cfact 6 bytes) bytes)" \
	test "$(cfact 6 bytes)" -ge 524288
is "$(nsiso_tmpfs)" "1" "still one nsiso tmpfs on the machine"

# SysV IPC outlives every process for as long as the set does: tmp_size
# bounds its shared memory and message queues too (a new IPC namespace
# allows 2^64 pages and 32000 queues).
RC=0
login ipc nsiso-g -- sh -c "d=$OUT/nsiso-g/cipc; mkdir \$d
cat /proc/sys/kernel/shmmax /proc/sys/kernel/shmall /proc/sys/kernel/msgmni | paste -sd ' ' - >\$d/sysctl
if ipcmk -M 2097152 >/dev/null 2>&1; then echo made; else echo refused; fi >\$d/big
if ipcmk -M 786432 >/dev/null 2>&1 && ipcmk -M 786432 >/dev/null 2>&1; then echo made; else echo refused; fi >\$d/two
ipcs -m | grep -c '^0x' >\$d/segments" || RC=$?
expect_rc ipc "$RC" 0 "a login that tries SysV shared memory"
is "$(cfact ipc sysctl)" "1048576 256 64" "the set's IPC namespace: shmmax, shmall (pages) and msgmni follow tmp_size (1M)"
is "$(cfact ipc big)/$(cfact ipc two)/$(cfact ipc segments)" "refused/refused/1" \
	"a 2M segment is refused, and a second 768K one (1M in all): one segment made"

# No set and no process: gc removes the rest, and the tmpfs itself.
kill "$(cfact 5 bg)" "$(cfact 6 bg)" 2>/dev/null
wait_gone "$(cfact 5 bg)" || true
wait_gone "$(cfact 6 bg)" || true
is "$(nsiso_tmpfs)" "1" "with no set and no process, the tmpfs waits for gc in the keeper"
"$CTL" gc "$uid_g" >/dev/null 2>&1
is "$(nsiso_tmpfs)" "0" "gc unmounts it: no nsiso tmpfs is left on the machine"
is "$("$KEEPER" mounts | grep -c " /$uid_g/")" "0" "nothing of uid $uid_g is left in the keeper"

done_testing
