/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsisoctl: the administrator's view of pam_nsiso, on the same core as the
 * module. Errors go to stderr, one line each. Exit: 0 ok, 1 failure, 2 usage.
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "user.h"
#include "util.h"

static int usage(FILE *f)
{
	fprintf(f, "usage: nsisoctl check [FILE]\n"
		   "       nsisoctl explain USER [--config FILE]\n"
		   "\n"
		   "  check    validate a policy (default " NSISO_DEFAULT_CONFIG ")\n"
		   "  explain  the effective policy for USER and which section decided each key\n");
	return f == stdout ? 0 : 2;
}

static int cmd_check(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NSISO_DEFAULT_CONFIG;
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};
	int ret = 0;

	if (argc > 2)
		return usage(stderr);
	if (nsiso_policy_load(path, &p, &err) < 0) {
		fprintf(stderr, "nsisoctl: %s\n", err.msg);
		ret = 1;
	} else {
		printf("%s: valid\n", path);
	}
	nsiso_policy_free(p);
	return ret;
}

static const char *word(const char *const *names, size_t n, unsigned v)
{
	return v < n ? names[v] : "?";
}

static void print_settings(const struct nsiso_settings *s)
{
	static const char *const tmp[] = {"tmpfs", "persistent", "off"};
	static const char *const prop[] = {"slave", "private"};
	static const char *const life[] = {"processes", "session", "boot"};
	static const char *const from[] = {"host", "stay"};
	static const char *const onerr[] = {"deny", "allow"};
	char buf[512] = "", sz[32];
	size_t used = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (s->ns_mask & NSISO_NS_BIT(i))
			used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
						 used ? ", " : "", nsiso_ns_table[i].name);
	printf("%-12s = %-24s ; %s\n", "namespaces", buf, s->source[NSISO_KEY_NAMESPACES]);
	printf("%-12s = %-24s ; %s\n", "tmp", word(tmp, 3, s->tmp), s->source[NSISO_KEY_TMP]);
	used = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < s->n_tmp_dirs && used < sizeof(buf); i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? ", " : "",
					 s->tmp_dirs[i]);
	printf("%-12s = %-24s ; %s\n", "tmp_dirs", buf, s->source[NSISO_KEY_TMP_DIRS]);
	nsiso_format_size(&s->tmp_size, sz, sizeof(sz));
	printf("%-12s = %-24s ; %s\n", "tmp_size", sz, s->source[NSISO_KEY_TMP_SIZE]);
	printf("%-12s = %-24s ; %s\n", "propagation", word(prop, 2, s->propagation),
	       s->source[NSISO_KEY_PROPAGATION]);
	printf("%-12s = %-24s ; %s\n", "lifetime", word(life, 3, s->lifetime),
	       s->source[NSISO_KEY_LIFETIME]);
	printf("%-12s = %-24s ; %s\n", "from_set", word(from, 2, s->from_set),
	       s->source[NSISO_KEY_FROM_SET]);
	printf("%-12s = %-24s ; %s\n", "hostname", s->hostname ? s->hostname : "",
	       s->source[NSISO_KEY_HOSTNAME]);
	printf("%-12s = %-24s ; %s\n", "on_error", word(onerr, 2, s->on_error),
	       s->source[NSISO_KEY_ON_ERROR]);
}

static int cmd_explain(int argc, char **argv)
{
	const char *path = NSISO_DEFAULT_CONFIG, *name = NULL, *why = NULL;
	struct nsiso_policy *p = NULL;
	struct nsiso_settings s = {0};
	struct nsiso_user u = {0};
	struct nsiso_error err = {0};
	int ret = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return usage(stderr);
	}
	if (!name)
		return usage(stderr);
	if (nsiso_user_lookup(name, &u, &err) < 0 || nsiso_policy_load(path, &p, &err) < 0) {
		fprintf(stderr, "nsisoctl: %s\n", err.msg);
	} else if (nsiso_policy_exempt(p, &u, &why)) {
		printf("%s (uid %u) is exempt: %s\n", u.name, (unsigned)u.uid, why ? why : "");
		ret = 0;
	} else if (nsiso_policy_resolve(p, &u, &s, &err) < 0) {
		fprintf(stderr, "nsisoctl: %s\n", err.msg);
	} else {
		printf("# %s (uid %u), policy %s\n", u.name, (unsigned)u.uid, path);
		print_settings(&s);
		ret = 0;
	}
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
	nsiso_user_free(&u);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {{"check", cmd_check}, {"explain", cmd_explain}};

	if (argc < 2)
		return usage(stderr);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout);
	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "nsisoctl: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
