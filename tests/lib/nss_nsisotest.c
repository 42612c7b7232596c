/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libnss_nsisotest.so.2: a directory service for the tests, whose outage a
 * test can switch on and off (tests/integration/t_nssdown.sh). Installed only
 * inside a test sandbox ("passwd: files nsisotest" in its /etc overlay).
 *
 *   /run/nsisotest/passwd, /run/nsisotest/group   the entries, in the format
 *                                                 of /etc/passwd and /etc/group
 *   /run/nsisotest/down                           while it exists, every lookup
 *                                                 fails as nss-pam-ldapd's does
 *                                                 with nslcd down: UNAVAIL, errno
 *                                                 ENOENT
 */
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIR  "/run/nsisotest"
#define DOWN DIR "/down"

#define EXPORT __attribute__((visibility("default")))

/* What glibc's NSS looks up in the module (nss.h declares none of them). */
EXPORT enum nss_status _nss_nsisotest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
						 size_t len, int *errnop);
EXPORT enum nss_status _nss_nsisotest_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
						 size_t len, int *errnop);
EXPORT enum nss_status _nss_nsisotest_getgrnam_r(const char *name, struct group *gr, char *buf,
						 size_t len, int *errnop);
EXPORT enum nss_status _nss_nsisotest_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
						 int *errnop);
EXPORT enum nss_status _nss_nsisotest_initgroups_dyn(const char *user, gid_t skip, long *start,
						     long *size, gid_t **groups, long limit,
						     int *errnop);

static int down(int *errnop)
{
	if (access(DOWN, F_OK) != 0)
		return 0;
	*errnop = ENOENT;
	return 1;
}

/* Walk @path's passwd entries until @match says yes. */
static enum nss_status find_pw(int (*match)(const struct passwd *, const void *), const void *key,
			       struct passwd *pw, char *buf, size_t len, int *errnop)
{
	struct passwd *res;
	FILE *f;
	int r;

	if (down(errnop))
		return NSS_STATUS_UNAVAIL;
	f = fopen(DIR "/passwd", "re");
	if (!f)
		return NSS_STATUS_NOTFOUND;
	while ((r = fgetpwent_r(f, pw, buf, len, &res)) == 0)
		if (match(res, key)) {
			fclose(f);
			return NSS_STATUS_SUCCESS;
		}
	fclose(f);
	if (r == ERANGE) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	return NSS_STATUS_NOTFOUND;
}

static enum nss_status find_gr(int (*match)(const struct group *, const void *), const void *key,
			       struct group *gr, char *buf, size_t len, int *errnop)
{
	struct group *res;
	FILE *f;
	int r;

	if (down(errnop))
		return NSS_STATUS_UNAVAIL;
	f = fopen(DIR "/group", "re");
	if (!f)
		return NSS_STATUS_NOTFOUND;
	while ((r = fgetgrent_r(f, gr, buf, len, &res)) == 0)
		if (match(res, key)) {
			fclose(f);
			return NSS_STATUS_SUCCESS;
		}
	fclose(f);
	if (r == ERANGE) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	return NSS_STATUS_NOTFOUND;
}

static int pw_name(const struct passwd *p, const void *k)
{
	return strcmp(p->pw_name, k) == 0;
}

static int pw_uid(const struct passwd *p, const void *k)
{
	return p->pw_uid == *(const uid_t *)k;
}

static int gr_name(const struct group *g, const void *k)
{
	return strcmp(g->gr_name, k) == 0;
}

static int gr_gid(const struct group *g, const void *k)
{
	return g->gr_gid == *(const gid_t *)k;
}

EXPORT enum nss_status _nss_nsisotest_getpwnam_r(const char *name, struct passwd *pw, char *buf,
						 size_t len, int *errnop)
{
	return find_pw(pw_name, name, pw, buf, len, errnop);
}

EXPORT enum nss_status _nss_nsisotest_getpwuid_r(uid_t uid, struct passwd *pw, char *buf,
						 size_t len, int *errnop)
{
	return find_pw(pw_uid, &uid, pw, buf, len, errnop);
}

EXPORT enum nss_status _nss_nsisotest_getgrnam_r(const char *name, struct group *gr, char *buf,
						 size_t len, int *errnop)
{
	return find_gr(gr_name, name, gr, buf, len, errnop);
}

EXPORT enum nss_status _nss_nsisotest_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len,
						 int *errnop)
{
	return find_gr(gr_gid, &gid, gr, buf, len, errnop);
}

/* getgrouplist(3) and initgroups(3): the groups @user is a listed member of. */
EXPORT enum nss_status _nss_nsisotest_initgroups_dyn(const char *user, gid_t skip, long *start,
						     long *size, gid_t **groups, long limit,
						     int *errnop)
{
	struct group gr, *res;
	char buf[4096];
	FILE *f;

	if (down(errnop))
		return NSS_STATUS_UNAVAIL;
	f = fopen(DIR "/group", "re");
	if (!f)
		return NSS_STATUS_NOTFOUND;
	while (fgetgrent_r(f, &gr, buf, sizeof(buf), &res) == 0) {
		for (char **m = res->gr_mem; *m; m++) {
			if (strcmp(*m, user) != 0 || res->gr_gid == skip)
				continue;
			if (*start == *size) {
				long n = *size * 2;
				gid_t *g;

				if (limit > 0 && n > limit)
					n = limit;
				if (n <= *size)
					break;
				g = realloc(*groups, (size_t)n * sizeof(*g));
				if (!g)
					break;
				*groups = g;
				*size = n;
			}
			(*groups)[(*start)++] = res->gr_gid;
		}
	}
	fclose(f);
	return NSS_STATUS_SUCCESS;
}
