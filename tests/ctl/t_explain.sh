#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# nsisoctl explain run inside a set (issue 16): a login that starts there is
# the case the module decides with from_set and, when the way back to the
# host fails, with "root is never locked out" and on_error; explain says so,
# from the module's own verdict (lib/verdict.c). The set is a real one, made
# by a real login; explain runs in it through nsisoctl enter, and the test
# first checks, in the kernel, that it is in the set's mount namespace.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
setup
need_module
need_ctl
CTL_TMP=$STATE

add_user nsiso-a
add_user nsiso-x
add_user nsiso-s
uid_a=$(uid_of nsiso-a)
uid_x=$(uid_of nsiso-x)
uid_s=$(uid_of nsiso-s)
write_policy <<EOT
[global]
exempt_users = root, nsiso-x, nsiso-s
on_error = deny

[user:nsiso-a]
lifetime = boot

[user:nsiso-s]
from_set = stay
EOT
write_pam

report_login a1 nsiso-a
expect_rc a1 "$RC" 0 "nsiso-a's login makes a set (lifetime = boot: it stays)"
ns_a=$(field 1 "$(fact nsiso-a a1 ns)")
ctl enter nsiso-a -- stat -L -c %i /proc/self/ns/mnt
is "$RC $COUT" "0 $ns_a" "explain below runs in nsiso-a's mount namespace"
isnt "$ns_a" "$(stat -L -c %i /proc/self/ns/mnt)" "... which is not the host's"

# explain USER [ARGS]: nsisoctl explain run inside nsiso-a's set.
explain()
{
	local u
	u=$1
	shift
	ctl enter nsiso-a -- "$CTL" explain "$u" --config "$CONF" "$@"
}

explain nsiso-x
expect 0 "nsiso-x (uid $uid_x) is exempt: exempt_users
nsiso-x (uid $uid_x): a login started inside a set, as this one is, goes to the host (from_set = host)
nsiso-x (uid $uid_x): when the host cannot be reached, it is denied (on_error = deny)" "" \
	"inside a set: an exempt user goes to the host; on_error = deny if it cannot"
explain root
expect 0 "root (uid 0) is exempt: exempt_users
root (uid 0): a login started inside a set, as this one is, goes to the host (from_set = host)
root (uid 0): when the host cannot be reached, it stays in that set (root is never locked out)" "" \
	"inside a set: root goes to the host, and stays where it is if it cannot (never locked out)"
explain nsiso-s
expect 0 "nsiso-s (uid $uid_s) is exempt: exempt_users
nsiso-s (uid $uid_s): a login started inside a set, as this one is, stays in it (from_set = stay)" "" \
	"inside a set: from_set = stay keeps an exempt user there"
explain nsiso-a
is "$RC $(printf '%s\n' "$COUT" | tail -n 1)" \
	"0 # a login started inside a set, as this one is, goes through the host to its own set" \
	"inside a set: a user who is not exempt goes through the host to its own set"
is "$(printf '%s\n' "$COUT" | head -n 1)" "# nsiso-a (uid $uid_a), policy $CONF" \
	"... after the header and the settings"

# on_error = allow: an exempt user other than root stays where it is when the host is out of reach.
write_policy <<EOT
[global]
exempt_users = nsiso-x
on_error = allow

[user:nsiso-a]
lifetime = boot
EOT
explain nsiso-x
expect 0 "nsiso-x (uid $uid_x) is exempt: exempt_users
nsiso-x (uid $uid_x): a login started inside a set, as this one is, goes to the host (from_set = host)
nsiso-x (uid $uid_x): when the host cannot be reached, it stays in that set (on_error = allow)" "" \
	"inside a set, on_error = allow: an exempt user stays in the set if the host cannot be reached"

# A broken policy: root is exempt, from_set is not used, the exit status is 1.
write_policy <<EOT
[global]
on_error = allow
[user:root]
from_set = stay
bogus = 1
EOT
explain root
expect 1 "root (uid 0) is exempt: uid 0 with a broken policy
root (uid 0): a login started inside a set, as this one is, goes to the host (a broken policy's from_set is not used)
root (uid 0): when the host cannot be reached, it stays in that set (root is never locked out)" \
	"nsisoctl: $CONF:5: [user:root] bogus: unknown key" \
	"inside a set, broken policy: root goes to the host (its from_set is not used), never locked out"
explain nsiso-x
expect 1 "nsiso-x (uid $uid_x): the policy is broken; logins are let in without isolation (on_error = allow)" \
	"nsisoctl: $CONF:5: [user:root] bogus: unknown key" \
	"inside a set, broken policy: a user who is not exempt gets what on_error says, nothing more"

# Outside a set (here, the host): not a word more than before.
write_policy <<EOT
[global]
exempt_users = nsiso-x
EOT
ctl explain nsiso-x --config "$CONF"
expect 0 "nsiso-x (uid $uid_x) is exempt: exempt_users" "" "on the host: explain's exempt line alone"

# What needs the registry is refused inside a set, with the registry's reason (issue 16:
# the registry says "inside a set" with a return code now, nsisoctl still makes it an error).
ctl enter nsiso-a -- "$CTL" list
is "$RC $CERR" "1 nsisoctl: this process is inside a namespace set, not in the host's mount namespace: Invalid cross-device link" \
	"inside a set: list is refused, and says why"

"$CTL" release nsiso-a --force >/dev/null 2>&1
done_testing
