/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsisoctl: the administrator's view of pam_nsiso, on the same core as the
 * module. Errors go to stderr, one line each. Exit: 0 ok, 1 failure, 2 usage.
 *
 * This file holds the command table, the help texts and the argument parser;
 * the commands live in ctl_*.c, one file per group.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "policy.h"
#include "polydir.h"
#include "util.h"

const struct ctl_cmd ctl_cmds[] = {
    {
	.name = "list",
	.synopsis = "[--json|--prometheus]",
	.summary = "every set: user, namespaces, sessions, processes, created, tmp usage",
	.help = "  --json        one JSON object per set and line (JSON Lines)\n"
		"  --prometheus  Prometheus text format: per-set gauges, live sets, and the\n"
		"                module's decisions since boot (node_exporter textfile)\n",
	.opts = {{"json", false}, {"prometheus", false}},
	.run = ctl_list,
    },
    {
	.name = "show",
	.synopsis = "USER [--json]",
	.summary = "one set in detail, with its session records and processes",
	.help = "  USER     a user name, or a numeric uid (for accounts that no longer exist)\n"
		"  --json   one JSON object\n",
	.opts = {{"json", false}},
	.min_pos = 1,
	.max_pos = 1,
	.run = ctl_show,
    },
    {
	.name = "enter",
	.synopsis = "USER [--as-user] [-- COMMAND [ARG...]]",
	.summary = "run a command (default: USER's login shell) inside USER's set",
	.help = "  --as-user  run as USER with USER's groups, no capabilities, a clean\n"
		"             environment (HOME USER LOGNAME SHELL PATH TERM) in USER's home;\n"
		"             otherwise as root, with this environment, in /\n"
		"  COMMAND    searched in PATH; without it, USER's shell from the passwd entry\n",
	.opts = {{"as-user", false}},
	.min_pos = 1,
	.max_pos = 1,
	.takes_rest = true,
	.run = ctl_enter,
    },
    {
	.name = "release",
	.synopsis = "USER|--all [--force] [--purge]",
	.summary = "tear a set down (refused while sessions or processes remain)",
	.help = "  --all    every set\n"
		"  --force  tear down even with open sessions or processes inside; they keep\n"
		"           their namespaces, the next login gets a new set\n"
		"  --purge  (one USER) also remove USER's persistent tmp dirs,\n"
		"           " NSISO_STATEDIR "/UID: refused while USER has an open session,\n"
		"           even with --force; a symlink in them is removed, never followed\n",
	.opts = {{"all", false}, {"force", false}, {"purge", false}},
	.max_pos = 1,
	.run = ctl_release,
    },
    {
	.name = "gc",
	.synopsis = "[USER]",
	.summary = "tear down the sets whose lifetime has ended (every set, or USER's)",
	.help = "  a set of lifetime processes ends with no session and no process left,\n"
		"  session with no session left; boot is kept until release. USER may be\n"
		"  a uid (user@UID.service's ExecStopPost runs `nsisoctl gc UID`)\n",
	.max_pos = 1,
	.run = ctl_gc,
    },
    {
	.name = "apply",
	.synopsis = "USER|--all [--dry-run] [--config FILE]",
	.summary = "bring live sets to the policy now in force, as far as can be done in place",
	.help = "  --all          every set\n"
		"  --dry-run      print the plan, change nothing\n"
		"  --config FILE  the policy to read (default " NSISO_DEFAULT_CONFIG ")\n"
		"  in place: tmp_size (refused below what the user's tmpfs holds), hostname,\n"
		"  lifetime. Listed, not done: what needs a rebuild (namespaces, tmp, tmp_dirs,\n"
		"  tmp_share, propagation, net, netns_name) and sets whose user is now exempt\n"
		"  (release).\n"
		"  Exit: 0 all applied, 3 some set needs a rebuild or a release, 1 error\n",
	.opts = {{"all", false}, {"dry-run", false}, {"config", true}},
	.max_pos = 1,
	.run = ctl_apply,
    },
    {
	.name = "check",
	.synopsis = "[FILE]",
	.summary = "validate a policy (default " NSISO_DEFAULT_CONFIG ")",
	.help = "  prints \"FILE: valid\" and exits 0, or each problem on its own line on\n"
		"  stderr (file, line, section, key) and exits 1\n",
	.max_pos = 1,
	.run = ctl_check,
    },
    {
	.name = "explain",
	.synopsis = "USER [--config FILE]",
	.summary = "the effective policy for USER and which section decided each key",
	.help = "  --config FILE  the policy to read (default " NSISO_DEFAULT_CONFIG ")\n",
	.opts = {{"config", true}},
	.min_pos = 1,
	.max_pos = 1,
	.run = ctl_explain,
    },
};
const size_t ctl_n_cmds = ARRAY_SIZE(ctl_cmds);

static void vreport(const char *fmt, va_list ap)
{
	fputs("nsisoctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void ctl_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

void ctl_print_usage(FILE *f, const struct ctl_cmd *c)
{
	fprintf(f, "usage: nsisoctl %s%s%s\n", c->name, *c->synopsis ? " " : "", c->synopsis);
}

int ctl_usage_err(const struct ctl_cmd *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	ctl_print_usage(stderr, c);
	return CTL_USAGE;
}

int ctl_core_err(const struct nsiso_error *e)
{
	ctl_err("%s", e->msg[0] ? e->msg : "unknown error");
	return CTL_FAIL;
}

unsigned ctl_opt(const struct ctl_cmd *c, const char *name)
{
	for (unsigned i = 0; i < CTL_MAX_OPTS && c->opts[i].name; i++)
		if (strcmp(c->opts[i].name, name) == 0)
			return i;
	abort();
}

static void print_cmd_help(const struct ctl_cmd *c)
{
	ctl_print_usage(stdout, c);
	printf("%s\n%s", c->summary, c->help);
}

/* -1 when @arg ("--name" or "--name=value") is none of @c's options. */
static int find_opt(const struct ctl_cmd *c, const char *arg, const char **inline_val)
{
	const char *name = arg + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	*inline_val = eq ? eq + 1 : NULL;
	for (int i = 0; i < CTL_MAX_OPTS && c->opts[i].name; i++)
		if (strlen(c->opts[i].name) == len && strncmp(c->opts[i].name, name, len) == 0)
			return i;
	return -1;
}

/* One "--name[=value]" at argv[*i]: 0, or a usage status. */
static int take_opt(const struct ctl_cmd *c, int argc, char **argv, int *i, struct ctl_args *a)
{
	const char *inline_val;
	int k = find_opt(c, argv[*i], &inline_val);

	char esc[64];

	if (k < 0)
		return ctl_usage_err(c, "%s: unknown option '%s'", c->name,
				     nsiso_escape(esc, sizeof(esc), argv[*i]));
	if (!c->opts[k].has_arg && inline_val)
		return ctl_usage_err(c, "%s: option --%s takes no value", c->name, c->opts[k].name);
	if (c->opts[k].has_arg && !inline_val) {
		if (*i + 1 >= argc)
			return ctl_usage_err(c, "%s: option --%s needs a value", c->name,
					     c->opts[k].name);
		inline_val = argv[++*i];
	}
	a->set[k] = true;
	a->val[k] = inline_val ? inline_val : "";
	return 0;
}

static int take_pos(const struct ctl_cmd *c, const char *arg, struct ctl_args *a)
{
	char esc[64];

	if (a->n_pos >= c->max_pos)
		return ctl_usage_err(c, "%s: unexpected argument '%s'", c->name,
				     nsiso_escape(esc, sizeof(esc), arg));
	a->pos[a->n_pos++] = arg;
	return 0;
}

int ctl_parse(const struct ctl_cmd *c, int argc, char **argv, struct ctl_args *a, int *status)
{
	bool opts_done = false;
	char esc[64];

	*a = (struct ctl_args){0};
	*status = 0;
	for (int i = 1; i < argc && *status == 0; i++) {
		const char *arg = argv[i];

		if (!opts_done && strcmp(arg, "--") == 0) {
			if (c->takes_rest) {
				a->rest = i + 1 < argc ? argv + i + 1 : NULL;
				break;
			}
			opts_done = true;
		} else if (!opts_done && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
			print_cmd_help(c);
			*status = CTL_OK;
			return 1;
		} else if (!opts_done && arg[0] == '-' && arg[1] == '-') {
			*status = take_opt(c, argc, argv, &i, a);
		} else if (!opts_done && arg[0] == '-' && arg[1]) {
			*status = ctl_usage_err(c, "%s: unknown option '%s'", c->name,
						nsiso_escape(esc, sizeof(esc), arg));
		} else {
			*status = take_pos(c, arg, a);
		}
	}
	if (*status)
		return 1;
	if (a->n_pos < c->min_pos) {
		*status = ctl_usage_err(c, "%s: missing argument", c->name);
		return 1;
	}
	return 0;
}

static int usage(FILE *f)
{
	fprintf(f, "usage: nsisoctl COMMAND [ARGS...]\n"
		   "       nsisoctl COMMAND --help\n\n"
		   "Inspect and manage the per-user namespace sets of pam_nsiso.\n\n");
	for (size_t i = 0; i < ctl_n_cmds; i++) {
		fprintf(f, "  %-8s%s%s\n", ctl_cmds[i].name, *ctl_cmds[i].synopsis ? " " : "",
			ctl_cmds[i].synopsis);
		fprintf(f, "           %s\n", ctl_cmds[i].summary);
	}
	fprintf(f, "\nExit status: 0 ok, 1 failure, 2 usage error (apply: 3 rebuild needed). "
		   "See nsisoctl(8).\n");
	return f == stdout ? CTL_OK : CTL_USAGE;
}

int main(int argc, char **argv)
{
	char esc[64];

	if (argc < 2) {
		ctl_err("missing command");
		return usage(stderr);
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return usage(stdout);
	for (size_t i = 0; i < ctl_n_cmds; i++)
		if (strcmp(argv[1], ctl_cmds[i].name) == 0)
			return ctl_cmds[i].run(&ctl_cmds[i], argc - 1, argv + 1);
	ctl_err("unknown command '%s' (try nsisoctl --help)",
		nsiso_escape(esc, sizeof(esc), argv[1]));
	return CTL_USAGE;
}
