#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The registry itself: its first-time setup under a race, its mounts and modes.
# Regression: a login that waited for the setup lock while another login set
# the registry up used to stack a second set of bind mounts on the first.
. "$(dirname "$0")/lib.sh"
setup
need_module

# The fault build widens the window between a login's first look at
# /run/nsiso and its setup lock (NSISO_FAULT=registry.setup:pause). Only the
# module needs the fault points: the harness is $PAMH, the one under test
# (NSISO_TEST_PAMH: the ASan one in make sanitizers), as in tests/adversarial.
FAULT_MODULE=${NSISO_TEST_FAULT_MODULE:-$TOP/build/fault/pam_nsiso.so}
[ -f "$FAULT_MODULE" ] || bail "$FAULT_MODULE is missing: run make fault-build"

add_user nsiso-ga
add_user nsiso-gb
write_policy <<EOF2
[global]
lifetime = boot
EOF2
write_pam_module "$FAULT_MODULE"

(
	export NSISO_FAULT=registry.setup:pause
	login ga nsiso-ga -- true
) &
slow=$!
sleep 0.2
rc_b=0
login gb nsiso-gb -- true || rc_b=$?
rc_a=0
wait $slow || rc_a=$?
is "$rc_a:$rc_b" "0:0" "two first-ever logins racing the registry setup both succeed"
for m in /run/nsiso /run/nsiso/keeper; do
	is "$(findmnt -rn -o TARGET | grep -cx "$m")" "1" "exactly one mount on $m"
done
# Registry v2 (docs/architecture.md K2, issue 11): the sets' pins live in the keeper's
# own mount table; the host's holds the keeper's pin and nothing else.
is "$(findmnt -rn -t nsfs -o TARGET | grep -c '^/run/nsiso/')" "1" \
	"the host's table holds one nsfs mount of the registry (the keeper's) with two sets live"
is "$(findmnt -rn -o PROPAGATION --target /run/nsiso)" "private" \
	"/run/nsiso is private (nothing below it propagates into /run's peers)"
is "$(stat -c '%U %a' /run/nsiso /run/nsiso/users | sort -u)" \
	"root 700" "registry directories are root 0700"
is "$(pins_of "$(uid_of nsiso-ga)" | wc -l):$(pins_of "$(uid_of nsiso-gb)" | wc -l)" "3:3" \
	"both users have their set (mnt, ipc, uts pins in the keeper)"
is "$(unshare --mount cat /proc/self/mountinfo | grep -c ' - nsfs ')" "0" \
	"a new mount namespace (unshare -m) copies none of the registry's pins"

# A login service in a mount namespace of its own (systemd's PrivateTmp= and
# friends) must use the one registry in PID 1's namespace, not build a second.
# From here on the module under test (NSISO_TEST_MODULE).
write_pam
report_login h1 nsiso-ga
expect_rc h1 "$RC" 0 "nsiso-ga logs in from the host's mount namespace"
RC=0
unshare --mount --propagation slave -- "$PAMH" --confdir "$PAMDIR" --service "$SERVICE" \
	--user nsiso-ga -- "$BIN/report" "$OUT/nsiso-ga/s1" </dev/null 2>"$STATE/s1.err" || RC=$?
expect_rc s1 "$RC" 0 "nsiso-ga logs in from a service's private mount namespace"
is "$(fact nsiso-ga s1 ns)" "$(fact nsiso-ga h1 ns)" \
	"both logins are in the same set (mnt, ipc, uts inodes)"
for m in /run/nsiso /run/nsiso/keeper; do
	is "$(findmnt -rn -o TARGET | grep -cx "$m")" "1" "still exactly one mount on $m"
done

done_testing
