/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for nsiso_find_root_dir() (lib/fsutil.c): "nothing there" is a
 * return code, NSISO_ABSENT, with the error object left empty (issue 16);
 * anything else is what nsiso_open_root_dir() says of it. Every case is
 * checked against the directory the kernel gives back (fstat of the fd).
 */
#include <errno.h>
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

#include "fsutil.h"
#include "util.h"

struct fixture {
	char dir[64];
	int fd;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/nsiso-unit-fsutil-XXXXXX");
	if (!mkdtemp(f->dir) || (f->fd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = {"link", "open", "root"};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		(void)unlinkat(f->fd, names[i], 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		(void)unlinkat(f->fd, names[i], AT_REMOVEDIR);
	close(f->fd);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void test_absent(void **state)
{
	struct fixture *f = *state;
	struct nsiso_error err = {0};
	int fd = 7;

	assert_int_equal(nsiso_find_root_dir(f->fd, "none", "the dir", &fd, &err), NSISO_ABSENT);
	assert_int_equal(fd, -1);
	assert_int_equal(err.kind, NSISO_ERR_NONE);
	assert_int_equal(err.errnum, 0);
	assert_string_equal(err.msg, "");
	/* Looking never creates it. */
	assert_int_equal(faccessat(f->fd, "none", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_present(void **state)
{
	struct fixture *f = *state;
	struct nsiso_error err = {0};
	struct stat want, got;
	int fd = -1;

	if (geteuid() != 0)
		skip(); /* a directory of ours is root's */
	assert_int_equal(mkdirat(f->fd, "root", 0700), 0);
	assert_int_equal(fstatat(f->fd, "root", &want, AT_SYMLINK_NOFOLLOW), 0);
	assert_int_equal(nsiso_find_root_dir(f->fd, "root", "the dir", &fd, &err), 0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &got), 0);
	assert_true(got.st_dev == want.st_dev && got.st_ino == want.st_ino);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(err.kind, NSISO_ERR_NONE);
	close(fd);
}

/* Present but not usable: an error, as nsiso_open_root_dir() words it, never ABSENT. */
static void test_unusable(void **state)
{
	struct fixture *f = *state;
	struct nsiso_error err = {0};
	int fd = 7;

	assert_int_equal(symlinkat("/", f->fd, "link"), 0);
	assert_int_equal(nsiso_find_root_dir(f->fd, "link", "the dir", &fd, &err), -1);
	assert_int_equal(fd, -1);
	assert_int_equal(err.kind, NSISO_ERR_UNSAFE);
	assert_string_equal(err.msg, "the dir is not a directory (symlink?): refusing to use it");

	nsiso_error_clear(&err);
	assert_int_equal(mkdirat(f->fd, "open", 0755), 0);
	assert_int_equal(fchmodat(f->fd, "open", 0755, 0), 0);
	assert_int_equal(nsiso_find_root_dir(f->fd, "open", "the dir", &fd, &err), -1);
	assert_int_equal(err.kind, NSISO_ERR_UNSAFE);
	assert_non_null(strstr(err.msg, "mode 0755; want root, 0700"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_absent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_present, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unusable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
