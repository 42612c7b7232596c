# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh disable=SC3043,SC2034
# (local: dash, bash and busybox sh have it; SC2034: variables used by the
# files that source this)
#
# What every shell suite shares, one definition each: the namespace kinds a
# set has, reading them off a process, users, the policy file, sessions.
# Sourced after tests/lib/tap.sh by tests/lib/pamh.sh (integration,
# adversarial, ctl) and tests/e2e/lib.sh (e2e, systemd, the demo), and by
# tests/ctl/lib.sh. Needs these, set by the suite's lib.sh before use:
#
#   TOP     the source tree
#   CONF    the policy file write_policy writes (in a root-owned 0755 dir)
#   OUT     $OUT/<user>: a user's own 0700 dir, where sessions report
#   STATE   root 0700: what root keeps about sessions ($STATE/TAG.user)
#   USERADD_OPTS  useradd's options for a test user (no home: "-M -l";
#                 e2e: "-m", a home in the sandbox's /home overlay)
#
# A suite with more to do for a new user (ssh keys) defines user_added NAME.
#
# Knobs, the same name in every suite (tests/lib/runner.sh has the rest):
#   NSISO_TEST_MODULE   the module under test (a path, or a name in the PAM
#                       directory such as pam_permit.so for a check of the
#                       checks); the old names NSISO_E2E_MODULE (e2e) and
#                       NSISO_SYSTEMD_MODULE (systemd) still work
#   NSISO_TEST_PAMH     the PAM harness (build/nsiso-pamh)
#   WAIT_TIMEOUT        bound of every wait for a session, in seconds (e2e and
#                       systemd: WAIT, the old name, still works)

# ---------------------------------------------------------------- namespace kinds

# Every kind the module knows, in the order of its table (lib/nstable.c, the
# only list of them); and the kinds of a set made with the default
# `namespaces =` (docs/nsiso.conf.5), in that order: what ns_of prints, what
# field N of its output is, what a test loops over.
NSISO_TEST_NS_ALL=$(sed -n 's/^ *\[NSISO_NS_[A-Z]*\] = {NSISO_NS_[A-Z]*, "\([a-z]*\)".*/\1/p' \
	"$TOP/lib/nstable.c" | paste -sd ' ' -)
NSISO_TEST_NS="mnt ipc uts"
# The net namespace, in a set only where the policy asks for it.
NSISO_TEST_NS_OPT="net"
NSISO_TEST_NS_N=$(echo "$NSISO_TEST_NS" | wc -w)
# A kind added to the table is one the tests must be told about, here.
# shellcheck disable=SC2086
if [ "$(printf '%s\n' $NSISO_TEST_NS_ALL | sort | paste -sd ' ' -)" != \
	"$(printf '%s\n' $NSISO_TEST_NS $NSISO_TEST_NS_OPT | sort | paste -sd ' ' -)" ]; then
	bail "tests/lib/common.sh: the kinds of lib/nstable.c ('$NSISO_TEST_NS_ALL') are not" \
		"NSISO_TEST_NS plus NSISO_TEST_NS_OPT ('$NSISO_TEST_NS $NSISO_TEST_NS_OPT')"
fi

# ns_name N: the N-th kind (1-based) of $NSISO_TEST_NS.
ns_name()
{
	field "$1" "$NSISO_TEST_NS"
}

# ns_paths PID: /proc/PID/ns/KIND for each kind of $NSISO_TEST_NS, in order.
ns_paths()
{
	local ns out
	out=
	for ns in $NSISO_TEST_NS; do
		out="${out:+$out }/proc/$1/ns/$ns"
	done
	echo "$out"
}

# ns_fill FILE...: a script written for a session to run (in a quoted here
# document) says @NS_PATHS@ where it stats its own namespaces: ns_paths self.
ns_fill()
{
	sed -i "s|@NS_PATHS@|$(ns_paths self)|g" "$@"
}

# ns_of PID: the inodes of the process's $NSISO_TEST_NS namespaces, in that
# order, one line ("MISSING (pid PID)" when one is unreadable: never a fact
# that could match another).
ns_of()
{
	local out
	# shellcheck disable=SC2046
	out=$(stat -L -c %i $(ns_paths "$1") 2>/dev/null | paste -sd ' ' -)
	# shellcheck disable=SC2086
	set -- "$1" $out
	case " $out " in
	*[!0-9\ ]*) ;;
	*) if [ $# = $((NSISO_TEST_NS_N + 1)) ]; then
		echo "$out"
		return 0
	fi ;;
	esac
	echo "MISSING (pid '$1')"
}

# nsfs_re "INODES": an extended regex matching a mountinfo line that is an
# nsfs mount of one of these namespaces (ns_of's output, the same order).
nsfs_re()
{
	local i alt ns
	i=0
	alt=
	for ns in $NSISO_TEST_NS; do
		i=$((i + 1))
		alt="${alt:+$alt|}$ns:\[$(field $i "$1")\]"
	done
	echo " ($alt) "
}

# field N LINE: the N-th word (1-based) of LINE.
field()
{
	echo "$2" | awk -v n="$1" '{ print $n }'
}

# pins_of UID: the nsfs mount points of UID's set in the keeper's table
# (registry v2, lib/keeper.h), /UID/NS each.
pins_of()
{
	"$TOP/build/nsiso-keeper" pins 2>/dev/null | grep -E "^/$1/[a-z]+\$" || true
}

# pins_line UID: pins_of UID sorted, on one line, each with a blank after it.
pins_line()
{
	pins_of "$1" | sort | tr '\n' ' '
}

# ---------------------------------------------------------------- users

# add_user NAME [useradd options]: a test user with /bin/sh ($USERADD_OPTS
# before the options), its own 0700 $OUT/NAME, then the suite's user_added
# NAME when there is one.
add_user()
{
	local name
	name=$1
	shift
	# shellcheck disable=SC2086
	useradd -s /bin/sh $USERADD_OPTS "$@" "$name" || bail "useradd $name${*:+ ($*)} failed"
	mkdir -m 0700 "$OUT/$name"
	chown "$name:" "$OUT/$name"
	if command -v user_added >/dev/null 2>&1; then
		user_added "$name"
	fi
}

uid_of()
{
	id -u "$1"
}

# ---------------------------------------------------------------- policy

# write_policy < TEXT: root-owned 0644 $CONF, replaced atomically.
write_policy()
{
	cat >"$CONF.tmp"
	chown root:root "$CONF.tmp"
	chmod 0644 "$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
}

# ---------------------------------------------------------------- sessions

# session_pid TAG, or session_pid USER TAG: the pid of session TAG's shell, a
# process inside the set ("none" when unknown). A session keeps it in
# $OUT/USER/TAG.pid; with TAG alone, USER is the one $STATE/TAG.user names.
session_pid()
{
	local user tag
	if [ $# -ge 2 ]; then
		user=$1
		tag=$2
	else
		tag=$1
		user=$(cat "$STATE/$tag.user" 2>/dev/null) || user=
	fi
	cat "$OUT/$user/$tag.pid" 2>/dev/null || echo none
}
