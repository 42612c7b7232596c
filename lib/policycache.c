/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy cache (see policycache.h). An entry:
 *
 *   "nsisopc\n"  u32 format  u64 check value of everything after it
 *   u32 files, then per file: str path, str content   (str: u32 length + bytes)
 *   the policy, nsiso_policy_serialize(), up to the end of the file
 *
 * Trust: only root can write in the registry (root-owned, no access for
 * others), and a writer that is root could as well replace the module. The
 * checks below are against accidents (a damaged, truncated or foreign file,
 * an entry of another version), the key is against staleness, and the replay
 * of nsiso_policy_deserialize() keeps even a forged entry within what a
 * policy file could say.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "blob.h"
#include "fault.h"
#include "policycache.h"
#include "registry.h"
#include "util.h"

static const char magic[8] = {'n', 's', 'i', 's', 'o', 'p', 'c', '\n'};
/* Where the check value ends: it covers every byte after this. */
#define SUMMED_FROM (sizeof(magic) + sizeof(uint32_t) + sizeof(uint64_t))

/* ------------------------------------------------------------------ */
/* The entry's bytes                                                   */

int nsiso_pcache_encode(const struct nsiso_pcache_key *key, const struct nsiso_policy *p,
			char **blob, size_t *len)
{
	_cleanup_wbuf_ struct nsiso_wbuf w = {0};
	uint64_t sum;
	int r;

	*blob = NULL;
	*len = 0;
	if (key->n == 0 || key->n > NSISO_PCACHE_MAX_FILES)
		return -EINVAL;
	nsiso_wbuf_raw(&w, magic, sizeof(magic));
	nsiso_wbuf_u32(&w, NSISO_PCACHE_FORMAT);
	nsiso_wbuf_u64(&w, 0); /* the check value, filled in below */
	nsiso_wbuf_u32(&w, (uint32_t)key->n);
	for (size_t i = 0; i < key->n; i++) {
		nsiso_wbuf_str(&w, key->files[i].path);
		nsiso_wbuf_bytes(&w, key->files[i].content, key->files[i].len);
	}
	if ((r = nsiso_policy_serialize(p, &w)) < 0)
		return r;
	if (w.failed)
		return -ENOMEM;
	sum = nsiso_blob_sum(w.buf + SUMMED_FROM, w.len - SUMMED_FROM);
	memcpy(w.buf + SUMMED_FROM - sizeof(sum), &sum, sizeof(sum));
	*len = w.len;
	*blob = nsiso_steal_ptr(&w.buf);
	return 0;
}

/* Is the key part of @r exactly @key? NULL when it is, else why not. */
static const char *key_mismatch(struct nsiso_rbuf *r, const struct nsiso_pcache_key *key)
{
	uint32_t n = nsiso_rbuf_count(r, NSISO_PCACHE_MAX_FILES);

	if (r->failed)
		return "damaged entry (file count)";
	if (n != key->n)
		return "entry for other policy files";
	for (size_t i = 0; i < n; i++) {
		const struct nsiso_pcache_file *f = &key->files[i];
		size_t plen, clen;
		const char *path = nsiso_rbuf_bytes(r, &plen);
		const char *content = nsiso_rbuf_bytes(r, &clen);

		if (!path || !content)
			return "truncated entry";
		if (plen != strlen(f->path) || memcmp(path, f->path, plen) != 0)
			return "entry for other policy files";
		if (clen != f->len || memcmp(content, f->content, clen) != 0)
			return "stale entry (the file changed)";
	}
	return NULL;
}

int nsiso_pcache_decode(const char *blob, size_t len, const struct nsiso_pcache_key *key,
			struct nsiso_policy **out, const char **why)
{
	struct nsiso_rbuf r = nsiso_rbuf_init(blob, len);
	const char *m = nsiso_rbuf_raw(&r, sizeof(magic));
	uint32_t format = nsiso_rbuf_u32(&r);
	uint64_t sum = nsiso_rbuf_u64(&r);

	*out = NULL;
	if (r.failed || memcmp(m, magic, sizeof(magic)) != 0) {
		*why = "not an entry (no magic)";
		return -1;
	}
	if (format != NSISO_PCACHE_FORMAT) {
		*why = "entry of another format";
		return -1;
	}
	if (nsiso_blob_sum(r.p, r.left) != sum) {
		*why = "damaged entry (check value)";
		return -1;
	}
	if ((*why = key_mismatch(&r, key)) != NULL)
		return -1;
	if (nsiso_policy_deserialize(r.p, r.left, out) < 0) {
		*why = "entry with unusable policy data";
		return -1;
	}
	*why = NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The registry directory and the file                                 */

/*
 * The directory, or -1 with *@why. Same ownership rule as the registry's own
 * directories (nsiso_open_root_dir). A read-only one is the placeholder of a
 * set: nothing to read there and nothing to write.
 */
static int open_dir(const char *dir, const char **why)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statvfs sv;
	struct stat st;

	if (fd < 0) {
		*why = errno == ENOENT ? "no registry directory" : "registry directory unusable";
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 0077)) {
		*why = "registry directory not root-only";
		return -1;
	}
	if (fstatvfs(fd, &sv) < 0 || (sv.f_flag & ST_RDONLY)) {
		*why = "registry directory read-only (inside a set)";
		return -1;
	}
	return nsiso_steal_fd(&fd);
}

/* The entry's bytes, or -1 with *@why. */
static int read_entry(int dfd, const char *name, char **blob, size_t *len, const char **why)
{
	/* O_NONBLOCK|O_NOCTTY: a FIFO or a tty put there must not hang or grab a login. */
	_cleanup_close_ int fd =
	    openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;

	if (fd < 0) {
		*why = errno == ENOENT	? "no entry"
		       : errno == ELOOP ? "entry is a symlink"
					: "entry cannot be opened";
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		*why = "entry is not a regular file";
		return -1;
	}
	if (st.st_uid != 0 || (st.st_mode & 07777) != 0600 || st.st_nlink != 1) {
		*why = "entry is not a root-owned 0600 file with one link";
		return -1;
	}
	if (st.st_size > (off_t)NSISO_PCACHE_MAX_SIZE) {
		*why = "entry too large";
		return -1;
	}
	if (nsiso_read_fd_sized(fd, NSISO_PCACHE_MAX_SIZE, st.st_size, blob, len) < 0) {
		*why = "entry cannot be read";
		return -1;
	}
	return 0;
}

/*
 * Write the entry under a name of this thread's (O_EXCL: never into a file
 * someone else opened), then rename it into place: a reader sees the old
 * entry or the new one, whole. No fsync: /run is tmpfs. 0 or -errno.
 */
static int write_entry(int dfd, const char *name, const char *blob, size_t len)
{
	_cleanup_close_ int fd = -1;
	char tmp[NSISO_PCACHE_NAME_MAX + 16];
	int r = 0;

	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)gettid());
	for (int tries = 0; fd < 0 && tries < 2; tries++) {
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		/* A leftover of a thread that died here with the same id. */
		if (fd < 0 && errno == EEXIST && tries == 0)
			(void)unlinkat(dfd, tmp, 0);
		else if (fd < 0)
			return -errno;
	}
	if (fd < 0)
		return -EEXIST;
	/* The umask may have taken bits off; a reader wants exactly 0600. */
	if (fchmod(fd, 0600) < 0)
		r = -errno;
	if (r == 0)
		r = nsiso_write_all(fd, blob, len);
	if (r == 0 && NSISO_FAULT("pcache.store") < 0)
		r = -errno;
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r < 0)
		(void)unlinkat(dfd, tmp, 0);
	return r;
}

static void store(int dfd, const char *name, const struct nsiso_pcache_key *key,
		  const struct nsiso_policy *p, struct nsiso_pcache_result *res)
{
	_cleanup_free_ char *blob = NULL;
	size_t len;
	int r = nsiso_pcache_encode(key, p, &blob, &len);

	if (r < 0) {
		res->store = "not stored: cannot encode the policy";
		res->store_errno = -r;
		return;
	}
	r = write_entry(dfd, name, blob, len);
	res->store = r < 0 ? "not stored: cannot write the entry" : "stored";
	res->store_errno = r < 0 ? -r : 0;
}

/* ------------------------------------------------------------------ */
/* A load through the cache                                            */

/* The key of the files read: each one's path and bytes, in order (views into @f). */
static struct nsiso_pcache_file *key_of(const struct nsiso_policy_files *f)
{
	struct nsiso_pcache_file *v = calloc(f->n, sizeof(*v));

	for (size_t i = 0; v && i < f->n; i++)
		v[i] = (struct nsiso_pcache_file){f->v[i].path, f->v[i].buf, f->v[i].len};
	return v;
}

void nsiso_pcache_entry_name(const char *path, char *buf, size_t len)
{
	if (strcmp(path, NSISO_DEFAULT_CONFIG) == 0)
		snprintf(buf, len, "%s", NSISO_PCACHE_NAME);
	else
		snprintf(buf, len, "policy.%016" PRIx64 ".cache",
			 nsiso_blob_sum(path, strlen(path)));
}

int nsiso_policy_load_cached_at(const char *dir, const char *path, struct nsiso_policy **out,
				struct nsiso_pcache_result *res, struct nsiso_error *err)
{
	_cleanup_policy_files_ struct nsiso_policy_files f = {0};
	_cleanup_free_ struct nsiso_pcache_file *files = NULL;
	_cleanup_free_ char *blob = NULL;
	_cleanup_close_ int dfd = -1;
	struct nsiso_pcache_key key;
	size_t blen;
	const char *why = NULL;
	char name[NSISO_PCACHE_NAME_MAX];

	*out = NULL;
	*res = (struct nsiso_pcache_result){0};
	nsiso_pcache_entry_name(path, name, sizeof(name));
	/*
	 * Every load walks and checks every file, the drop-ins too: ownership
	 * and modes can change, and files come and go, without the content of
	 * any one of them changing.
	 */
	if (nsiso_policy_read_files(path, &f, err) < 0) {
		res->miss = "the file cannot be used";
		return -1;
	}
	/* A drop-in that cannot be used: the policy is broken, parsed every time, never stored. */
	if (!nsiso_policy_files_ok(&f)) {
		res->miss = "a drop-in cannot be used";
		return nsiso_policy_load_files(&f, out, NULL, err);
	}
	if (!(files = key_of(&f))) {
		res->miss = "out of memory";
		return nsiso_policy_load_files(&f, out, NULL, err);
	}
	key = (struct nsiso_pcache_key){files, f.n};
	dfd = open_dir(dir, &why);
	if (dfd >= 0 && read_entry(dfd, name, &blob, &blen, &why) == 0 &&
	    nsiso_pcache_decode(blob, blen, &key, out, &why) == 0) {
		res->hit = true;
		return 0;
	}
	res->miss = why;
	/*
	 * The bytes just compared are the bytes parsed (through a memfd): an
	 * edit racing this login cannot store one content's policy under
	 * another's key.
	 */
	if (nsiso_policy_load_files(&f, out, NULL, err) < 0) {
		if (dfd >= 0)
			res->store = "not stored: the policy has problems";
		return -1;
	}
	if (dfd >= 0)
		store(dfd, name, &key, *out, res);
	return 0;
}

int nsiso_policy_load_cached(const char *path, struct nsiso_policy **out,
			     struct nsiso_pcache_result *res, struct nsiso_error *err)
{
	return nsiso_policy_load_cached_at(NSISO_RUNDIR, path, out, res, err);
}
