#!/bin/sh
# shellcheck disable=SC3043
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: show what pam_nsiso does, for real, with the built module and the
# real libpam (through build/nsiso-pamh), inside a throwaway sandbox
# (tests/integration/sandbox.sh: new mount, pid, ipc, uts and net namespaces,
# fresh /run, /tmp, /var/tmp, /dev/shm, overlays on /etc and /var). The demo
# users, the PAM config and everything the module creates vanish with it.
#
# Needs root. Exit status 0 when everything looked as it should.
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)

in_sandbox()
{
	[ "${NSISO_SANDBOX:-}" = 1 ] && [ -n "${NSISO_SANDBOX_TOKEN:-}" ] &&
		[ -r /run/.sandbox/token ] &&
		[ "$(cat /run/.sandbox/token)" = "$NSISO_SANDBOX_TOKEN" ]
}

if ! in_sandbox; then
	if [ "$(id -u)" != 0 ]; then
		echo "demo: needs root (it creates namespaces, mounts and users inside a sandbox)" >&2
		exit 1
	fi
	for f in "$TOP/build/pam_nsiso.so" "$TOP/build/nsiso-pamh"; do
		[ -e "$f" ] || {
			echo "demo: $f is missing: run make all build/nsiso-pamh" >&2
			exit 1
		}
	done
	exec sh "$TOP/tests/integration/sandbox.sh" "$0" "$@"
fi

PAMH=$TOP/build/nsiso-pamh
DIR=/etc/nsiso-demo
W=/run/nsiso-demo
BAD=0

say()
{
	printf '%s\n' "$@"
}

# check DESC CONDITION...: one line with a verdict
check()
{
	local desc
	desc=$1
	shift
	if "$@"; then
		say "    [ok]   $desc"
	else
		say "    [FAIL] $desc"
		BAD=$((BAD + 1))
	fi
}

not()
{
	! "$@"
}

# all_differ FILE1 FILE2: every namespace inode (mnt ipc uts) differs
all_differ()
{
	local i
	for i in 1 2 3; do
		[ "$(cut -d' ' -f$i "$1")" != "$(cut -d' ' -f$i "$2")" ] || return 1
	done
}

ns_line()
{
	# shellcheck disable=SC2046
	set -- $(cat "$1")
	say "mnt:[$1]  ipc:[$2]  uts:[$3]"
}

# login USER CMD...: one PAM session (open, run CMD as USER, close)
login()
{
	local user
	user=$1
	shift
	timeout -k 5 120 "$PAMH" --confdir "$DIR/pam.d" --service nsiso-demo --user "$user" \
		-- "$@" </dev/null 2>>"$W/pam.err"
}

# --- setup (inside the sandbox)
mkdir -p "$DIR/pam.d" "$W/flags"
chmod 0755 "$DIR" "$DIR/pam.d" "$W" "$W/flags"
for u in alice bob; do
	id "$u" >/dev/null 2>&1 || useradd -M -l -s /bin/sh "$u"
	mkdir -m 0700 "$W/$u"
	chown "$u:" "$W/$u"
done
cat >"$DIR/nsiso.conf" <<EOF
[global]
namespaces = mnt, ipc, uts
hostname   = %u-box
EOF
chmod 0644 "$DIR/nsiso.conf"
printf '%s\n' "session required pam_permit.so" \
	"session required $TOP/build/pam_nsiso.so config=$DIR/nsiso.conf" >"$DIR/pam.d/nsiso-demo"

# what a session looks at: namespaces, hostname, the shared file, queues
cat >"$W/look" <<'EOF'
#!/bin/sh
d=$1
stat -L -c %i /proc/self/ns/mnt /proc/self/ns/ipc /proc/self/ns/uts | paste -sd ' ' - >"$d.ns"
hostname >"$d.host"
cat /tmp/hello 2>&1 >"$d.hello" | sed 's/^cat: //' >>"$d.hello"
ipcs -q | awk '$1 ~ /^0x/' | wc -l >"$d.queues"
EOF
chmod 0755 "$W/look"

stat -L -c %i /proc/1/ns/mnt /proc/1/ns/ipc /proc/1/ns/uts | paste -sd ' ' - >"$W/sandbox.ns"

say "pam_nsiso demo: one persistent namespace set per user"
say "(all of it runs in a throwaway sandbox; nothing is left on this machine)"
say ""
say "The sandbox plays the host. Its namespaces: $(ns_line "$W/sandbox.ns")"
say "Its hostname: $(hostname). Policy: namespaces = mnt, ipc, uts; hostname = %u-box"
say ""

# --- alice, session 1: stays logged in until we say so
say "alice logs in (session 1), writes /tmp/hello and creates a message queue, and stays logged in."
(
	login alice sh -c "echo 'hello from alice, session 1' >/tmp/hello
ipcmk -Q >/dev/null
$W/look $W/alice/s1
: >$W/alice/s1.ready
timeout 60 sh -c 'until [ -e $W/flags/done ]; do sleep 0.1; done'"
	echo $? >"$W/s1.rc"
) &
if ! timeout 60 sh -c "until [ -e $W/alice/s1.ready ] || [ -e $W/s1.rc ]; do sleep 0.1; done; [ -e $W/alice/s1.ready ]"; then
	say "    [FAIL] alice's first session did not start. PAM said:"
	sed 's/^/           /' "$W/pam.err"
	exit 1
fi
say "    namespaces: $(ns_line "$W/alice/s1.ns")    hostname: $(cat "$W/alice/s1.host")"
check "alice is not in the host's namespaces" not cmp -s "$W/alice/s1.ns" "$W/sandbox.ns"
say ""

say "alice logs in again (session 2) while session 1 is still open:"
login alice "$W/look" "$W/alice/s2"
say "    namespaces: $(ns_line "$W/alice/s2.ns")    hostname: $(cat "$W/alice/s2.host")"
say "    cat /tmp/hello  -> $(cat "$W/alice/s2.hello")"
say "    message queues  -> $(cat "$W/alice/s2.queues")"
check "same namespaces as session 1 (same inode numbers)" cmp -s "$W/alice/s1.ns" "$W/alice/s2.ns"
check "sees session 1's /tmp/hello" grep -q 'hello from alice' "$W/alice/s2.hello"
check "sees session 1's message queue" [ "$(cat "$W/alice/s2.queues")" = 1 ]
say ""

say "bob logs in:"
login bob "$W/look" "$W/bob/s1"
say "    namespaces: $(ns_line "$W/bob/s1.ns")    hostname: $(cat "$W/bob/s1.host")"
say "    cat /tmp/hello  -> $(cat "$W/bob/s1.hello")"
say "    message queues  -> $(cat "$W/bob/s1.queues")"
check "none of alice's namespaces (mnt, ipc, uts all differ)" all_differ "$W/bob/s1.ns" "$W/alice/s1.ns"
check "does not see alice's /tmp/hello" not grep -q 'hello from alice' "$W/bob/s1.hello"
check "does not see alice's message queue" [ "$(cat "$W/bob/s1.queues")" = 0 ]
say ""

say "Meanwhile, on the host (the sandbox):"
say "    ls -A /tmp      -> $(ls -A /tmp | tr '\n' ' ')(empty means untouched)"
say "    hostname        -> $(hostname)"
say "    pinned sets     -> $(findmnt -rn -t nsfs -o TARGET | grep '^/run/nsiso/' | tr '\n' ' ')"
say "                       (uid $(id -u alice) is alice, still logged in; bob's set went away"
say "                        when his only session closed and no process of his was left)"
check "the host's /tmp is untouched" [ -z "$(ls -A /tmp)" ]
check "the host's hostname is unchanged" [ "$(hostname)" = nsiso-sandbox ]

: >"$W/flags/done"
timeout 70 sh -c "until [ -e $W/s1.rc ]; do sleep 0.1; done"
say ""
if [ "$BAD" = 0 ]; then
	say "Everything looked as it should. The sandbox now ends: users, mounts and sets are gone."
else
	say "$BAD check(s) failed. What PAM printed:"
	sed 's/^/    /' "$W/pam.err"
fi
[ "$BAD" = 0 ]
