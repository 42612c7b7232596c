/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the pure registry record helpers: set commit records and session record names. */
#include <inttypes.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "registry.h"
#include "util.h"

#define ALL3 (NSISO_NS_BIT(NSISO_NS_MNT) | NSISO_NS_BIT(NSISO_NS_IPC) | NSISO_NS_BIT(NSISO_NS_UTS))

static struct nsiso_setrec sample(void)
{
	struct nsiso_setrec r = {0};

	r.ns_mask = ALL3;
	r.ino[NSISO_NS_MNT] = 4026532200u;
	r.ino[NSISO_NS_IPC] = 4026532201u;
	r.ino[NSISO_NS_UTS] = 4026532202u;
	r.dev = 4;
	r.keeper = 9;
	r.created = 1700000000;
	r.lifetime = NSISO_LIFE_SESSION;
	snprintf(r.user, sizeof(r.user), "a");
	return r;
}

static void assert_rec_equal(const struct nsiso_setrec *a, const struct nsiso_setrec *b)
{
	assert_int_equal(a->ns_mask, b->ns_mask);
	assert_true(a->dev == b->dev);
	assert_true(a->keeper == b->keeper);
	assert_true(a->created == b->created);
	assert_int_equal(a->lifetime, b->lifetime);
	assert_string_equal(a->user, b->user);
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (a->ns_mask & NSISO_NS_BIT(i))
			assert_true(a->ino[i] == b->ino[i]);
}

static void test_setrec_format_exact(void **state)
{
	struct nsiso_setrec r = sample();
	char buf[512];

	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(
	    buf, "version=2\nmask=7\ndev=4\nkeeper=9\ncreated=1700000000\nlifetime=session\n"
		 "mnt=4026532200\nipc=4026532201\nuts=4026532202\nuser=a\n");

	/* Only the namespaces in the mask are written. */
	r.ns_mask = NSISO_NS_BIT(NSISO_NS_MNT) | NSISO_NS_BIT(NSISO_NS_UTS);
	r.lifetime = NSISO_LIFE_BOOT;
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(
	    buf, "version=2\nmask=5\ndev=4\nkeeper=9\ncreated=1700000000\nlifetime=boot\n"
		 "mnt=4026532200\nuts=4026532202\nuser=a\n");
}

/* A provisional set: the groups NSS could not look up, one line each, and the cap. */
static void test_setrec_unresolved(void **state)
{
	struct nsiso_setrec r = sample(), back;
	char buf[4096];

	nsiso_unresolved_add(&r.unresolved, "HPC Staff", ENOENT);
	nsiso_unresolved_add(&r.unresolved, "a=b", ENOENT);
	nsiso_unresolved_add(&r.unresolved, "HPC Staff", ENOENT); /* once per name */
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(
	    buf, "version=2\nmask=7\ndev=4\nkeeper=9\ncreated=1700000000\nlifetime=session\n"
		 "mnt=4026532200\nipc=4026532201\nuts=4026532202\nunresolved=HPC Staff\n"
		 "unresolved=a=b\nuser=a\n");
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_rec_equal(&r, &back);
	assert_int_equal(back.unresolved.n, 2);
	assert_string_equal(back.unresolved.name[0], "HPC Staff");
	assert_string_equal(back.unresolved.name[1], "a=b");
	assert_false(back.unresolved.more);

	/* Past the cap only "more" is kept, and it survives the round trip. */
	for (int i = 0; i < NSISO_UNRESOLVED_MAX + 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "g%d", i);
		nsiso_unresolved_add(&r.unresolved, name, ENOENT);
	}
	assert_int_equal(r.unresolved.n, NSISO_UNRESOLVED_MAX);
	assert_true(r.unresolved.more);
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_int_equal(back.unresolved.n, NSISO_UNRESOLVED_MAX);
	assert_true(back.unresolved.more);

	/* A name no account can have, or a bad flag: a torn record. */
	assert_int_equal(nsiso_setrec_parse("version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\n"
					    "lifetime=session\nmnt=11\nunresolved=a/b\nuser=a\n",
					    &back),
			 -1);
	assert_int_equal(nsiso_setrec_parse("version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\n"
					    "lifetime=session\nmnt=11\nunresolved=\nuser=a\n",
					    &back),
			 -1);
	assert_int_equal(nsiso_setrec_parse("version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\n"
					    "lifetime=session\nmnt=11\nunresolved_more=2\nuser=a\n",
					    &back),
			 -1);
}

static void test_setrec_round_trip(void **state)
{
	static const unsigned masks[] = {
	    NSISO_NS_BIT(NSISO_NS_MNT),
	    NSISO_NS_BIT(NSISO_NS_MNT) | NSISO_NS_BIT(NSISO_NS_IPC),
	    ALL3,
	};
	static const enum nsiso_lifetime lifes[] = {NSISO_LIFE_PROCESSES, NSISO_LIFE_SESSION,
						    NSISO_LIFE_BOOT};

	for (size_t m = 0; m < ARRAY_SIZE(masks); m++) {
		for (size_t l = 0; l < ARRAY_SIZE(lifes); l++) {
			struct nsiso_setrec r = sample(), back;
			char buf[512];

			r.ns_mask = masks[m];
			r.lifetime = lifes[l];
			r.dev = UINT64_MAX;
			r.keeper = UINT64_MAX;
			/* Directory names: blanks, '=' and UTF-8 are names too. */
			snprintf(r.user, sizeof(r.user), "%s",
				 l == 0	  ? "Domain User=x"
				 : l == 1 ? "b\xc3\xa9"
					    "b"
					  : "a");
			r.created = INT64_MAX;
			r.ino[NSISO_NS_MNT] = UINT64_MAX;
			assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
			memset(&back, 0xa5, sizeof(back));
			assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
			assert_rec_equal(&r, &back);
		}
	}
}

static void test_setrec_format_small_buffer(void **state)
{
	struct nsiso_setrec r = sample();
	char buf[512];

	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	size_t need = strlen(buf) + 1;
	assert_int_equal(nsiso_setrec_format(&r, buf, need), 0);
	assert_int_equal(nsiso_setrec_format(&r, buf, need - 1), -1);
	assert_int_equal(nsiso_setrec_format(&r, buf, 10), -1);
}

static const char good_text[] =
    "version=2\nmask=7\ndev=4\nkeeper=9\ncreated=1700000000\nlifetime=session\nuser=a\n"
    "mnt=11\nipc=12\nuts=13\n";

static void test_setrec_parse_good(void **state)
{
	struct nsiso_setrec r;

	assert_int_equal(nsiso_setrec_parse(good_text, &r), 0);
	assert_int_equal(r.ns_mask, 7);
	assert_true(r.dev == 4);
	assert_true(r.created == 1700000000);
	assert_int_equal(r.lifetime, NSISO_LIFE_SESSION);
	assert_true(r.ino[NSISO_NS_MNT] == 11);
	assert_true(r.ino[NSISO_NS_IPC] == 12);
	assert_true(r.ino[NSISO_NS_UTS] == 13);

	/* Key order does not matter. */
	assert_int_equal(
	    nsiso_setrec_parse("mnt=11\nlifetime=boot\nuser=a\ncreated=0\ndev=1\nkeeper=3\nmask=1\n"
			       "version=2\n",
			       &r),
	    0);
	assert_int_equal(r.lifetime, NSISO_LIFE_BOOT);
}

static void test_setrec_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "garbage",
	    /* version 1 (pins in the host's table) names no live pin; no keeper; keeper 0 */
	    "version=1\nmask=7\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc="
	    "12\nuts="
	    "13\n",
	    "version=2\nmask=7\ndev=4\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc=12\nuts="
	    "13\n",
	    "version=2\nmask=7\ndev=4\nkeeper=0\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc="
	    "12\nuts="
	    "13\n",
	    /* no owner; an owner name that is not a name */
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nmnt=11\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nmnt=11\nuser=\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nmnt=11\nuser=a/b\n",
	    /* each required key missing in turn */
	    "mask=7\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc=12\nuts="
	    "13\n",
	    "version=2\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc=12\nuts="
	    "13\n",
	    "version=2\nmask=7\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc=12\nuts=13\n",
	    "version=2\nmask=7\ndev=4\nkeeper=9\nlifetime=session\nuser=a\nmnt=11\nipc=12\nuts="
	    "13\n",
	    "version=2\nmask=7\ndev=4\nkeeper=9\ncreated=1\nmnt=11\nipc=12\nuts=13\n",
	    /* a namespace of the mask without its inode, and one not in the mask */
	    "version=2\nmask=7\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc="
	    "12\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nipc="
	    "12\n",
	    /* mask without mnt, zero mask, unknown bits */
	    "version=2\nmask=2\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nipc=12\n",
	    "version=2\nmask=0\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\n",
	    "version=2\nmask=4294967297\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt="
	    "11\n",
	    "version=2\nmask=1024\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\n",
	    /* bad values */
	    "version=3\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=forever\nuser=a\nmnt=11\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=0\n",
	    "version=2\nmask=1\ndev=4x\ncreated=1\nlifetime=session\nuser=a\nmnt=11\n",
	    "version=2\nmask=1\ndev=-4\ncreated=1\nlifetime=session\nuser=a\nmnt=11\n",
	    "version=2\nmask=1\ndev= 4\ncreated=1\nlifetime=session\nuser=a\nmnt=11\n",
	    "version=2\nmask=1\ndev=\ncreated=1\nlifetime=session\nuser=a\nmnt=11\n",
	    /* overflow */
	    "version=2\nmask=1\ndev=18446744073709551616\ncreated=1\nlifetime=session\nuser=a\nmnt="
	    "11\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=9223372036854775808\nlifetime="
	    "session\nmnt=11\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt="
	    "99999999999999999999\n",
	    /* junk lines and keys */
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt="
	    "11\njunk\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nmnt=11\nfoo="
	    "1\n",
	    "version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\nMNT=11\n",
	};
	struct nsiso_setrec r;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (nsiso_setrec_parse(bad[i], &r) != -1)
			fail_msg("accepted bad record %zu:\n%s", i, bad[i]);
}

/* A name without a net namespace in the mask is a foreign record: rejected. */
static void test_setrec_netns_needs_net(void **state)
{
	struct nsiso_setrec r;

	assert_int_equal(
	    nsiso_setrec_parse(
		"version=2\nmask=7\ndev=9\nkeeper=5\ncreated=1\nlifetime=boot\nuser=a\n"
		"mnt=1\nipc=2\nuts=3\nnetns=nsiso-alice\n",
		&r),
	    -1);
	assert_int_equal(
	    nsiso_setrec_parse(
		"version=2\nmask=15\ndev=9\nkeeper=5\ncreated=1\nlifetime=boot\nuser=a\n"
		"mnt=1\nipc=2\nuts=3\nnet=4\nnetns=nsiso-alice\n",
		&r),
	    0);
	assert_string_equal(r.netns, "nsiso-alice");
}

/* ---- the optional tmpdev= and tmpgen= lines (the user's tmpfs and the set's generation in it)
 * ---- */

static void test_setrec_tmp_lines(void **state)
{
	struct nsiso_setrec r = sample(), back;
	char buf[512];

	(void)state;
	r.tmp_dev = 61;
	r.tmp_gen = 798329105237u;
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "\ntmpdev=61\ntmpgen=798329105237\n"));
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_rec_equal(&r, &back);
	assert_true(back.tmp_dev == 61 && back.tmp_gen == 798329105237u);

	/* A record from before generations: no tmpgen line, read as 0. */
	r.tmp_gen = 0;
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "tmpgen="));
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_true(back.tmp_dev == 61 && back.tmp_gen == 0);

	/* Generation 0 is never written: a record that says so is torn. */
	assert_int_equal(nsiso_setrec_parse("version=2\nmask=1\ndev=4\nkeeper=9\ncreated=1\n"
					    "lifetime=boot\nmnt=5\ntmpgen=0\nuser=a\n",
					    &back),
			 -1);
}

/* ---- the optional netns=<name> line (a set with a net namespace and a /run/netns name) ---- */

#define ALL4 (ALL3 | NSISO_NS_BIT(NSISO_NS_NET))

static struct nsiso_setrec sample_net(const char *name)
{
	struct nsiso_setrec r = sample();

	r.ns_mask = ALL4;
	r.ino[NSISO_NS_NET] = 4026532203u;
	snprintf(r.netns, sizeof(r.netns), "%s", name);
	return r;
}

static void test_setrec_netns_format_exact(void **state)
{
	struct nsiso_setrec r = sample_net("nsiso-alice");
	char buf[512];

	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(
	    buf, "version=2\nmask=15\ndev=4\nkeeper=9\ncreated=1700000000\nlifetime=session\n"
		 "mnt=4026532200\nipc=4026532201\nuts=4026532202\nnet=4026532203\n"
		 "netns=nsiso-alice\nuser=a\n");

	/* No name: no netns line at all. */
	r.netns[0] = '\0';
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_null(strstr(buf, "netns="));

	/* The netns line counts towards the buffer size too. */
	r = sample_net("nsiso-alice");
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	size_t need = strlen(buf) + 1;
	assert_int_equal(nsiso_setrec_format(&r, buf, need), 0);
	assert_int_equal(nsiso_setrec_format(&r, buf, need - 1), -1);
}

static void test_setrec_netns_round_trip(void **state)
{
	char longest[65];
	const char *names[] = {"a", "nsiso-alice", "U.1_x-Y", "..a", ".a", "a..", longest};

	memset(longest, 'n', 64);
	longest[64] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct nsiso_setrec r = sample_net(names[i]), back;
		char buf[512];

		assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
		memset(&back, 0xa5, sizeof(back));
		assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
		assert_rec_equal(&r, &back);
		assert_string_equal(back.netns, names[i]);
		assert_true(back.ino[NSISO_NS_NET] == 4026532203u);
	}

	/* Without a netns line the parsed name is empty. */
	{
		struct nsiso_setrec back;

		memset(&back, 0xa5, sizeof(back));
		assert_int_equal(nsiso_setrec_parse(good_text, &back), 0);
		assert_string_equal(back.netns, "");
	}
}

static void test_setrec_netns_format_rejects(void **state)
{
	static const char *const bad[] = {"a/b", "..", ".", "/x", "a b", "a\nb", "nsiso-%u", "é"};
	char buf[512];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct nsiso_setrec r = sample_net(bad[i]);

		if (nsiso_setrec_format(&r, buf, sizeof(buf)) != -1)
			fail_msg("wrote a record with the bad netns name '%s'", bad[i]);
	}
}

static void test_setrec_netns_parse_rejects(void **state)
{
	static const char head[] =
	    "version=2\nmask=15\ndev=4\nkeeper=9\ncreated=1\nlifetime=session\nuser=a\n"
	    "mnt=11\nipc=12\nuts=13\nnet=14\n";
	char n64[65], n65[66];
	const char *bad[] = {"a/b",	 "..",	 ".", "", "/run/netns/x", "a b", "a\tb",
			     "nsiso-%u", "x\\y", "é", n65};
	struct nsiso_setrec r;
	char text[512];

	memset(n64, 'n', 64);
	n64[64] = '\0';
	memset(n65, 'n', 65);
	n65[65] = '\0';

	/* The boundary: 64 characters is still a name. */
	snprintf(text, sizeof(text), "%snetns=%s\n", head, n64);
	assert_int_equal(nsiso_setrec_parse(text, &r), 0);
	assert_string_equal(r.netns, n64);

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "%snetns=%s\n", head, bad[i]);
		if (nsiso_setrec_parse(text, &r) != -1)
			fail_msg("accepted the bad netns name '%s'", bad[i]);
	}
	/* Case matters for keys, as for the others. */
	snprintf(text, sizeof(text), "%sNETNS=x\n", head);
	assert_int_equal(nsiso_setrec_parse(text, &r), -1);
}

static void test_sessrec_round_trip(void **state)
{
	static const struct {
		pid_t pid;
		uint64_t start;
		const char *name;
	} cases[] = {
	    {1, 0, "1-0"},
	    {4242, 123456789, "4242-123456789"},
	    {2147483647, UINT64_MAX, "2147483647-18446744073709551615"},
	};
	char buf[64];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		pid_t pid = 0;
		uint64_t start = 1;

		assert_int_equal(nsiso_sessrec_name(cases[i].pid, cases[i].start, buf, sizeof(buf)),
				 0);
		assert_string_equal(buf, cases[i].name);
		assert_int_equal(nsiso_sessrec_parse(buf, &pid, &start), 0);
		assert_int_equal(pid, cases[i].pid);
		assert_true(start == cases[i].start);
	}
}

static void test_sessrec_name_rejects(void **state)
{
	char buf[64], small[4];

	assert_int_equal(nsiso_sessrec_name(0, 1, buf, sizeof(buf)), -1);
	assert_int_equal(nsiso_sessrec_name(-5, 1, buf, sizeof(buf)), -1);
	assert_int_equal(nsiso_sessrec_name(1234, 5, small, sizeof(small)), -1);
}

static void test_sessrec_parse_rejects(void **state)
{
	static const char *const bad[] = {
	    "",
	    "-",
	    "1-",
	    "-1",
	    "0-1",
	    "-1-5",
	    "1",
	    "12",
	    "a-1",
	    "1-a",
	    "1-2-3",
	    " 1-2",
	    "1-2 ",
	    "+1-2",
	    "1-+2",
	    "1-0x10",
	    "lock",
	    "1-2\n",
	    "2147483648-1",
	    "99999999999999999999-1",
	    "1-18446744073709551616",
	};
	pid_t pid;
	uint64_t start;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (nsiso_sessrec_parse(bad[i], &pid, &start) != -1)
			fail_msg("accepted bad session record name '%s'", bad[i]);
}

/* The settings a set was made with (nsisoctl apply): written, read back, tmp_dirs escaped. */
static void test_setrec_settings_round_trip(void **state)
{
	char d0[] = "/tmp", d1[] = "/var/my tmp%x", d2[] = "/scratch", x11[] = ".X11-unix",
	     ice[] = ".ICE unix";
	struct nsiso_settings s = {0};
	struct nsiso_setrec r = sample(), back;
	char buf[2048];

	(void)state;
	s.tmp = NSISO_TMP_PERSISTENT;
	s.propagation = NSISO_PROP_PRIVATE;
	s.net = NSISO_NET_HOOK;
	s.tmp_size = (struct nsiso_size){.percent = true, .value = 25};
	s.tmp_dirs[0] = d0;
	s.tmp_dirs[1] = d1;
	s.tmp_dirs[2] = d2;
	s.n_tmp_dirs = 3;
	s.tmp_share[0] = x11;
	s.tmp_share[1] = ice;
	s.n_tmp_share = 2;
	s.tmp_share_rw = 2;
	assert_int_equal(nsiso_setrec_note_settings(&r, &s, "ws-a"), 0);
	assert_string_equal(r.tmp_dirs, "/tmp /var/my%20tmp%25x /scratch");
	assert_string_equal(r.tmp_share, ".X11-unix:ro .ICE%20unix:rw");
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf,
			       "settings=1\ntmp=persistent\npropagation=private\nnetmode=hook\n"
			       "tmpsize=25%\nhostname=ws-a\ntmpdirs=/tmp /var/my%20tmp%25x "
			       "/scratch\ntmpshare=.X11-unix:ro .ICE%20unix:rw\nuser=a\n"));
	memset(&back, 0xa5, sizeof(back));
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_rec_equal(&r, &back);
	assert_true(back.settings_known);
	assert_int_equal(back.tmp, NSISO_TMP_PERSISTENT);
	assert_int_equal(back.propagation, NSISO_PROP_PRIVATE);
	assert_int_equal(back.net, NSISO_NET_HOOK);
	assert_true(back.tmp_size.percent && back.tmp_size.value == 25);
	assert_string_equal(back.hostname, "ws-a");
	assert_string_equal(back.tmp_dirs, r.tmp_dirs);
	assert_string_equal(back.tmp_share, r.tmp_share);

	/* Without a private /tmp nothing is shared: none recorded. */
	s.tmp_dirs[0] = d2;
	s.n_tmp_dirs = 1;
	assert_int_equal(nsiso_setrec_note_settings(&r, &s, "ws-a"), 0);
	assert_string_equal(r.tmp_share, "");
	s.tmp_dirs[0] = d0;
	s.tmp = NSISO_TMP_OFF;
	assert_int_equal(nsiso_setrec_note_settings(&r, &s, "ws-a"), 0);
	assert_string_equal(r.tmp_share, "");
	s.tmp = NSISO_TMP_PERSISTENT;
	s.n_tmp_dirs = 3;

	/* No host name (the host's), no tmp dirs: empty values, still known. */
	s.n_tmp_dirs = 0;
	assert_int_equal(nsiso_setrec_note_settings(&r, &s, NULL), 0);
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_true(back.settings_known);
	assert_string_equal(back.hostname, "");
	assert_string_equal(back.tmp_dirs, "");

	/* A record without them (an earlier version's) is still a set; bad values are not. */
	r = sample();
	assert_int_equal(nsiso_setrec_format(&r, buf, sizeof(buf)), 0);
	assert_int_equal(nsiso_setrec_parse(buf, &back), 0);
	assert_false(back.settings_known);
	assert_int_equal(nsiso_setrec_parse("version=2\nmask=1\ndev=9\nkeeper=5\ncreated=1\n"
					    "lifetime=boot\nuser=a\nmnt=1\ntmp=ramdisk\n",
					    &back),
			 -1);
	assert_int_equal(nsiso_setrec_parse("version=2\nmask=1\ndev=9\nkeeper=5\ncreated=1\n"
					    "lifetime=boot\nuser=a\nmnt=1\ntmpsize=0\n",
					    &back),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setrec_format_exact),
	    cmocka_unit_test(test_setrec_round_trip),
	    cmocka_unit_test(test_setrec_format_small_buffer),
	    cmocka_unit_test(test_setrec_parse_good),
	    cmocka_unit_test(test_setrec_parse_rejects),
	    cmocka_unit_test(test_setrec_unresolved),
	    cmocka_unit_test(test_setrec_netns_needs_net),
	    cmocka_unit_test(test_setrec_netns_format_exact),
	    cmocka_unit_test(test_setrec_netns_round_trip),
	    cmocka_unit_test(test_setrec_tmp_lines),
	    cmocka_unit_test(test_setrec_netns_format_rejects),
	    cmocka_unit_test(test_setrec_netns_parse_rejects),
	    cmocka_unit_test(test_setrec_settings_round_trip),
	    cmocka_unit_test(test_sessrec_round_trip),
	    cmocka_unit_test(test_sessrec_name_rejects),
	    cmocka_unit_test(test_sessrec_parse_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
