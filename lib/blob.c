/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "blob.h"

/* A field longer than this cannot be in the cache (policy files are at most 1 MiB). */
#define FIELD_MAX (64u << 20)

static void *wbuf_room(struct nsiso_wbuf *w, size_t n)
{
	if (w->failed)
		return NULL;
	if (n > FIELD_MAX || w->len > SIZE_MAX - n - 1) {
		w->failed = true;
		return NULL;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *nb;

		while (cap < w->len + n)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->failed = true;
			return NULL;
		}
		w->buf = nb;
		w->cap = cap;
	}
	w->len += n;
	return w->buf + w->len - n;
}

void nsiso_wbuf_raw(struct nsiso_wbuf *w, const void *p, size_t n)
{
	void *dst = wbuf_room(w, n);

	if (dst && n)
		memcpy(dst, p, n);
}

void nsiso_wbuf_u32(struct nsiso_wbuf *w, uint32_t v)
{
	nsiso_wbuf_raw(w, &v, sizeof(v));
}

void nsiso_wbuf_u64(struct nsiso_wbuf *w, uint64_t v)
{
	nsiso_wbuf_raw(w, &v, sizeof(v));
}

void nsiso_wbuf_bytes(struct nsiso_wbuf *w, const void *p, size_t n)
{
	if (n > FIELD_MAX) {
		w->failed = true;
		return;
	}
	nsiso_wbuf_u32(w, (uint32_t)n);
	nsiso_wbuf_raw(w, p, n);
}

void nsiso_wbuf_str(struct nsiso_wbuf *w, const char *s)
{
	nsiso_wbuf_bytes(w, s, strlen(s));
}

void nsiso_wbuf_free(struct nsiso_wbuf *w)
{
	free(w->buf);
	*w = (struct nsiso_wbuf){0};
}

const char *nsiso_rbuf_raw(struct nsiso_rbuf *r, size_t n)
{
	const char *p;

	if (r->failed || n > r->left) {
		r->failed = true;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	return p;
}

uint32_t nsiso_rbuf_u32(struct nsiso_rbuf *r)
{
	const char *p = nsiso_rbuf_raw(r, sizeof(uint32_t));
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

uint64_t nsiso_rbuf_u64(struct nsiso_rbuf *r)
{
	const char *p = nsiso_rbuf_raw(r, sizeof(uint64_t));
	uint64_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

const char *nsiso_rbuf_bytes(struct nsiso_rbuf *r, size_t *n)
{
	uint32_t len = nsiso_rbuf_u32(r);
	const char *p = nsiso_rbuf_raw(r, len);

	*n = p ? len : 0;
	return p;
}

char *nsiso_rbuf_strdup(struct nsiso_rbuf *r, size_t max)
{
	size_t n;
	const char *p = nsiso_rbuf_bytes(r, &n);
	char *s;

	if (!p || n > max || memchr(p, '\0', n)) {
		r->failed = true;
		return NULL;
	}
	/* Not strndup(): the bytes have no NUL after them (ASan's strndup reads one more). */
	s = malloc(n + 1);
	if (!s) {
		r->failed = true;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

uint32_t nsiso_rbuf_count(struct nsiso_rbuf *r, uint32_t max)
{
	uint32_t v = nsiso_rbuf_u32(r);

	if (v > max) {
		r->failed = true;
		return 0;
	}
	return r->failed ? 0 : v;
}

bool nsiso_rbuf_done(const struct nsiso_rbuf *r)
{
	return !r->failed && r->left == 0;
}

uint64_t nsiso_blob_sum(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)n;

	for (; n >= 8; b += 8, n -= 8) {
		uint64_t w;

		memcpy(&w, b, sizeof(w));
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; n > 0; b++, n--) {
		h = (h ^ *b) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}
