/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by the whole core: cleanup attributes, fd and string utilities. */
#ifndef NSISO_UTIL_H
#define NSISO_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#define NSISO_HIDDEN __attribute__((visibility("hidden")))
#define NSISO_EXPORT __attribute__((visibility("default")))

void nsiso_freep(void *p);
void nsiso_closep(const int *fd);
void nsiso_fclosep(void *fp);

#define _cleanup_free_	 __attribute__((cleanup(nsiso_freep)))
#define _cleanup_close_	 __attribute__((cleanup(nsiso_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(nsiso_fclosep)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hand an fd out of a _cleanup_close_ variable. */
static inline int nsiso_steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

static inline void *nsiso_steal_ptr(void *pp)
{
	void **p = pp;
	void *r = *p;
	*p = NULL;
	return r;
}

/*
 * Copy @in into @out (size @outlen, always NUL-terminated) so that it is safe to
 * log: printable ASCII except backslash is kept, everything else becomes \xNN.
 * Output longer than the buffer is cut and marked with "...".
 * Returns @out.
 */
char *nsiso_escape(char *out, size_t outlen, const char *in);

/* Like nsiso_escape for a byte range that may contain NULs. */
char *nsiso_escape_mem(char *out, size_t outlen, const char *in, size_t inlen);

/*
 * Length of the valid UTF-8 sequence that starts at @s (2-4 bytes), or 0 when
 * it is not one (ASCII included: callers handle bytes below 0x80 first).
 * Overlong forms, surrogates and code points above U+10FFFF are not UTF-8.
 */
size_t nsiso_utf8_len(const unsigned char *s);

/* Parse a non-negative decimal number that fits in uint64; whole string only. */
int nsiso_parse_u64(const char *s, uint64_t *out);

/* Read a whole small file (at most @max bytes) from an open fd into a NUL-terminated buffer. */
int nsiso_read_fd(int fd, size_t max, char **out, size_t *len);

/* Same, for a regular file whose size the caller has just fstat()ed (the buffer's first size). */
int nsiso_read_fd_sized(int fd, size_t max, off_t size, char **out, size_t *len);

/* write() all of @buf, retrying on EINTR and short writes. Returns 0 or -errno. */
int nsiso_write_all(int fd, const void *buf, size_t len);

/* read() exactly @len bytes; returns 0, -errno, or -EPIPE on early EOF. */
int nsiso_read_all(int fd, void *buf, size_t len);

/* What a login needs of /proc/PID/stat: one read gives both. */
struct nsiso_procstat {
	uint64_t start; /* field 22: clock ticks since boot; with the pid, names a process */
	int threads;	/* field 20 */
};

/* Parse the text of /proc/PID/stat (unit-tested: comm may hold ") " and digits). */
int nsiso_proc_stat_parse(const char *buf, struct nsiso_procstat *out);

/* /proc/@pid/stat (@pid 0: the caller's own), 0 or -errno (-EIO when unparsable). */
int nsiso_proc_stat(pid_t pid, struct nsiso_procstat *out);

/* Start time of @pid only, 0 or -errno. */
int nsiso_proc_starttime(pid_t pid, uint64_t *out);

/* A small set of 64-bit numbers (namespace inodes, generations): a grown array, linear lookups. */
struct nsiso_u64s {
	uint64_t *v;
	size_t n, cap;
};

bool nsiso_u64s_has(const struct nsiso_u64s *s, uint64_t x);
/* Add @x unless it is there: 0, or -ENOMEM. */
int nsiso_u64s_add(struct nsiso_u64s *s, uint64_t x);
void nsiso_u64s_free(struct nsiso_u64s *s);

#endif
