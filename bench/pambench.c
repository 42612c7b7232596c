/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pambench: time pam_open_session / pam_close_session on the real libpam.
 *
 * Every session runs in a fresh forked process, as a login service does:
 * the child resolves the user (getpwnam, as sshd/login/su do before PAM),
 * logs one syslog line (as sshd does before it opens the session), then
 * pam_start_confdir()s the service from a private PAM config dir, then times
 * pam_open_session and pam_close_session with CLOCK_MONOTONIC, pam_end()s and
 * reports over a pipe. Module loading (pam_start) is not timed.
 *
 * Modes (bench/run.sh drives them inside a sandbox; never run on a live host):
 *
 *   latency  --confdir D --rounds N [--warmup W] [--markers] [--md F] [--summary F]
 *            [--raw F] [--baseline CASE] [--ref CASE]... --case SPEC...
 *       Rounds interleaved across cases (round r starts at case r mod ncases),
 *       so drift hits every case alike. SPEC is a comma list:
 *         name=NAME,service=SVC,user=USER[,expect=host|new|pin:PATH][,install=SRC@DST]
 *         [,warm=groups][,heap=MB][,op=unshare]
 *       install: before each session of this case, SRC is copied over DST
 *       (write to DST.pambench + rename; untimed). expect: a check made on
 *       every session of the child's mount namespace after open (host: the
 *       caller's; new: not the caller's; pin:PATH: the namespace pinned at PATH).
 *       heap: the child first allocates and writes MB MiB of heap (64 KiB
 *       blocks, below malloc's mmap threshold: brk heap, in 4 KiB pages with
 *       transparent huge pages off for the child, as a long-running service's
 *       heap), so whatever the open does costs what it costs in a big caller
 *       (a fork would copy its page tables). op=unshare: no PAM at all;
 *       the "open" is one unshare(CLONE_NEWNS), the kernel's part of any new
 *       mount namespace (service= is then not needed).
 *
 *   command  --rounds N [--warmup W] [--md F] [--summary F] [--baseline CASE]
 *            --case SPEC... -- ARGV...
 *       Whole commands, timed from fork to exit, rounds interleaved as above;
 *       "%u" in ARGV is replaced by the case's user. SPEC: name, user,
 *       install (e.g. a PAM stack over /etc/pam.d/sshd before each login).
 *       A non-zero exit is a failed round. Reports medians, the cost over the
 *       baseline and that cost's share of the case's whole.
 *
 *   burst    --confdir D --users FMT --concurrency K --trials T [--md F] [--summary F]
 *            --case SPEC...
 *       Per trial and case: K children (users FMT % 0..K-1, distinct) get
 *       ready, are released at once and each times its pam_open_session; all
 *       stay open until the last one is in, then close. Trials interleaved
 *       across cases. Reports per-login latency and throughput per case
 *       (SPEC as for latency; user= and expect= are ignored: every session
 *       must land outside the caller's mount namespace).
 *
 *   populate --confdir D --service SVC --users FMT --from A --to B [--jobs J] [--md F]
 *       One session (open+close) for each user FMT % A..B-1, J at a time:
 *       with a lifetime = boot policy this leaves one live set per user.
 *
 *   memtmp   --dir D --count N [--md F]
 *       Kernel memory of N empty tmpfs mounts (mode 1777, nosuid, nodev, as a
 *       private /tmp), from /proc/meminfo deltas.
 *
 * Exit status: 0 when every session succeeded and passed its check, 3 when
 * some did not (figures are still written), 2 on usage or setup errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define MAX_CASES 16
#define MAX_REFS  4

/* ------------------------------------------------------------ utilities */

static const char *prog = "pambench";

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 0 all read, 1 EOF before anything, -1 error or short read. */
static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return got == 0 ? 1 : -1;
		got += (size_t)n;
	}
	return 0;
}

static uint64_t ns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* The last pid handed out in our pid namespace: forks made during a call. */
static long last_pid(void)
{
	char buf[32] = "";
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* A syscall that strace shows with its path: brackets a region for bench/run.sh's profile. */
static void mark(bool on, const char *what)
{
	if (on)
		(void)syscall(SYS_faccessat, AT_FDCWD, what, F_OK);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	size_t n;
	double median, p99, mean, min, max; /* microseconds */
};

/* Median (mean of the middle two) and p99 (nearest rank) of @n values in ns; sorts @v. */
static struct stats stats_of(int64_t *v, size_t n)
{
	struct stats s = {.n = n};
	double sum = 0;

	if (n == 0)
		return s;
	qsort(v, n, sizeof(*v), cmp_i64);
	s.median = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
	size_t rank = (size_t)((99 * n + 99) / 100); /* ceil(0.99 n) */
	s.p99 = (double)v[rank - 1];
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	s.mean = sum / (double)n;
	s.min = (double)v[0];
	s.max = (double)v[n - 1];
	s.median /= 1000;
	s.p99 /= 1000;
	s.mean /= 1000;
	s.min /= 1000;
	s.max /= 1000;
	return s;
}

static FILE *open_out(const char *path)
{
	FILE *f;

	if (!path)
		return NULL;
	f = fopen(path, "a");
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	return f;
}

static void close_out(FILE *f)
{
	if (f && fclose(f) != 0)
		die("cannot write output: %s", strerror(errno));
}

/* ------------------------------------------------------------ PAM */

static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r;

	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_TEXT_INFO && msg[i]->msg_style != PAM_ERROR_MSG) {
			free(r);
			return PAM_CONV_ERR;
		}
		fprintf(stderr, "%s: pam says: %s\n", prog, msg[i]->msg ? msg[i]->msg : "");
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* What one session reports to the parent. */
struct sample {
	int rc_start, rc_open, rc_close;
	int64_t t_open, t_close;   /* ns spent in pam_open_session / pam_close_session */
	int64_t at_begin, at_open; /* CLOCK_MONOTONIC when open began / returned */
	uint64_t mnt_ino;	   /* the child's mount namespace after open */
	int forks_open, forks_close;
	long minflt_open, majflt_open, nvcsw_open, nivcsw_open; /* getrusage deltas around open */
};

struct sess_opts {
	const char *confdir, *service, *user;
	bool markers;
	bool warm_groups; /* also getgrouplist() before PAM, as login(1) and su(1) do */
	bool op_unshare;  /* time unshare(CLONE_NEWNS) instead of a PAM session */
	int heap_mb;	  /* MiB of heap written before the session */
	int ready_fd, go_fd, close_fd; /* burst mode barriers, -1 otherwise */
};

/* A caller with @mb MiB of touched heap: brk-heap blocks, each page written (never freed). */
static void touch_heap(int mb)
{
	enum { BLOCK = 64 << 10 };

	/* Small pages, as a long-running service's fragmented heap: no transparent huge page. */
	(void)prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	for (long i = 0; i < (long)mb * (1 << 20) / BLOCK; i++) {
		char *b = malloc(BLOCK);
		if (!b)
			die("cannot allocate the %d MiB heap", mb);
		memset(b, 0x5a, BLOCK);
		__asm__ volatile("" : : "r"(b) : "memory"); /* the writes stay */
	}
}

/* The timed part of an op=unshare session: what every new mount namespace costs. */
static void unshare_session(struct sample *s)
{
	struct rusage ru0, ru1;
	int64_t t0, t1;
	long p0 = last_pid();

	s->rc_start = PAM_SUCCESS;
	getrusage(RUSAGE_SELF, &ru0);
	t0 = now_ns();
	s->rc_open = unshare(CLONE_NEWNS) == 0 ? PAM_SUCCESS : PAM_SYSTEM_ERR;
	t1 = now_ns();
	getrusage(RUSAGE_SELF, &ru1);
	s->t_open = t1 - t0;
	s->at_begin = t0;
	s->at_open = t1;
	s->minflt_open = ru1.ru_minflt - ru0.ru_minflt;
	s->nvcsw_open = ru1.ru_nvcsw - ru0.ru_nvcsw;
	s->nivcsw_open = ru1.ru_nivcsw - ru0.ru_nivcsw;
	s->forks_open = (int)(last_pid() - p0);
	s->mnt_ino = ns_inode("/proc/self/ns/mnt");
	s->rc_close = PAM_SUCCESS;
}

/*
 * The line sshd logs before it opens the PAM session ("Accepted publickey
 * for ...": auth_log() in the privileged process that then calls
 * do_pam_session()), as OpenSSH's log.c sends it: openlog, syslog, closelog.
 * After it, the time zone is loaded and syslog's code paged in, and the
 * connection to /dev/log is closed again: a module's pam_syslog() line
 * costs what it costs under sshd, not what it costs in a process that never
 * logged (whose first line also loads /etc/localtime: ~20 us more in
 * phases here).
 */
static void log_like_sshd(const char *user)
{
	openlog("sshd", LOG_PID, LOG_AUTH);
	syslog(LOG_INFO, "Accepted publickey for %s from 127.0.0.1 port 22 ssh2 (pambench)", user);
	closelog();
}

/* Child side: one whole session. Never returns. */
static __attribute__((noreturn)) void session_child(const struct sess_opts *o, int report_fd)
{
	struct pam_conv pc = {conv, NULL};
	struct sample s = {.rc_open = -1, .rc_close = -1};
	pam_handle_t *pamh = NULL;
	struct rusage ru0, ru1;
	long p0, p1, p2;
	int64_t t0, t1, t2;
	char byte = 0;

	/* A login service resolves the user before PAM (sshd, login, su): NSS is warm. */
	struct passwd *pw = getpwnam(o->user);
	log_like_sshd(o->user);
	if (pw && o->warm_groups) {
		gid_t groups[256];
		int ng = 256;
		(void)getgrouplist(o->user, pw->pw_gid, groups, &ng);
	}
	if (o->heap_mb > 0)
		touch_heap(o->heap_mb);
	if (o->op_unshare) {
		unshare_session(&s);
		goto out;
	}
	s.rc_start = pam_start_confdir(o->service, o->user, &pc, o->confdir, &pamh);
	if (s.rc_start != PAM_SUCCESS)
		goto out;
	if (o->ready_fd >= 0) {
		(void)write_all(o->ready_fd, &byte, 1);
		close(o->ready_fd);
		/* Released when the parent closes the write end. */
		while (read(o->go_fd, &byte, 1) < 0 && errno == EINTR)
			;
	}
	p0 = last_pid();
	getrusage(RUSAGE_SELF, &ru0);
	mark(o->markers, "/pambench-mark/open-begin");
	t0 = now_ns();
	s.rc_open = pam_open_session(pamh, 0);
	t1 = now_ns();
	mark(o->markers, "/pambench-mark/open-end");
	getrusage(RUSAGE_SELF, &ru1);
	p1 = last_pid();
	s.minflt_open = ru1.ru_minflt - ru0.ru_minflt;
	s.majflt_open = ru1.ru_majflt - ru0.ru_majflt;
	s.nvcsw_open = ru1.ru_nvcsw - ru0.ru_nvcsw;
	s.nivcsw_open = ru1.ru_nivcsw - ru0.ru_nivcsw;
	s.t_open = t1 - t0;
	s.at_begin = t0;
	s.at_open = t1;
	s.mnt_ino = ns_inode("/proc/self/ns/mnt");
	s.forks_open = p0 > 0 && p1 > 0 ? (int)(p1 - p0) : -1;
	if (o->close_fd >= 0) {
		/* Burst: report the open now, close when everyone is in. */
		(void)write_all(report_fd, &s, sizeof(s));
		while (read(o->close_fd, &byte, 1) < 0 && errno == EINTR)
			;
	}
	if (s.rc_open == PAM_SUCCESS) {
		mark(o->markers, "/pambench-mark/close-begin");
		t1 = now_ns();
		s.rc_close = pam_close_session(pamh, 0);
		t2 = now_ns();
		mark(o->markers, "/pambench-mark/close-end");
		p2 = last_pid();
		s.t_close = t2 - t1;
		s.forks_close = p1 > 0 && p2 > 0 ? (int)(p2 - p1) : -1;
	}
	pam_end(pamh, s.rc_close == PAM_SUCCESS ? PAM_SUCCESS : PAM_SESSION_ERR);
out:
	if (o->close_fd < 0)
		(void)write_all(report_fd, &s, sizeof(s));
	_exit(0);
}

/* Fork one session and collect its report. 0 reported, -1 the child died silently. */
static int run_session(const struct sess_opts *o, struct sample *s)
{
	int fds[2], status, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		session_child(o, fds[1]);
	}
	close(fds[1]);
	r = read_all(fds[0], s, sizeof(*s));
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return r == 0 ? 0 : -1;
}

/* ------------------------------------------------------------ latency */

struct bcase {
	char name[64], service[64], user[64];
	char expect[16];	 /* host | new | pin | "" */
	char pin[256];		 /* for expect=pin */
	char src[256], dst[256]; /* install SRC over DST before each session */
	bool warm_groups, op_unshare;
	int heap_mb;
	int64_t *t_open, *t_close;
	int *forks_open;
	long minflt_sum, nvcsw_sum, nivcsw_sum;
	size_t n, cap;
	unsigned failed, mismatched;
	char first_error[200];
};

static void copy_field(char *dst, size_t len, const char *val, const char *what)
{
	if (strlen(val) >= len)
		die("%s too long: %s", what, val);
	strcpy(dst, val);
}

static void parse_case(const char *spec, struct bcase *c)
{
	char *copy = strdup(spec), *save = NULL;

	if (!copy)
		die("out of memory");
	memset(c, 0, sizeof(*c));
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (!eq)
			die("bad case item '%s' in '%s'", kv, spec);
		*eq++ = '\0';
		if (!strcmp(kv, "name"))
			copy_field(c->name, sizeof(c->name), eq, "name");
		else if (!strcmp(kv, "service"))
			copy_field(c->service, sizeof(c->service), eq, "service");
		else if (!strcmp(kv, "user"))
			copy_field(c->user, sizeof(c->user), eq, "user");
		else if (!strcmp(kv, "expect")) {
			if (!strncmp(eq, "pin:", 4)) {
				strcpy(c->expect, "pin");
				copy_field(c->pin, sizeof(c->pin), eq + 4, "pin");
			} else if (!strcmp(eq, "host") || !strcmp(eq, "new")) {
				strcpy(c->expect, eq);
			} else {
				die("bad expect '%s'", eq);
			}
		} else if (!strcmp(kv, "warm")) {
			if (strcmp(eq, "groups"))
				die("warm takes 'groups': %s", eq);
			c->warm_groups = true;
		} else if (!strcmp(kv, "heap")) {
			c->heap_mb = atoi(eq);
			if (c->heap_mb < 1 || c->heap_mb > 4096)
				die("heap takes MiB, 1..4096: %s", eq);
		} else if (!strcmp(kv, "op")) {
			if (strcmp(eq, "unshare"))
				die("op takes 'unshare': %s", eq);
			c->op_unshare = true;
		} else if (!strcmp(kv, "install")) {
			char *at = strchr(eq, '@');
			if (!at)
				die("install wants SRC@DST: %s", eq);
			*at++ = '\0';
			copy_field(c->src, sizeof(c->src), eq, "install source");
			copy_field(c->dst, sizeof(c->dst), at, "install target");
		} else {
			die("unknown case key '%s'", kv);
		}
	}
	if (!c->name[0] || !c->user[0])
		die("a case needs name and user: %s", spec);
	free(copy);
}

/* Copy @src over @dst atomically (same directory temp file + rename). */
static void install_file(const char *src, const char *dst)
{
	char tmp[300], buf[8192];
	int in, out;
	ssize_t n;

	snprintf(tmp, sizeof(tmp), "%s.pambench", dst);
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		die("cannot open %s: %s", src, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0)
		die("cannot create %s: %s", tmp, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(out, buf, (size_t)n) < 0)
			die("cannot write %s", tmp);
	if (n < 0 || fchmod(out, 0644) < 0 || close(out) < 0 || rename(tmp, dst) < 0)
		die("cannot install %s as %s: %s", src, dst, strerror(errno));
	close(in);
}

static void case_push(struct bcase *c, const struct sample *s)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 256;
		c->t_open = realloc(c->t_open, c->cap * sizeof(int64_t));
		c->t_close = realloc(c->t_close, c->cap * sizeof(int64_t));
		c->forks_open = realloc(c->forks_open, c->cap * sizeof(int));
		if (!c->t_open || !c->t_close || !c->forks_open)
			die("out of memory");
	}
	c->t_open[c->n] = s->t_open;
	c->t_close[c->n] = s->t_close;
	c->forks_open[c->n] = s->forks_open;
	c->minflt_sum += s->minflt_open;
	c->nvcsw_sum += s->nvcsw_open;
	c->nivcsw_sum += s->nivcsw_open;
	c->n++;
}

static void note_failure(struct bcase *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note_failure(struct bcase *c, const char *fmt, ...)
{
	va_list ap;

	c->failed++;
	if (c->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(c->first_error, sizeof(c->first_error), fmt, ap);
	va_end(ap);
}

/* One session of case @c; records it when @keep. */
static void latency_one(struct bcase *c, const struct sess_opts *base, uint64_t host_mnt, bool keep,
			FILE *raw, int round)
{
	struct sess_opts o = *base;
	struct sample s;
	uint64_t want = 0;

	if (c->src[0])
		install_file(c->src, c->dst);
	if (!strcmp(c->expect, "pin")) {
		want = ns_inode(c->pin);
		if (!want)
			die("case %s: the pin %s is missing", c->name, c->pin);
	}
	o.service = c->service;
	o.user = c->user;
	o.warm_groups = c->warm_groups;
	o.heap_mb = c->heap_mb;
	o.op_unshare = c->op_unshare;
	if (run_session(&o, &s) < 0) {
		note_failure(c, "the session process died without a report");
		return;
	}
	if (s.rc_start != PAM_SUCCESS || s.rc_open != PAM_SUCCESS || s.rc_close != PAM_SUCCESS) {
		note_failure(c, "pam_start %d, pam_open_session %d, pam_close_session %d",
			     s.rc_start, s.rc_open, s.rc_close);
		return;
	}
	if ((!strcmp(c->expect, "host") && s.mnt_ino != host_mnt) ||
	    (!strcmp(c->expect, "new") && (s.mnt_ino == host_mnt || !s.mnt_ino)) ||
	    (!strcmp(c->expect, "pin") && s.mnt_ino != want)) {
		c->mismatched++;
		note_failure(c,
			     "after open the session's mount namespace is %" PRIu64
			     " (caller's %" PRIu64 ", expected %s)",
			     s.mnt_ino, host_mnt, c->expect);
		return;
	}
	if (!keep)
		return;
	case_push(c, &s);
	if (raw)
		fprintf(raw, "%s\t%d\t%.3f\t%.3f\t%d\n", c->name, round, (double)s.t_open / 1000,
			(double)s.t_close / 1000, s.forks_open);
}

static struct bcase *find_case(struct bcase *cs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(cs[i].name, name))
			return &cs[i];
	return NULL;
}

static void fmt_us(char *buf, size_t len, double us)
{
	double mag = us < 0 ? -us : us;

	if (mag >= 10000)
		snprintf(buf, len, "%.1f ms", us / 1000);
	else if (mag >= 1000)
		snprintf(buf, len, "%.2f ms", us / 1000);
	else
		snprintf(buf, len, "%.0f µs", us);
}

static void fmt_ratio(char *buf, size_t len, double num, double den)
{
	if (den <= 0)
		snprintf(buf, len, "n/a");
	else
		snprintf(buf, len, "%.2f×", num / den);
}

struct latency_opts {
	const char *md, *summary, *raw, *baseline, *refs[MAX_REFS];
	int nrefs, rounds, warmup;
};

static void latency_report(struct bcase *cs, int nc, const struct latency_opts *lo)
{
	struct stats so[MAX_CASES], sc[MAX_CASES];
	double forks[MAX_CASES];
	FILE *md = open_out(lo->md), *sum = open_out(lo->summary);
	struct bcase *base = lo->baseline ? find_case(cs, nc, lo->baseline) : NULL;
	int ib = base ? (int)(base - cs) : -1;
	char a[32], b[32], c[32], d[32], e[32];

	for (int i = 0; i < nc; i++) {
		long fsum = 0, fn = 0;
		for (size_t k = 0; k < cs[i].n; k++)
			if (cs[i].forks_open[k] >= 0)
				fsum += cs[i].forks_open[k], fn++;
		forks[i] = fn ? (double)fsum / (double)fn : -1;
		so[i] = stats_of(cs[i].t_open, cs[i].n);
		sc[i] = stats_of(cs[i].t_close, cs[i].n);
	}
	if (md) {
		fprintf(md, "| case | sessions | open median | open p99 | close median | close p99 "
			    "| forks in open | page faults in open | context switches in open |\n");
		fprintf(md, "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		for (int i = 0; i < nc; i++) {
			fmt_us(a, sizeof(a), so[i].median);
			fmt_us(b, sizeof(b), so[i].p99);
			fmt_us(c, sizeof(c), sc[i].median);
			fmt_us(d, sizeof(d), sc[i].p99);
			double n = cs[i].n ? (double)cs[i].n : 1;
			fprintf(md, "| %s | %zu%s | %s | %s | %s | %s | %.2f | %.0f | %.1f |\n",
				cs[i].name, cs[i].n, cs[i].failed ? " (**failures**)" : "", a, b, c,
				d, forks[i], (double)cs[i].minflt_sum / n,
				(double)(cs[i].nvcsw_sum + cs[i].nivcsw_sum) / n);
		}
		if (ib >= 0) {
			fprintf(md,
				"\nCost over the bare stack (`%s`), difference of medians; ratios "
				"are of these costs:\n\n",
				cs[ib].name);
			fprintf(md, "| case | open over bare | close over bare |");
			for (int r = 0; r < lo->nrefs; r++)
				fprintf(md, " open cost ÷ %s's |", lo->refs[r]);
			fprintf(md, "\n|---|---:|---:|");
			for (int r = 0; r < lo->nrefs; r++)
				fprintf(md, "---:|");
			fprintf(md, "\n");
			for (int i = 0; i < nc; i++) {
				/* op=unshare is no PAM session: nothing to put "over bare". */
				if (i == ib || cs[i].op_unshare)
					continue;
				fmt_us(a, sizeof(a), so[i].median - so[ib].median);
				fmt_us(b, sizeof(b), sc[i].median - sc[ib].median);
				fprintf(md, "| %s | %s | %s |", cs[i].name, a, b);
				for (int r = 0; r < lo->nrefs; r++) {
					struct bcase *ref = find_case(cs, nc, lo->refs[r]);
					int ir = ref ? (int)(ref - cs) : -1;
					if (ir < 0 || ir == i)
						snprintf(e, sizeof(e), "—");
					else
						fmt_ratio(e, sizeof(e),
							  so[i].median - so[ib].median,
							  so[ir].median - so[ib].median);
					fprintf(md, " %s |", e);
				}
				fprintf(md, "\n");
			}
		}
		for (int i = 0; i < nc; i++)
			if (cs[i].failed)
				fprintf(md, "\n**%s: %u of %d sessions failed** (first: %s)\n",
					cs[i].name, cs[i].failed, lo->rounds + lo->warmup,
					cs[i].first_error);
	}
	if (sum)
		for (int i = 0; i < nc; i++)
			fprintf(sum,
				"%s n=%zu failed=%u open_med=%.1f open_p99=%.1f close_med=%.1f "
				"close_p99=%.1f open_mean=%.1f forks=%.2f minflt=%.1f\n",
				cs[i].name, cs[i].n, cs[i].failed, so[i].median, so[i].p99,
				sc[i].median, sc[i].p99, so[i].mean, forks[i],
				cs[i].n ? (double)cs[i].minflt_sum / (double)cs[i].n : 0);
	for (int i = 0; i < nc; i++)
		if (cs[i].failed)
			fprintf(stderr, "%s: case %s: %u sessions failed (first: %s)\n", prog,
				cs[i].name, cs[i].failed, cs[i].first_error);
	close_out(md);
	close_out(sum);
}

/* ------------------------------------------------------------ burst */

struct burst_opts {
	const char *confdir, *users, *md, *summary;
	int k, trials;
};

/* Per case: what its trials gathered. */
struct burst_acc {
	int64_t *lat, *since, *walls;
	size_t nl;
	int64_t wall_sum;
	unsigned failed;
	char first_error[200];
};

static void user_name(char *buf, size_t len, const char *fmt, int i)
{
	/* FMT has exactly one %d (checked in main). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(buf, len, fmt, i);
#pragma GCC diagnostic pop
}

static void burst_fail(struct burst_acc *a, const char *msg)
{
	a->failed++;
	if (!a->first_error[0])
		snprintf(a->first_error, sizeof(a->first_error), "%s", msg);
}

/* One trial: K sessions of case @c released at once. */
static void burst_trial(const struct burst_opts *bo, const struct bcase *c, char (*names)[64],
			pid_t *pids, uint64_t host_mnt, struct burst_acc *a, int t)
{
	int ready[2], go[2], cls[2], rep[2], status;
	int64_t released, last = 0;
	char byte, msg[200];

	if (c->src[0])
		install_file(c->src, c->dst);
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0 || pipe2(cls, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	for (int i = 0; i < bo->k; i++) {
		struct sess_opts o = {.confdir = bo->confdir,
				      .service = c->service,
				      .user = names[i],
				      .warm_groups = c->warm_groups,
				      .heap_mb = c->heap_mb,
				      .ready_fd = ready[1],
				      .go_fd = go[0],
				      .close_fd = cls[0]};
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork: %s", strerror(errno));
		if (pids[i] == 0) {
			close(ready[0]);
			close(go[1]);
			close(cls[1]);
			close(rep[0]);
			session_child(&o, rep[1]);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(cls[0]);
	close(rep[1]);
	for (int i = 0; i < bo->k; i++)
		if (read_all(ready[0], &byte, 1) != 0)
			break; /* a child failed pam_start: it reports below */
	close(ready[0]);
	released = now_ns();
	close(go[1]); /* everyone goes */
	for (int i = 0; i < bo->k; i++) {
		struct sample s;
		if (read_all(rep[0], &s, sizeof(s)) != 0) {
			burst_fail(a, "a session process died without a report");
			continue;
		}
		if (s.rc_start != PAM_SUCCESS || s.rc_open != PAM_SUCCESS ||
		    s.mnt_ino == host_mnt) {
			snprintf(msg, sizeof(msg), "pam_start %d, pam_open_session %d, mnt ns %s",
				 s.rc_start, s.rc_open,
				 s.mnt_ino == host_mnt ? "the caller's" : "new");
			burst_fail(a, msg);
			continue;
		}
		a->lat[a->nl] = s.t_open;
		a->since[a->nl] = s.at_open - released;
		a->nl++;
		if (s.at_open > last)
			last = s.at_open;
	}
	close(cls[1]); /* everyone closes */
	close(rep[0]);
	for (int i = 0; i < bo->k; i++)
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
	a->walls[t] = last > released ? last - released : 0;
	a->wall_sum += a->walls[t];
}

/* Trials interleaved across the cases (trial t starts at case t mod n), like latency rounds. */
static int burst(const struct burst_opts *bo, const struct bcase *cs, int nc)
{
	size_t total = (size_t)bo->k * (size_t)bo->trials;
	uint64_t host_mnt = ns_inode("/proc/self/ns/mnt");
	pid_t *pids = calloc((size_t)bo->k, sizeof(pid_t));
	char(*names)[64] = calloc((size_t)bo->k, 64);
	struct burst_acc *acc = calloc((size_t)nc, sizeof(*acc));
	FILE *md, *sum;
	int bad = 0;

	if (!pids || !names || !acc)
		die("out of memory");
	for (int i = 0; i < bo->k; i++)
		user_name(names[i], 64, bo->users, i);
	for (int j = 0; j < nc; j++) {
		acc[j].lat = calloc(total, sizeof(int64_t));
		acc[j].since = calloc(total, sizeof(int64_t));
		acc[j].walls = calloc((size_t)bo->trials, sizeof(int64_t));
		if (!acc[j].lat || !acc[j].since || !acc[j].walls)
			die("out of memory");
	}
	for (int t = 0; t < bo->trials; t++)
		for (int j = 0; j < nc; j++) {
			int c = (j + t) % nc;
			burst_trial(bo, &cs[c], names, pids, host_mnt, &acc[c], t);
		}
	md = open_out(bo->md);
	sum = open_out(bo->summary);
	for (int j = 0; j < nc; j++) {
		struct burst_acc *a = &acc[j];
		struct stats sl = stats_of(a->lat, a->nl), ss = stats_of(a->since, a->nl),
			     sw = stats_of(a->walls, (size_t)bo->trials);
		double tput = a->wall_sum > 0 ? (double)a->nl / ((double)a->wall_sum / 1e9) : 0;
		char b1[32], b2[32], b3[32], b4[32], b5[32];

		fmt_us(b1, sizeof(b1), sl.median);
		fmt_us(b2, sizeof(b2), sl.p99);
		fmt_us(b3, sizeof(b3), ss.p99);
		fmt_us(b4, sizeof(b4), sw.median);
		fmt_us(b5, sizeof(b5), sl.max);
		if (md) {
			fprintf(md, "| %s | %d | %d | %zu%s | %s | %s | %s | %s | %s | %.0f/s |\n",
				cs[j].name, bo->k, bo->trials, a->nl,
				a->failed ? " (**failures**)" : "", b1, b2, b5, b3, b4, tput);
			if (a->failed)
				fprintf(md, "\n**%s ×%d: %u logins failed** (first: %s)\n\n",
					cs[j].name, bo->k, a->failed, a->first_error);
		}
		if (sum)
			fprintf(sum,
				"%s k=%d n=%zu failed=%u open_med=%.1f open_p99=%.1f done_p99=%.1f "
				"wall_med=%.1f tput=%.1f\n",
				cs[j].name, bo->k, a->nl, a->failed, sl.median, sl.p99, ss.p99,
				sw.median, tput);
		if (a->failed) {
			fprintf(stderr, "%s: burst %s x%d: %u logins failed (first: %s)\n", prog,
				cs[j].name, bo->k, a->failed, a->first_error);
			bad = 1;
		}
		free(a->lat);
		free(a->since);
		free(a->walls);
	}
	close_out(md);
	close_out(sum);
	free(acc);
	free(pids);
	free(names);
	return bad ? 3 : 0;
}

/* ------------------------------------------------------------ populate */

struct populate_opts {
	const char *confdir, *service, *users, *md;
	int from, to, jobs;
};

static int populate(const struct populate_opts *po)
{
	int n = po->to - po->from, running = 0, next = po->from, done = 0;
	int64_t *t = calloc((size_t)(n > 0 ? n : 1), sizeof(int64_t)), t0 = now_ns();
	struct {
		pid_t pid;
		int fd;
	} slot[64];
	unsigned failed = 0;

	if (!t)
		die("out of memory");
	if (po->jobs < 1 || po->jobs > 64)
		die("--jobs must be 1..64");
	while (done < n) {
		while (running < po->jobs && next < po->to) {
			char name[64];
			int fds[2];
			pid_t pid;
			user_name(name, sizeof(name), po->users, next++);
			struct sess_opts o = {.confdir = po->confdir,
					      .service = po->service,
					      .user = name,
					      .ready_fd = -1,
					      .go_fd = -1,
					      .close_fd = -1};
			if (pipe2(fds, O_CLOEXEC) < 0)
				die("pipe: %s", strerror(errno));
			pid = fork();
			if (pid < 0)
				die("fork: %s", strerror(errno));
			if (pid == 0) {
				close(fds[0]);
				session_child(&o, fds[1]);
			}
			close(fds[1]);
			slot[running].pid = pid;
			slot[running].fd = fds[0];
			running++;
		}
		/* Wait for the oldest. */
		struct sample s;
		int status;
		if (read_all(slot[0].fd, &s, sizeof(s)) != 0 || s.rc_open != PAM_SUCCESS ||
		    s.rc_close != PAM_SUCCESS)
			failed++;
		else
			t[done] = s.t_open;
		close(slot[0].fd);
		while (waitpid(slot[0].pid, &status, 0) < 0 && errno == EINTR)
			;
		memmove(&slot[0], &slot[1], (size_t)(running - 1) * sizeof(slot[0]));
		running--;
		done++;
	}
	int64_t wall = now_ns() - t0;
	FILE *md = open_out(po->md);
	if (md) {
		int q = n / 10 > 0 ? n / 10 : 1;
		int64_t *first = calloc((size_t)q, sizeof(int64_t)),
			*lastq = calloc((size_t)q, sizeof(int64_t));
		if (!first || !lastq)
			die("out of memory");
		memcpy(first, t, (size_t)q * sizeof(int64_t));
		memcpy(lastq, t + n - q, (size_t)q * sizeof(int64_t));
		struct stats sf = stats_of(first, (size_t)q), sl = stats_of(lastq, (size_t)q);
		char a[32], b[32];
		fmt_us(a, sizeof(a), sf.median);
		fmt_us(b, sizeof(b), sl.median);
		fprintf(md, "| %d → %d | %d | %.2f s | %s | %s | %u |\n", po->from, po->to, n,
			(double)wall / 1e9, a, b, failed);
		free(first);
		free(lastq);
	}
	close_out(md);
	free(t);
	if (failed)
		fprintf(stderr, "%s: populate: %u logins failed\n", prog, failed);
	return failed ? 3 : 0;
}

/* ------------------------------------------------------------ command */

/* @arg with every "%u" replaced by @user (malloc'd). */
static char *subst_user(const char *arg, const char *user)
{
	size_t n = 0, ul = strlen(user);
	char *out, *o;

	for (const char *p = arg; *p; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			n += ul;
			p++;
		} else {
			n++;
		}
	}
	out = o = malloc(n + 1);
	if (!out)
		die("out of memory");
	for (const char *p = arg; *p; p++) {
		if (p[0] == '%' && p[1] == 'u') {
			memcpy(o, user, ul);
			o += ul;
			p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* One run of @argv for @user: wall time from fork to exit in *@t; the exit status. */
static int command_once(char *const *argv, int argc, const char *user, int64_t *t)
{
	char **av = calloc((size_t)argc + 1, sizeof(char *));
	int status, devnull;
	int64_t t0;
	pid_t pid;

	if (!av)
		die("out of memory");
	for (int i = 0; i < argc; i++)
		av[i] = subst_user(argv[i], user);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		die("cannot open /dev/null: %s", strerror(errno));
	t0 = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		/* stderr stays: a failed login says why in the bench's stderr log. */
		if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0)
			_exit(126);
		execvp(av[0], av);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*t = now_ns() - t0;
	close(devnull);
	for (int i = 0; i < argc; i++)
		free(av[i]);
	free(av);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* xorshift64*: a fixed-seed generator for the bootstrap (the same data, the same interval). */
static uint64_t rnd(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 2685821657736338717ull;
}

static double median_of(const int64_t *v, size_t n, int64_t *tmp)
{
	memcpy(tmp, v, n * sizeof(*v));
	qsort(tmp, n, sizeof(*tmp), cmp_i64);
	return n % 2 ? (double)tmp[n / 2] : ((double)tmp[n / 2 - 1] + (double)tmp[n / 2]) / 2;
}

/*
 * A 95% interval for median(@a) - median(@b) in µs (percentile bootstrap, 2000
 * resamples): is a difference of a few hundred µs in logins of 200 ms told
 * from the noise?
 */
static void median_diff_ci(const int64_t *a, size_t na, const int64_t *b, size_t nb, double *lo,
			   double *hi)
{
	enum { B = 2000 };
	size_t m = na > nb ? na : nb;
	int64_t *ra = malloc(na * sizeof(*ra)), *rb = malloc(nb * sizeof(*rb));
	int64_t *tmp = malloc(m * sizeof(*tmp));
	double *d = malloc(B * sizeof(*d));
	uint64_t x = 0x9e3779b97f4a7c15ull;

	*lo = *hi = 0;
	if (!ra || !rb || !tmp || !d || !na || !nb)
		goto out;
	for (int k = 0; k < B; k++) {
		for (size_t i = 0; i < na; i++)
			ra[i] = a[rnd(&x) % na];
		for (size_t i = 0; i < nb; i++)
			rb[i] = b[rnd(&x) % nb];
		d[k] = (median_of(ra, na, tmp) - median_of(rb, nb, tmp)) / 1000;
	}
	qsort(d, B, sizeof(*d), cmp_double);
	*lo = d[B / 40];
	*hi = d[B - 1 - B / 40];
out:
	free(ra);
	free(rb);
	free(tmp);
	free(d);
}

static int command(struct bcase *cs, int nc, const struct latency_opts *lo, char *const *argv,
		   int argc)
{
	struct stats st[MAX_CASES];
	double ci_lo[MAX_CASES] = {0}, ci_hi[MAX_CASES] = {0};
	struct bcase *base = lo->baseline ? find_case(cs, nc, lo->baseline) : NULL;
	FILE *md = open_out(lo->md), *sum = open_out(lo->summary);
	char a[32], b[32], c[32], d[32];
	int bad = 0;

	for (int r = 0; r < lo->warmup + lo->rounds; r++)
		for (int j = 0; j < nc; j++) {
			struct bcase *k = &cs[(j + r) % nc];
			struct sample smp = {0};
			int rc;

			if (k->src[0])
				install_file(k->src, k->dst);
			rc = command_once(argv, argc, k->user, &smp.t_open);
			if (rc != 0) {
				note_failure(k, "exit status %d", rc);
				continue;
			}
			if (r >= lo->warmup)
				case_push(k, &smp);
		}
	for (int i = 0; i < nc; i++)
		if (base && &cs[i] != base)
			median_diff_ci(cs[i].t_open, cs[i].n, base->t_open, base->n, &ci_lo[i],
				       &ci_hi[i]);
	for (int i = 0; i < nc; i++)
		st[i] = stats_of(cs[i].t_open, cs[i].n);
	if (md) {
		fprintf(md,
			"| case | runs | median | p99 | mean | min | over `%s` (medians) | 95%% "
			"interval | share of the case's median |\n"
			"|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
			base ? base->name : "-");
		for (int i = 0; i < nc; i++) {
			double over = base ? st[i].median - st[base - cs].median : 0;
			fmt_us(a, sizeof(a), st[i].median);
			fmt_us(b, sizeof(b), st[i].p99);
			fmt_us(c, sizeof(c), st[i].mean);
			fmt_us(d, sizeof(d), st[i].min);
			fprintf(md, "| %s | %zu%s | %s | %s | %s | %s |", cs[i].name, cs[i].n,
				cs[i].failed ? " (**failures**)" : "", a, b, c, d);
			if (!base || &cs[i] == base) {
				fprintf(md, " — | — | — |\n");
			} else {
				fmt_us(a, sizeof(a), over);
				fmt_us(b, sizeof(b), ci_lo[i]);
				fmt_us(c, sizeof(c), ci_hi[i]);
				fprintf(md, " %s | %s … %s | %.2f%% |\n", a, b, c,
					st[i].median > 0 ? 100 * over / st[i].median : 0);
			}
		}
	}
	for (int i = 0; i < nc; i++) {
		if (sum)
			fprintf(sum,
				"%s n=%zu failed=%u open_med=%.1f open_p99=%.1f open_mean=%.1f "
				"ci_lo=%.1f ci_hi=%.1f\n",
				cs[i].name, cs[i].n, cs[i].failed, st[i].median, st[i].p99,
				st[i].mean, ci_lo[i], ci_hi[i]);
		if (cs[i].failed) {
			fprintf(stderr, "%s: case %s: %u runs failed (first: %s)\n", prog,
				cs[i].name, cs[i].failed, cs[i].first_error);
			if (md)
				fprintf(md, "\n**%s: %u runs failed** (first: %s)\n", cs[i].name,
					cs[i].failed, cs[i].first_error);
			bad = 1;
		}
	}
	close_out(md);
	close_out(sum);
	return bad ? 3 : 0;
}

/* ------------------------------------------------------------ memtmp */

static const char *const mem_keys[] = {"MemAvailable", "MemFree",     "Slab",	    "SReclaimable",
				       "SUnreclaim",   "KernelStack", "PageTables", "Shmem",
				       "Percpu",       "VmallocUsed"};
#define N_MEM (sizeof(mem_keys) / sizeof(mem_keys[0]))

static void read_meminfo(long long *v)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];

	if (!f)
		die("cannot read /proc/meminfo");
	for (size_t i = 0; i < N_MEM; i++)
		v[i] = 0;
	while (fgets(line, sizeof(line), f)) {
		for (size_t i = 0; i < N_MEM; i++) {
			size_t l = strlen(mem_keys[i]);
			if (!strncmp(line, mem_keys[i], l) && line[l] == ':')
				v[i] = strtoll(line + l + 1, NULL, 10);
		}
	}
	fclose(f);
}

static int memtmp(const char *dir, int count, const char *md_path)
{
	long long a[N_MEM], b[N_MEM], c[N_MEM];
	char path[300];
	int mounted = 0;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		die("mkdir %s: %s", dir, strerror(errno));
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %s", path, strerror(errno));
	}
	sync();
	sleep(1);
	read_meminfo(a);
	for (int i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		if (mount("pambench-tmp", path, "tmpfs", MS_NOSUID | MS_NODEV,
			  "mode=1777,size=25%") < 0)
			break;
		mounted++;
	}
	sleep(1);
	read_meminfo(b);
	for (int i = 0; i < mounted; i++) {
		snprintf(path, sizeof(path), "%s/%d", dir, i);
		umount2(path, MNT_DETACH);
	}
	sleep(1);
	read_meminfo(c);
	FILE *md = open_out(md_path);
	if (md && mounted) {
		/* Kernel memory: slab, stacks, page tables, per-cpu, vmalloc, shmem (tmpfs pages).
		 */
		double km = 0, ku = 0;
		for (size_t i = 0; i < N_MEM; i++)
			if (strcmp(mem_keys[i], "MemAvailable") && strcmp(mem_keys[i], "MemFree") &&
			    strcmp(mem_keys[i], "SReclaimable") &&
			    strcmp(mem_keys[i], "SUnreclaim")) {
				km += (double)(b[i] - a[i]);
				ku += (double)(b[i] - c[i]);
			}
		fprintf(md,
			"**≈ %.1f kB of kernel memory per empty tmpfs mount** (Δ Slab + "
			"KernelStack + PageTables + Shmem + Percpu + VmallocUsed over %d mounts; "
			"%.1f kB per mount by what their unmount gave back)\n\n",
			km / mounted, mounted, ku / mounted);
	}
	if (md) {
		fprintf(md,
			"| field | before (kB) | with %d tmpfs (kB) | after unmount (kB) | per "
			"tmpfs (mount) | per tmpfs (unmount) |\n",
			mounted);
		fprintf(md, "|---|---:|---:|---:|---:|---:|\n");
		for (size_t i = 0; i < N_MEM; i++)
			fprintf(md, "| %s | %lld | %lld | %lld | %+.2f kB | %+.2f kB |\n",
				mem_keys[i], a[i], b[i], c[i],
				mounted ? (double)(b[i] - a[i]) / mounted : 0,
				mounted ? (double)(b[i] - c[i]) / mounted : 0);
	}
	close_out(md);
	return mounted == count ? 0 : 3;
}

/* ------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr,
		"usage: %s latency|burst|command|populate|memtmp [options] (see the header of "
		"bench/pambench.c)\n",
		prog);
	exit(2);
}

static int int_arg(const char *s, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 1000000)
		die("bad %s: %s", what, s);
	return (int)v;
}

static void check_fmt(const char *fmt)
{
	const char *p = strchr(fmt, '%');

	if (!p || strncmp(p, "%d", 2) || strchr(p + 2, '%'))
		die("a users pattern needs exactly one %%d: %s", fmt);
}

int main(int argc, char **argv)
{
	const char *mode, *confdir = NULL, *service = NULL, *users = NULL, *dir = NULL;
	struct latency_opts lo = {.rounds = 100, .warmup = 5};
	struct bcase *cases = calloc(MAX_CASES, sizeof(*cases));
	int nc = 0, k = 8, trials = 10, from = 0, to = 0, jobs = 1, count = 100;
	bool markers = false;
	char **cmd_argv = NULL;
	int cmd_argc = 0;

	if (argc < 2 || !cases)
		usage();
	mode = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "--")) {
			cmd_argv = &argv[i + 1];
			cmd_argc = argc - i - 1;
			break;
		}
		if (!strcmp(o, "--markers")) {
			markers = true;
			continue;
		}
		if (!v)
			die("%s needs a value", o);
		i++;
		if (!strcmp(o, "--confdir"))
			confdir = v;
		else if (!strcmp(o, "--rounds"))
			lo.rounds = int_arg(v, o);
		else if (!strcmp(o, "--warmup"))
			lo.warmup = int_arg(v, o);
		else if (!strcmp(o, "--md"))
			lo.md = v;
		else if (!strcmp(o, "--summary"))
			lo.summary = v;
		else if (!strcmp(o, "--raw"))
			lo.raw = v;
		else if (!strcmp(o, "--baseline"))
			lo.baseline = v;
		else if (!strcmp(o, "--ref")) {
			if (lo.nrefs == MAX_REFS)
				die("too many --ref");
			lo.refs[lo.nrefs++] = v;
		} else if (!strcmp(o, "--case")) {
			if (nc == MAX_CASES)
				die("too many cases");
			parse_case(v, &cases[nc++]);
		} else if (!strcmp(o, "--service")) {
			service = v;
		} else if (!strcmp(o, "--users")) {
			check_fmt(v);
			users = v;
		} else if (!strcmp(o, "--concurrency"))
			k = int_arg(v, o);
		else if (!strcmp(o, "--trials"))
			trials = int_arg(v, o);
		else if (!strcmp(o, "--from"))
			from = int_arg(v, o);
		else if (!strcmp(o, "--to"))
			to = int_arg(v, o);
		else if (!strcmp(o, "--jobs"))
			jobs = int_arg(v, o);
		else if (!strcmp(o, "--dir"))
			dir = v;
		else if (!strcmp(o, "--count"))
			count = int_arg(v, o);
		else
			die("unknown option %s", o);
	}
	/* The caller may ignore SIGCHLD; we reap our own children. */
	signal(SIGCHLD, SIG_DFL);
	for (int j = 0; j < nc; j++)
		if (strcmp(mode, "command") && !cases[j].service[0] && !cases[j].op_unshare)
			die("case %s needs a service", cases[j].name);
	if (!strcmp(mode, "command")) {
		if (nc == 0 || cmd_argc < 1 || lo.rounds < 1)
			die("command needs --rounds >= 1, at least one --case and -- ARGV");
		return command(cases, nc, &lo, cmd_argv, cmd_argc);
	}

	if (!strcmp(mode, "latency")) {
		uint64_t host_mnt = ns_inode("/proc/self/ns/mnt");
		struct sess_opts base = {.confdir = confdir,
					 .markers = markers,
					 .ready_fd = -1,
					 .go_fd = -1,
					 .close_fd = -1};
		FILE *raw = open_out(lo.raw);
		int bad = 0;

		if (!confdir || nc == 0 || lo.rounds < 1)
			die("latency needs --confdir, --rounds >= 1 and at least one --case");
		for (int r = 0; r < lo.warmup + lo.rounds; r++)
			for (int j = 0; j < nc; j++)
				latency_one(&cases[(j + r) % nc], &base, host_mnt, r >= lo.warmup,
					    raw, r - lo.warmup);
		close_out(raw);
		latency_report(cases, nc, &lo);
		for (int j = 0; j < nc; j++)
			bad |= cases[j].failed != 0;
		return bad ? 3 : 0;
	}
	if (!strcmp(mode, "burst")) {
		struct burst_opts bo = {.confdir = confdir,
					.users = users,
					.md = lo.md,
					.summary = lo.summary,
					.k = k,
					.trials = trials};
		for (int j = 0; j < nc; j++)
			if (cases[j].op_unshare || cases[j].heap_mb)
				die("burst takes PAM cases without op= or heap=");
		if (!confdir || !users || nc == 0 || k < 1 || k > 1024 || trials < 1)
			die("burst needs --confdir, --users, --concurrency 1..1024, --trials and "
			    "--case");
		return burst(&bo, cases, nc);
	}
	if (!strcmp(mode, "populate")) {
		struct populate_opts po = {.confdir = confdir,
					   .service = service,
					   .users = users,
					   .md = lo.md,
					   .from = from,
					   .to = to,
					   .jobs = jobs};
		if (!confdir || !service || !users || to <= from)
			die("populate needs --confdir, --service, --users, --from < --to");
		return populate(&po);
	}
	if (!strcmp(mode, "memtmp")) {
		if (!dir || count < 1)
			die("memtmp needs --dir and --count");
		return memtmp(dir, count, lo.md);
	}
	usage();
}
