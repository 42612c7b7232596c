#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Races.
#  1. 32 parallel first logins of one user: exactly one set and one set of
#     pins; every session (the PAM caller and the user's command) is in it.
#  2. Logins and logouts of 8 users (4 of them with 2 parallel loops each),
#     lifetime session, so tear-downs interleave with creations and joins:
#     every login succeeds in its own user's set (no /tmp of another user is
#     ever seen), and afterwards no set, pin or mount-table reference is left.
#  3. A user races renames and symlinks in their own /tmp and /var/tmp
#     (tmp = persistent, so the same instance dirs are re-bound by every new
#     set) from a process that outlives its session, while sessions of that
#     user open and close: nothing outside the set changes (targets of the
#     symlinks untouched, not chowned or chmodded, nothing mounted on them).
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-r
uid_r=$(uid_of nsiso-r)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
EOF2
write_pam debug

# ----------------------------------------------------------- 1
case_start "32 parallel first logins of one user"
N=32
i=1
while [ $i -le $N ]; do
	bg_session r$i nsiso-r ":" --ns-report "$STATE/r$i.ns"
	i=$((i + 1))
done
up=0
i=1
while [ $i -le $N ]; do
	wait_ready r$i nsiso-r && up=$((up + 1))
	i=$((i + 1))
done
is "$up" "$N" "all $N parallel first logins came up"
distinct=$(cat "$OUT"/nsiso-r/r*/ns 2>/dev/null | sort -u)
is "$(echo "$distinct" | wc -l)" 1 "all $N user commands see one and the same mnt/ipc/uts"
callers=$(sed -n 's/^open 0 //p' "$STATE"/r*.ns | sort -u)
is "$(sed -n 's/^open 0 //p' "$STATE"/r*.ns | wc -l)" "$N" "all $N PAM callers report a successful open"
is "$callers" "$distinct" "every PAM caller is in that same set"
for k in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $k)
	isnt "$(field $k "$distinct")" "$(field $k "$SANDBOX_NS")" "the set's $ns namespace is not the sandbox's"
done
is "$(all_pins | wc -l)" 3 "exactly three pins, in the keeper (one set of pins)"
is "$(set_state "$uid_r")" made "the set record and its pins check out"
is "$(set_ns "$uid_r")" "$distinct" "the pins hold the set every session is in"
bad=0
i=1
while [ $i -le $N ]; do
	finish r$i
	[ "$RC" = 0 ] || { bad=$((bad + 1)); diag "r$i: exit $RC"; diag_file "$STATE/r$i.err"; }
	i=$((i + 1))
done
is "$bad" 0 "all $N sessions closed with exit 0"
empty "$(pins_of "$uid_r")" "after the last close (no process left): no pin"
is "$(set_state "$uid_r")" none "and no set record"
empty "$(mountinfo_refs "$distinct")" "no mount table on the machine refers to the old set"

# ----------------------------------------------------------- 2
case_start "logins and logouts of many users, interleaved with tear-downs"
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
EOF2
cat >"$BIN/churn" <<'EOS'
#!/bin/sh
# churn OUTFILE: inside a session: is /tmp ours (or fresh)? note the namespaces.
me=$(id -u)
if [ -e /tmp/owner ] && [ "$(cat /tmp/owner)" != "$me" ]; then
	echo "FOREIGN /tmp/owner=$(cat /tmp/owner) me=$me" >>"$1"
fi
[ -e /tmp/owner ] || echo "$me" >/tmp/owner
echo "NS $(stat -L -c %i @NS_PATHS@ | paste -sd ' ' -)" >>"$1"
sleep 0.$(od -An -N1 -tu1 /dev/urandom | tr -d ' ')
EOS
ns_fill "$BIN/churn"
chmod 0755 "$BIN/churn"
USERS="nsiso-c1 nsiso-c2 nsiso-c3 nsiso-c4 nsiso-c5 nsiso-c6 nsiso-c7 nsiso-c8"
for u in $USERS; do add_user "$u"; done
ROUNDS=6
for u in $USERS; do
	for loop in 1 2; do
		case $u in nsiso-c[5-8]) [ $loop = 2 ] && continue ;; esac
		(
			j=1
			while [ $j -le $ROUNDS ]; do
				rc=0
				login "ch-$u-$loop-$j" "$u" -- "$BIN/churn" "$OUT/$u/churn-$loop" || rc=$?
				echo "$rc" >>"$STATE/churn-rc"
				j=$((j + 1))
			done
		) &
	done
done
wait
total=$(wc -l <"$STATE/churn-rc")
is "$total" $((4 * 2 * ROUNDS + 4 * ROUNDS)) "every churn login ran"
is "$(grep -cvx 0 "$STATE/churn-rc")" 0 "every churn login exited 0"
[ "$(grep -cvx 0 "$STATE/churn-rc")" = 0 ] || for f in "$STATE"/ch-*.err; do diag_file "$f"; done | head -40
empty "$(cat "$OUT"/nsiso-c*/churn-* | grep FOREIGN || true)" "no session ever saw another user's /tmp"
is "$(cat "$OUT"/nsiso-c*/churn-* | grep -c "^NS $SANDBOX_NS\$")" 0 "no session ran in the sandbox's own namespaces"
is "$(cat "$OUT"/nsiso-c*/churn-* | grep -c '^NS ')" "$total" "every session reported its namespaces"
empty "$(all_pins)" "after all logouts: no pin in the keeper or under /run/nsiso"
left=""
for u in $USERS; do
	s=$(set_state "$(uid_of "$u")")
	[ "$s" = none ] || left="$left $u:$s"
done
empty "$left" "after all logouts: no set record"
empty "$(grep -H ' - nsfs ' /proc/[0-9]*/mountinfo 2>/dev/null | grep -v ' /run/nsiso/keeper ' || true)" \
	"no mount table on the machine holds an nsfs mount but the keeper's pin"
empty "$(keeper_nsfs)" "the keeper's own table holds no nsfs mount"
empty "$(foreign_procs)" "no process left outside the sandbox's namespaces"
empty "$(pamh_procs)" "no nsiso-pamh process left"

# ----------------------------------------------------------- 3
case_start "a user races renames and symlinks in their own /tmp while sessions open and close"
add_user nsiso-x
uid_x=$(uid_of nsiso-x)
write_policy <<EOF2
[global]
namespaces = mnt, ipc, uts
lifetime = session
tmp = persistent
tmp_dirs = /tmp, /var/tmp
EOF2
mkdir -m 0755 /etc/nsiso-adv/target
echo secret >/etc/nsiso-adv/target/file
chmod 0600 /etc/nsiso-adv/target/file
echo secret2 >/etc/nsiso-adv/target-file
chmod 0600 /etc/nsiso-adv/target-file
cat >"$BIN/racer" <<'EOS'
#!/bin/sh
# racer FLAG: until FLAG exists (at most 90 s), swap names in /tmp and /var/tmp.
end=$(($(date +%s) + 90))
n=0
while [ ! -e "$1" ] && [ "$(date +%s)" -lt $end ]; do
	for d in /tmp /var/tmp; do
		for name in tmp var-tmp nsiso lock set sessions "$(id -u)" x; do
			ln -sfn /etc/nsiso-adv/target "$d/.l" 2>/dev/null; mv -fT "$d/.l" "$d/$name" 2>/dev/null
			ln -sfn /etc/nsiso-adv/target-file "$d/.f" 2>/dev/null; mv -fT "$d/.f" "$d/$name" 2>/dev/null
			mkfifo "$d/.p" 2>/dev/null; mv -fT "$d/.p" "$d/$name" 2>/dev/null
			rm -rf "$d/$name" 2>/dev/null; mkdir "$d/$name" 2>/dev/null
			ln -sfn /run/nsiso "$d/.r" 2>/dev/null; mv -fT "$d/.r" "$d/$name" 2>/dev/null
		done
	done
	n=$((n + 1))
done
echo "$n" >/tmp/.racer-rounds
EOS
chmod 0755 "$BIN/racer"
# The racer is started in a first session and outlives it (setsid, no wait):
# with lifetime session that set is torn down at the close, the racer keeps
# its (detached) mount namespace, whose /tmp is the persistent instance that
# every new set of nsiso-x binds again.
RC=0
login x0 nsiso-x -- sh -c "setsid $BIN/racer $FLAGS/racer-stop </dev/null >/dev/null 2>&1 & sleep 1" || RC=$?
expect_rc x0 "$RC" 0 "race: the racer's session opened and closed"
racer_pid=$(pgrep -u nsiso-x -f "$BIN/racer" | head -n 1)
[ -n "$racer_pid" ] && pass "race: the racer outlives its session (pid $racer_pid)" || fail "race: the racer outlives its session"
[ -n "$racer_pid" ] && echo "$racer_pid" >>"$STATE/allowed.pids"
# Everything the racer may not touch, as it is now (after the first
# persistent login made /var/lib/nsiso; the racer is already running).
fs_snapshot "$STATE/snap.race"
mounts_before=$(findmnt -rn -o TARGET,SOURCE,FSTYPE | sort)
targets_before=$(stat -c '%n %U %G %a %s %Y' /etc/nsiso-adv/target /etc/nsiso-adv/target/file /etc/nsiso-adv/target-file /etc /run /var/lib)
M=40
bad=0
i=1
while [ $i -le $M ]; do
	rc=0
	login xr$i nsiso-x -- sh -c 'ls -la /tmp /var/tmp >/dev/null 2>&1; stat -L -c %i /proc/self/ns/mnt' >"$STATE/xr$i.out" || rc=$?
	if [ "$rc" != 0 ]; then
		bad=$((bad + 1))
		[ $bad -gt 3 ] || { diag "race login $i: exit $rc"; diag_file "$STATE/xr$i.err"; }
	fi
	i=$((i + 1))
done
is "$bad" 0 "race: $M logins of nsiso-x while the racer runs all exit 0 (no hang, no refusal)"
: >"$FLAGS/racer-stop"
[ -n "$racer_pid" ] && wait_gone "$racer_pid"
is "$(stat -c '%n %U %G %a %s %Y' /etc/nsiso-adv/target /etc/nsiso-adv/target/file /etc/nsiso-adv/target-file /etc /run /var/lib)" \
	"$targets_before" "race: the symlink targets (and /etc, /run, /var/lib) are not touched, chowned or chmodded"
is "$(cat /etc/nsiso-adv/target/file /etc/nsiso-adv/target-file)" "secret
secret2" "race: the targets' content is unchanged"
is "$(findmnt -rn -o TARGET,SOURCE,FSTYPE | sort)" "$mounts_before" "race: the sandbox's mount table is as before (nothing mounted anywhere, no pin left)"
empty "$(fs_changes "$STATE/snap.race" | grep -v -E ' (/run/nsiso|/run/\.sandbox/_var/upper/lib/nsiso)(/|$)' | grep -v -E ' /run/nsiso-adv/bin/' || true)" \
	"race: nothing outside /run/nsiso and /var/lib/nsiso was created, changed or chowned"
is "$(stat -c '%U %a %F' "/var/lib/nsiso/$uid_x/tmp" "/var/lib/nsiso/$uid_x/var-tmp" | paste -sd ' ' -)" \
	"root 1777 directory root 1777 directory" "race: the instance dirs are still root-owned 1777 directories"
rounds=$(cat "/var/lib/nsiso/$uid_x/tmp/.racer-rounds" 2>/dev/null || echo 0)
[ "$rounds" -gt 0 ] && pass "race: the racer did $rounds rounds of renames in its /tmp" || fail "race: the racer ran"

done_testing
