/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso.conf: sizes and hostname templates, and nsisoctl check's warnings
 * about lists that look split.
 */
#include <ctype.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "policy_int.h"
#include "user.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Sizes and hostname templates                                        */

static const struct {
	char suffix;
	unsigned shift;
} size_suffixes[] = {{'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}};

int nsiso_parse_size(const char *s, struct nsiso_size *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0)
		return -1;
	if (*p == '\0') {
		*out = (struct nsiso_size){false, v};
		return 0;
	}
	if (p[1] != '\0')
		return -1;
	if (*p == '%') {
		if (v > 100)
			return -1;
		*out = (struct nsiso_size){true, v};
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(size_suffixes); i++) {
		if (tolower((unsigned char)*p) != size_suffixes[i].suffix)
			continue;
		if (v > (UINT64_MAX >> size_suffixes[i].shift))
			return -1;
		*out = (struct nsiso_size){false, v << size_suffixes[i].shift};
		return 0;
	}
	return -1;
}

void nsiso_format_size(const struct nsiso_size *sz, char *buf, size_t len)
{
	if (len == 0)
		return;
	snprintf(buf, len, sz->percent ? "%" PRIu64 "%%" : "%" PRIu64, sz->value);
}

/* %-sequences a template may use. */
static const char template_specs[] = "uUh%";

int nsiso_template_valid(const char *tmpl, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!tmpl || !*tmpl) {
		*why = "empty template";
		return -1;
	}
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		if (!p[1]) {
			*why = "'%' at the end (use %% for a literal '%')";
			return -1;
		}
		if (!strchr(template_specs, p[1])) {
			*why = "unknown %-sequence (expected %u, %U, %h or %%)";
			return -1;
		}
		p++;
	}
	return 0;
}

struct expand_out {
	char *buf;
	size_t used, cap;
};

/* Append with the hostname alphabet enforced; silently stops at the cap. */
static void put_sanitised(struct expand_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->used < o->cap; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		o->buf[o->used++] = ok ? (char)c : '-';
	}
}

int nsiso_template_expand(const char *tmpl, const char *user, uid_t uid, const char *host,
			  char *buf, size_t len)
{
	struct expand_out o = {buf, 0, 0};
	char uidbuf[24];

	if (!buf || len == 0)
		return -1;
	buf[0] = '\0';
	if (nsiso_template_valid(tmpl, NULL) < 0)
		return -1;
	o.cap = len - 1 < HOSTNAME_MAX ? len - 1 : HOSTNAME_MAX;
	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	user = user ? user : "";
	host = host ? host : "";
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%') {
			put_sanitised(&o, p, 1);
			continue;
		}
		switch (*++p) {
		case 'u':
			put_sanitised(&o, user, strlen(user));
			break;
		case 'U':
			put_sanitised(&o, uidbuf, strlen(uidbuf));
			break;
		case 'h':
			put_sanitised(&o, host, strcspn(host, "."));
			break;
		default: /* '%', the only other sequence nsiso_template_valid() lets through */
			put_sanitised(&o, p, 1);
			break;
		}
	}
	buf[o.used] = '\0';
	return o.used ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* nsisoctl check's warnings: lists that look split                    */

/* Does an account of this kind (group for exempt_groups, else user) exist? Lookup errors: no. */
static bool name_exists(enum nsiso_key k, const char *name)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw;
	bool found = false;
	gid_t gid;

	if (k == NSISO_KEY_EXEMPT_GROUPS)
		return nsiso_group_lookup(name, &gid) > 0;
	return nsiso_getpw(name, 0, &pw, &buf, &found) == 0 && found;
}

struct linter {
	const char *file;
	const struct section *s;
	enum nsiso_key k;
	const char *kind; /* "group" or "user" */
	struct nsiso_problems *out;
};

__attribute__((format(printf, 2, 3))) static void warn(const struct linter *w, const char *fmt, ...)
{
	char where[512], what[512], msg[1100];
	va_list ap;

	locate(where, sizeof(where), w->file, w->s->line[w->k], w->s->name, key_defs[w->k].name);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: warning: %s", where, what);
	problems_add(w->out, msg);
}

/* More items than this are not searched for joined names (n * (n - 1) / 2 lookups). */
#define LINT_MAX_ITEMS 16

/*
 * Without a comma, blanks separate: items i..j written next to each other
 * may be one name that a blank split ("HPC Admins" as HPC and Admins).
 */
static void lint_blank_split(const struct linter *w, const char *raw, const struct nsiso_list *l)
{
	for (size_t i = 0; i < l->n && l->n <= LINT_MAX_ITEMS; i++) {
		for (size_t j = i + 1; j < l->n; j++) {
			_cleanup_free_ char *joined = NULL;
			char esc[ESC_NAME];

			if (l->v[i].quoted || l->v[j].quoted)
				break;
			joined = strndup(raw + l->v[i].start, l->v[j].end - l->v[i].start);
			if (!joined || !name_exists(w->k, joined))
				continue;
			nsiso_escape(esc, sizeof(esc), joined);
			warn(w,
			     "'%s' is read as %zu names (without a comma, blanks separate them), "
			     "but %s '%s' exists: write \"%s\" in quotes, or separate the names "
			     "with commas",
			     esc, j - i + 1, w->kind, esc, esc);
		}
	}
}

/* Every blank-separated word of @item names an account (and there are two or more). */
static bool words_exist(const struct linter *w, const char *item)
{
	_cleanup_list_ struct nsiso_list words = {0};
	char why[64];

	if (nsiso_list_parse(item, &words, why, sizeof(why)) < 0 || words.n < 2 || words.commas)
		return false;
	for (size_t i = 0; i < words.n; i++)
		if (!name_exists(w->k, words.v[i].text))
			return false;
	return true;
}

/*
 * With a comma, blanks do not separate any more: an item with blanks that
 * names nothing, while each of its words does, meant those words before
 * (every blank separated), and likely still does.
 */
static void lint_comma_joined(const struct linter *w, const struct nsiso_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *item = l->v[i].text;
		char esc[ESC_NAME];

		if (l->v[i].quoted || !strpbrk(item, " \t") || name_exists(w->k, item) ||
		    !words_exist(w, item))
			continue;
		nsiso_escape(esc, sizeof(esc), item);
		warn(w,
		     "'%s' is one name (with a comma in the list, only commas separate names) "
		     "and no %s of that name exists, but each of its words is one: separate them "
		     "with commas if they are meant",
		     esc, w->kind);
	}
}

/*
 * iniparser used to strip quotes around a whole value: "a, b" was a list.
 * Now it is one item; say so when no account has that name.
 */
static void lint_quoted_list(const struct linter *w, const struct nsiso_list *l)
{
	char esc[ESC_NAME];

	if (l->n != 1 || !l->v[0].quoted || !strchr(l->v[0].text, ',') ||
	    name_exists(w->k, l->v[0].text))
		return;
	nsiso_escape(esc, sizeof(esc), l->v[0].text);
	warn(w,
	     "\"%s\" in quotes is one name, and no %s of that name exists (before, quotes "
	     "around a whole value were dropped and it was a list): write it without quotes "
	     "for a list",
	     esc, w->kind);
}

/* ' is an ordinary character in a list (names such as O'Brien); around a whole value it was
 * dropped. */
static void lint_single_quotes(const struct linter *w, const char *raw, const struct nsiso_list *l)
{
	size_t end = l->len;

	while (end > 0 && (raw[end - 1] == ' ' || raw[end - 1] == '\t'))
		end--;
	if (end < 2 || raw[0] != '\'' || raw[end - 1] != '\'')
		return;
	warn(w, "' is an ordinary character in a list (before, quotes ' around a whole value were "
		"dropped): use \" to quote an item, or no quotes");
}

void nsiso_policy_lint(const struct nsiso_policy *p, const char *file, struct nsiso_problems *out)
{
	static const struct {
		enum nsiso_key k;
		const char *kind;
	} names[] = {{NSISO_KEY_EXEMPT_USERS, "user"}, {NSISO_KEY_EXEMPT_GROUPS, "group"}};

	*out = (struct nsiso_problems){0};
	for (size_t i = 0; p && i < p->n_secs; i++) {
		for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
			const struct section *s = &p->secs[i];
			/* A drop-in's key is reported in the drop-in. */
			const char *in = s->file[names[n].k] < p->files.n
					     ? p->files.v[s->file[names[n].k]]
					     : file;
			struct linter w = {in, s, names[n].k, names[n].kind, out};
			_cleanup_list_ struct nsiso_list l = {0};
			char why[64];

			if (!(s->set & KEY_BIT(w.k)) || !s->raw[w.k] ||
			    nsiso_list_parse(s->raw[w.k], &l, why, sizeof(why)) < 0)
				continue;
			if (l.commas)
				lint_comma_joined(&w, &l);
			else
				lint_blank_split(&w, s->raw[w.k], &l);
			lint_quoted_list(&w, &l);
			lint_single_quotes(&w, s->raw[w.k], &l);
		}
	}
}
