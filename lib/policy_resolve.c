/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsiso.conf: the questions asked of a loaded policy (exempt, on_error, resolve). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"
#include "user.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Questions asked of a policy                                         */

/* Does @s apply to @u? 1, 0, or -errno. */
static int section_applies(const struct section *s, const struct nsiso_user *u)
{
	gid_t gid;
	int r;

	switch (s->kind) {
	case SEC_GLOBAL:
		return 1;
	case SEC_USER:
		return u->name && strcmp(s->target, u->name) == 0;
	case SEC_GROUP:
		r = nsiso_group_lookup(s->target, &gid);
		return r <= 0 ? r : nsiso_user_in_group(u, gid);
	}
	return 0;
}

bool nsiso_policy_exempt(const struct nsiso_policy *p, const struct nsiso_user *u, const char **why)
{
	return nsiso_policy_exempt_un(p, u, why, NULL);
}

bool nsiso_policy_exempt_un(const struct nsiso_policy *p, const struct nsiso_user *u,
			    const char **why, struct nsiso_unresolved *un)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!p || p->degraded) {
		if (u->uid == 0) {
			*why =
			    p ? "uid 0 with a broken policy" : "uid 0 without a trustworthy policy";
			return true;
		}
		if (!p)
			return false;
	}
	if (u->name && strlist_has(p->exempt_users, u->name)) {
		*why = "exempt_users";
		return true;
	}
	/*
	 * A failed group lookup means "not exempt": the user is isolated, the
	 * safe direction, and the failure is noted (a set made now is
	 * provisional).
	 */
	for (size_t i = 0; i < p->exempt_groups->n; i++) {
		const char *entry = p->exempt_groups->v[i];
		const char *name = entry + strlen(EXEMPT_GROUP_WHY);
		gid_t gid;
		int r = nsiso_group_lookup(name, &gid);

		if (r < 0 && un)
			nsiso_unresolved_add(un, name, -r);
		if (r > 0 && nsiso_user_in_group(u, gid)) {
			*why = entry;
			return true;
		}
	}
	return false;
}

bool nsiso_policy_exempt_uses_groups(const struct nsiso_policy *p)
{
	return p && p->exempt_groups && p->exempt_groups->n > 0;
}

static bool has_group_sections(const struct nsiso_policy *p)
{
	for (size_t i = 0; i < p->n_secs; i++)
		if (p->secs[i].kind == SEC_GROUP)
			return true;
	return false;
}

enum nsiso_on_error nsiso_policy_on_error(const struct nsiso_policy *p)
{
	return p ? p->on_error : NSISO_ONERR_DENY;
}

void nsiso_settings_free(struct nsiso_settings *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n_tmp_dirs && i < NSISO_MAX_TMP_DIRS; i++)
		free(s->tmp_dirs[i]);
	for (unsigned i = 0; i < s->n_tmp_share && i < NSISO_MAX_TMP_SHARE; i++)
		free(s->tmp_share[i]);
	free(s->hostname);
	free(s->net_hook);
	free(s->netns_name);
	free(s->init_hook);
	*s = (struct nsiso_settings){0};
}

/* Rules across keys, which only the effective settings of one user can tell. */
static int check_combination(struct nsiso_settings *s, struct nsiso_error *err)
{
	if ((s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)) && s->net == NSISO_NET_HOOK && !s->net_hook) {
		nsiso_fail(err, NSISO_ERR_POLICY, 0,
			   "net = hook (from %s) needs net_hook, which is not set",
			   s->source[NSISO_KEY_NET]);
		nsiso_settings_free(s);
		return -1;
	}
	return 0;
}

/* Which section, file and line decided key @k (@s NULL: the built-in default). */
static void note_source(const struct nsiso_policy *p, struct nsiso_settings *out, enum nsiso_key k,
			const struct section *s)
{
	out->source[k] = s ? s->name : "default";
	out->source_file[k] = s ? p->files.v[s->file[k]] : NULL;
	out->source_line[k] = s ? s->line[k] : 0;
}

/*
 * Precedence is by kind first (global < group < user), then, within a kind,
 * the order of first appearance (the main file, then the drop-ins by name).
 */
static const enum section_kind precedence[] = {SEC_GLOBAL, SEC_GROUP, SEC_USER};

int nsiso_policy_resolve(const struct nsiso_policy *p, struct nsiso_user *u,
			 struct nsiso_settings *out, struct nsiso_error *err)
{
	const struct values *from[NSISO_KEY__MAX];
	const struct section *by[NSISO_KEY__MAX] = {0}; /* NULL: the built-in default */

	*out = (struct nsiso_settings){0};
	if (!p || p->degraded)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "cannot resolve settings from a broken policy");
	if (has_group_sections(p) && nsiso_user_load_groups(u, err) < 0)
		return -1;
	for (size_t k = 0; k < NSISO_KEY__MAX; k++)
		from[k] = p->defaults;
	for (size_t pi = 0; pi < ARRAY_SIZE(precedence); pi++) {
		for (size_t i = 0; i < p->n_secs; i++) {
			const struct section *s = &p->secs[i];
			int r;

			if (s->kind != precedence[pi])
				continue;
			r = section_applies(s, u);
			/* NSS could not say: the section does not apply, and the settings say why.
			 */
			if (r < 0)
				nsiso_unresolved_add(&out->unresolved, s->target, -r);
			for (size_t k = 0; r > 0 && k < NSISO_KEY__MAX; k++) {
				if (s->set & KEY_BIT(k)) {
					from[k] = s->v;
					by[k] = s;
				}
			}
		}
	}
	for (size_t k = 0; k < NSISO_KEY__MAX; k++) {
		if (key_defs[k].apply && key_defs[k].apply(out, from[k]) < 0) {
			nsiso_settings_free(out);
			return nsiso_syserr(err, ENOMEM, "cannot resolve settings");
		}
		note_source(p, out, (enum nsiso_key)k, by[k]);
	}
	return check_combination(out, err);
}
