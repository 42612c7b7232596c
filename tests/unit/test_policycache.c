/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the policy cache (lib/policycache.c, the serialized form in
 * lib/policy_load.c): the round trip answers as a fresh load does (fuzz corpus and
 * hand-made policies); every damaged, truncated, foreign or hostile entry is
 * a miss; a content change of the same size is a miss; the file checks of a
 * full load run on every load; the entry file is only trusted as a root-owned
 * 0600 regular file, and only written into a root-only directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "blob.h"
#include "policy.h"
#include "policycache.h"
#include "user.h"
#include "util.h"

#include "pcache_check.h"

#define CORPUS "tests/fuzz/corpus"
#define CONF   "/etc/security/nsiso.conf"

static const char sample[] = "[global]\n"
			     "namespaces = mnt, ipc, uts\n"
			     "tmp_dirs = /tmp, /var/tmp\n"
			     "exempt_users = root, carol\n"
			     "hostname = %u-%h\n"
			     "[group:users]\n"
			     "tmp_size = 1G\n"
			     "[user:alice]\n"
			     "hostname = alice-box\n"
			     "lifetime = boot\n";

static struct nsiso_policy *load_clean(const char *text, size_t len)
{
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;

	if (nsiso_policy_load_buffer("t.conf", text, len, &p, NULL, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	return p;
}

/* A good entry for @text under CONF. */
static char *sample_blob(const char *text, size_t *len)
{
	const struct nsiso_pcache_file f = {CONF, text, strlen(text)};
	const struct nsiso_pcache_key key = {&f, 1};
	struct nsiso_policy *p = load_clean(text, strlen(text));
	char *blob = NULL;

	assert_int_equal(nsiso_pcache_encode(&key, p, &blob, len), 0);
	nsiso_policy_free(p);
	return blob;
}

/* Decoding @blob for the key (CONF, @text) must be a miss with a reason and no policy. */
static const char *expect_miss(const char *blob, size_t len, const char *text)
{
	const struct nsiso_pcache_file f = {CONF, text, strlen(text)};
	const struct nsiso_pcache_key key = {&f, 1};
	struct nsiso_policy *q = (struct nsiso_policy *)&f;
	const char *why = NULL;

	assert_int_equal(nsiso_pcache_decode(blob, len, &key, &q, &why), -1);
	assert_null(q);
	assert_non_null(why);
	return why;
}

/* ------------------------------------------------------------------ */
/* Round trip                                                          */

static void test_roundtrip_corpus(void **state)
{
	DIR *d = opendir(CORPUS);
	struct dirent *de;
	int clean = 0, files = 0;

	if (!d)
		fail_msg("cannot open %s (run from the source tree): %s", CORPUS, strerror(errno));
	while ((de = readdir(d))) {
		char path[512];
		_cleanup_free_ char *buf = NULL;
		struct nsiso_policy *p = NULL;
		struct nsiso_error err = {0};
		size_t len = 0;
		int fd;

		if (!strstr(de->d_name, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS, de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(nsiso_read_fd(fd, 1u << 20, &buf, &len), 0);
		close(fd);
		files++;
		if (nsiso_policy_load_buffer(path, buf, len, &p, NULL, &err) == 0) {
			pcache_check_roundtrip(buf, len, p);
			clean++;
		} else if (p) {
			/* A degraded policy has no cache form. */
			struct nsiso_wbuf w = {0};
			assert_int_equal(nsiso_policy_serialize(p, &w), -EINVAL);
			nsiso_wbuf_free(&w);
		}
		nsiso_policy_free(p);
	}
	closedir(d);
	/* The corpus has broken and valid files; a test that checked nothing must not pass. */
	assert_true(files >= 10);
	assert_true(clean >= 5);
}

static void test_roundtrip_policies(void **state)
{
	static const char *const texts[] = {
	    "",
	    "[global]\n",
	    sample,
	    "[global]\nnamespaces = mnt ipc uts net\nnet = hook\nnet_hook = /usr/lib/x/hook\n"
	    "netns_name = nsiso-%u\n",
	    "[global]\nnamespaces = mnt\ntmp = off\n[user:root]\nfrom_set = stay\n",
	    "[global]\nexempt_groups = sudo, root\non_error = allow\n[group:sudo]\nnet = loopback\n"
	    "[group:root]\ntmp = persistent\n[user:Alice]\npropagation = private\n",
	    "[global]\ntmp_dirs = /a b /, /srv//x/\n[user:bob]\ntmp_dirs = /scratch\n"
	    "tmp_size = 512M\n",
	    "[global]\nhostname = \"%u.%%.box\" ; comment\n[group:users]\nnamespaces = mnt,ipc\n",
	    "[user:alice]\nnamespaces = mnt, ipc, uts, net\nnet = hook\n[global]\n"
	    "net_hook = /etc/h\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct nsiso_policy *p = load_clean(texts[i], strlen(texts[i]));
		pcache_check_roundtrip(texts[i], strlen(texts[i]), p);
		nsiso_policy_free(p);
	}
}

/* The answers of the replayed sample, spelled out (not only "the same as fresh"). */
static void test_roundtrip_values(void **state)
{
	const struct nsiso_pcache_file f = {CONF, sample, strlen(sample)};
	const struct nsiso_pcache_key key = {&f, 1};
	struct nsiso_user alice = pcache_users[1], carol = pcache_users[4];
	struct nsiso_policy *q = NULL;
	struct nsiso_settings s;
	struct nsiso_error err = {0};
	const char *why = NULL;
	size_t len;
	char *blob = sample_blob(sample, &len);

	assert_int_equal(nsiso_pcache_decode(blob, len, &key, &q, &why), 0);
	assert_false(nsiso_policy_degraded(q));
	assert_false(nsiso_policy_exempt(q, &alice, &why));
	assert_true(nsiso_policy_exempt(q, &carol, &why));
	assert_string_equal(why, "exempt_users");
	assert_int_equal(nsiso_policy_resolve(q, &alice, &s, &err), 0);
	assert_string_equal(s.hostname, "alice-box");
	assert_string_equal(s.source[NSISO_KEY_HOSTNAME], "user:alice");
	assert_int_equal(s.lifetime, NSISO_LIFE_BOOT);
	assert_int_equal(s.n_tmp_dirs, 2);
	assert_string_equal(s.tmp_dirs[1], "/var/tmp");
	nsiso_settings_free(&s);
	nsiso_policy_free(q);
	free(blob);
}

/* ------------------------------------------------------------------ */
/* Damaged, truncated, foreign and hostile entries                     */

static void test_every_byte_flip(void **state)
{
	size_t len;
	char *blob = sample_blob(sample, &len);

	for (size_t i = 0; i < len; i++) {
		for (unsigned bit = 0; bit < 8; bit += 3) {
			blob[i] ^= (char)(1u << bit);
			expect_miss(blob, len, sample);
			blob[i] ^= (char)(1u << bit);
		}
	}
	free(blob);
}

static void test_every_truncation(void **state)
{
	size_t len;
	char *blob = sample_blob(sample, &len);
	char *longer = malloc(len + 1);

	for (size_t n = 0; n < len; n++)
		expect_miss(blob, n, sample);
	assert_non_null(longer);
	memcpy(longer, blob, len);
	longer[len] = '\n';
	assert_string_equal(expect_miss(longer, len + 1, sample), "damaged entry (check value)");
	free(longer);
	free(blob);
}

static void test_key_mismatch(void **state)
{
	char other[sizeof(sample)];
	const struct nsiso_pcache_file two[2] = {{CONF, sample, strlen(sample)},
						 {"/etc/security/nsiso.d/a.conf", "", 0}};
	const struct nsiso_pcache_key key2 = {two, 2};
	const struct nsiso_pcache_file elsewhere = {"/etc/other.conf", sample, strlen(sample)};
	const struct nsiso_pcache_key key_else = {&elsewhere, 1};
	struct nsiso_policy *q = NULL;
	const char *why = NULL;
	size_t len;
	char *blob = sample_blob(sample, &len);

	/* Same size, one byte changed ("boot" -> "boot" with another letter): a miss. */
	memcpy(other, sample, sizeof(sample));
	*strstr(other, "alice-box") = 'A';
	assert_int_equal(strlen(other), strlen(sample));
	assert_string_equal(expect_miss(blob, len, other), "stale entry (the file changed)");
	assert_int_equal(nsiso_pcache_decode(blob, len, &key_else, &q, &why), -1);
	assert_string_equal(why, "entry for other policy files");
	assert_int_equal(nsiso_pcache_decode(blob, len, &key2, &q, &why), -1);
	assert_string_equal(why, "entry for other policy files");
	assert_null(q);
	free(blob);

	/* A key of several files round-trips, and each file's content is compared. */
	{
		struct nsiso_policy *p = load_clean(sample, strlen(sample));
		char *b2 = NULL;
		size_t l2;
		struct nsiso_pcache_file changed[2] = {two[0], {two[1].path, "x", 1}};
		const struct nsiso_pcache_key keyc = {changed, 2};

		assert_int_equal(nsiso_pcache_encode(&key2, p, &b2, &l2), 0);
		assert_int_equal(nsiso_pcache_decode(b2, l2, &key2, &q, &why), 0);
		nsiso_policy_free(q);
		assert_int_equal(nsiso_pcache_decode(b2, l2, &keyc, &q, &why), -1);
		assert_string_equal(why, "stale entry (the file changed)");
		free(b2);
		nsiso_policy_free(p);
	}
}

/* An entry with an intact check value around @payload (the policy part), for CONF/@text. */
static char *forge(const char *text, uint32_t format, const struct nsiso_wbuf *payload, size_t *len)
{
	struct nsiso_wbuf w = {0};
	uint64_t sum;

	nsiso_wbuf_raw(&w, "nsisopc\n", 8);
	nsiso_wbuf_u32(&w, format);
	nsiso_wbuf_u64(&w, 0);
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_str(&w, CONF);
	nsiso_wbuf_str(&w, text);
	nsiso_wbuf_raw(&w, payload->buf, payload->len);
	assert_false(w.failed);
	sum = nsiso_blob_sum(w.buf + 20, w.len - 20);
	memcpy(w.buf + 12, &sum, sizeof(sum));
	*len = w.len;
	return w.buf;
}

/* The start of a payload: one file (CONF), then the count of the sections that follow. */
static void payload_start(struct nsiso_wbuf *w, uint32_t sections)
{
	nsiso_wbuf_u32(w, 1);
	nsiso_wbuf_str(w, CONF);
	nsiso_wbuf_u32(w, sections);
}

/* A payload of sections given as "name", then "key", "value" pairs, NULL-terminated each. */
static void payload_add(struct nsiso_wbuf *w, const char *name, const char *const *kv, size_t n)
{
	nsiso_wbuf_str(w, name);
	nsiso_wbuf_u32(w, (uint32_t)(n / 2));
	for (size_t i = 0; i + 1 < n; i += 2) {
		nsiso_wbuf_str(w, kv[i]);
		nsiso_wbuf_u32(w, 0); /* the file: CONF */
		nsiso_wbuf_u32(w, 1); /* the line */
		nsiso_wbuf_str(w, kv[i + 1]);
	}
}

#define SECTION(w, name, ...)                                                                      \
	do {                                                                                       \
		static const char *const kv_[] = {__VA_ARGS__};                                    \
		payload_add(w, name, kv_, ARRAY_SIZE(kv_));                                        \
	} while (0)

static void expect_forged_miss(struct nsiso_wbuf *payload, const char *want)
{
	size_t len;
	char *blob = forge(sample, NSISO_PCACHE_FORMAT, payload, &len);

	assert_string_equal(expect_miss(blob, len, sample), want);
	free(blob);
	nsiso_wbuf_free(payload);
}

static void test_hostile_payloads(void **state)
{
	static const char unusable[] = "entry with unusable policy data";
	struct nsiso_wbuf w = {0};
	struct nsiso_policy *q = NULL;
	const char *why = NULL;
	size_t len;
	char *blob;

	/* Control: a forged but well-formed payload is replayed (the forge helper works). */
	payload_start(&w, 1);
	SECTION(&w, "global", "hostname", "x%u");
	blob = forge(sample, NSISO_PCACHE_FORMAT, &w, &len);
	{
		const struct nsiso_pcache_file f = {CONF, sample, strlen(sample)};
		const struct nsiso_pcache_key key = {&f, 1};
		assert_int_equal(nsiso_pcache_decode(blob, len, &key, &q, &why), 0);
		nsiso_policy_free(q);
	}
	free(blob);
	/* The same with another format number. */
	blob = forge(sample, NSISO_PCACHE_FORMAT + 1, &w, &len);
	assert_string_equal(expect_miss(blob, len, sample), "entry of another format");
	free(blob);
	nsiso_wbuf_free(&w);

	/* Values and names a policy file could not hold. */
	payload_start(&w, 1);
	SECTION(&w, "global", "tmp", "bogus");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "global", "no_such_key", "1");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "user:alice", "exempt_users", "alice");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "global", "tmp", "off", "tmp", "tmpfs");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "global", "tmp_dirs", "/proc/x");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "global", "hostname", " x");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "global", "namespaces", "ipc");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "group:", "tmp", "off");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "users:x", "tmp", "off");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "user: ab", "tmp", "off");
	expect_forged_miss(&w, unusable);
	/* The check across keys: net = hook without net_hook. */
	payload_start(&w, 1);
	SECTION(&w, "global", "namespaces", "mnt, net", "net", "hook");
	expect_forged_miss(&w, unusable);

	/* Shapes: a NUL in a value, counts above their caps, too few sections, trailing bytes. */
	payload_start(&w, 1);
	nsiso_wbuf_str(&w, "global");
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_str(&w, "hostname");
	nsiso_wbuf_u32(&w, 0);
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_bytes(&w, "a\0b", 3);
	expect_forged_miss(&w, unusable);
	payload_start(&w, NSISO_MAX_SECTIONS + 1);
	expect_forged_miss(&w, unusable);
	payload_start(&w, UINT32_MAX);
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	nsiso_wbuf_str(&w, "global");
	nsiso_wbuf_u32(&w, NSISO_KEY__MAX + 1);
	expect_forged_miss(&w, unusable);
	payload_start(&w, 3);
	SECTION(&w, "global", "tmp", "off");
	expect_forged_miss(&w, unusable);
	/* Files: none, more than a policy can have, a key of a file that is not there. */
	nsiso_wbuf_u32(&w, 0);
	nsiso_wbuf_u32(&w, 1);
	SECTION(&w, "global", "tmp", "off");
	expect_forged_miss(&w, unusable);
	nsiso_wbuf_u32(&w, NSISO_POLICY_MAX_FILES + 1);
	for (int i = 0; i <= NSISO_POLICY_MAX_FILES; i++)
		nsiso_wbuf_str(&w, CONF);
	nsiso_wbuf_u32(&w, 1);
	SECTION(&w, "global", "tmp", "off");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	nsiso_wbuf_str(&w, "global");
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_str(&w, "tmp");
	nsiso_wbuf_u32(&w, 1); /* file 1 of a policy of one file */
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_str(&w, "off");
	expect_forged_miss(&w, unusable);
	payload_start(&w, 1);
	SECTION(&w, "global", "tmp", "off");
	nsiso_wbuf_u32(&w, 0);
	expect_forged_miss(&w, unusable);
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_str(&w, "global");
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_str(&w, "tmp");
	nsiso_wbuf_u32(&w, 1);
	nsiso_wbuf_u32(&w, 4000); /* a value length past the end */
	expect_forged_miss(&w, unusable);
	/* No payload at all. */
	expect_forged_miss(&w, unusable);
}

static void test_garbage_and_degraded(void **state)
{
	static const char junk[] = "[global]\ntmp = off\n";
	const struct nsiso_pcache_file f = {CONF, sample, strlen(sample)};
	const struct nsiso_pcache_key key = {&f, 1}, none = {&f, 0};
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	char *blob = NULL, big[64];
	size_t len = 0;
	unsigned seed = 1;

	assert_string_equal(expect_miss(junk, sizeof(junk) - 1, sample), "not an entry (no magic)");
	assert_string_equal(expect_miss("", 0, sample), "not an entry (no magic)");
	/* Pseudo-random junk behind a valid magic. */
	for (int round = 0; round < 2000; round++) {
		size_t n = 8 + (size_t)(rand_r(&seed) % (sizeof(big) - 8));
		memcpy(big, "nsisopc\n", 8);
		for (size_t i = 8; i < n; i++)
			big[i] = (char)rand_r(&seed);
		expect_miss(big, n, sample);
	}
	/* A degraded policy is never encoded; nor is a key of no file. */
	assert_int_equal(
	    nsiso_policy_load_buffer("t.conf", "[global]\ntmp = of\n", 18, &p, NULL, &err), -1);
	assert_non_null(p);
	assert_int_equal(nsiso_pcache_encode(&key, p, &blob, &len), -EINVAL);
	assert_null(blob);
	nsiso_policy_free(p);
	p = load_clean(sample, strlen(sample));
	assert_int_equal(nsiso_pcache_encode(&none, p, &blob, &len), -EINVAL);
	nsiso_policy_free(p);
}

/* ------------------------------------------------------------------ */
/* Loads through a cache directory                                     */

struct fsdir {
	char dir[64];	   /* root 0700: stands for /run/nsiso */
	char cache[128];   /* the cache directory's entry */
	char conf[128];	   /* the policy file */
	char dropins[128]; /* its drop-in directory (made by the tests that use it) */
};

static int fs_setup(void **state)
{
	struct fsdir *f = calloc(1, sizeof(*f));
	char name[NSISO_PCACHE_NAME_MAX];

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/root/nsiso-unit-pc-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->conf, sizeof(f->conf), "%s.conf", f->dir);
	nsiso_pcache_entry_name(f->conf, name, sizeof(name));
	snprintf(f->cache, sizeof(f->cache), "%s/%s", f->dir, name);
	snprintf(f->dropins, sizeof(f->dropins), "%s.d", f->dir);
	*state = f;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path) == 0 ? 0 : -1;
}

static int fs_teardown(void **state)
{
	struct fsdir *f = *state;
	int r = nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);

	if (access(f->dropins, F_OK) == 0 && nftw(f->dropins, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0)
		r = -1;
	unlink(f->conf);
	free(f);
	return r;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[128];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(nsiso_write_all(fd, text, strlen(text)), 0);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	assert_int_equal(rename(tmp, path), 0);
}

/* The same file, rewritten in place with the same size and its old mtime and inode. */
static void rewrite_in_place(const char *path, const char *text)
{
	struct stat before, after;
	struct timespec times[2];
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &before), 0);
	assert_int_equal((size_t)before.st_size, strlen(text));
	assert_int_equal(nsiso_write_all(fd, text, strlen(text)), 0);
	times[0] = before.st_atim;
	times[1] = before.st_mtim;
	assert_int_equal(futimens(fd, times), 0);
	close(fd);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	assert_int_equal(after.st_mtim.tv_sec, before.st_mtim.tv_sec);
	assert_int_equal(after.st_mtim.tv_nsec, before.st_mtim.tv_nsec);
}

/* nsiso_policy_load_cached_at on @f; returns its result, the policy in *@p. */
static int cached(const struct fsdir *f, struct nsiso_policy **p, struct nsiso_pcache_result *res,
		  struct nsiso_error *err)
{
	nsiso_error_clear(err);
	return nsiso_policy_load_cached_at(f->dir, f->conf, p, res, err);
}

/* A clean load through the cache: hit or not as @want_hit; the hostname alice gets. */
static void expect_load(const struct fsdir *f, bool want_hit, const char *want_host,
			const char *want_miss, const char *want_store)
{
	struct nsiso_pcache_result res;
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_user alice = pcache_users[1];
	struct nsiso_settings s;

	if (cached(f, &p, &res, &err) != 0)
		fail_msg("unexpected error: %s", err.msg);
	assert_int_equal(res.hit, want_hit);
	if (want_miss)
		assert_string_equal(res.miss, want_miss);
	if (want_hit)
		assert_null(res.miss);
	pcache_assert_str(res.store, want_store);
	assert_int_equal(nsiso_policy_resolve(p, &alice, &s, &err), 0);
	pcache_assert_str(s.hostname, want_host);
	nsiso_settings_free(&s);
	nsiso_policy_free(p);
}

static void expect_entry_mode(const struct fsdir *f)
{
	struct stat st;

	assert_int_equal(lstat(f->cache, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static void test_load_hit_and_same_size_edit(void **state)
{
	struct fsdir *f = *state;
	char edited[sizeof(sample)];
	mode_t old = umask(0277); /* the entry must still be 0600 */

	write_file(f->conf, sample, 0644);
	expect_load(f, false, "alice-box", "no entry", "stored");
	umask(old);
	expect_entry_mode(f);
	expect_load(f, true, "alice-box", NULL, NULL);
	/* One byte, same size, mtime restored, same inode: the next load sees it. */
	memcpy(edited, sample, sizeof(sample));
	memcpy(strstr(edited, "alice-box"), "alice-bix", 9);
	rewrite_in_place(f->conf, edited);
	expect_load(f, false, "alice-bix", "stale entry (the file changed)", "stored");
	expect_load(f, true, "alice-bix", NULL, NULL);
	/* And back. */
	rewrite_in_place(f->conf, sample);
	expect_load(f, false, "alice-box", "stale entry (the file changed)", "stored");
}

/*
 * Two policy paths (two services with config= of their own) alternating:
 * each keeps its own entry, so each login after the first is a hit, where
 * one shared entry would make every one a miss.
 */
static void test_load_two_paths(void **state)
{
	struct fsdir *f = *state;
	struct fsdir g = *f;
	char name[NSISO_PCACHE_NAME_MAX], other[NSISO_PCACHE_NAME_MAX];

	nsiso_pcache_entry_name(NSISO_DEFAULT_CONFIG, name, sizeof(name));
	assert_string_equal(name, NSISO_PCACHE_NAME);
	snprintf(g.conf, sizeof(g.conf), "%s.other.conf", f->dir);
	nsiso_pcache_entry_name(f->conf, name, sizeof(name));
	nsiso_pcache_entry_name(g.conf, other, sizeof(other));
	assert_string_not_equal(name, other);
	assert_int_equal(strncmp(other, "policy.", 7), 0);
	snprintf(g.cache, sizeof(g.cache), "%s/%s", f->dir, other);
	write_file(f->conf, sample, 0644);
	write_file(g.conf, sample, 0644);
	expect_load(f, false, "alice-box", "no entry", "stored");
	expect_load(&g, false, "alice-box", "no entry", "stored");
	for (int i = 0; i < 3; i++) {
		expect_load(f, true, "alice-box", NULL, NULL);
		expect_load(&g, true, "alice-box", NULL, NULL);
	}
	expect_entry_mode(&g);
	unlink(g.conf);
}

/* A broken policy: the same result, error and degraded policy as a full load, never stored. */
static void test_load_broken(void **state)
{
	struct fsdir *f = *state;
	static const char broken[] = "[global]\nexempt_users = carol\ntmp = of\n";
	struct nsiso_pcache_result res;
	struct nsiso_error err = {0}, full = {0};
	struct nsiso_policy *p = NULL, *q = NULL;
	struct nsiso_user carol = pcache_users[4];
	struct stat st1, st2;

	write_file(f->conf, sample, 0644);
	expect_load(f, false, "alice-box", "no entry", "stored");
	assert_int_equal(stat(f->cache, &st1), 0);
	write_file(f->conf, broken, 0644);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cached(f, &p, &res, &err), -1);
		assert_int_equal(nsiso_policy_load(f->conf, &q, NULL, &full), -1);
		assert_string_equal(err.msg, full.msg);
		assert_int_equal(err.kind, NSISO_ERR_POLICY);
		assert_false(res.hit);
		assert_string_equal(res.miss, "stale entry (the file changed)");
		assert_string_equal(res.store, "not stored: the policy has problems");
		assert_non_null(p);
		assert_true(nsiso_policy_degraded(p));
		assert_int_equal(nsiso_policy_exempt(p, &carol, NULL),
				 nsiso_policy_exempt(q, &carol, NULL));
		assert_true(nsiso_policy_exempt(p, &carol, NULL));
		nsiso_policy_free(p);
		nsiso_policy_free(q);
	}
	/* The valid entry was left as it was. */
	assert_int_equal(stat(f->cache, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	write_file(f->conf, sample, 0644);
	expect_load(f, true, "alice-box", NULL, NULL);
}

/* Ownership and mode are checked on every load: a cached content does not make an unsafe file ok.
 */
static void test_load_unsafe_file_with_entry(void **state)
{
	struct fsdir *f = *state;
	struct nsiso_pcache_result res;
	struct nsiso_error err = {0}, full = {0};
	struct nsiso_policy *p = NULL, *q = NULL;

	write_file(f->conf, sample, 0644);
	expect_load(f, false, "alice-box", "no entry", "stored");
	expect_load(f, true, "alice-box", NULL, NULL);
	assert_int_equal(chmod(f->conf, 0666), 0);
	assert_int_equal(cached(f, &p, &res, &err), -1);
	assert_null(p);
	assert_false(res.hit);
	assert_int_equal(nsiso_policy_load(f->conf, &q, NULL, &full), -1);
	assert_string_equal(err.msg, full.msg);
	assert_non_null(strstr(err.msg, "group or world writable"));
	assert_int_equal(chmod(f->conf, 0644), 0);
	assert_int_equal(chown(f->conf, 1, 0), 0);
	assert_int_equal(cached(f, &p, &res, &err), -1);
	assert_null(p);
	assert_non_null(strstr(err.msg, "owned by uid 1"));
	assert_int_equal(chown(f->conf, 0, 0), 0);
	expect_load(f, true, "alice-box", NULL, NULL);
	/* A missing file is the full load's error too. */
	assert_int_equal(unlink(f->conf), 0);
	assert_int_equal(cached(f, &p, &res, &err), -1);
	nsiso_error_clear(&full);
	assert_int_equal(nsiso_policy_load(f->conf, &q, NULL, &full), -1);
	assert_string_equal(err.msg, full.msg);
}

/* Each hostile thing at the entry's name: the right policy, then (where it can be) replaced. */
static void test_load_hostile_entry_files(void **state)
{
	struct fsdir *f = *state;
	char target[128], hostile[128];
	struct stat st;
	int fd;

	write_file(f->conf, sample, 0644);
	/* Garbage. */
	write_file(f->cache, "garbage\n", 0600);
	expect_load(f, false, "alice-box", "not an entry (no magic)", "stored");
	expect_load(f, true, "alice-box", NULL, NULL);
	/* A good entry for another content (made by loading it), left behind. */
	write_file(f->conf, "[global]\nhostname = evil\n[user:alice]\nhostname = evil\n", 0644);
	expect_load(f, false, "evil", "stale entry (the file changed)", "stored");
	write_file(f->conf, sample, 0644);
	expect_load(f, false, "alice-box", "stale entry (the file changed)", "stored");
	/* Not root-owned, wrong modes, two links. */
	assert_int_equal(chown(f->cache, 1, 1), 0);
	expect_load(f, false, "alice-box", "entry is not a root-owned 0600 file with one link",
		    "stored");
	expect_entry_mode(f);
	assert_int_equal(chmod(f->cache, 0644), 0);
	expect_load(f, false, "alice-box", "entry is not a root-owned 0600 file with one link",
		    "stored");
	assert_true(snprintf(hostile, sizeof(hostile), "%s/link", f->dir) < (int)sizeof(hostile));
	assert_int_equal(link(f->cache, hostile), 0);
	expect_load(f, false, "alice-box", "entry is not a root-owned 0600 file with one link",
		    "stored");
	assert_int_equal(unlink(hostile), 0);
	expect_load(f, true, "alice-box", NULL, NULL);
	/* A symlink to a good entry elsewhere: not followed, and its target is not written. */
	assert_true(snprintf(target, sizeof(target), "%s/elsewhere", f->dir) < (int)sizeof(target));
	assert_int_equal(rename(f->cache, target), 0);
	assert_int_equal(symlink(target, f->cache), 0);
	assert_int_equal(stat(target, &st), 0);
	expect_load(f, false, "alice-box", "entry is a symlink", "stored");
	expect_entry_mode(f);
	{
		struct stat now;
		assert_int_equal(stat(target, &now), 0);
		assert_int_equal(now.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
		assert_int_equal(now.st_size, st.st_size);
	}
	/* Too large (sparse): refused unread. */
	fd = open(f->cache, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)NSISO_PCACHE_MAX_SIZE + 1), 0);
	close(fd);
	expect_load(f, false, "alice-box", "entry too large", "stored");
	/* A FIFO: no hang, replaced. */
	assert_int_equal(unlink(f->cache), 0);
	assert_int_equal(mkfifo(f->cache, 0600), 0);
	expect_load(f, false, "alice-box", "entry is not a regular file", "stored");
	/* A directory: a miss, and it cannot be replaced (the failure is only reported). */
	assert_int_equal(unlink(f->cache), 0);
	assert_int_equal(mkdir(f->cache, 0700), 0);
	{
		struct nsiso_pcache_result res;
		struct nsiso_error err = {0};
		struct nsiso_policy *p = NULL;
		assert_int_equal(cached(f, &p, &res, &err), 0);
		assert_false(res.hit);
		assert_string_equal(res.miss, "entry is not a regular file");
		assert_string_equal(res.store, "not stored: cannot write the entry");
		assert_true(res.store_errno != 0);
		nsiso_policy_free(p);
	}
	assert_int_equal(rmdir(f->cache), 0);
	/* No temporary file is ever left behind. */
	{
		DIR *d = opendir(f->dir);
		struct dirent *de;
		int n = 0;
		assert_non_null(d);
		while ((de = readdir(d)))
			if (de->d_name[0] == '.' && strcmp(de->d_name, ".") &&
			    strcmp(de->d_name, ".."))
				n++;
		closedir(d);
		assert_int_equal(n, 0);
	}
}

/* f->dropins/@name, for the drop-in tests. */
static void dropin_path(const struct fsdir *f, const char *name, char *buf, size_t len)
{
	assert_true(snprintf(buf, len, "%s/%s", f->dropins, name) < (int)len);
}

/*
 * The drop-ins are part of the key: one added, edited in place (same size,
 * inode and mtime), renamed or removed is a miss at the very next load; a
 * name that is not a drop-in is not part of it.
 */
static void test_load_dropins_in_key(void **state)
{
	struct fsdir *f = *state;
	char a[192], b[192], junk[192];

	write_file(f->conf, sample, 0644);
	expect_load(f, false, "alice-box", "no entry", "stored");
	assert_int_equal(mkdir(f->dropins, 0755), 0);
	expect_load(f, true, "alice-box", NULL, NULL); /* an empty directory: the same files */
	dropin_path(f, "50-a.conf", a, sizeof(a));
	write_file(a, "[user:alice]\nhostname = drop-a\n", 0644);
	expect_load(f, false, "drop-a", "entry for other policy files", "stored");
	expect_load(f, true, "drop-a", NULL, NULL);
	rewrite_in_place(a, "[user:alice]\nhostname = drop-b\n");
	expect_load(f, false, "drop-b", "stale entry (the file changed)", "stored");
	expect_load(f, true, "drop-b", NULL, NULL);
	dropin_path(f, "60-a.conf", b, sizeof(b));
	assert_int_equal(rename(a, b), 0);
	expect_load(f, false, "drop-b", "entry for other policy files", "stored");
	expect_load(f, true, "drop-b", NULL, NULL);
	dropin_path(f, "60-a.conf~", junk, sizeof(junk));
	write_file(junk, "[user:alice]\nhostname = junk\n", 0644);
	expect_load(f, true, "drop-b", NULL, NULL);
	assert_int_equal(unlink(b), 0);
	expect_load(f, false, "alice-box", "entry for other policy files", "stored");
	expect_load(f, true, "alice-box", NULL, NULL);
}

/*
 * A drop-in that cannot be used: the full load's error and degraded policy,
 * no lookup and no store (the valid entry stays); a damaged entry with
 * drop-ins is a miss and a full load.
 */
static void test_load_unusable_dropin(void **state)
{
	struct fsdir *f = *state;
	struct nsiso_pcache_result res;
	struct nsiso_error err = {0}, full = {0};
	struct nsiso_policy *p = NULL, *q = NULL;
	struct nsiso_user carol = pcache_users[4];
	struct stat st1, st2;
	char a[192];

	write_file(f->conf, sample, 0644);
	assert_int_equal(mkdir(f->dropins, 0755), 0);
	dropin_path(f, "50-a.conf", a, sizeof(a));
	write_file(a, "[user:alice]\nhostname = drop-a\n", 0644);
	expect_load(f, false, "drop-a", "no entry", "stored");
	assert_int_equal(stat(f->cache, &st1), 0);
	assert_int_equal(chmod(a, 0664), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cached(f, &p, &res, &err), -1);
		assert_int_equal(nsiso_policy_load(f->conf, &q, NULL, &full), -1);
		assert_string_equal(err.msg, full.msg);
		assert_non_null(strstr(err.msg, "50-a.conf: the file is group or world writable"));
		assert_false(res.hit);
		assert_string_equal(res.miss, "a drop-in cannot be used");
		assert_null(res.store);
		assert_true(nsiso_policy_degraded(p));
		assert_true(
		    nsiso_policy_exempt(p, &carol, NULL)); /* the main file's exempt_users */
		nsiso_policy_free(p);
		nsiso_policy_free(q);
		nsiso_error_clear(&full);
	}
	assert_int_equal(stat(f->cache, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino);
	assert_int_equal(chmod(a, 0644), 0);
	expect_load(f, true, "drop-a", NULL, NULL);
	write_file(f->cache, "garbage\n", 0600);
	expect_load(f, false, "drop-a", "not an entry (no magic)", "stored");
	expect_load(f, true, "drop-a", NULL, NULL);
}

/* The directory: used only when root-only; never created. */
static void test_load_directory_rules(void **state)
{
	struct fsdir *f = *state;
	struct stat st;

	write_file(f->conf, sample, 0644);
	assert_int_equal(chmod(f->dir, 0755), 0);
	expect_load(f, false, "alice-box", "registry directory not root-only", NULL);
	assert_int_equal(lstat(f->cache, &st), -1);
	assert_int_equal(chmod(f->dir, 0700), 0);
	assert_int_equal(chown(f->dir, 1, 0), 0);
	expect_load(f, false, "alice-box", "registry directory not root-only", NULL);
	assert_int_equal(lstat(f->cache, &st), -1);
	assert_int_equal(chown(f->dir, 0, 0), 0);
	expect_load(f, false, "alice-box", "no entry", "stored");
	/* A directory that is not there is not made. */
	{
		struct fsdir g = *f;
		assert_true(snprintf(g.dir, sizeof(g.dir), "%s/absent", f->dir) <
			    (int)sizeof(g.dir));
		expect_load(&g, false, "alice-box", "no registry directory", NULL);
		assert_int_equal(lstat(g.dir, &st), -1);
		/* Nor followed through a symlink. */
		assert_int_equal(symlink(f->dir, g.dir), 0);
		expect_load(&g, false, "alice-box", "registry directory unusable", NULL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_corpus),
	    cmocka_unit_test(test_roundtrip_policies),
	    cmocka_unit_test(test_roundtrip_values),
	    cmocka_unit_test(test_every_byte_flip),
	    cmocka_unit_test(test_every_truncation),
	    cmocka_unit_test(test_key_mismatch),
	    cmocka_unit_test(test_hostile_payloads),
	    cmocka_unit_test(test_garbage_and_degraded),
	    cmocka_unit_test_setup_teardown(test_load_hit_and_same_size_edit, fs_setup,
					    fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_two_paths, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_broken, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_unsafe_file_with_entry, fs_setup,
					    fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_hostile_entry_files, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_directory_rules, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_dropins_in_key, fs_setup, fs_teardown),
	    cmocka_unit_test_setup_teardown(test_load_unusable_dropin, fs_setup, fs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
