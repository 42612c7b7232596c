/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso-keeper: the tests' way into the registry's keeper namespace, which
 * has no /proc and no programs of its own (lib/keeper.h). Test code only:
 * it asserts on the kernel's view, never on the module's.
 *
 *   nsiso-keeper hold             setns into the keeper and wait for stdin to
 *                                 close: /proc/PID/root is the keeper's tree and
 *                                 /proc/PID/mountinfo its mount table, for any
 *                                 host process to read (stat -L, nsenter, findmnt -N)
 *   nsiso-keeper mounts           the keeper's mountinfo (read from inside)
 *   nsiso-keeper pins             "TARGET" of every nsfs mount in it, one per line
 *   nsiso-keeper umount PATH      umount2(PATH, MNT_DETACH) inside
 *   nsiso-keeper ino PATH         the inode number of what PATH inside leads to
 *                                 (stat -L): a pin's namespace, without a holder
 *   nsiso-keeper rm PATH          unlink (or rmdir) inside
 *   nsiso-keeper mkdir PATH       mkdir 0700 inside
 *   nsiso-keeper mkfifo PATH      a FIFO inside
 *   nsiso-keeper symlink T PATH   a symlink inside
 *   nsiso-keeper write PATH TEXT  a regular file inside
 *   nsiso-keeper bind SRC PATH    bind SRC (resolved in the host, e.g. another
 *                                 pin through /proc/HOLDER/root/...) onto PATH
 *                                 inside (created when missing)
 *
 * The keeper is found at /run/nsiso/keeper, or $NSISO_KEEPER.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "nsiso-keeper: %s: %s\n", what, strerror(errno));
	return 1;
}

static int enter(void)
{
	const char *path = getenv("NSISO_KEEPER") ? getenv("NSISO_KEEPER") : "/run/nsiso/keeper";
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return die(path);
	if (setns(fd, CLONE_NEWNS) < 0)
		return die("setns");
	close(fd);
	return 0;
}

static int show_mounts(int proc, int pins_only)
{
	char line[4096];
	int fd;
	FILE *f;

	if (enter())
		return 1;
	/* Opened after setns, through a /proc fd of the host: the file shows the keeper. */
	fd = openat(proc, "self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !(f = fdopen(fd, "r")))
		return die("mountinfo");
	while (fgets(line, sizeof(line), f)) {
		char target[4096], *dash = strstr(line, " - ");

		if (!pins_only) {
			fputs(line, stdout);
			continue;
		}
		if (dash && strncmp(dash, " - nsfs ", 8) == 0 &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", target) == 1)
			puts(target);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int src = -1;

	if (!strcmp(verb, "hold")) {
		char c;

		if (enter())
			return 1;
		while (read(0, &c, 1) > 0)
			;
		return 0;
	}
	if (!strcmp(verb, "mounts") || !strcmp(verb, "pins"))
		return show_mounts(proc, !strcmp(verb, "pins"));
	if (!strcmp(verb, "bind") && argc == 4) {
		src = open_tree(AT_FDCWD, argv[2], OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (src < 0)
			return die(argv[2]);
	}
	if (argc < 3 || enter())
		return argc < 3 ? (fprintf(stderr, "usage: see tests/lib/keeper.c\n"), 2) : 1;
	if (!strcmp(verb, "umount") && argc == 3)
		return umount2(argv[2], MNT_DETACH | UMOUNT_NOFOLLOW) < 0 ? die(argv[2]) : 0;
	if (!strcmp(verb, "ino") && argc == 3) {
		struct stat st;

		if (stat(argv[2], &st) < 0)
			return die(argv[2]);
		printf("%llu\n", (unsigned long long)st.st_ino);
		return 0;
	}
	if (!strcmp(verb, "rm") && argc == 3)
		return unlink(argv[2]) < 0 && rmdir(argv[2]) < 0 ? die(argv[2]) : 0;
	if (!strcmp(verb, "mkdir") && argc == 3)
		return mkdir(argv[2], 0700) < 0 ? die(argv[2]) : 0;
	if (!strcmp(verb, "mkfifo") && argc == 3)
		return mkfifo(argv[2], 0600) < 0 ? die(argv[2]) : 0;
	if (!strcmp(verb, "symlink") && argc == 4)
		return symlink(argv[2], argv[3]) < 0 ? die(argv[3]) : 0;
	if (!strcmp(verb, "write") && argc == 4) {
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, argv[3], strlen(argv[3])) < 0)
			return die(argv[2]);
		return close(fd) < 0 ? die(argv[2]) : 0;
	}
	if (!strcmp(verb, "bind") && argc == 4) {
		int fd = open(argv[3], O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0400);
		if (fd >= 0)
			close(fd);
		return move_mount(src, "", AT_FDCWD, argv[3], MOVE_MOUNT_F_EMPTY_PATH) < 0
			   ? die(argv[3])
			   : 0;
	}
	fprintf(stderr, "nsiso-keeper: unknown or incomplete command '%s'\n", verb);
	return 2;
}
