/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso.conf: the pre-pass and the iniparser shim.
 *
 * iniparser does the INI syntax (quotes, comments, continuation lines), but it
 * lower-cases section and key names and reports no line numbers. User and group
 * names are case-sensitive and error messages must point at a line, so a light
 * pre-pass over the same bytes records every section header and key with its
 * original spelling and line. Values are always taken from iniparser; the
 * pre-pass only has to agree with it on *which* lines are sections and keys,
 * and that agreement is checked (entry count, every key found) so a mismatch
 * fails closed instead of silently using the wrong value.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <iniparser/iniparser.h>

#include "policy_int.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Small string helpers                                                */

/* isspace() to match iniparser, which strips with it too. */
char *strip(char *s)
{
	size_t len;
	char *start = s;

	while (*start && isspace((unsigned char)*start))
		start++;
	len = strlen(start);
	while (len > 0 && isspace((unsigned char)start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

/* tolower() to match iniparser's strlwc(). */
static char *lower_dup(const char *prefix, const char *s)
{
	size_t plen = strlen(prefix), slen = strlen(s);
	char *r = malloc(plen + slen + 1);

	if (!r)
		return NULL;
	memcpy(r, prefix, plen);
	for (size_t i = 0; i <= slen; i++)
		r[plen + i] = (char)tolower((unsigned char)s[i]);
	return r;
}

/* ------------------------------------------------------------------ */
/* Pre-pass: which lines are sections and keys, as written             */

void prepass_free(struct prepass *pp)
{
	for (size_t i = 0; i < pp->n; i++) {
		free(pp->items[i].text);
		free(pp->items[i].value);
		free(pp->items[i].lc);
	}
	free(pp->items);
	*pp = (struct prepass){0};
}

static struct item *prepass_add(struct prepass *pp, enum item_kind kind, unsigned line)
{
	struct item *ni = realloc(pp->items, (pp->n + 1) * sizeof(*ni));

	if (!ni)
		return NULL;
	pp->items = ni;
	ni = &pp->items[pp->n++];
	*ni = (struct item){.kind = kind, .line = line, .first = line};
	return ni;
}

static int add_bad(struct prepass *pp, unsigned line, const char *reason)
{
	struct item *it = prepass_add(pp, ITEM_BAD, line);

	if (!it)
		return -1;
	it->reason = reason;
	return 0;
}

/* @line is stripped and ends with ']'. Returns the new current section lc (or NULL). */
static int classify_section(struct prepass *pp, char *line, unsigned lineno, const char **cur_lc)
{
	size_t len = strlen(line);
	char *close = strchr(line, ']'), *name;
	struct item *it = prepass_add(pp, ITEM_SECTION, lineno);

	if (!it)
		return -1;
	*cur_lc = NULL;
	if (close != line + len - 1) {
		line[len - 1] = '\0';
		it->reason = "malformed section header";
		return (it->text = strdup(line + 1)) ? 0 : -1;
	}
	*close = '\0';
	name = strip(line + 1);
	it->text = strdup(name);
	if (!it->text)
		return -1;
	if (!*name) {
		it->reason = "empty section name";
		return 0;
	}
	it->lc = lower_dup("", name);
	if (!it->lc)
		return -1;
	*cur_lc = it->lc;
	return 0;
}

static int classify_key(struct prepass *pp, char *line, unsigned lineno, const char *cur_lc)
{
	char *eq = strchr(line, '=');
	struct item *it;

	*eq = '\0';
	strip(line);
	if (!*line)
		return add_bad(pp, lineno, "missing key name before '='");
	it = prepass_add(pp, ITEM_KEY, lineno);
	if (!it || !(it->text = strdup(line)) || !(it->value = strdup(eq + 1)))
		return -1;
	strip(it->value);
	if (cur_lc) {
		_cleanup_free_ char *sec = NULL;

		if (asprintf(&sec, "%s:", cur_lc) < 0) {
			sec = NULL;
			return -1;
		}
		it->lc = lower_dup(sec, line);
		if (!it->lc)
			return -1;
	}
	return 0;
}

/* Same rules as iniparser_line(), in the same order. */
static int classify(struct prepass *pp, char *line, unsigned lineno, const char **cur_lc)
{
	size_t len;

	strip(line);
	len = strlen(line);
	if (len == 0 || line[0] == '#' || line[0] == ';')
		return 0;
	if (line[0] == '[' && line[len - 1] == ']')
		return classify_section(pp, line, lineno, cur_lc);
	if (strchr(line, '='))
		return classify_key(pp, line, lineno, *cur_lc);
	return add_bad(pp, lineno, "syntax error (expected '[section]' or 'key = value')");
}

/*
 * Collect one logical line starting at *pos: iniparser joins a line ending in
 * '\' (after trailing white space) with the next one.
 */
static char *logical_line(const char *buf, size_t len, size_t *pos, unsigned *lineno,
			  bool *dangling)
{
	_cleanup_free_ char *out = NULL;
	size_t used = 0;

	*dangling = false;
	for (;;) {
		const char *start = buf + *pos;
		const char *nl = memchr(start, '\n', len - *pos);
		size_t plen = nl ? (size_t)(nl - start) : len - *pos;
		char *n = realloc(out, used + plen + 1);

		if (!n)
			return NULL;
		out = n;
		memcpy(out + used, start, plen);
		used += plen;
		out[used] = '\0';
		*pos += plen + (nl ? 1 : 0);
		(*lineno)++;
		while (used > 0 && isspace((unsigned char)out[used - 1]))
			out[--used] = '\0';
		if (used == 0 || out[used - 1] != '\\')
			break;
		out[--used] = '\0';
		if (*pos >= len) {
			/* iniparser silently drops a continued last line. */
			*dangling = true;
			break;
		}
	}
	return nsiso_steal_ptr(&out);
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int c = strcmp(x->lc, y->lc);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Mark items sharing a dictionary key (iniparser would merge them); O(n log n) for big files. */
static int mark_repeats(struct prepass *pp)
{
	_cleanup_free_ struct item **v = calloc(pp->n + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < pp->n; i++)
		if (pp->items[i].lc)
			v[n++] = &pp->items[i];
	qsort(v, n, sizeof(*v), item_cmp);
	pp->n_distinct = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && strcmp(v[i]->lc, v[j]->lc) == 0)
			j++;
		for (size_t k = i; k < j; k++) {
			v[k]->first = v[i]->line;
			v[k]->first_text = v[i]->text;
			v[k]->repeated = j - i > 1;
		}
		pp->n_distinct++;
		i = j;
	}
	return 0;
}

int prepass_run(struct prepass *pp, const char *buf, size_t len)
{
	const char *cur_lc = "";
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		unsigned first = lineno + 1;
		bool dangling;
		_cleanup_free_ char *line = logical_line(buf, len, &pos, &lineno, &dangling);
		int r;

		if (!line)
			return -1;
		if (dangling)
			r = add_bad(pp, first, "continuation ('\\') on the last line");
		else if (strlen(line) > LINE_MAX_BYTES)
			r = add_bad(pp, first, "line too long");
		else
			r = classify(pp, line, first, &cur_lc);
		if (r < 0)
			return -1;
	}
	return mark_repeats(pp);
}

bool find_nul(const char *buf, size_t len, unsigned *line)
{
	const char *nul = memchr(buf, '\0', len);

	if (!nul)
		return false;
	*line = 1;
	for (const char *p = buf; p < nul; p++)
		*line += *p == '\n';
	return true;
}

/* ------------------------------------------------------------------ */
/* iniparser                                                           */

/*
 * iniparser's error callback is process-global: it is only ours for the
 * duration of one iniparser_load() and reset right after, so no pointer into
 * this module outlives a dlclose(). Not thread-safe, like iniparser itself.
 */
char ini_msg[512];

__attribute__((format(printf, 1, 2))) static int ini_error_cb(const char *fmt, ...)
{
	va_list ap;

	if (ini_msg[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(ini_msg, sizeof(ini_msg), fmt, ap);
	va_end(ap);
	return 0;
}

dictionary *ini_load(int fd)
{
	char proc[64];
	dictionary *d;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ini_msg[0] = '\0';
	iniparser_set_error_callback(ini_error_cb);
	d = iniparser_load(proc);
	iniparser_set_error_callback(NULL);
	return d;
}

/* iniparser's messages end in "(LINE)" or "(LINE):"; 0 when there is none. */
unsigned ini_msg_line(void)
{
	/* The file name is /proc/self/fd/N: the first '(' starts the line number. */
	const char *p = strchr(ini_msg, '(');
	unsigned v = 0;

	if (!p || !isdigit((unsigned char)p[1]))
		return 0;
	for (p++; isdigit((unsigned char)*p) && v < 100000000; p++)
		v = v * 10 + (unsigned)(*p - '0');
	return *p == ')' ? v : 0;
}
