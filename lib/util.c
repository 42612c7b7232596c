/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void nsiso_freep(void *p)
{
	free(*(void **)p);
}

void nsiso_closep(const int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

void nsiso_fclosep(void *fp)
{
	FILE *f = *(FILE **)fp;
	if (f)
		fclose(f);
}

char *nsiso_escape_mem(char *out, size_t outlen, const char *in, size_t inlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (outlen == 0)
		return out;
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char)in[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '\\';
		size_t need = plain ? 1 : 4;

		/* Keep room for "..." and the NUL. */
		if (o + need + 4 > outlen) {
			if (outlen >= 4) {
				size_t at = o < outlen - 4 ? o : outlen - 4;
				memcpy(out + at, "...", 3);
				o = at + 3;
			}
			break;
		}
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o < outlen ? o : outlen - 1] = '\0';
	return out;
}

char *nsiso_escape(char *out, size_t outlen, const char *in)
{
	if (!in)
		in = "(null)";
	return nsiso_escape_mem(out, outlen, in, strlen(in));
}

size_t nsiso_utf8_len(const unsigned char *s)
{
	static const struct {
		unsigned char mask, lead, lo, hi; /* lead byte pattern, range of the 2nd byte */
		size_t len;
	} forms[] = {
	    {0xe0, 0xc0, 0x80, 0xbf, 2},
	    {0xf0, 0xe0, 0x80, 0xbf, 3},
	    {0xf8, 0xf0, 0x80, 0xbf, 4},
	};

	for (size_t f = 0; f < ARRAY_SIZE(forms); f++) {
		unsigned char lo = forms[f].lo, hi = forms[f].hi;

		if ((s[0] & forms[f].mask) != forms[f].lead)
			continue;
		/* Overlong forms, surrogates and code points above U+10FFFF are not UTF-8. */
		if (s[0] == 0xc0 || s[0] == 0xc1 || s[0] > 0xf4)
			return 0;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
		else if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
		if (s[1] < lo || s[1] > hi)
			return 0;
		for (size_t i = 2; i < forms[f].len; i++)
			if ((s[i] & 0xc0) != 0x80)
				return 0;
		return forms[f].len;
	}
	return 0;
}

int nsiso_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int nsiso_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;

	/* Sized from fstat (it runs on every login), grown if the file grows meanwhile. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		st.st_size = 4095;
	return nsiso_read_fd_sized(fd, max, st.st_size, out, len);
}

int nsiso_read_fd_sized(int fd, size_t max, off_t size, char **out, size_t *len)
{
	_cleanup_free_ char *buf = NULL;
	size_t used = 0, cap;

	cap = size >= 0 && (uint64_t)size < max ? (size_t)size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	for (;;) {
		if (used == cap) {
			char *grown;
			if (cap > max)
				return -EFBIG;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			grown = realloc(buf, cap + 1);
			if (!grown)
				return -ENOMEM;
			buf = grown;
		} else if (!buf && !(buf = malloc(cap + 1))) {
			return -ENOMEM;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		/*
		 * The fstat()ed size read in a short read: that was the end of the
		 * file, no second read() to be told so (a login reads three files).
		 * A size of 0 (procfs) or one that does not match reads to the end.
		 */
		if (size > 0 && used == (size_t)size && used < cap)
			break;
	}
	if (used > max)
		return -EFBIG;
	buf[used] = '\0';
	*out = nsiso_steal_ptr(&buf);
	if (len)
		*len = used;
	return 0;
}

int nsiso_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int nsiso_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int nsiso_proc_stat_parse(const char *buf, struct nsiso_procstat *out)
{
	/* comm may hold spaces and ')': the fields start after the last ')'. */
	const char *p = strrchr(buf, ')');

	if (!p)
		return -EIO;
	p++;
	/* Fields 3 (state) onwards, one space before each; num_threads is 20, starttime 22. */
	for (int field = 3; field <= 22; field++) {
		char *end;
		uint64_t v;

		if (*p++ != ' ')
			return -EIO;
		if (field != 20 && field != 22) {
			size_t n = strcspn(p, " ");

			if (n == 0)
				return -EIO;
			p += n;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -EIO;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -EIO;
		if (field == 20)
			out->threads = v > INT_MAX ? INT_MAX : (int)v;
		else
			out->start = v;
		p = end;
	}
	return 0;
}

int nsiso_proc_stat(pid_t pid, struct nsiso_procstat *out)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return nsiso_proc_stat_parse(buf, out);
}

int nsiso_proc_starttime(pid_t pid, uint64_t *out)
{
	struct nsiso_procstat st;
	int r = nsiso_proc_stat(pid, &st);

	if (r == 0)
		*out = st.start;
	return r;
}

bool nsiso_u64s_has(const struct nsiso_u64s *s, uint64_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return true;
	return false;
}

int nsiso_u64s_add(struct nsiso_u64s *s, uint64_t x)
{
	if (nsiso_u64s_has(s, x))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		uint64_t *v = reallocarray(s->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

void nsiso_u64s_free(struct nsiso_u64s *s)
{
	free(s->v);
	*s = (struct nsiso_u64s){0};
}
