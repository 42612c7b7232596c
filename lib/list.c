/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"

void nsiso_list_free(struct nsiso_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].text);
	free(l->v);
	*l = (struct nsiso_list){0};
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool control(char c)
{
	unsigned char u = (unsigned char)c;

	return (u < 0x20 && c != '\t') || u == 0x7f;
}

struct parser {
	const char *s;
	size_t pos, len;
	char *why;
	size_t whylen;
};

__attribute__((format(printf, 2, 3))) static int bad(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * One pass over the value as written: where it ends (an unquoted ';' or '#'),
 * whether a comma stands outside quotes, and whether every quote is closed.
 */
static int scan(struct parser *p, bool *commas)
{
	bool in_quotes = false;
	size_t i;

	*commas = false;
	for (i = 0; p->s[i]; i++) {
		char c = p->s[i];

		if (control(c))
			return bad(p, "control character (byte %zu)", i + 1);
		if (in_quotes) {
			if (c == '\\' && p->s[i + 1])
				i++;
			else if (c == '"')
				in_quotes = false;
			continue;
		}
		if (c == ';' || c == '#')
			break;
		if (c == '"')
			in_quotes = true;
		else if (c == ',')
			*commas = true;
	}
	if (in_quotes)
		return bad(p, "a quote is not closed");
	p->len = i;
	return 0;
}

static int push(struct nsiso_list *l, char *text, bool quoted, size_t start, size_t end)
{
	struct nsiso_list_item *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (!nv) {
		free(text);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = (struct nsiso_list_item){text, quoted, start, end};
	return 0;
}

/* "..." at p->pos: the unescaped text into *@out. */
static int quoted_item(struct parser *p, char **out)
{
	char *t = malloc(p->len - p->pos + 1);
	size_t o = 0;

	if (!t)
		return bad(p, "out of memory");
	for (p->pos++; p->s[p->pos] != '"'; p->pos++) {
		char c = p->s[p->pos];

		if (c == '\\') {
			c = p->s[++p->pos];
			if (c != '"' && c != '\\') {
				free(t);
				return bad(
				    p, "unknown escape '\\%c' in quotes (only \\\" and \\\\)", c);
			}
		}
		t[o++] = c;
	}
	p->pos++; /* the closing quote */
	t[o] = '\0';
	*out = t;
	return 0;
}

/* An unquoted item at p->pos, up to the next separator; blanks at its end trimmed. */
static int plain_item(struct parser *p, bool commas, size_t *end)
{
	size_t stop = p->pos;

	while (stop < p->len && !(commas ? p->s[stop] == ',' : blank(p->s[stop]))) {
		if (p->s[stop] == '"')
			return bad(p, "a quote inside an item (quote the whole item)");
		stop++;
	}
	*end = stop;
	while (*end > p->pos && blank(p->s[*end - 1]))
		(*end)--;
	p->pos = stop;
	return 0;
}

static void skip_blanks(struct parser *p)
{
	while (p->pos < p->len && blank(p->s[p->pos]))
		p->pos++;
}

/* After an item: blanks, then a separator or the end. */
static int separator(struct parser *p, bool commas)
{
	size_t before = p->pos;

	skip_blanks(p);
	if (p->pos >= p->len)
		return 0;
	if (commas) {
		if (p->s[p->pos] != ',')
			return bad(p, "text after a closing quote (byte %zu)", p->pos + 1);
		p->pos++;
		return 0;
	}
	return p->pos > before ? 0 : bad(p, "text after a closing quote (byte %zu)", p->pos + 1);
}

static int items(struct parser *p, struct nsiso_list *l)
{
	for (;;) {
		size_t start, end = 0;
		char *t = NULL;

		skip_blanks(p);
		if (p->pos >= p->len)
			return 0;
		start = p->pos;
		if (l->commas && p->s[p->pos] == ',') {
			p->pos++; /* an empty item: skipped (a trailing comma) */
			continue;
		}
		if (p->s[p->pos] == '"') {
			if (quoted_item(p, &t) < 0)
				return -1;
			if (push(l, t, true, start, p->pos) < 0)
				return bad(p, "out of memory");
			if (separator(p, l->commas) < 0)
				return -1;
			continue;
		}
		if (plain_item(p, l->commas, &end) < 0)
			return -1;
		t = strndup(p->s + start, end - start);
		if (!t || push(l, t, false, start, end) < 0)
			return bad(p, "out of memory");
		if (l->commas && p->pos < p->len)
			p->pos++; /* the comma */
	}
}

int nsiso_list_parse(const char *val, struct nsiso_list *out, char *why, size_t whylen)
{
	struct parser p = {.s = val, .why = why, .whylen = whylen};
	struct nsiso_list l = {0};

	*out = (struct nsiso_list){0};
	if (whylen)
		why[0] = '\0';
	if (scan(&p, &l.commas) < 0)
		return -1;
	l.len = p.len;
	if (items(&p, &l) < 0) {
		nsiso_list_free(&l);
		return -1;
	}
	*out = l;
	return 0;
}
