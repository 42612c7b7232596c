#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck disable=SC3043,SC2016
# (local: dash, bash and busybox sh have it; SC2016: sh -c '...' scripts get
# their values as arguments)
#
# tests/systemd/sandbox.sh SCRIPT [ARGS...]
# tests/systemd/sandbox.sh --inside    exit 0 when this process is in such a sandbox
# tests/systemd/sandbox.sh --check     exit 0 when one can be booted here; else say why
#
# Boot the machine's own systemd as PID 1 of a throwaway sandbox, run SCRIPT
# (with sh) inside it, kill it, and check that the host is exactly as it was.
# What is done and why (each fact re-verified on the development machine) is
# in tests/systemd/README.md. In short:
#
#   host:  a fresh directory CG under the host's cgroup2 mount; a shell moves
#          itself into CG and execs
#            unshare --cgroup --pid --fork --kill-child --mount --uts --ipc --net --propagation private
#          so CG is the root of the sandbox's cgroup namespace; the unshare
#          process itself is moved back out (it must not sit in the root of
#          the sandbox's tree: cgroup v2 forbids processes in a cgroup that
#          delegates controllers to its children);
#   PID 1 (this file with --pid1, before it execs systemd): a tmpfs, an
#          overlayfs over the host's / with its upper dir on that tmpfs, a
#          fresh proc, read-only sysfs and /proc/sys, cgroup2 on
#          /sys/fs/cgroup, a minimal tmpfs /dev with its own devpts, tmpfs
#          /run, /tmp, /var/tmp, a fresh machine-id, /etc/hostname, an empty
#          fstab, masked units and generators (effects beyond the sandbox, or
#          hardware), the source tree bound read-only at /run/nsiso-src;
#          pivot_root, mount --make-rshared /, then exec /lib/systemd/systemd
#          with container=nsiso-systemd as its whole environment and the
#          capabilities that reach beyond a container (clock, modules, raw
#          I/O, device nodes, ...) dropped from its bounding set;
#   host:  wait for "systemctl is-system-running" to say running, run
#            nsenter -t PID1 -a env -i ... sh /run/nsiso-src/SCRIPT
#          (SCRIPT runs as root in all of the sandbox's namespaces); then
#          SIGKILL PID 1, which ends every process of its pid namespace and
#          with them every mount; remove CG's subtree (systemd's cgroups) and
#          CG; compare the host's mount table, the cgroup2 root, the processes
#          and the files under /etc /usr /var /home /root with the state
#          before the boot.
#
# SCRIPT's own summary line ("SUITE: N passed, N failed") is passed through
# with one more test, the host check, added to it.
#
# Environment: NSISO_SYSTEMD_SUITE (the suite's name on the summary line,
# default systemd), NSISO_SYSTEMD_BOOT_TIMEOUT (s, default 30),
# NSISO_SYSTEMD_TIMEOUT (s, SCRIPT's bound, default 170).
#
# Exit status: SCRIPT's, or 1 when the host check fails; 77 with a "# SKIP"
# line when no sandbox can be booted here and $CI is unset; 1 with a
# "not ok" line when it cannot be booted and $CI is set.
set -u

here=$(cd "$(dirname "$0")" && pwd)
NAME=nsiso-systemd
SRC=/run/nsiso-src        # the source tree inside (read-only)
STATEDIR=/run/nsiso-systemd # inside: token, PID 1's console output
SECUREDIR=$(pkg-config --variable=libdir pam 2>/dev/null || echo /lib/x86_64-linux-gnu)/security

# Units that would act beyond the sandbox (the clock, sysctls, kernel
# modules, binfmt, the RTC, the kernel's entropy pool, pstore, file systems
# of the host) or need hardware (udev, gettys on VTs), and the host's timers.
# The units the host's administrator enabled (links in
# /etc/systemd/system/*.wants, *.requires) are masked too, except ssh.service:
# they are the host's services (a database, a web server), not the test's.
MASK_UNITS="systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
systemd-udev-trigger.service systemd-udev-settle.service systemd-hwdb-update.service
systemd-timesyncd.service systemd-time-wait-sync.service systemd-sysctl.service
systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
systemd-modules-load.service kmod-static-nodes.service modprobe@.service
systemd-remount-fs.service systemd-random-seed.service systemd-pstore.service
systemd-firstboot.service systemd-repart.service systemd-machine-id-commit.service
systemd-pcrphase.service systemd-pcrphase-sysinit.service systemd-boot-system-token.service
systemd-hibernate-resume@.service systemd-quotacheck.service quotaon.service
sys-fs-fuse-connections.mount sys-kernel-config.mount sys-kernel-debug.mount
sys-kernel-tracing.mount dev-hugepages.mount systemd-journald-audit.socket
getty.target getty@.service serial-getty@.service console-getty.service
container-getty@.service getty-static.service systemd-ask-password-console.path
systemd-ask-password-wall.path hwclock.service
apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer
e2scrub_reap.service fstrim.timer man-db.timer logrotate.timer
systemd-tmpfiles-clean.timer"

# Generators that would read the host's configuration for file systems
# (fstab, crypttab, GPT), init scripts (hwclock.sh on shutdown) and consoles.
MASK_GENERATORS="systemd-fstab-generator systemd-gpt-auto-generator systemd-cryptsetup-generator
systemd-integritysetup-generator systemd-veritysetup-generator systemd-hibernate-resume-generator
systemd-sysv-generator systemd-rc-local-generator systemd-getty-generator"

# Capabilities PID 1 (and so everything in the sandbox) does without: they
# reach the host whatever the namespaces (the clock, kernel modules, raw I/O
# ports, device nodes such as the host's disks, the kernel log, accounting,
# wake alarms, suspend, MAC policy).
DROP_CAPS="-sys_time,-sys_module,-sys_rawio,-mknod,-syslog,-sys_pacct,-wake_alarm,-block_suspend,-mac_admin,-mac_override"

# ---------------------------------------------------------------- checks

sd_check()
{
	local p
	if [ "$(id -u)" != 0 ]; then
		echo "needs root (uid 0) to boot systemd in namespaces"
		return
	fi
	for p in unshare nsenter setpriv findmnt systemd-id128 keyctl; do
		command -v "$p" >/dev/null 2>&1 || {
			echo "$p is not installed (util-linux, systemd, keyutils)"
			return
		}
	done
	for p in /lib/systemd/systemd /lib/systemd/systemd-logind /usr/bin/dbus-daemon /usr/sbin/sshd \
		"$SECUREDIR/pam_systemd.so"; do
		[ -e "$p" ] || {
			echo "$p is missing (Debian: systemd, dbus, openssh-server, libpam-systemd)"
			return
		}
	done
	[ -n "$(cg2_root)" ] || {
		echo "no cgroup2 file system is mounted here (findmnt -t cgroup2)"
		return
	}
	unshare --cgroup --mount --pid --fork --kill-child true 2>/dev/null || {
		echo "unshare --cgroup --mount --pid cannot be used here"
		return
	}
}

# cg2_root: the host's cgroup2 mount whose root is the hierarchy's root as
# this process sees it (/sys/fs/cgroup on a pure v2 host,
# /sys/fs/cgroup/unified in a hybrid layout).
cg2_root()
{
	findmnt -n -r -t cgroup2 -o TARGET,FSROOT | awk '$2 == "/" { print $1; exit }'
}

sd_inside()
{
	[ -n "${NSISO_SYSTEMD_TOKEN:-}" ] && [ -r "$STATEDIR/token" ] &&
		[ "$(cat "$STATEDIR/token")" = "$NSISO_SYSTEMD_TOKEN" ] &&
		[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] &&
		tr '\0' '\n' </proc/1/environ 2>/dev/null | grep -qx "container=$NAME"
}

# ---------------------------------------------------------------- PID 1, before systemd

pid1_fail()
{
	echo "sandbox PID 1: $*" >&2
	exit 1
}

# pid1 TREE TOKEN: runs as PID 1 of the new namespaces (see the header).
pid1()
{
	local tree token R n d ma mi u l only i
	tree=$1
	token=$2
	[ "$$" = 1 ] || pid1_fail "not PID 1 of a new pid namespace; refusing"
	set -e
	# The tree may live under /run or /tmp (a CI clone): hold it open.
	exec 8<"$tree"
	mount -t tmpfs -o mode=0700,nosuid,nodev "$NAME-base" /run
	mkdir /run/upper /run/work /run/root
	R=/run/root
	mount -t overlay -o lowerdir=/,upperdir=/run/upper,workdir=/run/work "$NAME-root" "$R"
	mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
	mount --bind "$R/proc/sys" "$R/proc/sys"
	mount -o remount,bind,ro,nosuid,nodev,noexec "$R/proc/sys"
	mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$R/sys"
	mount -t cgroup2 -o nosuid,nodev,noexec cgroup2 "$R/sys/fs/cgroup"
	# The host side moves the unshare process out of this cgroup namespace's
	# root: wait until this shell is the only process left in it (a process
	# outside the pid namespace reads as 0 in cgroup.procs).
	i=0
	while :; do
		only=1
		while read -r n; do [ "$n" = 1 ] || only=0; done <"$R/sys/fs/cgroup/cgroup.procs"
		[ "$only" = 0 ] || break
		i=$((i + 1))
		[ "$i" -lt 400 ] || pid1_fail "the unshare process is still in the sandbox's root cgroup"
		sleep 0.05
	done
	mount -t tmpfs -o mode=0755,nosuid,size=4m "$NAME-dev" "$R/dev"
	for n in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
		d=${n%%:*}
		ma=${n#*:}
		mi=${ma#*:}
		ma=${ma%:*}
		mknod -m 0666 "$R/dev/$d" c "$ma" "$mi"
	done
	mkdir -m 0755 "$R/dev/pts"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5,nosuid,noexec devpts "$R/dev/pts"
	ln -s pts/ptmx "$R/dev/ptmx"
	ln -s /proc/self/fd "$R/dev/fd"
	for n in 0:stdin 1:stdout 2:stderr; do
		ln -s "/proc/self/fd/${n%%:*}" "$R/dev/${n#*:}"
	done
	mount -t tmpfs -o mode=0755,nosuid,nodev "$NAME-run" "$R/run"
	mount -t tmpfs -o mode=1777,nosuid,nodev "$NAME-tmp" "$R/tmp"
	mount -t tmpfs -o mode=1777,nosuid,nodev "$NAME-vartmp" "$R/var/tmp"
	mkdir -m 0700 "$R$STATEDIR"
	echo "$token" >"$R$STATEDIR/token"
	mkdir -m 0755 "$R$SRC"
	mount --bind /proc/self/fd/8 "$R$SRC"
	exec 8<&-
	mount -o remount,bind,ro "$R$SRC"
	# The machine's identity: its own.
	systemd-id128 new >"$R/etc/machine-id"
	echo "$NAME" >"$R/etc/hostname"
	: >"$R/etc/fstab"
	mkdir -p "$R/etc/systemd/system" "$R/etc/systemd/system-generators"
	for l in "$R"/etc/systemd/system/*.wants/* "$R"/etc/systemd/system/*.requires/*; do
		[ -L "$l" ] || continue
		u=${l##*/}
		[ "$u" = ssh.service ] || MASK_UNITS="$MASK_UNITS $u"
	done
	for u in $MASK_UNITS; do
		ln -sfn /dev/null "$R/etc/systemd/system/$u"
	done
	for u in $MASK_GENERATORS; do
		ln -sfn /dev/null "$R/etc/systemd/system-generators/$u"
	done
	ln -sfn /lib/systemd/system/multi-user.target "$R/etc/systemd/system/default.target"
	mkdir "$R/.oldroot"
	cd "$R"
	pivot_root . .oldroot
	cd /
	umount -l /.oldroot
	rmdir /.oldroot
	# systemd 252 leaves / private when it sees a container, unlike on a
	# real host, where it makes every mount shared at boot.
	mount --make-rshared /
	set +e
	exec setpriv --bounding-set="$DROP_CAPS" env -i "container=$NAME" /lib/systemd/systemd \
		</dev/null >"$STATEDIR/console" 2>&1
}

# ---------------------------------------------------------------- host side

# host_state: what the check after the run compares (the host's mount
# table, the cgroup2 root's directories).
host_mounts()
{
	findmnt -r -n -o TARGET,SOURCE,FSTYPE,OPTIONS | LC_ALL=C sort
}

host_cgroups()
{
	# Another run of this suite on the machine (a second worktree) comes and
	# goes with its own NAME.PID.RANDOM directory: only ours is this run's.
	find "$CG2" -maxdepth 1 -mindepth 1 -type d | LC_ALL=C sort |
		awk -v mine="$CG" -v pre="$CG2/$NAME." 'index($0, pre) != 1 || $0 == mine'
}

# procs_in_ns NS-LIST: pids of processes in any of these namespaces ("pid:[N]" ...).
procs_in_ns()
{
	local f
	for f in /proc/[0-9]*; do
		for n in pid mnt net cgroup; do
			case " $1 " in
			*" $(readlink "$f/ns/$n" 2>/dev/null) "*)
				echo "${f#/proc/} $(tr '\0' ' ' <"$f/cmdline" 2>/dev/null | cut -c1-80)"
				break
				;;
			esac
		done
	done
}

# Where a booted systemd, sshd, useradd, make install or the module would
# write, had the overlay failed: anything there changed since the boot. (Not
# all of /usr or /var: other jobs on the machine install packages.)
FILE_DIRS="/etc /home /root/.ssh /var/log /var/lib/systemd /var/lib/nsiso /var/lib/dbus /usr/sbin/nsisoctl
/usr/share/pam-configs /usr/share/man/man5/nsiso.conf.5 /usr/share/doc/libpam-nsiso"
# ... except what package installations by others write there.
FILE_IGNORE='^(/etc/ld\.so\.cache|/var/log/(apt/.*|dpkg\.log|alternatives\.log))$'

changed_files()
{
	local d
	for d in $FILE_DIRS $SECUREDIR/pam_nsiso.so; do
		[ -e "$d" ] || continue
		find "$d" -xdev -newermt "@$T0" 2>/dev/null
	done | grep -v -E "$FILE_IGNORE"
	return 0
}

# ---------------------------------------------------------------- test users' keyrings

# The test users exist only in the overlay, but their uids are the host
# kernel's: a login there (pam_keyinit, systemd) creates the user keyrings
# _uid.UID and _uid_ses.UID, which the kernel keeps (in the init user
# namespace's register) after every process of the uid is gone. So the users
# get uids BASE+1..BASE+9 that neither the host's users nor its keyrings use
# (BASE random, so that two runs at once do not share them), and the
# keyrings are invalidated after the run.
UID_SPAN=9

key_user_of()
{
	awk -v u="$1" '{ sub(/:$/, "", $1) } $1 == u { print; exit }' /proc/key-users
}

pick_uid_base()
{
	local try b i free
	try=0
	while [ "$try" -lt 50 ]; do
		b=$((59000 + ($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 89) * 10))
		free=1
		i=1
		while [ "$i" -le "$UID_SPAN" ]; do
			if getent passwd "$((b + i))" >/dev/null || [ -n "$(key_user_of $((b + i)))" ]; then
				free=0
				break
			fi
			i=$((i + 1))
		done
		[ "$free" = 0 ] || {
			echo "$b"
			return 0
		}
		try=$((try + 1))
	done
	return 1
}

# drop_keyrings: invalidate the test uids' user keyrings (as that uid: only
# the owner may; by serial, since naming @u or @us makes them anew).
drop_keyrings()
{
	local i u
	[ -n "${UID_BASE:-}" ] || return 0
	i=1
	while [ "$i" -le "$UID_SPAN" ]; do
		u=$((UID_BASE + i))
		if [ -n "$(key_user_of "$u")" ]; then
			setpriv --reuid="$u" --regid="$u" --clear-groups sh -c \
				'a=$(keyctl id @u) && b=$(keyctl id @us) && keyctl invalidate "$a" && keyctl invalidate "$b"' \
				</dev/null >/dev/null 2>&1
		fi
		i=$((i + 1))
	done
	# The kernel's key garbage collector frees them at once; wait for it.
	i=0
	while [ -n "$(keyrings_left)" ] && [ "$i" -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

keyrings_left()
{
	local i
	[ -n "${UID_BASE:-}" ] || return 0
	i=1
	while [ "$i" -le "$UID_SPAN" ]; do
		key_user_of $((UID_BASE + i))
		i=$((i + 1))
	done
}

tap_line()
{
	# $1: ok|not ok; the number follows the script's last test
	N_EXTRA=$((N_EXTRA + 1))
	echo "$1 $((N_LAST + N_EXTRA)) - $2"
}

PID1=
UNSHARE=
CG=
CG2=
teardown_done=0

kill_sandbox()
{
	local i
	[ "$teardown_done" = 0 ] || return 0
	teardown_done=1
	if [ -n "$PID1" ]; then
		kill -KILL "$PID1" 2>/dev/null
	fi
	if [ -n "$UNSHARE" ]; then
		kill -KILL "$UNSHARE" 2>/dev/null
		wait "$UNSHARE" 2>/dev/null
	fi
	# The kernel ends the pid namespace's processes (PID 1's death kills
	# them), which takes a moment.
	i=0
	while [ -n "${SANDBOX_NS_LIST:-}" ] && [ -n "$(procs_in_ns "$SANDBOX_NS_LIST")" ] && [ "$i" -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ -z "$CG" ] || remove_cgroup
	drop_keyrings
}

# remove_cgroup: CG and the cgroups systemd made in it, once they are empty.
remove_cgroup()
{
	local i
	[ -d "$CG" ] || return 0
	i=0
	while ! grep -qx 'populated 0' "$CG/cgroup.events" 2>/dev/null && [ "$i" -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	i=0
	while [ -d "$CG" ] && [ "$i" -lt 100 ]; do
		find "$CG" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$CG" ] || break
		sleep 0.05
		i=$((i + 1))
	done
}

# remove_stale_cgroups: a run killed outright (SIGKILL: nothing could clean
# up) leaves its empty cgroup tree; remove those whose runner is gone.
remove_stale_cgroups()
{
	local d pid
	for d in "$CG2/$NAME".*; do
		[ -d "$d" ] || continue
		pid=${d#"$CG2/$NAME."}
		pid=${pid%%.*}
		! kill -0 "$pid" 2>/dev/null || continue
		grep -qx 'populated 0' "$d/cgroup.events" 2>/dev/null || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}

outer()
{
	local why token orig rc summary i state
	[ $# -ge 1 ] || {
		echo "usage: sandbox.sh SCRIPT [ARGS...] | --inside | --check" >&2
		exit 2
	}
	SUITE=${NSISO_SYSTEMD_SUITE:-systemd}
	TAP_SUITE=$SUITE
	# shellcheck source=tests/lib/tap.sh
	. "$here/../lib/tap.sh"
	TEST_NAME=$(basename "$1" .sh)
	why=$(sd_check)
	[ -z "$why" ] || cannot_run "$why"
	top=$(cd "$here/../.." && pwd)
	script=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	case $script in
	"$top"/*) ;;
	*) bail "$script is not in the source tree $top" ;;
	esac
	shift
	CG2=$(cg2_root)
	remove_stale_cgroups
	T0=$(date +%s.%N)
	HERE_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsiso-systemd.XXXXXX") || bail "mktemp failed"
	host_mounts >"$HERE_TMP/mounts.before"
	host_cgroups >"$HERE_TMP/cgroups.before"
	UID_BASE=$(pick_uid_base) || bail "no free block of $UID_SPAN uids in 59001-59899 (host users or keyrings)"
	CG=$CG2/$NAME.$$.$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
	token=$(od -An -N16 -tx8 /dev/urandom | tr -d ' \n')
	trap 'kill_sandbox; rm -rf "$HERE_TMP"' EXIT
	trap 'exit 130' INT TERM HUP
	mkdir "$CG" || bail "cannot make the cgroup $CG"
	orig=$(sed -n 's/^0:://p' /proc/self/cgroup)
	sh -c 'echo $$ >"$1/cgroup.procs" && exec unshare --cgroup --pid --fork --kill-child --mount --uts --ipc --net --propagation private -- sh "$2" --pid1 "$3" "$4"' \
		_ "$CG" "$here/sandbox.sh" "$top" "$token" </dev/null >"$HERE_TMP/pid1.log" 2>&1 &
	UNSHARE=$!
	# unshare forks PID 1 after it has unshared: then move it back out.
	i=0
	until PID1=$(awk '{ print $1 }' "/proc/$UNSHARE/task/$UNSHARE/children" 2>/dev/null) && [ -n "$PID1" ]; do
		i=$((i + 1))
		if [ "$i" -gt 200 ] || ! kill -0 "$UNSHARE" 2>/dev/null; then
			bail "unshare did not start the sandbox's PID 1" "$(cat "$HERE_TMP/pid1.log")"
		fi
		sleep 0.02
	done
	echo "$UNSHARE" >"$CG2$orig/cgroup.procs" || bail "cannot move unshare back to $CG2$orig"
	# PID 1 execs systemd once its set-up is done.
	i=0
	until [ "$(cat "/proc/$PID1/comm" 2>/dev/null)" = systemd ]; do
		i=$((i + 1))
		if [ "$i" -gt 400 ] || ! kill -0 "$PID1" 2>/dev/null; then
			bail "the sandbox's PID 1 did not exec systemd" "$(cat "$HERE_TMP/pid1.log")"
		fi
		sleep 0.02
	done
	SANDBOX_NS_LIST=$(for n in pid mnt net cgroup; do readlink "/proc/$PID1/ns/$n"; done | paste -sd ' ' -)
	# systemctl needs PID 1's bus socket, which it makes a moment after exec.
	end=$(($(date +%s) + ${NSISO_SYSTEMD_BOOT_TIMEOUT:-30}))
	until [ -S "/proc/$PID1/root/run/systemd/private" ]; do
		[ "$(date +%s)" -lt "$end" ] || break
		sleep 0.02
	done
	state=$(timeout "${NSISO_SYSTEMD_BOOT_TIMEOUT:-30}" nsenter -t "$PID1" -a systemctl is-system-running --wait 2>&1)
	# The script runs inside, as root in all of the sandbox's namespaces,
	# with the environment it needs and nothing of the host's.
	{
		timeout -k 5 "${NSISO_SYSTEMD_TIMEOUT:-170}" nsenter -t "$PID1" -a env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
			NSISO_SYSTEMD_TOKEN="$token" NSISO_SYSTEMD_STATE="$state" NSISO_SYSTEMD_SUITE="$SUITE" \
			NSISO_SYSTEMD_UID_BASE="$UID_BASE" NSISO_SYSTEMD_MODULE="${NSISO_TEST_MODULE:-${NSISO_SYSTEMD_MODULE:-}}" \
			NSISO_SYSTEMD_HOST_MACHINE_ID="$(cat /etc/machine-id 2>/dev/null)" CI="${CI:-}" WAIT="${WAIT_TIMEOUT:-${WAIT:-60}}" \
			sh "$SRC${script#"$top"}" "$@" </dev/null 2>&1
		echo $? >"$HERE_TMP/rc"
	} | tee "$HERE_TMP/out" | grep -v -E "^$SUITE: [0-9]+ passed, [0-9]+ failed\$"
	rc=$(cat "$HERE_TMP/rc" 2>/dev/null || echo 1)
	summary=$(grep -E "^$SUITE: [0-9]+ passed, [0-9]+ failed\$" "$HERE_TMP/out" | tail -n 1)
	N_LAST=$(grep -cE '^(not )?ok [0-9]+ - ' "$HERE_TMP/out")
	N_EXTRA=0
	# Hold the sandbox's namespaces open across the kill and the check: the
	# kernel recycles the inode numbers of freed namespaces at once (seen:
	# another job's new sandbox got them), and a process there must not be
	# taken for one left in this one.
	exec 4<"/proc/$PID1/ns/pid" 5<"/proc/$PID1/ns/mnt" 6<"/proc/$PID1/ns/net" 7<"/proc/$PID1/ns/cgroup"
	kill_sandbox
	host_check
	exec 4<&- 5<&- 6<&- 7<&-
	p=$(echo "$summary" | sed -n -E 's/^[a-z0-9_-]+: ([0-9]+) passed.*/\1/p')
	f=$(echo "$summary" | sed -n -E 's/.* ([0-9]+) failed$/\1/p')
	if [ -z "$summary" ]; then
		tap_line "not ok" "$TEST_NAME ended without a summary (exit status $rc; 124/137: timed out)"
		p=0 f=1
	fi
	echo "$SUITE: $((p + HOST_PASS)) passed, $((f + HOST_FAIL)) failed"
	[ "$HOST_FAIL" = 0 ] || exit 1
	[ "$rc" = 77 ] && exit 77
	exit "$rc"
}

# host_check: after the kill, the host is as it was (one test line).
host_check()
{
	local why d
	HOST_PASS=0
	HOST_FAIL=0
	why=""
	d=$(host_mounts | diff "$HERE_TMP/mounts.before" - | grep '^[<>]')
	[ -z "$d" ] || why="$why
the host's mount table changed:
$d"
	d=$(host_cgroups | diff "$HERE_TMP/cgroups.before" - | grep '^[<>]')
	[ -z "$d" ] || why="$why
the cgroups under $CG2 changed:
$d"
	[ ! -e "$CG" ] || why="$why
$CG is still there"
	d=$(procs_in_ns "$SANDBOX_NS_LIST")
	[ -z "$d" ] || why="$why
processes are left in the sandbox's namespaces:
$d"
	d=$(keyrings_left)
	[ -z "$d" ] || why="$why
the test users' keyrings are still in the kernel (/proc/key-users):
$d"
	d=$(changed_files)
	[ -z "$d" ] || why="$why
files on the host changed since the boot:
$(echo "$d" | head -n 20)"
	if [ -z "$why" ]; then
		HOST_PASS=1
		tap_line ok "host left as found: its mount table, the cgroups under $CG2, no process in the sandbox's namespaces, no keyring of the test uids, no file changed where the sandbox writes"
	else
		HOST_FAIL=1
		tap_line "not ok" "host left as found"
		printf '%s\n' "$why" | sed '1d; s/^/#   /'
	fi
}

case ${1:-} in
--inside)
	sd_inside
	;;
--check)
	why=$(sd_check)
	[ -z "$why" ] || {
		echo "$why"
		exit 1
	}
	;;
--pid1)
	shift
	pid1 "$@"
	;;
*)
	outer "$@"
	;;
esac
