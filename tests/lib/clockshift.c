/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * clockshift.so: LD_PRELOAD=clockshift.so NSISO_CLOCK_SHIFT=SECONDS COMMAND
 * runs COMMAND with the wall clock (CLOCK_REALTIME, time(), gettimeofday())
 * SECONDS ahead. Test code only: systemd-tmpfiles ages by every timestamp
 * of a file, including ctime and btime, which touch -d cannot set back, so
 * the test moves the cleaner's "now" forward instead.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static time_t shift(void)
{
	const char *s = getenv("NSISO_CLOCK_SHIFT");

	return s ? (time_t)strtoll(s, NULL, 10) : 0;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	int r;

	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	r = real(id, ts);
	if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE))
		ts->tv_sec += shift();
	return r;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return -1;
	if (tv) {
		tv->tv_sec = ts.tv_sec;
		tv->tv_usec = ts.tv_nsec / 1000;
	}
	(void)tz;
	return 0;
}

time_t time(time_t *t)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (time_t)-1;
	if (t)
		*t = ts.tv_sec;
	return ts.tv_sec;
}
