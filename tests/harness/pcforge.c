/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcforge: write a policy cache entry whose key is one file's bytes and whose
 * policy is another file's, for tests/integration/t_policycache.sh. With it a
 * test can put an entry in /run/nsiso that gives a *wrong* answer when it is
 * used, so every "the entry is refused" assertion can fail.
 *
 *   pcforge KEYPATH KEYFILE POLICYFILE OUT
 *   pcforge --name PATH
 *
 * KEYPATH: the path the entry is for (the module's config=); KEYFILE: the
 * bytes it is for; POLICYFILE: the valid policy it holds. OUT is written 0600.
 * --name: print the name of PATH's entry in the registry (policy.cache for
 * the default path, policy.<hash>.cache for another).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "policycache.h"
#include "util.h"

static char *slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || nsiso_read_fd(fd, 1u << 20, &buf, len) < 0) {
		perror(path);
		exit(1);
	}
	close(fd);
	return buf;
}

int main(int argc, char **argv)
{
	struct nsiso_error err = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_pcache_file file;
	struct nsiso_pcache_key key = {&file, 1};
	size_t klen, plen, blen;
	char *kbuf, *pbuf, *blob;
	int fd;

	if (argc == 3 && strcmp(argv[1], "--name") == 0) {
		char name[NSISO_PCACHE_NAME_MAX];

		nsiso_pcache_entry_name(argv[2], name, sizeof(name));
		return puts(name) < 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: pcforge KEYPATH KEYFILE POLICYFILE OUT | --name PATH\n");
		return 2;
	}
	kbuf = slurp(argv[2], &klen);
	pbuf = slurp(argv[3], &plen);
	if (nsiso_policy_load_buffer(argv[3], pbuf, plen, &p, NULL, &err) < 0) {
		fprintf(stderr, "pcforge: %s\n", err.msg);
		return 1;
	}
	file = (struct nsiso_pcache_file){argv[1], kbuf, klen};
	if (nsiso_pcache_encode(&key, p, &blob, &blen) < 0) {
		fprintf(stderr, "pcforge: cannot encode\n");
		return 1;
	}
	fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || nsiso_write_all(fd, blob, blen) < 0 || fchmod(fd, 0600) < 0 ||
	    close(fd) < 0) {
		perror(argv[4]);
		return 1;
	}
	return 0;
}
