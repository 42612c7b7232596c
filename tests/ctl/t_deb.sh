#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: dpkg-buildpackage -us -uc -b in a copy of the tree (in
# a scratch directory, removed at the end), then dpkg -x into a scratch root:
# module, nsisoctl, manual pages, the policy as a conffile, the pam-auth-update
# profile and the maintainer scripts; lintian when it is installed.
#
# Build tools missing: installed with apt-get when that works (always tried
# with $CI set); otherwise a SKIP with the reason.
. "$(dirname "$0")/lib.sh"
PKG=libpam-nsiso
BUILD_DEPS="dpkg-dev debhelper fakeroot libpam0g-dev libcap-dev libiniparser-dev pkg-config"

missing_tools()
{
	for t in dpkg-buildpackage dh dpkg-deb; do
		have "$t" || echo "$t"
	done
	for p in $BUILD_DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

install_tools()
{
	[ "$(id -u)" = 0 ] && have apt-get || return 1
	extra=""
	[ -n "${CI:-}" ] && extra=lintian
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$BUILD_DEPS $extra </dev/null >/dev/null 2>&1
}

if ! have dpkg-query; then
	skip "the package builds" "not a Debian system (no dpkg-query)"
	done_testing
fi
if [ -n "$(missing_tools)" ]; then
	if ! install_tools || [ -n "$(missing_tools)" ]; then
		skip "the package builds" "missing: $(missing_tools | paste -sd ' ' -), and apt-get could not install them"
		done_testing
	fi
fi

S=$(mktemp -d "${TMPDIR:-/tmp}/nsiso-deb.XXXXXX") || bail "mktemp failed"
trap 'rm -rf "$S"' EXIT
trap 'exit 130' INT TERM
mkdir "$S/src" "$S/root"
# A copy without the build output, the git metadata and test logs.
tar -C "$TOP" --exclude=./.git --exclude=./build --exclude='*.log' -cf - . | tar -C "$S/src" -xf - ||
	bail "cannot copy the tree"

RC=0
(cd "$S/src" && dpkg-buildpackage -us -uc -b) >"$S/build.log" 2>&1 || RC=$?
is "$RC" 0 "dpkg-buildpackage -us -uc -b succeeds"
[ "$RC" = 0 ] || {
	tail -n 30 "$S/build.log" | sed 's/^/#   | /'
	done_testing
}
ok_cmd "the build did not run the test suite" sh -c '! grep -E "^(ok|not ok) [0-9]+ - " "$1"' _ "$S/build.log"
deb=$(ls "$S"/${PKG}_*.deb 2>/dev/null | head -n 1)
ok_cmd "the package $PKG was built" test -f "$deb"
is "$(ls "$S" | grep -v -E "^(src|root|build\.log|${PKG}(-dbgsym)?_[^/]*\.(deb|buildinfo|changes))\$" | paste -sd ' ' -)" "" \
	"the build wrote nothing next to the tree but the .deb, .buildinfo and .changes files"

is "$(dpkg-deb -f "$deb" Package)" "$PKG" "control: Package: $PKG"
like "$(dpkg-deb -f "$deb" Depends)" 'libpam-runtime' "control: depends on libpam-runtime (pam-auth-update)"
ok_cmd "dpkg -x unpacks it into a scratch root" dpkg -x "$deb" "$S/root"
libdir=$(pkg-config --variable=libdir pam 2>/dev/null || echo /lib/x86_64-linux-gnu)
missing=""
for f in "$libdir/security/pam_nsiso.so" /usr/sbin/nsisoctl /usr/share/man/man8/pam_nsiso.8.gz \
	/usr/share/man/man8/nsisoctl.8.gz /usr/share/man/man5/nsiso.conf.5.gz \
	/etc/security/nsiso.conf /usr/share/pam-configs/nsiso /usr/share/doc/$PKG/copyright \
	/usr/share/doc/$PKG/examples/nsiso.d/50-students.conf \
	/lib/systemd/system/nsiso-gc.timer /lib/systemd/system/nsiso-gc.service \
	/lib/systemd/system/user@.service.d/pam_nsiso.conf /usr/lib/tmpfiles.d/nsiso.conf \
	/usr/share/doc/$PKG/examples/nsiso-metrics.service /usr/share/doc/$PKG/examples/nsiso-metrics.timer; do
	[ -f "$S/root$f" ] || missing="$missing $f"
done
is "${missing# }" "" "the package has the module, nsisoctl, the man pages, the policy, the example drop-in, the profile, the gc timer, the user@.service drop-in, the tmpfiles.d rule and the metrics timer example"
is "$(stat -c '%F %a' "$S/root/etc/security/nsiso.d" 2>&1)" "directory 755" \
	"the package has the drop-in directory /etc/security/nsiso.d, 0755"
empty "$(ls -A "$S/root/etc/security/nsiso.d" 2>&1)" "... empty (the example drop-in is not active)"
ok_cmd "the packaged nsisoctl runs" "$S/root/usr/sbin/nsisoctl" --help
if have nm; then
	is "$(module_exports "$S/root$libdir/security/pam_nsiso.so")" "$MODULE_EXPORTS" \
		"the packaged module exports exactly pam_sm_open_session and pam_sm_close_session"
else
	skip "the packaged module exports only pam_sm_*" "nm (binutils) is not installed"
fi

mkdir "$S/control"
dpkg-deb -e "$deb" "$S/control"
is "$(cat "$S/control/conffiles" 2>/dev/null)" "/etc/security/nsiso.conf" "the policy is a conffile"
like "$(cat "$S/control/postinst" 2>/dev/null)" 'pam-auth-update --package' "postinst calls pam-auth-update --package"
like "$(cat "$S/control/postinst" 2>/dev/null)" 'nsiso-gc.timer' "postinst enables and starts the gc timer (dh_installsystemd)"
like "$(cat "$S/control/postinst" 2>/dev/null)" 'systemd-tmpfiles .*nsiso\.conf' "postinst applies the tmpfiles.d rule (dh_installtmpfiles)"
no_cmd "postinst leaves the metrics timer (an example) alone" grep -q nsiso-metrics "$S/control/postinst"
like "$(grep -A1 'remove' "$S/control/prerm" 2>/dev/null)" 'pam-auth-update --package --remove nsiso' \
	"prerm calls pam-auth-update --package --remove nsiso on remove"

if have lintian; then
	# lintian says so when run as root; its findings are all that counts here.
	# Its caches go to TMPDIR: keep them in the scratch dir, which is removed.
	out=$(TMPDIR=$S lintian --pedantic "$S"/${PKG}_*.changes 2>&1 |
		grep -v 'running with root privileges is not recommended')
	is "$out" "" "lintian (pedantic) has nothing to say about the package"
else
	skip "lintian is clean" "lintian is not installed"
fi

done_testing
