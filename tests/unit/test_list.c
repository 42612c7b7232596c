/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/list.c: the one list syntax of nsiso.conf (LIST SYNTAX). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "list.h"
#include "util.h"

/* The items of @val joined with '|' (quoted ones in <>), or "ERR: why". */
static void parse_to(const char *val, char *out, size_t len)
{
	struct nsiso_list l;
	char why[128];
	size_t used = 0;

	out[0] = '\0';
	if (nsiso_list_parse(val, &l, why, sizeof(why)) < 0) {
		snprintf(out, len, "ERR: %s", why);
		assert_int_equal(l.n, 0);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		used += (size_t)snprintf(out + used, len - used, "%s%s%s%s", i ? "|" : "",
					 l.v[i].quoted ? "<" : "", l.v[i].text,
					 l.v[i].quoted ? ">" : "");
	nsiso_list_free(&l);
}

struct list_case {
	const char *val;
	const char *want;
};

static const struct list_case cases[] = {
    /* Old files keep their meaning where it was unambiguous. */
    {"root admin", "root|admin"},
    {"root, admin", "root|admin"},
    {"root,admin", "root|admin"},
    {"  root \t admin  ", "root|admin"},
    {"mnt, ipc, uts", "mnt|ipc|uts"},
    {"root,", "root"},
    {", , root,,", "root"},
    {"", ""},
    {"   ", ""},
    /* With a comma, commas separate: blanks inside belong to the item. */
    {"sysadmin, HPC Admins", "sysadmin|HPC Admins"},
    {"Domain Users,", "Domain Users"},
    {"HPC  Admins , x", "HPC  Admins|x"},
    /* Quotes: commas, quotes, leading blanks, comment bytes, backslashes. */
    {"\"HPC Admins\"", "<HPC Admins>"},
    {"\"Smith, John\"", "<Smith, John>"},
    {"\"Smith, John\", wheel", "<Smith, John>|wheel"},
    {"wheel \"HPC Admins\" x", "wheel|<HPC Admins>|x"},
    {"\" lead\", \"trail \"", "< lead>|<trail >"},
    {"\"a \\\"q\\\" b\"", "<a \"q\" b>"},
    {"\"back\\\\slash\"", "<back\\slash>"},
    {"\"a;b#c\" ; comment", "<a;b#c>"},
    {"\"\"", "<>"},
    {"\"\", x", "<>|x"},
    {"DOMAIN\\user", "DOMAIN\\user"},
    {"J\xc3\xb6rg, \xe5\xb1\xb1\xe7\x94\xb0", "J\xc3\xb6rg|\xe5\xb1\xb1\xe7\x94\xb0"},
    /* Comments end a value outside quotes, as iniparser does. */
    {"root admin ; the admins", "root|admin"},
    {"root#admin", "root"},
    {"; nothing", ""},
    /* Errors. */
    {"\"open", "ERR: a quote is not closed"},
    {"a, \"b", "ERR: a quote is not closed"},
    {"\"a\\\"", "ERR: a quote is not closed"},
    {"\"a\\", "ERR: a quote is not closed"},
    {"a\"b\"", "ERR: a quote inside an item (quote the whole item)"},
    {"a, b\"c\"", "ERR: a quote inside an item (quote the whole item)"},
    {"\"a\"b", "ERR: text after a closing quote (byte 4)"},
    {"\"a\" b, c", "ERR: text after a closing quote (byte 5)"},
    {"\"a\\n\"", "ERR: unknown escape '\\n' in quotes (only \\\" and \\\\)"},
    {"a\x01", "ERR: control character (byte 2)"},
    {"\"a\x7f\"", "ERR: control character (byte 3)"},
    {"a\nb", "ERR: control character (byte 2)"},
    {"a\rb", "ERR: control character (byte 2)"},
};

static void test_cases(void **state)
{
	char got[512];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		parse_to(cases[i].val, got, sizeof(got));
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, got, cases[i].want);
	}
}

/* Where each item was written, and whether commas separated them. */
static void test_positions(void **state)
{
	static const char val[] = "HPC  Admins , \"x y\" ; c";
	struct nsiso_list l;
	char why[64];

	assert_int_equal(nsiso_list_parse(val, &l, why, sizeof(why)), 0);
	assert_true(l.commas);
	assert_int_equal(l.len, strlen("HPC  Admins , \"x y\" "));
	assert_int_equal(l.n, 2);
	assert_int_equal(l.v[0].start, 0);
	assert_int_equal(l.v[0].end, strlen("HPC  Admins"));
	assert_int_equal(l.v[1].start, strlen("HPC  Admins , "));
	assert_int_equal(l.v[1].end, strlen("HPC  Admins , \"x y\""));
	nsiso_list_free(&l);
	assert_int_equal(nsiso_list_parse("a \"b,c\"", &l, why, sizeof(why)), 0);
	assert_false(l.commas); /* a comma in quotes separates nothing */
	assert_int_equal(l.n, 2);
	nsiso_list_free(&l);
	nsiso_list_free(&l); /* twice is harmless */
}

/* Any item, quoted with escapes and joined with commas, reads back as itself. */
static void quote(const char *s, char *out, size_t len)
{
	size_t o = 0;

	out[o++] = '"';
	for (; *s && o + 3 < len; s++) {
		if (*s == '"' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o++] = '"';
	out[o] = '\0';
}

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void test_roundtrip(void **state)
{
	static const char alphabet[] = "ab ,\"\\;#\t.-_\xc3\xb6";
	unsigned seed = 13;

	for (int round = 0; round < 2000; round++) {
		char items[4][16], value[512] = "", q[64];
		size_t n = 1 + rnd(&seed) % 4, used = 0;
		const char *sep = rnd(&seed) % 2 ? ", " : " \t ";
		struct nsiso_list l;
		char why[128];

		for (size_t i = 0; i < n; i++) {
			size_t k = rnd(&seed) % 15;

			for (size_t j = 0; j < k; j++)
				items[i][j] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
			items[i][k] = '\0';
			quote(items[i], q, sizeof(q));
			used += (size_t)snprintf(value + used, sizeof(value) - used, "%s%s",
						 i ? sep : "", q);
		}
		if (nsiso_list_parse(value, &l, why, sizeof(why)) < 0)
			fail_msg("round %d: '%s': %s", round, value, why);
		assert_int_equal(l.n, n);
		for (size_t i = 0; i < n; i++) {
			assert_string_equal(l.v[i].text, items[i]);
			assert_true(l.v[i].quoted);
		}
		nsiso_list_free(&l);
	}
}

/* Hostile input: never a crash, never an item with a control byte, bounded by the input. */
static void test_hostile(void **state)
{
	static const char bytes[] = "a \t,\"\\;#\x01\x7f\xff";
	unsigned seed = 7;
	char *big;

	for (int round = 0; round < 20000; round++) {
		char value[64], why[128];
		size_t k = rnd(&seed) % (sizeof(value) - 1);
		struct nsiso_list l;

		for (size_t j = 0; j < k; j++)
			value[j] = bytes[rnd(&seed) % (sizeof(bytes) - 1)];
		value[k] = '\0';
		if (nsiso_list_parse(value, &l, why, sizeof(why)) < 0) {
			assert_true(why[0] != '\0');
			assert_int_equal(l.n, 0);
			continue;
		}
		assert_true(l.n <= k);
		for (size_t i = 0; i < l.n; i++) {
			assert_true(l.v[i].end <= l.len && l.v[i].start <= l.v[i].end);
			assert_true(strlen(l.v[i].text) <= l.v[i].end - l.v[i].start);
			for (const char *p = l.v[i].text; *p; p++)
				assert_false((unsigned char)*p < 0x20 && *p != '\t');
		}
		nsiso_list_free(&l);
	}
	/* A long value of separators and quotes: linear, no quadratic blow-up to speak of. */
	big = malloc(1 << 20);
	assert_non_null(big);
	for (size_t i = 0; i < (1 << 20) - 1; i++)
		big[i] = ",\" "[i % 3];
	big[(1 << 20) - 1] = '\0';
	{
		struct nsiso_list l;
		char why[128];

		if (nsiso_list_parse(big, &l, why, sizeof(why)) == 0)
			nsiso_list_free(&l);
	}
	free(big);
	/* A tiny reason buffer is still terminated. */
	{
		struct nsiso_list l;
		char why[4];

		assert_int_equal(nsiso_list_parse("\"x", &l, why, sizeof(why)), -1);
		assert_int_equal(strlen(why), 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_positions),
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
