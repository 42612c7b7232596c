#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall into a scratch DESTDIR (removed at the end):
# every file where it belongs, an existing policy never overwritten, and
# uninstall removing what install put there except the policy.
. "$(dirname "$0")/lib.sh"
need_ctl
have make || bail "make is not installed"

D=$(mktemp -d "${TMPDIR:-/tmp}/nsiso-install.XXXXXX") || bail "mktemp failed"
trap 'rm -rf "$D"' EXIT
trap 'exit 130' INT TERM

libdir=$(pkg-config --variable=libdir pam 2>/dev/null || echo /lib/x86_64-linux-gnu)
module=$libdir/security/pam_nsiso.so
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
tmpfilesdir=$(pkg-config --variable=tmpfilesdir systemd 2>/dev/null || echo /usr/lib/tmpfiles.d)
FILES="$module /usr/sbin/nsisoctl /usr/share/man/man5/nsiso.conf.5 /usr/share/man/man8/pam_nsiso.8
/usr/share/man/man8/nsisoctl.8 /usr/share/pam-configs/nsiso /etc/security/nsiso.conf
/usr/share/doc/libpam-nsiso/examples/nsiso-net-hook
/usr/share/doc/libpam-nsiso/examples/nsiso-init-hook
/usr/share/doc/libpam-nsiso/examples/nsiso.d/50-students.conf
/usr/share/doc/libpam-nsiso/examples/nsiso-metrics.service
/usr/share/doc/libpam-nsiso/examples/nsiso-metrics.timer
$unitdir/nsiso-gc.service $unitdir/nsiso-gc.timer $unitdir/user@.service.d/pam_nsiso.conf
$tmpfilesdir/nsiso.conf"

RC=0
out=$(make -s -C "$TOP" install DESTDIR="$D" 2>&1) || RC=$?
is "$RC" 0 "make install DESTDIR=... succeeds"
[ "$RC" = 0 ] || diag "$out"
missing=""
for f in $FILES; do
	[ -f "$D$f" ] || missing="$missing $f"
done
is "${missing# }" "" "every file is installed: module, nsisoctl, 3 man pages, pam-auth-update profile, policy, example hooks, example drop-in, gc timer, user@.service drop-in, tmpfiles.d rule and metrics timer examples"
is "$(find "$D" -type f | sed "s|^$D||" | sort | paste -sd ' ' -)" \
	"$(printf '%s\n' $FILES | sort | paste -sd ' ' -)" "nothing else is installed"
is "$(stat -c %a "$D$module") $(stat -c %a "$D/usr/sbin/nsisoctl") $(stat -c %a "$D/etc/security/nsiso.conf")" \
	"644 755 644" "modes: module 0644, nsisoctl 0755, policy 0644"
if have nm; then
	is "$(module_exports "$TOP/build/pam_nsiso.so")" "$MODULE_EXPORTS" \
		"build/pam_nsiso.so exports exactly pam_sm_open_session and pam_sm_close_session (nm -D --defined-only)"
	is "$(module_exports "$D$module")" "$MODULE_EXPORTS" "so does the installed module"
else
	skip "the module exports only pam_sm_*" "nm (binutils) is not installed"
fi
ok_cmd "the installed policy is the example config/nsiso.conf" cmp "$TOP/config/nsiso.conf" "$D/etc/security/nsiso.conf"
ok_cmd "the example drop-in is config/nsiso.d/50-students.conf" \
	cmp "$TOP/config/nsiso.d/50-students.conf" "$D/usr/share/doc/libpam-nsiso/examples/nsiso.d/50-students.conf"
is "$(stat -c '%F %U %a' "$D/etc/security/nsiso.d" 2>&1)" "directory root 755" \
	"the drop-in directory /etc/security/nsiso.d is made, root 0755"
empty "$(ls -A "$D/etc/security/nsiso.d")" "... and empty (the example drop-in is not active)"
ok_cmd "the installed profile is config/pam-configs/nsiso" cmp "$TOP/config/pam-configs/nsiso" "$D/usr/share/pam-configs/nsiso"
ok_cmd "the installed tmpfiles.d rule is config/tmpfiles.d/nsiso.conf" cmp "$TOP/config/tmpfiles.d/nsiso.conf" "$D$tmpfilesdir/nsiso.conf"
ok_cmd "the installed nsisoctl runs" "$D/usr/sbin/nsisoctl" --help

echo "# edited by the administrator" >>"$D/etc/security/nsiso.conf"
printf '[global]\n' >"$D/etc/security/nsiso.d/50-local.conf"
RC=0
out=$(make -s -C "$TOP" install DESTDIR="$D" 2>&1) || RC=$?
is "$RC" 0 "make install again succeeds"
is "$(tail -n 1 "$D/etc/security/nsiso.conf")" "# edited by the administrator" \
	"make install never overwrites an existing policy"
like "$out" "keeping existing $D/etc/security/nsiso.conf" "... and says so"
is "$(cat "$D/etc/security/nsiso.d/50-local.conf")" "[global]" "make install leaves the drop-ins alone"

RC=0
out=$(make -s -C "$TOP" uninstall DESTDIR="$D" 2>&1) || RC=$?
is "$RC" 0 "make uninstall succeeds"
is "$(find "$D" -type f | sed "s|^$D||" | sort | paste -sd ' ' -)" \
	"/etc/security/nsiso.conf /etc/security/nsiso.d/50-local.conf" \
	"make uninstall removes everything but the (administrator's) policy and drop-ins"
like "$out" "left $D/etc/security/nsiso.conf in place" "... and says so"
like "$out" "left $D/etc/security/nsiso.d in place" "... for the drop-in directory too"

done_testing
