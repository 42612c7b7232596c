/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fault.h"

#ifdef NSISO_FAULT_INJECTION
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int nsiso_fault(const char *point)
{
	const char *spec = getenv("NSISO_FAULT");
	size_t n = strlen(point);

	if (!spec || strncmp(spec, point, n) != 0 || spec[n] != ':')
		return 0;
	if (strcmp(spec + n + 1, "kill") == 0)
		kill(getpid(), SIGKILL);
	if (strcmp(spec + n + 1, "pause") == 0) {
		/* Widen a race window for a test: half a second, then carry on. */
		struct timespec ts = {0, 500 * 1000000L};
		nanosleep(&ts, NULL);
		return 0;
	}
	errno = EIO;
	return -1;
}
#endif
