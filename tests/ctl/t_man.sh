#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The manual: pam_nsiso(8), nsiso.conf(5), nsisoctl(8) render without a
# single warning, and say something about every key, option and command the
# code has. No sandbox needed: nothing is written.
. "$(dirname "$0")/lib.sh"
need_ctl
DOCS=$TOP/docs
PAGES="$DOCS/pam_nsiso.8 $DOCS/nsiso.conf.5 $DOCS/nsisoctl.8"

for p in $PAGES; do
	[ -f "$p" ] || bail "$p is missing"
done
if have groff; then
	for p in $PAGES; do
		out=$(groff -man -ww -z "$p" 2>&1)
		is "$?:$out" "0:" "groff -man -ww -z $(basename "$p"): no warning"
	done
else
	skip "groff -man -ww renders the pages" "groff is not installed"
fi
if have man; then
	for p in $PAGES; do
		out=$(MANPAGER=cat MANWIDTH=80 man --warnings -l "$p" 2>&1 >/dev/null)
		is "$?:$out" "0:" "man --warnings -l $(basename "$p"): no warning"
	done
else
	skip "man --warnings renders the pages" "man is not installed"
fi

# Every key of the loader has an entry in nsiso.conf(5) (".BR key " = " ...").
keys=$(sed -n 's/^[[:space:]]*[A-Z_]*([A-Z_]*, "\([a-z_]*\)".*/\1/p' "$TOP/lib/policy_keys.c")
[ -n "$keys" ] || fail "the keys of lib/policy_keys.c can be listed"
missing=""
for k in $keys; do
	grep -q "^\.BR $k \" = \"" "$DOCS/nsiso.conf.5" || missing="$missing $k"
done
is "${missing# }" "" "nsiso.conf(5) documents every key of the loader ($(echo $keys | wc -w) keys)"

# Every command of nsisoctl --help is in nsisoctl(8)'s synopsis and commands.
cmds=$("$CTL" --help | sed -n 's/^  \([a-z]*\)\( .*\)\{0,1\}$/\1/p')
missing=""
for c in $cmds; do
	grep -q "^\.B nsisoctl $c\$" "$DOCS/nsisoctl.8" || missing="$missing $c"
	grep -q "^\.BR* $c\( \|\$\)" "$DOCS/nsisoctl.8" || missing="$missing $c(COMMANDS)"
done
is "${missing# }" "" "nsisoctl(8) documents every command ($(echo $cmds | wc -w) commands)"
missing=""
for o in json prometheus as-user all force config dry-run help; do
	# roff spells --as-user as \-\-as\-user
	grep -q -F -- "$(printf '%s' "--$o" | sed 's/-/\\-/g')" "$DOCS/nsisoctl.8" || missing="$missing --$o"
done
is "${missing# }" "" "nsisoctl(8) documents every option"
is "$(grep -c -E '^\.B [0123]$' "$DOCS/nsisoctl.8")" 4 "nsisoctl(8) documents exit statuses 0, 1, 2 and 3"

# Module options and the sections the issue asks for.
missing=""
for o in 'config=' debug; do
	grep -q "^\.B[I]* $o" "$DOCS/pam_nsiso.8" || missing="$missing $o"
done
is "${missing# }" "" "pam_nsiso(8) documents the module options config=PATH and debug"
missing=""
for p in $PAGES; do
	for s in NAME SYNOPSIS DESCRIPTION FILES "SEE ALSO" EXAMPLES; do
		grep -q "^\.SH \"*$s\"*\$" "$p" || missing="$missing $(basename "$p"):$s"
	done
done
is "${missing# }" "" "every page has NAME, SYNOPSIS, DESCRIPTION, FILES, EXAMPLES, SEE ALSO"
for p in "$DOCS/nsiso.conf.5" "$DOCS/pam_nsiso.8"; do
	n=$(grep -c -i -E '^\.SS (A university shell server|An HPC login node|A jump host)$' "$p")
	is "$n" 3 "$(basename "$p"): examples for a university shell server, an HPC login node, a jump host"
done
missing=""
for f in /etc/security/nsiso.conf /run/nsiso /var/lib/nsiso; do
	grep -q "$f" "$DOCS/pam_nsiso.8" || missing="$missing $f"
done
is "${missing# }" "" "pam_nsiso(8) FILES: the policy, the registry, the persistent dirs"
missing=""
for n in 'per-CPU' 'sshd' 'Policy changes' 'recycled'; do
	grep -q -i "$n" "$DOCS/pam_nsiso.8" || missing="$missing $n"
done
is "${missing# }" "" "pam_nsiso(8) NOTES: per-CPU ids, sshd's monitor, policy changes, inode recycling"

done_testing
