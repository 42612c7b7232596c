/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one list syntax of nsiso.conf (nsiso.conf(5), LIST SYNTAX), for every
 * key whose value is a list (namespaces, tmp_dirs, exempt_users,
 * exempt_groups). Names are "exactly as in /etc/group": "Domain Users" is one
 * group, so a blank cannot always separate items.
 *
 *   - An unquoted ';' or '#' ends the value (a comment), as for every value.
 *   - With a comma anywhere outside quotes, commas separate the items and the
 *     blanks (space, tab) around each item are trimmed: "sysadmin, HPC Admins"
 *     is two items. Otherwise blanks separate them: "root admin" is two, as it
 *     always was.
 *   - An item may be double-quoted: "Smith, John", "a \"b\"", " lead". Inside
 *     quotes every byte stands for itself except \" and \\; any other
 *     backslash is an error. Only blanks may stand between a closing quote
 *     and the next separator. Outside quotes a backslash is an ordinary byte
 *     (DOMAIN\user) and a quote is an error.
 *   - Empty unquoted items (a trailing comma) are skipped; "" is an empty item.
 *   - Control bytes (other than tab) are errors.
 */
#ifndef NSISO_LIST_H
#define NSISO_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct nsiso_list_item {
	char *text;	   /* the item, unquoted and unescaped */
	bool quoted;	   /* written in quotes */
	size_t start, end; /* where it was written in the value: [start, end) */
};

struct nsiso_list {
	struct nsiso_list_item *v;
	size_t n;
	bool commas; /* commas separate the items (else blanks) */
	size_t len;  /* bytes of the value before a comment */
};

/*
 * Parse @val. 0 and *@out (free it with nsiso_list_free), or -1 with a short
 * reason in @why (@whylen bytes) and *@out empty.
 */
int nsiso_list_parse(const char *val, struct nsiso_list *out, char *why, size_t whylen);

void nsiso_list_free(struct nsiso_list *l);

#define _cleanup_list_ __attribute__((cleanup(nsiso_list_free)))

#endif
