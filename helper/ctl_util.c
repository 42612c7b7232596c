/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsisoctl: user and registry look-ups, time, sizes and JSON strings. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "user.h"
#include "util.h"

/* NSS entries are small; the cap keeps a broken backend from eating memory. */

/* 1 found (name copied), 0 unknown, -1 lookup error. */
static int name_of_uid(uid_t uid, char *name, size_t len)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw;
	bool found = false;

	if (nsiso_getpw(NULL, uid, &pw, &buf, &found) != 0)
		return -1;
	if (!found)
		return 0;
	snprintf(name, len, "%s", pw.pw_name);
	return 1;
}

void ctl_uid_label(uid_t uid, char *label, size_t llen, char *name, size_t nlen)
{
	char raw[300], esc[128];

	if (name_of_uid(uid, raw, sizeof(raw)) == 1) {
		nsiso_escape(esc, sizeof(esc), raw);
		snprintf(label, llen, "%s (uid %u)", esc, (unsigned)uid);
		if (name)
			snprintf(name, nlen, "%s", raw);
		return;
	}
	snprintf(label, llen, "uid %u", (unsigned)uid);
	if (name)
		snprintf(name, nlen, "%u", (unsigned)uid);
}

int ctl_resolve(const char *arg, struct ctl_target *t)
{
	struct nsiso_error err = {0};
	struct nsiso_user u = {0};
	uint64_t v;

	if (nsiso_user_lookup(arg, &u, &err) == 0) {
		char esc[128];

		t->uid = u.uid;
		snprintf(t->label, sizeof(t->label), "%s (uid %u)",
			 nsiso_escape(esc, sizeof(esc), u.name), (unsigned)u.uid);
		nsiso_user_free(&u);
		return 0;
	}
	/* Not a known name: a numeric uid still names a set (the account may be gone). */
	if (err.kind == NSISO_ERR_USER && nsiso_parse_u64(arg, &v) == 0 && v < (uid_t)-1) {
		t->uid = (uid_t)v;
		ctl_uid_label(t->uid, t->label, sizeof(t->label), NULL, 0);
		return 0;
	}
	ctl_core_err(&err);
	return -1;
}

int ctl_open_registry(struct nsiso_registry *reg)
{
	struct nsiso_error err = {0};
	int r = nsiso_admin_open(reg, &err);

	/* NSISO_ABSENT: no /run/nsiso, or not mounted yet: no login has made a set since boot. */
	if (r < 0) {
		ctl_core_err(&err);
		return -1;
	}
	return r;
}

int ctl_registry_has(const struct nsiso_registry *reg, uid_t uid)
{
	_cleanup_free_ uid_t *uids = NULL;
	struct nsiso_error err = {0};
	size_t n = 0;

	if (nsiso_admin_uids(reg, &uids, &n, &err) < 0)
		return ctl_core_err(&err), -1;
	for (size_t i = 0; i < n; i++)
		if (uids[i] == uid)
			return 1;
	return 0;
}

void ctl_iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "@%" PRId64, t);
}

/* Boot time in seconds since the epoch (btime of /proc/stat); 0 when unknown. */
static int64_t boot_time(void)
{
	static int64_t cached = -1;
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	const char *p;

	if (cached >= 0)
		return cached;
	cached = 0;
	fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || nsiso_read_fd(fd, 1u << 20, &text, NULL) < 0)
		return cached;
	p = strstr(text, "\nbtime ");
	if (p)
		cached = strtoll(p + 7, NULL, 10);
	return cached;
}

int64_t ctl_ticks_to_time(uint64_t ticks)
{
	long hz = sysconf(_SC_CLK_TCK);

	return boot_time() + (int64_t)(ticks / (uint64_t)(hz > 0 ? hz : 100));
}

void ctl_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "BKMGTPE";
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 "B", bytes);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

void ctl_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', f);
	while (*p) {
		size_t n;

		if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if (*p < 0x80) {
			fputc(*p++, f);
		} else if ((n = nsiso_utf8_len(p)) > 0) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			/* JSON text must be UTF-8: a stray byte becomes U+FFFD. */
			fputs("\\ufffd", f);
			p++;
		}
	}
	fputc('"', f);
}
