/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phases: where the time of a pam_nsiso join goes, step by step.
 *
 *   phases --user NAME --config FILE --rounds N [--warm-groups] [--md FILE] [--tsv FILE]
 * [--markers]
 *
 * Linked against build/libnsiso.a (the module's own core, unchanged), it
 * replays, in a fresh forked child per round, the steps pam_sm_open_session
 * and nsiso_session_open take for a user whose set exists, timing each one
 * with CLOCK_MONOTONIC; then, in another fresh child, the bare kernel floor
 * (open the three pins, three setns()) with each setns() timed on its own.
 * The user's set must exist (lifetime = boot). Run only inside the bench
 * sandbox (bench/run.sh): it joins the set like a login does.
 *
 * --tsv writes "index<TAB>step<TAB>median µs" lines (floor steps too, and "sum" and
 * "floor" totals). --markers puts a faccessat("/phases-mark/<index>") before
 * each library step, so `strace -f` can count the syscalls of each step (the
 * timings of such a run mean nothing).
 *
 * The last step is the decision's syslog line (issue 3: one per decision, a
 * plain join included), written with syslog(3) as pam_syslog() does it, in
 * the module's format.
 *
 * The order and the calls mirror lib/session.c and pam_module/pam_nsiso.c
 * as they are when this was written; if those change, this drifts (it
 * reports what it measures, and the pam_open_session figure from pambench
 * is the ground truth).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "nsset.h"
#include "policy.h"
#include "policycache.h"
#include "registry.h"
#include "session.h"
#include "user.h"
#include "util.h"

enum {
	P_USER,
	P_POLICY_LOAD,
	P_EXEMPT,
	P_CALLER,
	P_HOSTFD,
	P_REGISTRY,
	P_LOCK,
	P_READSET,
	P_NSOPEN,
	P_ADDSESS,
	P_JOIN,
	P_UNLOCK,
	P_LOG,
	P_LIB_MAX,
	/* the bare floor, another child */
	F_OPEN = P_LIB_MAX,
	F_IPC,
	F_UTS,
	F_MNT,
	PH_MAX
};

static const char *const phase_name[PH_MAX] = {
    [P_USER] = "user lookup: getpwnam_r (NSS)",
    [P_POLICY_LOAD] = "policy load: safe open + read, cache hit (memcmp, replay of the values)",
    [P_EXEMPT] = "exempt check (the group list only when exempt_groups is set)",
    [P_CALLER] = "caller check: capget + /proc/self/stat (threads, start time)",
    [P_HOSTFD] = "own mount namespace fd (pidfd ioctl; kept for close)",
    [P_REGISTRY] = "registry open: PID 1's mount ns?, /run/nsiso dirs, statx mount checks",
    [P_LOCK] = "user dir + lock: open + flock",
    [P_READSET] = "read the set record",
    [P_NSOPEN] = "open + validate the 3 pins (fstatfs, NS_GET_NSTYPE, fstat)",
    [P_ADDSESS] = "write the session record",
    [P_JOIN] = "join: own ipc/uts fds (rollback) + setns x3",
    [P_UNLOCK] = "unlock, close fds, free",
    [P_LOG] = "the decision's syslog line (action=join ..., inodes)",
    [F_OPEN] = "floor: open the 3 pins",
    [F_IPC] = "floor: setns(CLONE_NEWIPC)",
    [F_UTS] = "floor: setns(CLONE_NEWUTS)",
    [F_MNT] = "floor: setns(CLONE_NEWNS)",
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool markers;

static void mark(int id)
{
	char path[32];

	if (!markers)
		return;
	if (id < 0)
		snprintf(path, sizeof(path), "/phases-mark/end");
	else
		snprintf(path, sizeof(path), "/phases-mark/%d", id);
	(void)syscall(SYS_faccessat, AT_FDCWD, path, F_OK);
}

struct result {
	int ok;
	int64_t t[PH_MAX];
	int64_t faults[PH_MAX]; /* minor page faults of the step (a fresh fork pays them) */
};

static int64_t minflt(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_minflt : 0;
}

static void warm(const char *user, bool groups)
{
	struct passwd *pw = getpwnam(user);

	if (pw && groups) {
		gid_t g[256];
		int n = 256;
		(void)getgrouplist(user, pw->pw_gid, g, &n);
	}
}

/* What session.c asks before it opens the registry (a static function there). */
static bool same_mount_ns_as_pid1(const struct nsiso_nsfds *here)
{
	struct stat a;

	return stat("/proc/1/ns/mnt", &a) == 0 &&
	       (uint64_t)a.st_ino == nsiso_nsfds_ino(here, NSISO_NS_MNT);
}

/* The module's line for a join (pam_syslog: the same prefix, LOG_AUTHPRIV). */
static void log_join(const char *user, uid_t uid, const struct nsiso_setrec *rec)
{
	syslog(LOG_AUTHPRIV | LOG_INFO,
	       "pam_nsiso(bench-nsiso:session): action=join service=bench-nsiso user=%s uid=%u "
	       "mnt=%llu ipc=%llu uts=%llu",
	       user, (unsigned)uid, (unsigned long long)rec->ino[NSISO_NS_MNT],
	       (unsigned long long)rec->ino[NSISO_NS_IPC], (unsigned long long)rec->ino[NSISO_NS_UTS]);
}

/* The library steps of one join, in the module's order. */
static void lib_child(const char *user, const char *config, struct result *r)
{
	struct nsiso_error err = {0};
	struct nsiso_user u = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_pcache_result pc;
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	struct nsiso_userdir ud = NSISO_USERDIR_INIT;
	struct nsiso_setrec rec;
	struct nsiso_nsfds fds = NSISO_NSFDS_INIT, here = NSISO_NSFDS_INIT;
	const char *why = NULL;
	uint64_t start = 0;
	int64_t f = minflt(), t = now_ns(), n;

#define STEP(id, expr)                                                                             \
	do {                                                                                       \
		mark(id);                                                                          \
		if (!(expr)) {                                                                     \
			fprintf(stderr, "phases: step '%s' failed: %s\n", phase_name[id],          \
				err.msg);                                                          \
			return;                                                                    \
		}                                                                                  \
		n = now_ns();                                                                      \
		r->t[id] = n - t;                                                                  \
		r->faults[id] = minflt() - f;                                                      \
		f = minflt();                                                                      \
		t = now_ns();                                                                      \
	} while (0)

	/* Each step is timed from the end of the previous one; the last one runs its code
	 * before its STEP line, so it marks its start itself. */

	STEP(P_USER, nsiso_user_lookup_passwd(user, &u, &err) == 0);
	/* As the module loads it: through the cache (lib/policycache.h); round 1 stores, later rounds hit. */
	STEP(P_POLICY_LOAD, nsiso_policy_load_cached(config, &p, &pc, &err) == 0);
	STEP(P_EXEMPT, (!nsiso_policy_exempt_uses_groups(p) ||
			nsiso_user_load_groups(&u, &err) == 0) &&
			   !nsiso_policy_exempt(p, &u, &why));
	STEP(P_CALLER, nsiso_caller_check(&start, &err) == 0);
	STEP(P_HOSTFD, nsiso_nsset_open_pid(0, NSISO_NS_BIT(NSISO_NS_MNT), &here, &err) == 0);
	STEP(P_REGISTRY,
	     same_mount_ns_as_pid1(&here) && nsiso_registry_open(&reg, true, &err) == 0);
	STEP(P_LOCK, nsiso_registry_lock_user(&reg, u.uid, true, &ud, &err) == 0);
	STEP(P_READSET, nsiso_registry_read_set(&ud, &rec, &err) == 0);
	STEP(P_NSOPEN, nsiso_nsset_open(&reg, u.uid, &rec, &fds, &err) == 0);
	STEP(P_ADDSESS, nsiso_registry_add_session(&ud, getpid(), start, &err) == 0);
	STEP(P_JOIN, nsiso_nsset_join(&fds, &here, &err) == 0);
	mark(P_UNLOCK);
	nsiso_nsfds_close(&fds);
	close(ud.lock_fd);
	ud.lock_fd = -1;
	nsiso_policy_free(p);
	nsiso_user_free(&u);
	STEP(P_UNLOCK, true);
	mark(P_LOG);
	log_join(user, u.uid, &rec);
	STEP(P_LOG, true);
	mark(-1);
#undef STEP
	/* Leave no record behind: this "session" ends with the child. */
	(void)nsiso_registry_remove_session(&ud, getpid(), start, NULL);
	nsiso_userdir_close(&ud);
	nsiso_registry_close(&reg);
	nsiso_nsfds_close(&here);
	r->ok = 1;
}

/*
 * The floor of a join: the kernel work no implementation can skip. The pins
 * live in the registry's keeper mount namespace (registry v2), which has no
 * /proc: open its pin, enter it, open the three pins there, then setns()
 * into each (the mnt one last takes the caller out of the keeper).
 */
static void floor_child(uid_t uid, struct result *r)
{
	static const int types[3] = {CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNS};
	static const int ids[3] = {F_IPC, F_UTS, F_MNT};
	static const char *const names[3] = {"ipc", "uts", "mnt"};
	char path[64];
	int fd[3], keeper;
	int64_t t, n;

	t = now_ns();
	keeper = open("/run/nsiso/keeper", O_RDONLY | O_CLOEXEC);
	if (keeper < 0 || setns(keeper, CLONE_NEWNS) < 0)
		return;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/%u/%s", (unsigned)uid, names[i]);
		if ((fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return;
	}
	n = now_ns();
	r->t[F_OPEN] = n - t;
	for (int i = 0; i < 3; i++) {
		t = now_ns();
		if (setns(fd[i], types[i]) < 0)
			return;
		r->t[ids[i]] = now_ns() - t;
	}
	r->ok = 1;
}

static int run(const char *user, const char *config, uid_t uid, bool floor, bool groups,
	       struct result *out)
{
	int fds[2], status;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct result r = {0};
		close(fds[0]);
		warm(user, groups);
		if (floor)
			floor_child(uid, &r);
		else
			lib_child(user, config, &r);
		(void)!write(fds[1], &r, sizeof(r));
		_exit(0);
	}
	close(fds[1]);
	ssize_t got = read(fds[0], out, sizeof(*out));
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return got == (ssize_t)sizeof(*out) && out->ok ? 0 : -1;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_us(int64_t *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp);
	return (n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2) / 1000;
}

int main(int argc, char **argv)
{
	const char *user = NULL, *config = NULL, *md_path = NULL, *tsv_path = NULL;
	int rounds = 100;
	bool groups = false;
	struct passwd *pw;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--warm-groups"))
			groups = true;
		else if (!strcmp(argv[i], "--markers"))
			markers = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--tsv"))
			tsv_path = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--user"))
			user = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--config"))
			config = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--md"))
			md_path = argv[++i];
		else {
			fprintf(stderr, "usage: phases --user NAME --config FILE --rounds N "
					"[--warm-groups] [--md FILE]\n");
			return 2;
		}
	}
	if (!user || !config || rounds < 1 || !(pw = getpwnam(user))) {
		fprintf(stderr, "phases: need --user (existing), --config and --rounds >= 1\n");
		return 2;
	}
	int64_t *v[PH_MAX];
	double faults[PH_MAX] = {0};
	size_t n[PH_MAX] = {0};
	unsigned failed = 0;
	for (int p = 0; p < PH_MAX; p++)
		if (!(v[p] = calloc((size_t)rounds, sizeof(int64_t))))
			return 2;
	/* Interleave the two kinds of child, like pambench does with cases. */
	for (int r = 0; r < rounds; r++) {
		for (int k = 0; k < 2; k++) {
			bool floor = (k + r) % 2;
			struct result res;
			if (run(user, config, pw->pw_uid, floor, groups, &res) < 0) {
				failed++;
				continue;
			}
			for (int p = floor ? P_LIB_MAX : 0; p < (floor ? PH_MAX : P_LIB_MAX); p++) {
				v[p][n[p]++] = res.t[p];
				faults[p] += (double)res.faults[p];
			}
		}
	}
	FILE *md = md_path ? fopen(md_path, "a") : stdout;
	if (!md)
		return 2;
	double sum = 0, fsum = 0, med[PH_MAX];
	for (int p = 0; p < PH_MAX; p++) {
		med[p] = median_us(v[p], n[p]);
		if (p < P_LIB_MAX)
			sum += med[p];
		else
			fsum += med[p];
	}
	fprintf(
	    md,
	    "| step (in the module's order) | median | share of the steps |\n|---|---:|---:|\n");
	for (int p = 0; p < P_LIB_MAX; p++)
		fprintf(md, "| %s | %.1f µs | %.0f%% |\n", phase_name[p], med[p],
			sum > 0 ? 100 * med[p] / sum : 0);
	fprintf(md, "| **sum of the step medians** | **%.1f µs** | |\n", sum);
	fprintf(md, "\n| kernel floor of a join (separate child) | median |\n|---|---:|\n");
	for (int p = P_LIB_MAX; p < PH_MAX; p++)
		fprintf(md, "| %s | %.1f µs |\n", phase_name[p], med[p]);
	fprintf(md, "| **floor total** | **%.1f µs** |\n", fsum);
	fprintf(
	    md,
	    "\n%zu library rounds, %zu floor rounds, %u failed; NSS groups %s before the steps.\n",
	    n[P_USER], n[F_OPEN], failed,
	    groups ? "warmed (getgrouplist)" : "cold (getpwnam only)");
	if (md != stdout)
		fclose(md);
	if (tsv_path) {
		FILE *tsv = fopen(tsv_path, "w");
		if (!tsv)
			return 2;
		/* index, step, median µs, mean minor page faults */
		for (int p = 0; p < PH_MAX; p++)
			fprintf(tsv, "%d\t%s\t%.1f\t%.1f\n", p, phase_name[p], med[p],
				n[p] ? faults[p] / (double)n[p] : 0);
		/* For bench/run.sh: where the library steps end and which one is the join. */
		fprintf(tsv, "nlib\tlibrary steps\t%d\njoinstep\tthe join step\t%d\n", P_LIB_MAX,
			P_JOIN);
		fprintf(tsv, "sum\tsum of the step medians\t%.1f\nfloor\tfloor total\t%.1f\n", sum,
			fsum);
		fclose(tsv);
	}
	return failed ? 3 : 0;
}
