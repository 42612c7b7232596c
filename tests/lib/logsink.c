/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * logsink SOCKET OUT: a stand-in syslog daemon for the tests (adversarial,
 * integration t_log.sh).
 * Binds a datagram socket at SOCKET (the sandbox's /dev/log) and appends one
 * line per message to OUT. Bytes outside printable ASCII are written as \xNN
 * and such a line starts with "RAW ": a module that logs user-controlled bytes
 * unescaped shows up as a RAW line. Other lines start with "LOG ".
 * Built by make (build/tests/helpers/logsink) with the project's flags.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static unsigned char buf[65536];
	FILE *out;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("logsink");
		return 1;
	}
	out = fopen(argv[2], "a");
	if (!out)
		return 1;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		int raw = 0;

		if (n < 0)
			continue;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] < 0x20 || buf[i] >= 0x7f)
				raw = 1;
		fputs(raw ? "RAW " : "LOG ", out);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] < 0x20 || buf[i] >= 0x7f)
				fprintf(out, "\\x%02x", buf[i]);
			else
				fputc(buf[i], out);
		}
		fputc('\n', out);
		fflush(out);
	}
}
