#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Case 7: 16 parallel first logins of one user end in exactly one set.
# Also: 40 successive set creations (lifetime session) all succeed; the
# sandbox is a non-initial mount namespace, where K3 of docs/architecture.md (per-CPU namespace
# ids) makes a naive bind of the mnt pin fail with EINVAL about half the time.
# Case 8: a tampered pin (replaced by the host's own ipc namespace) is not
# trusted: the next session gets a working, new set.
. "$(dirname "$0")/lib.sh"
setup
need_module

add_user nsiso-r
add_user nsiso-t
add_user nsiso-c
uid_r=$(uid_of nsiso-r)
uid_t=$(uid_of nsiso-t)
write_policy <<EOF
[global]
namespaces = mnt, ipc, uts

[user:nsiso-t]
lifetime = boot

[user:nsiso-c]
lifetime = session
EOF
write_pam debug

# ----------------------------------------------------------- case 7
N=16
i=1
while [ $i -le $N ]; do
	bg_session r$i nsiso-r ":"
	i=$((i + 1))
done
up=0
i=1
while [ $i -le $N ]; do
	wait_ready r$i nsiso-r && up=$((up + 1))
	i=$((i + 1))
done
is "$up" "$N" "$N parallel first logins of nsiso-r all came up"
distinct=$(cat "$OUT"/nsiso-r/r*/ns 2>/dev/null | sort -u)
is "$(cat "$OUT"/nsiso-r/r*/ns 2>/dev/null | wc -l)" "$N" "all $N sessions reported their namespaces"
is "$(echo "$distinct" | wc -l)" "1" "all $N sessions see identical mnt/ipc/uts inodes"
[ "$(echo "$distinct" | wc -l)" = 1 ] || diag "distinct ns lines ($NSISO_TEST_NS):" "$distinct"
for k in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $k)
	isnt "$(field $k "$distinct")" "$(field $k "$SANDBOX_NS")" "... and that $ns namespace is not the sandbox's"
done
# Registry v2: the pins are in the keeper's table (lib/keeper.h), /UID/NS.
for ns in $NSISO_TEST_NS; do
	is "$(pins_of "$uid_r" | grep -cx "/$uid_r/$ns")" "1" "exactly one $ns pin /$uid_r/$ns in the keeper"
done
is "$("$TOP/build/nsiso-keeper" pins | wc -l)" "3" \
	"no other nsfs mount in the keeper (no half-made or duplicate set)"
[ "$("$TOP/build/nsiso-keeper" pins | wc -l)" = 3 ] || diag "$("$TOP/build/nsiso-keeper" pins)"
is "$(findmnt -rn -t nsfs -o TARGET | grep -c '^/run/nsiso/')" "1" \
	"the host's table holds the keeper's pin only"
bad=0
i=1
while [ $i -le $N ]; do
	finish r$i
	[ "$RC" = 0 ] || {
		bad=$((bad + 1))
		diag "r$i: exit status $RC"
		diag_file "$STATE/r$i.err"
	}
	i=$((i + 1))
done
is "$bad" "0" "all $N sessions closed with exit status 0"
is "$(findmnt -rn -t nsfs -o TARGET | grep -c "^/run/nsiso/.*/$uid_r")" "0" \
	"after all $N closed (no process left): no pin of nsiso-r"

# ----------------------------------------------------------- repeated creation
M=40
bad=0
i=1
while [ $i -le $M ]; do
	RC=0
	out=$(login c$i nsiso-c -- sh -c 'stat -L -c %i /proc/self/ns/mnt') || RC=$?
	if [ "$RC" != 0 ] || [ "$out" = "$(field 1 "$SANDBOX_NS")" ] || [ -z "$out" ]; then
		bad=$((bad + 1))
		[ $bad -gt 3 ] || {
			diag "login $i: exit status $RC, mnt namespace '$out'"
			diag_file "$STATE/c$i.err"
		}
	fi
	i=$((i + 1))
done
is "$bad" "0" "$M successive set creations of nsiso-c all give a private mnt namespace"

# ----------------------------------------------------------- case 8
bg_session t1 nsiso-t ":"
wait_ready t1 nsiso-t || bail "tamper: first session did not come up" "$(cat "$STATE/t1.err")"
t1=$(fact nsiso-t t1 ns)
hold_ns t "$(session_pid nsiso-t t1)"
finish t1
expect_rc t1 "$RC" 0 "tamper: nsiso-t's first session (lifetime boot)"
pin=/$uid_t/ipc
K=$(keeper_root)
if "$TOP/build/nsiso-keeper" umount "$pin" && "$TOP/build/nsiso-keeper" bind /proc/self/ns/ipc "$pin"; then
	is "$(stat -L -c %i "$K$pin")" "$(field 2 "$SANDBOX_NS")" "tamper: the ipc pin now holds the sandbox's ipc namespace"
else
	bail "tamper: could not replace $pin"
fi
report_login t2 nsiso-t
expect_rc t2 "$RC" 0 "tamper: the next session opens"
t2=$(fact nsiso-t t2 ns)
isnt "$(field 2 "$t2")" "$(field 2 "$SANDBOX_NS")" "tamper: the session is NOT in the sandbox's ipc namespace"
for k in $(seq "$NSISO_TEST_NS_N"); do
	ns=$(ns_name $k)
	isnt "$(field $k "$t2")" "$(field $k "$t1")" "tamper: a new $ns namespace (not the old set's)"
	isnt "$(field $k "$t2")" "$(field $k "$SANDBOX_NS")" "tamper: $ns namespace is not the sandbox's"
done
is "$(fact nsiso-t t2 mnt_tmp | cut -d' ' -f1)" "tmpfs" "tamper: the new set works (/tmp is a tmpfs)"
is "$(stat -L -c %i "$K/$uid_t/mnt" "$K/$uid_t/ipc" "$K/$uid_t/uts" 2>&1 | tr '\n' ' ')" \
	"$(echo "$t2" | tr ' ' '\n' | tr '\n' ' ')" "tamper: the pins now hold the new set"
is "$(pins_of "$uid_t" | grep -cx "$pin")" "1" "tamper: one mount on the ipc pin (the forged one is gone)"
report_login t3 nsiso-t
is "$RC:$(fact nsiso-t t3 ns)" "0:$t2" "tamper: a later session joins the rebuilt set"

done_testing
