/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the decision counters' file checks (lib/stats.c) and the
 * Prometheus text format's escaping (lib/prom.c).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "prom.h"
#include "stats.h"
#include "util.h"

/* ---- the file's bytes ---- */

static void test_layout(void **state)
{
	struct nsiso_stats_file f;

	/* The layout is the on-disk format: a change is a new version, never a silent one. */
	assert_int_equal(sizeof(f), 320);
	assert_int_equal(offsetof(struct nsiso_stats_file, version), 8);
	assert_int_equal(offsetof(struct nsiso_stats_file, header_size), 12);
	assert_int_equal(offsetof(struct nsiso_stats_file, slots), 16);
	assert_int_equal(offsetof(struct nsiso_stats_file, created), 24);
	assert_int_equal(offsetof(struct nsiso_stats_file, counter), 64);
	nsiso_stats_init(&f, 1700000000);
	assert_memory_equal(f.magic, "NSISOSTA", 8);
	assert_int_equal(f.version, 1);
	assert_int_equal(f.header_size, 64);
	assert_int_equal(f.slots, 32);
	assert_true(f.created == 1700000000);
	for (unsigned i = 0; i < NSISO_STATS_SLOTS; i++)
		assert_true(f.counter[i] == 0);
}

static void test_words(void **state)
{
	/* The slot of each action is on disk, its word in every log line and metric label. */
	static const char *const want[] = {"create", "join",  "deny",	  "exempt", "host",
					   "allow",  "defer", "teardown", "keep"};

	assert_int_equal(ARRAY_SIZE(want), NSISO_DECISION__MAX);
	for (int i = 0; i < NSISO_DECISION__MAX; i++)
		assert_string_equal(nsiso_decision_word((enum nsiso_decision)i), want[i]);
	assert_int_equal(NSISO_DECISION_CREATE, 0);
	assert_int_equal(NSISO_DECISION_KEEP, 8);
	assert_string_equal(nsiso_decision_word(NSISO_DECISION__MAX), "?");
	assert_string_equal(nsiso_decision_word((enum nsiso_decision) - 1), "?");
}

static void test_bytes_ok(void **state)
{
	struct nsiso_stats_file f;
	char why[96] = "untouched";

	nsiso_stats_init(&f, 5);
	f.counter[NSISO_DECISION_JOIN] = 12345;
	f.counter[NSISO_STATS_SLOTS - 1] = 7; /* a later action's slot: not this build's business */
	assert_int_equal(nsiso_stats_check_bytes(&f, sizeof(f), why, sizeof(why)), 0);
	assert_string_equal(why, "untouched");
	assert_int_equal(nsiso_stats_check_bytes(&f, sizeof(f), NULL, 0), 0);
}

/* check_bytes of @f, with @mutate applied, gives @want. */
static void bytes_why(void (*mutate)(struct nsiso_stats_file *), const char *want)
{
	struct nsiso_stats_file f;
	char why[96] = "";

	nsiso_stats_init(&f, 5);
	mutate(&f);
	assert_int_equal(nsiso_stats_check_bytes(&f, sizeof(f), why, sizeof(why)), -1);
	assert_string_equal(why, want);
	/* Without a buffer for the reason the verdict is the same. */
	assert_int_equal(nsiso_stats_check_bytes(&f, sizeof(f), NULL, 0), -1);
}

static void bad_magic(struct nsiso_stats_file *f)
{
	f->magic[0] = 'X';
}
static void bad_version(struct nsiso_stats_file *f)
{
	f->version = 2;
}
static void bad_version_swapped(struct nsiso_stats_file *f)
{
	f->version = 0x01000000; /* another byte order */
}
static void bad_header(struct nsiso_stats_file *f)
{
	f->header_size = 72;
}
static void bad_slots(struct nsiso_stats_file *f)
{
	f->slots = 33;
}
static void bad_zero0(struct nsiso_stats_file *f)
{
	f->zero0 = 1;
}
static void bad_zero1(struct nsiso_stats_file *f)
{
	f->zero1[31] = 0xff;
}

static void test_bytes_bad(void **state)
{
	bytes_why(bad_magic, "does not start with NSISOSTA (not a counters file)");
	bytes_why(bad_version, "has version 2, this build knows 1");
	bytes_why(bad_version_swapped, "has version 16777216, this build knows 1");
	bytes_why(bad_header, "has a header of another layout");
	bytes_why(bad_slots, "has a header of another layout");
	bytes_why(bad_zero0, "has a header of another layout");
	bytes_why(bad_zero1, "has a header of another layout");
}

static void test_bytes_size(void **state)
{
	unsigned char buf[sizeof(struct nsiso_stats_file) + 8];
	struct nsiso_stats_file f;
	char why[96];

	nsiso_stats_init(&f, 5);
	memcpy(buf, &f, sizeof(f));
	memset(buf + sizeof(f), 0, 8);
	assert_int_equal(nsiso_stats_check_bytes(buf, 0, why, sizeof(why)), -1);
	assert_string_equal(why, "is empty");
	assert_int_equal(nsiso_stats_check_bytes(buf, 100, why, sizeof(why)), -1);
	assert_string_equal(why, "is 100 bytes long, not 320");
	assert_int_equal(nsiso_stats_check_bytes(buf, sizeof(f) - 1, why, sizeof(why)), -1);
	assert_string_equal(why, "is 319 bytes long, not 320");
	assert_int_equal(nsiso_stats_check_bytes(buf, sizeof(buf), why, sizeof(why)), -1);
	assert_string_equal(why, "is 328 bytes long, not 320");
	/* All zero: the right size, no magic. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(nsiso_stats_check_bytes(buf, sizeof(f), why, sizeof(why)), -1);
	assert_string_equal(why, "does not start with NSISOSTA (not a counters file)");
}

static void test_why_truncated(void **state)
{
	char why[8];

	assert_int_equal(nsiso_stats_check_bytes("", 100, why, sizeof(why)), -1);
	assert_int_equal(strlen(why), sizeof(why) - 1);
	assert_memory_equal(why, "is 100 ", 7);
}

/* ---- the file's metadata ---- */

static struct stat good_stat(void)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0600;
	st.st_uid = 0;
	st.st_nlink = 1;
	st.st_size = sizeof(struct nsiso_stats_file);
	return st;
}

static void stat_why(const struct stat *st, const char *want)
{
	char why[96] = "";

	assert_int_equal(nsiso_stats_check_stat(st, why, sizeof(why)), -1);
	assert_string_equal(why, want);
	assert_int_equal(nsiso_stats_check_stat(st, NULL, 0), -1);
}

static void test_stat(void **state)
{
	static const mode_t types[] = {S_IFDIR, S_IFIFO, S_IFLNK, S_IFSOCK, S_IFCHR, S_IFBLK};
	struct stat st = good_stat();

	assert_int_equal(nsiso_stats_check_stat(&st, NULL, 0), 0);
	st.st_mode = S_IFREG | 0400; /* read-only for root is still root-only */
	assert_int_equal(nsiso_stats_check_stat(&st, NULL, 0), 0);

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		st = good_stat();
		st.st_mode = types[i] | 0600;
		stat_why(&st, "is not a regular file");
	}
	st = good_stat();
	st.st_uid = 1000;
	stat_why(&st, "is owned by uid 1000, not root");
	st = good_stat();
	st.st_mode = S_IFREG | 0644;
	stat_why(&st, "has mode 0644, not 0600");
	st.st_mode = S_IFREG | 0602;
	stat_why(&st, "has mode 0602, not 0600");
	st.st_mode = S_IFREG | 0610;
	stat_why(&st, "has mode 0610, not 0600");
	st = good_stat();
	st.st_nlink = 2;
	stat_why(&st, "has 2 links, not 1");
	st.st_nlink = 0; /* replaced or removed: the name is someone else's now */
	stat_why(&st, "has 0 links, not 1");
	st = good_stat();
	st.st_size = 0;
	stat_why(&st, "is empty");
	st.st_size = 4096;
	stat_why(&st, "is 4096 bytes long, not 320");
}

/* ---- Prometheus text format ---- */

/* The label value of @in as the exposition writes it. */
static char *label(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	nsiso_prom_label_value(f, in);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void label_is(const char *in, const char *want)
{
	char *got = label(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_label_plain(void **state)
{
	label_is("alice", "\"alice\"");
	label_is("", "\"\"");
	label_is(NULL, "\"\"");
	label_is("a b\tc=d,e}f{g#h'i", "\"a b\tc=d,e}f{g#h'i\"");
}

static void test_label_escapes(void **state)
{
	/* Exactly three escapes exist in the format: \\ \" \n. */
	label_is("a\\b", "\"a\\\\b\"");
	label_is("a\"b", "\"a\\\"b\"");
	label_is("a\nb", "\"a\\nb\"");
	label_is("\\\"\n", "\"\\\\\\\"\\n\"");
	label_is("\\n", "\"\\\\n\""); /* a backslash and an n stay two characters */
	/* Other control bytes are valid UTF-8 and go as they are (CR included). */
	label_is("a\rb\x01\x7f", "\"a\rb\x01\x7f\"");
}

static void test_label_utf8(void **state)
{
	/* Valid UTF-8 of every length is kept. */
	label_is("\xc3\xa9", "\"\xc3\xa9\"");		      /* é */
	label_is("\xe2\x82\xac", "\"\xe2\x82\xac\"");	      /* € */
	label_is("\xf0\x9f\x90\xa7", "\"\xf0\x9f\x90\xa7\""); /* U+1F427 */
	label_is("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
	/* Anything else: one U+FFFD per byte that does not start a valid sequence. */
	label_is("a\xffz", "\"a\xef\xbf\xbdz\"");	      /* stray byte */
	label_is("\x80", "\"\xef\xbf\xbd\"");		      /* lone continuation */
	label_is("\xc3", "\"\xef\xbf\xbd\"");		      /* cut at the end */
	label_is("\xc3(", "\"\xef\xbf\xbd(\"");		      /* cut by ASCII */
	label_is("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong '/' */
	label_is("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
	label_is("\xf4\x90\x80\x80",					      /* above U+10FFFF */
		 "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* A stray byte before a quote does not eat the escape. */
	label_is("\xff\"", "\"\xef\xbf\xbd\\\"\"");
	/* What t_sets and t_metrics put in /etc/passwd. */
	label_is("nsiso-\"\\\x01\xc3\xa9\xff", "\"nsiso-\\\"\\\\\x01\xc3\xa9\xef\xbf\xbd\"");
}

static void test_family(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	nsiso_prom_family(f, "nsiso_sets", "gauge", "Live sets.");
	nsiso_prom_family(f, "x_total", "counter", "a \\ and a\nnewline \"quoted\"");
	assert_int_equal(fclose(f), 0);
	assert_string_equal(buf, "# HELP nsiso_sets Live sets.\n"
				 "# TYPE nsiso_sets gauge\n"
				 "# HELP x_total a \\\\ and a\\nnewline \"quoted\"\n"
				 "# TYPE x_total counter\n");
	free(buf);
}

/* ---- counting through a registry directory at hand ---- */

static uint64_t counter_in(int dir, enum nsiso_decision d)
{
	struct nsiso_stats_file f;
	int fd = openat(dir, NSISO_STATS_FILE, O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &f, sizeof(f), 0), sizeof(f));
	close(fd);
	assert_int_equal(nsiso_stats_check_bytes(&f, sizeof(f), NULL, 0), 0);
	return f.counter[d];
}

/*
 * nsiso_stats_open_at(): the file is made in the directory given, and the
 * counts of this process go there; a second directory changes nothing once
 * the process has its descriptor. Each count is checked in the file's bytes.
 */
static void test_open_at(void **state)
{
	char a[] = "/tmp/nsiso-stats-a.XXXXXX", b[] = "/tmp/nsiso-stats-b.XXXXXX";
	struct stat st;
	int da, db;

	(void)state;
	/* The file must be root's (nsiso_stats_check_stat): only root can make a usable one. */
	if (geteuid() != 0)
		skip();
	assert_non_null(mkdtemp(a));
	assert_non_null(mkdtemp(b));
	da = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	db = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(da >= 0 && db >= 0);
	nsiso_stats_open_at(-1); /* nothing */
	nsiso_stats_open_at(da);
	/* Made there, whole, before any count: a count can then never go elsewhere. */
	assert_int_equal(fstatat(da, NSISO_STATS_FILE, &st, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(nsiso_stats_check_stat(&st, NULL, 0), 0);
	assert_int_equal(counter_in(da, NSISO_DECISION_JOIN), 0);
	nsiso_stats_count(NSISO_DECISION_JOIN);
	nsiso_stats_count(NSISO_DECISION_JOIN);
	nsiso_stats_open_at(db);
	nsiso_stats_count(NSISO_DECISION_CREATE);
	assert_int_equal(counter_in(da, NSISO_DECISION_JOIN), 2);
	assert_int_equal(counter_in(da, NSISO_DECISION_CREATE), 1);
	assert_int_equal(fstatat(db, NSISO_STATS_FILE, &st, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(unlinkat(da, NSISO_STATS_FILE, 0), 0);
	close(da);
	close(db);
	assert_int_equal(rmdir(a), 0);
	assert_int_equal(rmdir(b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),	  cmocka_unit_test(test_words),
	    cmocka_unit_test(test_bytes_ok),	  cmocka_unit_test(test_bytes_bad),
	    cmocka_unit_test(test_bytes_size),	  cmocka_unit_test(test_why_truncated),
	    cmocka_unit_test(test_stat),	  cmocka_unit_test(test_label_plain),
	    cmocka_unit_test(test_label_escapes), cmocka_unit_test(test_label_utf8),
	    cmocka_unit_test(test_family),	  cmocka_unit_test(test_open_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
