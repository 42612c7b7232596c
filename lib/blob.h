/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Byte buffers for the policy cache: appending with one sticky failure flag,
 * and strict reading, where every read is bounds-checked and the first short
 * or malformed one fails the whole reader (later reads return nothing). A
 * caller checks the flag once, where it matters, instead of after every field.
 *
 * Numbers are in the machine's own byte order: the cache lives on tmpfs and
 * is never read by another machine.
 */
#ifndef NSISO_BLOB_H
#define NSISO_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsiso_wbuf {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory or a field too long: the buffer is unusable */
};

/* @n bytes as they are (no length). */
void nsiso_wbuf_raw(struct nsiso_wbuf *w, const void *p, size_t n);
void nsiso_wbuf_u32(struct nsiso_wbuf *w, uint32_t v);
void nsiso_wbuf_u64(struct nsiso_wbuf *w, uint64_t v);
/* A u32 length, then the bytes. */
void nsiso_wbuf_bytes(struct nsiso_wbuf *w, const void *p, size_t n);
void nsiso_wbuf_str(struct nsiso_wbuf *w, const char *s);
void nsiso_wbuf_free(struct nsiso_wbuf *w);

#define _cleanup_wbuf_ __attribute__((cleanup(nsiso_wbuf_free)))

struct nsiso_rbuf {
	const char *p;
	size_t left;
	bool failed;
};

static inline struct nsiso_rbuf nsiso_rbuf_init(const void *p, size_t n)
{
	return (struct nsiso_rbuf){.p = p, .left = n};
}

/* @n bytes as they are: a pointer into the buffer, or NULL. */
const char *nsiso_rbuf_raw(struct nsiso_rbuf *r, size_t n);
uint32_t nsiso_rbuf_u32(struct nsiso_rbuf *r);
uint64_t nsiso_rbuf_u64(struct nsiso_rbuf *r);
/* A field written by nsiso_wbuf_bytes(): a pointer into the buffer and its length, or NULL. */
const char *nsiso_rbuf_bytes(struct nsiso_rbuf *r, size_t *n);
/* The same as a malloc'ed C string, refused (NULL) when it holds a NUL or is longer than @max. */
char *nsiso_rbuf_strdup(struct nsiso_rbuf *r, size_t max);
/* A count that is about to drive a loop: refused when above @max. */
uint32_t nsiso_rbuf_count(struct nsiso_rbuf *r, uint32_t max);
/* True when everything was read and nothing failed. */
bool nsiso_rbuf_done(const struct nsiso_rbuf *r);

/*
 * A 64-bit check value of @n bytes (not cryptographic). Every step is a
 * bijection of the state for a given input word, so any change confined to
 * one 8-byte word always changes the result; it catches a damaged or
 * truncated entry, not a forged one (only root can write the cache).
 */
uint64_t nsiso_blob_sum(const void *p, size_t n);

#endif
