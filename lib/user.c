/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user.h"
#include "util.h"

#define NAME_MAX_BYTES NSISO_NAME_MAX
/* NSS entries are small; a cap keeps a broken backend from eating memory. */
#define NSS_BUF_MAX (1u << 20)
#define GROUPS_MAX  65536

bool nsiso_user_name_ok(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, NAME_MAX_BYTES + 1);
	if (len == 0 || len > NAME_MAX_BYTES)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '/' || c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/*
 * glibc turns a source's "not found" into 0 with a NULL result; any other
 * return is the errno of a source that could not answer (getpwnam_r(3)'s
 * list of "not found" errnos is historical). nss-pam-ldapd, with nslcd
 * down, answers UNAVAIL with ENOENT: counting that as "not found" called a
 * directory outage an unknown user.
 */
static bool nss_not_found(int r)
{
	return r == 0;
}

int nsiso_getpw(const char *name, uid_t uid, struct passwd *pw, char **buf, bool *found)
{
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t size = hint > 0 ? (size_t)hint : 1024;

	for (;;) {
		struct passwd *res = NULL;
		char *nbuf = realloc(*buf, size);
		int r;

		if (!nbuf)
			return ENOMEM;
		*buf = nbuf;
		r = name ? getpwnam_r(name, pw, *buf, size, &res)
			 : getpwuid_r(uid, pw, *buf, size, &res);
		if (r == ERANGE && size < NSS_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (res) {
			*found = true;
			return 0;
		}
		*found = false;
		return nss_not_found(r) ? 0 : r;
	}
}

/* getgrouplist into a growing array; the kernel's own limit is 65536 groups. */
static int groups_grow(const char *name, gid_t gid, gid_t **out, int *n)
{
	int size = 32;

	for (;;) {
		gid_t *g = realloc(*out, (size_t)size * sizeof(gid_t));
		int want = size;

		if (!g)
			return ENOMEM;
		*out = g;
		if (getgrouplist(name, gid, g, &want) >= 0) {
			*n = want;
			return 0;
		}
		/* glibc reports the needed size in want; grow at least geometrically anyway. */
		if (size >= GROUPS_MAX)
			return E2BIG;
		size = want > size ? want : size * 2;
		if (size > GROUPS_MAX)
			size = GROUPS_MAX;
	}
}

int nsiso_user_lookup_passwd(const char *name, struct nsiso_user *out, struct nsiso_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw;
	bool found = false;
	char esc[80];
	int r;

	*out = (struct nsiso_user){.n_groups = -1};
	if (!nsiso_user_name_ok(name))
		return nsiso_fail(err, NSISO_ERR_USER, 0, "invalid user name '%s'",
				  nsiso_escape(esc, sizeof(esc), name));
	r = nsiso_getpw(name, 0, &pw, &buf, &found);
	if (r)
		return nsiso_syserr(err, r, "cannot look up user '%s'",
				    nsiso_escape(esc, sizeof(esc), name));
	if (!found)
		return nsiso_fail(err, NSISO_ERR_USER, 0, "unknown user '%s'",
				  nsiso_escape(esc, sizeof(esc), name));
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	out->name = strdup(pw.pw_name);
	/* An empty field means / and /bin/sh, as for login(1). */
	out->home = strdup(*pw.pw_dir ? pw.pw_dir : "/");
	out->shell = strdup(*pw.pw_shell ? pw.pw_shell : "/bin/sh");
	if (!out->name || !out->home || !out->shell) {
		nsiso_user_free(out);
		return nsiso_syserr(err, ENOMEM, "cannot look up user");
	}
	return 0;
}

int nsiso_user_load_groups(struct nsiso_user *u, struct nsiso_error *err)
{
	char esc[80];
	int r;

	if (u->n_groups >= 0)
		return 0;
	r = groups_grow(u->name, u->gid, &u->groups, &u->n_groups);
	if (r) {
		u->n_groups = -1;
		return nsiso_syserr(err, r, "cannot list the groups of user '%s'",
				    nsiso_escape(esc, sizeof(esc), u->name));
	}
	return 0;
}

int nsiso_user_lookup(const char *name, struct nsiso_user *out, struct nsiso_error *err)
{
	if (nsiso_user_lookup_passwd(name, out, err) < 0)
		return -1;
	if (nsiso_user_load_groups(out, err) < 0) {
		nsiso_user_free(out);
		return -1;
	}
	return 0;
}

int nsiso_group_lookup(const char *name, gid_t *gid)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 1024;

	for (;;) {
		struct group gr, *res = NULL;
		char *nb = realloc(buf, size);
		int r;

		if (!nb)
			return -ENOMEM;
		buf = nb;
		r = getgrnam_r(name, &gr, buf, size, &res);
		if (r == ERANGE && size < NSS_BUF_MAX * 16) {
			size *= 2;
			continue;
		}
		if (res) {
			*gid = gr.gr_gid;
			return 1;
		}
		return nss_not_found(r) ? 0 : -r;
	}
}

void nsiso_unresolved_add(struct nsiso_unresolved *un, const char *name, int errnum)
{
	for (unsigned i = 0; i < un->n; i++)
		if (strcmp(un->name[i], name) == 0)
			return;
	if (!nsiso_unresolved_any(un))
		un->errnum = errnum;
	if (un->n < NSISO_UNRESOLVED_MAX && strlen(name) <= NSISO_NAME_MAX)
		snprintf(un->name[un->n++], sizeof(un->name[0]), "%s", name);
	else
		un->more = true;
}

void nsiso_unresolved_merge(struct nsiso_unresolved *to, const struct nsiso_unresolved *from)
{
	for (unsigned i = 0; i < from->n; i++)
		nsiso_unresolved_add(to, from->name[i], from->errnum);
	if (from->more)
		to->more = true;
	if (!to->errnum)
		to->errnum = from->errnum;
}

bool nsiso_user_in_group(const struct nsiso_user *u, gid_t gid)
{
	if (u->gid == gid)
		return true;
	for (int i = 0; i < u->n_groups; i++)
		if (u->groups[i] == gid)
			return true;
	return false;
}

void nsiso_user_free(struct nsiso_user *u)
{
	if (!u)
		return;
	free(u->name);
	free(u->home);
	free(u->shell);
	free(u->groups);
	*u = (struct nsiso_user){0};
}
