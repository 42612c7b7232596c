/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso.conf: reading the main file and its drop-ins safely (the trusted
 * walk, ownership, bounds), without parsing anything.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "policy_int.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Reading the files safely                                            */

/* The file itself, @leaf in @dfd (its directory, walked from / with O_NOFOLLOW and checked). */
static int open_policy_file(int dfd, const char *leaf, const char *path, int *out, struct stat *st,
			    struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	char ep[256];

	fd = nsiso_openat_trusted(dfd, leaf, path, O_RDONLY, NSISO_ERR_POLICY, st, err);
	if (fd < 0)
		return -1;
	nsiso_escape(ep, sizeof(ep), path);
	if (!S_ISREG(st->st_mode))
		return nsiso_fail(err, NSISO_ERR_POLICY, 0, "%s: not a regular file", ep);
	if (st->st_size > (off_t)POLICY_MAX_SIZE)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "%s: file too large (more than %u bytes)", ep, POLICY_MAX_SIZE);
	*out = nsiso_steal_fd(&fd);
	return 0;
}

/* The trusted open and the read of the main file. */
static int read_file(int dfd, const char *leaf, const char *path, char **buf, size_t *len,
		     struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char ep[256];
	int r;

	if (open_policy_file(dfd, leaf, path, &fd, &st, err) < 0)
		return -1;
	r = nsiso_read_fd_sized(fd, POLICY_MAX_SIZE, st.st_size, buf, len);
	nsiso_escape(ep, sizeof(ep), path);
	if (r == -EFBIG)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "%s: file too large (more than %u bytes)", ep, POLICY_MAX_SIZE);
	if (r < 0)
		return nsiso_fail(err, NSISO_ERR_POLICY, -r, "%s: cannot read", ep);
	return 0;
}

char *nsiso_policy_dropin_dir(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(path), blen = strlen(base ? base + 1 : path);
	char *dir = NULL;

	/* "x.conf" -> "x.d"; a base name that is only ".conf" (or not *.conf) gets ".d" added. */
	if (blen > 5 && strcmp(path + n - 5, ".conf") == 0)
		n -= 5;
	if (asprintf(&dir, "%.*s.d", (int)n, path) < 0)
		return NULL;
	return dir;
}

/* Takes ownership of *@path, *@buf and *@problem (all NULL afterwards, also on failure). */
static int files_push(struct nsiso_policy_files *f, char **path, char **buf, size_t len,
		      char **problem)
{
	_cleanup_free_ char *p = nsiso_steal_ptr(path), *b = nsiso_steal_ptr(buf),
			    *pb = nsiso_steal_ptr(problem);
	struct nsiso_policy_file *nv;

	/* The reader makes at most one entry per drop-in name it keeps. */
	if (!p || (!b && !pb) || f->n == NSISO_POLICY_MAX_FILES)
		return -1;
	nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	f->v = nv;
	f->v[f->n++] = (struct nsiso_policy_file){
	    .path = nsiso_steal_ptr(&p),
	    .buf = nsiso_steal_ptr(&b),
	    .len = len,
	    .problem = nsiso_steal_ptr(&pb),
	};
	return 0;
}

int nsiso_policy_files_add(struct nsiso_policy_files *f, const char *path, const char *buf,
			   size_t len, const char *problem)
{
	char *p = strdup(path), *b = NULL, *pb = problem ? strdup(problem) : NULL;

	if (buf && (b = malloc(len + 1))) {
		memcpy(b, buf, len);
		b[len] = '\0';
	}
	if (!p || (buf && !b) || (problem && !pb)) {
		free(p);
		free(b);
		free(pb);
		return -1;
	}
	return files_push(f, &p, &b, len, &pb);
}

void nsiso_policy_files_free(struct nsiso_policy_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].buf);
		free(f->v[i].problem);
	}
	free(f->v);
	free(f->dropin_dir);
	for (size_t i = 0; i < f->n_ignored; i++)
		free(f->ignored[i]);
	*f = (struct nsiso_policy_files){0};
}

bool nsiso_policy_files_ok(const struct nsiso_policy_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].problem)
			return false;
	return f->n > 0;
}

/* @path (a drop-in, or the directory) cannot be used: @msg says why. 0, or -1 (no memory). */
static int files_problem_msg(struct nsiso_policy_files *f, const char *path, const char *msg)
{
	char *p = strdup(path), *m = strdup(msg), *none = NULL;

	if (!m)
		free(nsiso_steal_ptr(&p));
	return files_push(f, &p, &none, 0, &m);
}

/* The same, "PATH: what". */
__attribute__((format(printf, 3, 4))) static int
files_problem(struct nsiso_policy_files *f, const char *path, const char *fmt, ...)
{
	char ep[256], what[512], msg[sizeof(((struct nsiso_error *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", nsiso_escape(ep, sizeof(ep), path), what);
	return files_problem_msg(f, path, msg);
}

/* After a problem that ends the reading of the directory was noted: 1, or -1 (no memory). */
static int stop_reading(int noted)
{
	return noted < 0 ? -1 : 1;
}

/*
 * A drop-in by its name: "*.conf", not hidden. Everything else an editor or
 * a package manager leaves behind (x.conf~, .x.conf.swp, x.conf.dpkg-old,
 * x.conf.rpmnew, #x.conf#) does not end in ".conf" or starts with '.'.
 */
static bool dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static int note_ignored(struct nsiso_policy_files *f, const char *name)
{
	if (name[0] == '.')
		return 0;
	if (f->n_ignored == NSISO_MAX_IGNORED) {
		f->more_ignored++;
		return 0;
	}
	if (asprintf(&f->ignored[f->n_ignored], "%s/%s", f->dropin_dir, name) < 0)
		return -1;
	f->n_ignored++;
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

static int name_cmp(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: byte order, whatever the locale. */
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The drop-ins' names in byte order, into @names. 0; 1 when a bound was
 * passed or the directory cannot be read (the problem is in @f: no drop-in
 * is read then); -1 (no memory).
 */
static int list_dropins(DIR *d, struct nsiso_policy_files *f, struct strlist *names)
{
	size_t entries = 0;
	struct dirent *de;

	for (errno = 0; (de = readdir(d)); errno = 0) {
		const char *name = de->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (++entries > NSISO_MAX_DIR_ENTRIES)
			return stop_reading(files_problem(f, f->dropin_dir, "more than %d entries",
							  NSISO_MAX_DIR_ENTRIES));
		if (!dropin_name(name)) {
			if (note_ignored(f, name) < 0)
				return -1;
			continue;
		}
		if (names->n == NSISO_MAX_DROPINS)
			return stop_reading(files_problem(
			    f, f->dropin_dir, "more than %d *.conf files", NSISO_MAX_DROPINS));
		if (strlist_push(names, strdup(name)) < 0)
			return -1;
	}
	if (errno)
		return stop_reading(files_problem(f, f->dropin_dir, "cannot read the directory: %s",
						  strerror(errno)));
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), name_cmp);
	return 0;
}

/*
 * One drop-in, opened on the directory's fd (O_NOFOLLOW: a symbolic link is
 * refused, not followed) with the main file's checks. 0 (read, or its problem
 * noted); 1 when it passes the byte bound of all files (noted: nothing more
 * is read); -1 (no memory).
 */
static int read_dropin(int dfd, const char *name, struct nsiso_policy_files *f, size_t *budget)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct nsiso_error e = {0};
	char *none = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (asprintf(&path, "%s/%s", f->dropin_dir, name) < 0)
		return -1;
	fd = nsiso_openat_trusted(dfd, name, path, O_RDONLY, NSISO_ERR_POLICY, &st, &e);
	if (fd < 0)
		return files_problem_msg(f, path, e.msg);
	if (!S_ISREG(st.st_mode))
		return files_problem(f, path, "not a regular file");
	r = nsiso_read_fd_sized(fd, *budget, st.st_size, &buf, &len);
	if (r == -EFBIG)
		return stop_reading(files_problem(
		    f, path, "the policy files together are too large (more than %u bytes)",
		    POLICY_MAX_SIZE));
	if (r < 0)
		return files_problem(f, path, "cannot read: %s", strerror(-r));
	*budget -= len;
	return files_push(f, &path, &buf, len, &none);
}

/*
 * The drop-ins of f->dropin_dir into @f. It is next to the main file: opened
 * on @pdfd, the directory the main file's walk checked. 0, or -1 (no memory).
 */
static int read_dropins(struct nsiso_policy_files *f, int pdfd, size_t budget)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strlist_ struct strlist names = {0};
	struct nsiso_error e = {0};
	int dfd, r;

	r = nsiso_findat_trusted(pdfd, strrchr(f->dropin_dir, '/') + 1, f->dropin_dir,
				 O_RDONLY | O_DIRECTORY, NSISO_ERR_POLICY, &dfd, &e);
	if (r == NSISO_ABSENT) {
		f->dropin_dir_missing = true;
		return 0;
	}
	if (r < 0)
		return files_problem_msg(f, f->dropin_dir, e.msg);
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return -1;
	}
	r = list_dropins(d, f, &names);
	if (f->n_ignored)
		qsort(f->ignored, f->n_ignored, sizeof(*f->ignored), name_cmp);
	for (size_t i = 0; r == 0 && i < names.n; i++)
		r = read_dropin(dirfd(d), names.v[i], f, &budget);
	return r < 0 ? -1 : 0;
}

int nsiso_policy_read_files(const char *path, struct nsiso_policy_files *out,
			    struct nsiso_error *err)
{
	_cleanup_close_ int pdfd = -1;
	char *buf = NULL, *p = NULL, *none = NULL;
	const char *leaf;
	size_t len = 0;

	*out = (struct nsiso_policy_files){0};
	if (!path)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0, "no policy file given");
	/* One walk for both: the file and its drop-in directory are in the same directory. */
	pdfd = nsiso_open_trusted_dir_of(path, &leaf, NSISO_ERR_POLICY, err);
	if (pdfd < 0 || read_file(pdfd, leaf, path, &buf, &len, err) < 0)
		return -1;
	p = strdup(path);
	if (files_push(out, &p, &buf, len, &none) < 0 ||
	    !(out->dropin_dir = nsiso_policy_dropin_dir(path)) ||
	    read_dropins(out, pdfd, POLICY_MAX_SIZE - len) < 0) {
		nsiso_policy_files_free(out);
		return nsiso_syserr(err, ENOMEM, "cannot read the policy");
	}
	return 0;
}
