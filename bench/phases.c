/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * phases: where the time of a pam_nsiso join or creation goes, microsecond by
 * microsecond, in the module's own code.
 *
 *   phases --user NAME --config FILE --rounds N [--create] [--warm-groups]
 *          [--md FILE] [--tsv FILE]
 *
 * Each round is a fresh forked child (a login process is one) that runs what
 * pam_sm_open_session runs, step by step and timed: the user lookup, the
 * policy load (through the registry's cache, as the module does), the
 * exemption check, nsiso_session_open() itself, the frees and the decision's
 * syslog line. Then, untimed, nsiso_session_close(): with --create the user's
 * policy says lifetime = session, so every close tears the set down and every
 * round is a first login; without it the user's set exists (lifetime = boot)
 * and every round joins it.
 *
 * Instrumentation without touching lib/: phases links build/libnsiso.a, the
 * module's objects unchanged, with `ld --wrap` on the core's public functions
 * and on the libc calls the core makes (the WRAP lines below; the Makefile
 * reads them). A call from one object to another, or to libc, lands in
 * __wrap_X, which times __real_X when accounting is on. Half the rounds run
 * with accounting off (their step times are the clean figures), the other
 * half with it on; they are interleaved, and the difference of the two
 * medians is the instrumentation's own cost, reported. Calls inside one
 * object (static functions, and public ones called from their own file) are
 * not seen: their time is the caller's "own code". In every third round of a
 * join the kernel floor is timed instead: enter the keeper, open the 3 pins,
 * 3 setns(), nothing else.
 *
 * Output (--md, markdown): the steps; the call tree of the core under the
 * steps (calls per login, inclusive and own time); where the time goes, by
 * libc call and by own code of each function, means that add up to the
 * instrumented total; the join's kernel floor. --tsv: "key<TAB>value" lines
 * for bench/run.sh's summary.
 *
 * Run only inside the bench sandbox (bench/run.sh): it joins and makes sets
 * like a login does.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include <sys/capability.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "keeper.h"
#include "netns.h"
#include "nsset.h"
#include "place.h"
#include "policy.h"
#include "policycache.h"
#include "polydir.h"
#include "stats.h"
#include "registry.h"
#include "session.h"
#include "user.h"
#include "util.h"

/* ------------------------------------------------------------ the steps */

enum {
	S_USER,
	S_POLICY,
	S_EXEMPT,
	S_OPEN,
	S_FREE,
	S_LOG,
	S_COUNT,
	S_MAX,
	/* the join's kernel floor, its own rounds */
	F_OPEN = S_MAX,
	F_IPC,
	F_UTS,
	F_MNT,
	T_MAX
};

static const char *const step_name[T_MAX] = {
    [S_USER] = "user name check + NSS lookup (getpwnam_r)",
    [S_POLICY] = "policy load: trusted open + read, cache hit",
    [S_EXEMPT] = "exempt check (the group list only with exempt_groups)",
    [S_OPEN] = "nsiso_session_open: the core",
    [S_FREE] = "free the policy and the user",
    [S_LOG] = "the decision's syslog line (to the /dev/log listener)",
    [S_COUNT] = "the decision's count (/run/nsiso/stats, nsisoctl list --prometheus)",
    [F_OPEN] = "floor: enter the keeper, open the 3 pins",
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

/* ------------------------------------------------------------ instrumentation */

#define MAX_FN	  160 /* steps + wrapped functions */
#define MAX_EDGE  320 /* distinct (caller, callee) pairs one login makes */
#define MAX_DEPTH 24

enum fn_kind { K_STEP, K_LIB, K_SYS };

/* Names and kinds, filled before main() (constructors), so every forked child has them. */
static const char *fn_name[MAX_FN];
static enum fn_kind fn_kind[MAX_FN];

/* One calling context: @fn called from the context @parent (an index; -1: a step). */
struct edge_rec {
	short parent, fn;
	int calls;
	int64_t incl, self; /* ns */
};

/* What one round reports to the parent. */
struct report {
	int ok;
	int instr;
	int64_t t[T_MAX];
	int nedge;
	struct edge_rec e[MAX_EDGE];
};

static struct {
	bool on;
	int depth;
	struct {
		int fn, edge;
		int64_t t0, child;
	} st[MAX_DEPTH];
	struct report *rep;
} acc;

static int edge_of(int parent, int fn)
{
	struct report *r = acc.rep;

	for (int i = r->nedge - 1; i >= 0; i--)
		if (r->e[i].parent == parent && r->e[i].fn == fn)
			return i;
	if (r->nedge == MAX_EDGE)
		return -1;
	r->e[r->nedge] = (struct edge_rec){.parent = (short)parent, .fn = (short)fn};
	return r->nedge++;
}

/* -1: not counted (accounting off, or too deep). */
static int enter(int fn)
{
	int d = acc.depth;

	if (!acc.on || d == 0 || d == MAX_DEPTH)
		return -1;
	acc.st[d].fn = fn;
	acc.st[d].edge = acc.st[d - 1].edge < 0 ? -1 : edge_of(acc.st[d - 1].edge, fn);
	acc.st[d].child = 0;
	acc.depth++;
	acc.st[d].t0 = now_ns();
	return d;
}

static void leave(int d)
{
	int64_t incl;

	if (d < 0)
		return;
	incl = now_ns() - acc.st[d].t0;
	acc.depth = d;
	acc.st[d - 1].child += incl;
	if (acc.st[d].edge >= 0) {
		struct edge_rec *e = &acc.rep->e[acc.st[d].edge];
		e->calls++;
		e->incl += incl;
		e->self += incl - acc.st[d].child;
	}
}

/* A step: the root of its calls; timed in every round. */
static void step_begin(int s)
{
	acc.depth = 1;
	acc.st[0].fn = s;
	acc.st[0].edge = acc.on ? edge_of(-1, s) : -1;
	acc.st[0].child = 0;
	acc.st[0].t0 = now_ns();
}

static void step_end(int s)
{
	int64_t incl = now_ns() - acc.st[0].t0;

	acc.rep->t[s] = incl;
	if (acc.on) {
		int e = acc.st[0].edge;
		if (e >= 0) {
			acc.rep->e[e].calls++;
			acc.rep->e[e].incl += incl;
			acc.rep->e[e].self += incl - acc.st[0].child;
		}
	}
	acc.depth = 0;
}

#define FN_ID(n) (S_MAX + (n))
#define REG(n, id, kind)                                                                           \
	__attribute__((constructor)) static void reg_##n(void)                                     \
	{                                                                                          \
		fn_name[id] = #n;                                                                  \
		fn_kind[id] = kind;                                                                \
	}

/*
 * WRAP(kind, name, return type, (parameters), (arguments)): __wrap_name times
 * __real_name. The Makefile turns every WRAP line into -Wl,--wrap=name.
 * errno is the callee's, whatever the clock did.
 */
#define SAME_TYPE(n)                                                                               \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&__real_##n), __typeof__(&n)),      \
		       "the wrapper of " #n " has another prototype than the function")
#define WRAP_(kind, n, id, ret, params, args)                                                      \
	ret __real_##n params;                                                                     \
	ret __wrap_##n params;                                                                     \
	SAME_TYPE(n);                                                                              \
	REG(n, id, kind)                                                                           \
	ret __wrap_##n params                                                                      \
	{                                                                                          \
		int d_ = enter(id);                                                                \
		ret r_ = __real_##n args;                                                          \
		int e_ = errno;                                                                    \
		leave(d_);                                                                         \
		errno = e_;                                                                        \
		return r_;                                                                         \
	}
#define WRAPV_(kind, n, id, params, args)                                                          \
	void __real_##n params;                                                                    \
	void __wrap_##n params;                                                                    \
	SAME_TYPE(n);                                                                              \
	REG(n, id, kind)                                                                           \
	void __wrap_##n params                                                                     \
	{                                                                                          \
		int d_ = enter(id);                                                                \
		__real_##n args;                                                                   \
		leave(d_);                                                                         \
	}
#define WRAP(kind, n, ret, params, args) WRAP_(kind, n, FN_ID(__COUNTER__), ret, params, args)
#define WRAPV(kind, n, params, args)	 WRAPV_(kind, n, FN_ID(__COUNTER__), params, args)

/* The Makefile reads each name from its WRAP line: keep "WRAP(kind, name," on one line. */
/* The core's public functions (calls between its objects). */
WRAP(K_LIB, nsiso_user_lookup_passwd, int,
     (const char *a, struct nsiso_user *b, struct nsiso_error *c), (a, b, c))
WRAP(K_LIB, nsiso_user_load_groups, int, (struct nsiso_user * a, struct nsiso_error *b), (a, b))
WRAP(K_LIB, nsiso_policy_load_cached, int,
     (const char *a, struct nsiso_policy **b, struct nsiso_pcache_result *c, struct nsiso_error *d),
     (a, b, c, d))
WRAP(K_LIB, nsiso_policy_read_files, int,
     (const char *a, struct nsiso_policy_files *b, struct nsiso_error *c), (a, b, c))
WRAP(K_LIB, nsiso_policy_deserialize, int, (const char *a, size_t b, struct nsiso_policy **c),
     (a, b, c))
WRAP(K_LIB, nsiso_policy_resolve, int,
     (const struct nsiso_policy *a, struct nsiso_user *b, struct nsiso_settings *c,
      struct nsiso_error *d),
     (a, b, c, d))
WRAP(K_LIB, nsiso_open_trusted, int,
     (const char *a, int b, enum nsiso_errkind c, struct stat *d, struct nsiso_error *e),
     (a, b, c, d, e))
WRAP(K_LIB, nsiso_read_fd_sized, int, (int a, size_t b, off_t c, char **d, size_t *e),
     (a, b, c, d, e))
WRAP(K_LIB, nsiso_session_open, int,
     (struct nsiso_user * a, const struct nsiso_policy *b, const struct nsiso_unresolved *c,
      struct nsiso_session **d, struct nsiso_open_result *e, struct nsiso_error *f),
     (a, b, c, d, e, f))
WRAP(K_LIB, nsiso_caller_check, int, (uint64_t * a, struct nsiso_error *b), (a, b))
WRAP(K_LIB, nsiso_proc_stat, int, (pid_t a, struct nsiso_procstat *b), (a, b))
WRAP(K_LIB, nsiso_nsset_open_pid, int,
     (pid_t a, unsigned b, struct nsiso_nsfds *c, struct nsiso_error *d), (a, b, c, d))
WRAP(K_LIB, nsiso_registry_open, int, (struct nsiso_registry * a, bool b, struct nsiso_error *c),
     (a, b, c))
WRAP(K_LIB, nsiso_registry_inside_set, bool, (void), ())
WRAP(K_LIB, nsiso_keeper_open, int, (int a, int *b, uint64_t *c, bool *d), (a, b, c, d))
WRAP(K_LIB, nsiso_open_root_dir, int,
     (int a, const char *b, const char *c, bool d, struct nsiso_error *e), (a, b, c, d, e))
WRAP(K_LIB, nsiso_is_mountpoint, int, (int a, int b), (a, b))
WRAP(K_LIB, nsiso_registry_lock_user, int,
     (const struct nsiso_registry *a, uid_t b, bool c, struct nsiso_userdir *d,
      struct nsiso_error *e),
     (a, b, c, d, e))
WRAP(K_LIB, nsiso_flock_timeout, int, (int a, int b), (a, b))
WRAP(K_LIB, nsiso_registry_read_set, int,
     (const struct nsiso_userdir *a, struct nsiso_setrec *b, struct nsiso_error *c), (a, b, c))
WRAP(K_LIB, nsiso_read_fd, int, (int a, size_t b, char **c, size_t *d), (a, b, c, d))
WRAP(K_LIB, nsiso_nsset_open, int,
     (const struct nsiso_registry *a, uid_t b, const struct nsiso_setrec *c, struct nsiso_nsfds *d,
      struct nsiso_error *e),
     (a, b, c, d, e))
WRAP(K_LIB, nsiso_nsset_open_from, int,
     (const struct nsiso_registry *a, int b, uid_t c, const struct nsiso_setrec *d,
      struct nsiso_nsfds *e, struct nsiso_error *f),
     (a, b, c, d, e, f))
WRAP(K_LIB, nsiso_nsfile_open, int, (int a, const char *b, enum nsiso_ns c, bool d, struct stat *e),
     (a, b, c, d, e))
WRAP(K_LIB, nsiso_mntns_id, uint64_t, (int a), (a))
WRAP(K_LIB, nsiso_place_save, int, (struct nsiso_place * a, int b, struct nsiso_error *c),
     (a, b, c))
WRAP(K_LIB, nsiso_place_visit, int, (struct nsiso_place * a, int b, int c, struct nsiso_error *d),
     (a, b, c, d))
WRAP(K_LIB, nsiso_place_restore, int, (const struct nsiso_place *a, struct nsiso_error *b), (a, b))
WRAPV(K_LIB, nsiso_place_close, (struct nsiso_place * a), (a))
WRAP(K_LIB, nsiso_registry_add_session, int,
     (const struct nsiso_userdir *a, pid_t b, uint64_t c, struct nsiso_error *d), (a, b, c, d))
WRAP(K_LIB, nsiso_nsset_join, int,
     (const struct nsiso_nsfds *a, const struct nsiso_nsfds *b, struct nsiso_error *c), (a, b, c))
WRAP(K_LIB, nsiso_registry_remove_set, int, (const struct nsiso_userdir *a, struct nsiso_error *b),
     (a, b))
WRAP(K_LIB, nsiso_nsset_remove_pins, int,
     (const struct nsiso_registry *a, int b, uid_t c, const char *d, struct nsiso_error *e),
     (a, b, c, d, e))
WRAP(K_LIB, nsiso_nsset_unpin, int,
     (const struct nsiso_registry *a, int b, bool c, uid_t d, const char *e, int *f,
      struct nsiso_error *g),
     (a, b, c, d, e, f, g))
WRAP(K_LIB, nsiso_store_open_here, int, (uid_t a), (a))
WRAP(K_LIB, nsiso_store_reap_at, int,
     (const struct nsiso_registry *a, uid_t b, int c, uint64_t d, pid_t e, uint64_t f, bool g,
      struct nsiso_error *h),
     (a, b, c, d, e, f, g, h))
WRAPV(K_LIB, nsiso_keeper_unmount_all, (const char *a), (a))
WRAPV(K_LIB, nsiso_registry_release_name, (const struct nsiso_registry *a, uid_t b, const char *c),
      (a, b, c))
WRAP(K_LIB, nsiso_nsset_create, int,
     (const struct nsiso_registry *a, const struct nsiso_user *b, const struct nsiso_settings *c,
      const char *d, const char *e, struct nsiso_setrec *f, struct nsiso_nsfds *g, int *h, char *j,
      size_t k, struct nsiso_error *i),
     (a, b, c, d, e, f, g, h, j, k, i))
WRAP(K_LIB, nsiso_polydir_setup, int,
     (const struct nsiso_user *a, const struct nsiso_settings *b, struct nsiso_store *c,
      struct nsiso_error *d),
     (a, b, c, d))
WRAP(K_LIB, nsiso_bind_nsfd, int, (int a, int b, const char *c, struct nsiso_error *d),
     (a, b, c, d))
WRAPV(K_LIB, nsiso_unmount_all, (int a, const char *b), (a, b))
WRAP(K_LIB, nsiso_netns_hide, int, (struct nsiso_error * a), (a))
WRAP(K_LIB, nsiso_registry_write_set, int,
     (const struct nsiso_userdir *a, const struct nsiso_setrec *b, struct nsiso_error *c),
     (a, b, c))
WRAPV(K_LIB, nsiso_nsfds_close, (struct nsiso_nsfds * a), (a))
WRAPV(K_LIB, nsiso_settings_free, (struct nsiso_settings * a), (a))
WRAPV(K_LIB, nsiso_policy_free, (struct nsiso_policy * a), (a))
WRAPV(K_LIB, nsiso_user_free, (struct nsiso_user * a), (a))

/* libc and libcap: the kernel's share (plus a libc stub each). */
WRAP(K_SYS, getpwnam_r, int,
     (const char *a, struct passwd *b, char *c, size_t d, struct passwd **e), (a, b, c, d, e))
WRAP(K_SYS, getgrouplist, int, (const char *a, gid_t b, gid_t *c, int *d), (a, b, c, d))
WRAP(K_SYS, cap_get_proc, cap_t, (void), ())
WRAP(K_SYS, unshare, int, (int a), (a))
WRAP(K_SYS, setns, int, (int a, int b), (a, b))
WRAP(K_SYS, mount, int,
     (const char *a, const char *b, const char *c, unsigned long d, const void *e), (a, b, c, d, e))
WRAP(K_SYS, umount2, int, (const char *a, int b), (a, b))
WRAP(K_SYS, fsopen, int, (const char *a, unsigned b), (a, b))
WRAP(K_SYS, fsconfig, int, (int a, unsigned b, const char *c, const void *d, int e),
     (a, b, c, d, e))
WRAP(K_SYS, fsmount, int, (int a, unsigned b, unsigned c), (a, b, c))
WRAP(K_SYS, move_mount, int, (int a, const char *b, int c, const char *d, unsigned e),
     (a, b, c, d, e))
WRAP(K_SYS, open_tree, int, (int a, const char *b, unsigned c), (a, b, c))
WRAP(K_SYS, mount_setattr, int, (int a, const char *b, unsigned c, struct mount_attr *d, size_t e),
     (a, b, c, d, e))
WRAP(K_SYS, __openat_2, int, (int a, const char *b, int c), (a, b, c))
WRAP(K_SYS, close, int, (int a), (a))
WRAP(K_SYS, close_range, int, (unsigned a, unsigned b, int c), (a, b, c))
WRAP(K_SYS, fstat, int, (int a, struct stat *b), (a, b))
WRAP(K_SYS, fstatat, int, (int a, const char *b, struct stat *c, int d), (a, b, c, d))
WRAP(K_SYS, stat, int, (const char *a, struct stat *b), (a, b))
WRAP(K_SYS, statx, int, (int a, const char *b, int c, unsigned d, struct statx *e), (a, b, c, d, e))
WRAP(K_SYS, fstatfs, int, (int a, struct statfs *b), (a, b))
WRAP(K_SYS, statfs, int, (const char *a, struct statfs *b), (a, b))
WRAP(K_SYS, fstatvfs, int, (int a, struct statvfs *b), (a, b))
WRAP(K_SYS, mkdirat, int, (int a, const char *b, mode_t c), (a, b, c))
WRAP(K_SYS, fchdir, int, (int a), (a))
WRAP(K_SYS, chdir, int, (const char *a), (a))
WRAP(K_SYS, chroot, int, (const char *a), (a))
WRAP(K_SYS, fchmod, int, (int a, mode_t b), (a, b))
WRAP(K_SYS, sethostname, int, (const char *a, size_t b), (a, b))
WRAP(K_SYS, uname, int, (struct utsname * a), (a))
WRAP(K_SYS, sched_getaffinity, int, (pid_t a, size_t b, cpu_set_t *c), (a, b, c))
WRAP(K_SYS, sched_setaffinity, int, (pid_t a, size_t b, const cpu_set_t *c), (a, b, c))
WRAP(K_SYS, sigprocmask, int, (int a, const sigset_t *b, sigset_t *c), (a, b, c))
WRAP(K_SYS, read, ssize_t, (int a, void *b, size_t c), (a, b, c))
WRAP(K_SYS, write, ssize_t, (int a, const void *b, size_t c), (a, b, c))
WRAP(K_SYS, renameat, int, (int a, const char *b, int c, const char *d), (a, b, c, d))
WRAP(K_SYS, unlinkat, int, (int a, const char *b, int c), (a, b, c))
WRAP(K_SYS, flock, int, (int a, int b), (a, b))
WRAP(K_SYS, getpid, pid_t, (void), ())
WRAP(K_SYS, dup2, int, (int a, int b), (a, b))
WRAP(K_SYS, fdopendir, DIR *, (int a), (a))
WRAP(K_SYS, readdir, struct dirent *, (DIR * a), (a))
WRAP(K_SYS, closedir, int, (DIR * a), (a))

/*
 * The variadic ones. Each passes on the optional argument as the callee reads
 * it (open and openat read a mode only with O_CREAT or O_TMPFILE, and glibc
 * itself reads it unconditionally, as here; syscall(2) is used for pidfd_open
 * and openat2, with at most 4 arguments).
 */
#define VARIADIC(n)                                                                                \
	enum { id_##n = FN_ID(__COUNTER__) };                                                      \
	SAME_TYPE(n);                                                                              \
	REG(n, id_##n, K_SYS)
int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...);
int __real_openat(int dfd, const char *path, int flags, ...);
int __wrap_openat(int dfd, const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
int __wrap_ioctl(int fd, unsigned long req, ...);
long __real_syscall(long nr, ...);
long __wrap_syscall(long nr, ...);
VARIADIC(open);
VARIADIC(openat);
VARIADIC(ioctl);
VARIADIC(syscall);

#define TIMED(id, call)                                                                            \
	do {                                                                                       \
		int d_ = enter(id), e_;                                                            \
		r = call;                                                                          \
		e_ = errno;                                                                        \
		leave(d_);                                                                         \
		errno = e_;                                                                        \
	} while (0)

int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r;

	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	TIMED(id_open, __real_open(path, flags, mode));
	return r;
}

int __wrap_openat(int dfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r;

	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	TIMED(id_openat, __real_openat(dfd, path, flags, mode));
	return r;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	unsigned long arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	TIMED(id_ioctl, __real_ioctl(fd, req, arg));
	return r;
}

long __wrap_syscall(long nr, ...)
{
	va_list ap;
	long a[4], r;

	va_start(ap, nr);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	TIMED(id_syscall, __real_syscall(nr, a[0], a[1], a[2], a[3]));
	return r;
}

/* ------------------------------------------------------------ one login */

static void warm(const char *user, bool groups)
{
	struct passwd *pw = getpwnam(user);

	if (pw && groups) {
		gid_t g[256];
		int n = 256;
		(void)getgrouplist(user, pw->pw_gid, g, &n);
	}
}

static const char *action_name(const struct nsiso_open_result *res)
{
	return res->action == NSISO_ACTION_CREATE ? "create" : "join";
}

/* The module's line (log_decision through pam_syslog: its prefix, LOG_AUTHPRIV). */
static void log_open(const struct nsiso_user *u, const struct nsiso_open_result *res)
{
	syslog(LOG_AUTHPRIV | LOG_INFO,
	       "pam_nsiso(bench-nsiso:session): action=%s service=bench-nsiso user=%s uid=%u "
	       "mnt=%llu ipc=%llu uts=%llu",
	       action_name(res), u->name, (unsigned)u->uid,
	       (unsigned long long)res->rec.ino[NSISO_NS_MNT],
	       (unsigned long long)res->rec.ino[NSISO_NS_IPC],
	       (unsigned long long)res->rec.ino[NSISO_NS_UTS]);
}

/* What pam_sm_open_session does for a user who is not exempt, step by step; then close. */
static void login_child(const char *user, const char *config, bool create, struct report *r)
{
	struct nsiso_error err = {0};
	struct nsiso_user u = {0};
	struct nsiso_policy *p = NULL;
	struct nsiso_pcache_result pc;
	struct nsiso_open_result res;
	struct nsiso_close_result cres;
	struct nsiso_session *sess = NULL;
	const char *why = NULL;
	struct nsiso_unresolved un = {0};
	bool ok;

	step_begin(S_USER);
	ok = nsiso_user_name_ok(user) && nsiso_user_lookup_passwd(user, &u, &err) == 0;
	step_end(S_USER);
	if (!ok)
		goto fail;
	step_begin(S_POLICY);
	ok = nsiso_policy_load_cached(config, &p, &pc, &err) == 0;
	step_end(S_POLICY);
	if (!ok)
		goto fail;
	step_begin(S_EXEMPT);
	ok = (!nsiso_policy_exempt_uses_groups(p) || nsiso_user_load_groups(&u, &err) == 0) &&
	     !nsiso_policy_exempt_un(p, &u, &why, &un);
	step_end(S_EXEMPT);
	if (!ok)
		goto fail;
	step_begin(S_OPEN);
	ok = nsiso_session_open(&u, p, &un, &sess, &res, &err) == 0;
	step_end(S_OPEN);
	if (!ok) {
		nsiso_open_result_free(&res);
		goto fail;
	}
	nsiso_open_result_free(&res);
	step_begin(S_FREE);
	nsiso_policy_free(p);
	p = NULL;
	step_end(S_FREE);
	step_begin(S_LOG);
	log_open(&u, &res);
	step_end(S_LOG);
	step_begin(S_COUNT);
	nsiso_stats_count(res.action == NSISO_ACTION_CREATE ? NSISO_DECISION_CREATE
							    : NSISO_DECISION_JOIN);
	step_end(S_COUNT);
	acc.on = false;
	if ((res.action == NSISO_ACTION_CREATE) != create) {
		fprintf(stderr, "phases: the login did %s, not %s\n", action_name(&res),
			create ? "create" : "join");
	} else if (nsiso_session_close(sess, &cres, &err) < 0) {
		fprintf(stderr, "phases: close: %s\n", err.msg);
	} else if (create && !cres.torn_down) {
		fprintf(stderr, "phases: the close kept the set (lifetime is not session?)\n");
	} else {
		r->ok = 1;
	}
	nsiso_session_free(sess);
	nsiso_user_free(&u);
	return;
fail:
	acc.on = false;
	fprintf(stderr, "phases: %s\n", err.msg[0] ? err.msg : "the user is exempt");
	nsiso_policy_free(p);
	nsiso_user_free(&u);
}

/*
 * The floor of a join: the kernel work no implementation can skip. The pins
 * live in the registry's keeper mount namespace, which has no /proc: enter
 * it by its pin, open the three pins there, then setns() into each (the mnt
 * one last takes the caller out of the keeper).
 */
static void floor_child(uid_t uid, struct report *r)
{
	static const int types[3] = {CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNS};
	static const int ids[3] = {F_IPC, F_UTS, F_MNT};
	static const char *const names[3] = {"ipc", "uts", "mnt"};
	char path[64];
	int fd[3], keeper;
	int64_t t;

	t = now_ns();
	keeper = open("/run/nsiso/keeper", O_RDONLY | O_CLOEXEC);
	if (keeper < 0 || setns(keeper, CLONE_NEWNS) < 0)
		return;
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/%u/%s", (unsigned)uid, names[i]);
		if ((fd[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			return;
	}
	r->t[F_OPEN] = now_ns() - t;
	for (int i = 0; i < 3; i++) {
		t = now_ns();
		if (setns(fd[i], types[i]) < 0)
			return;
		r->t[ids[i]] = now_ns() - t;
	}
	r->ok = 1;
}

enum round_kind { R_PLAIN, R_INSTR, R_FLOOR };

struct opts {
	const char *user, *config;
	uid_t uid;
	bool create, groups;
};

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int run(const struct opts *o, enum round_kind k, struct report *out)
{
	int fds[2], status, got;
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static struct report r;
		close(fds[0]);
		warm(o->user, o->groups);
		r.instr = k == R_INSTR;
		acc.rep = &r;
		acc.on = k == R_INSTR;
		if (k == R_FLOOR)
			floor_child(o->uid, &r);
		else
			login_child(o->user, o->config, o->create, &r);
		acc.on = false;
		for (size_t off = 0; off < sizeof(r);) {
			ssize_t n = write(fds[1], (char *)&r + off, sizeof(r) - off);
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	got = read_all(fds[0], out, sizeof(*out));
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return got == 0 && out->ok ? 0 : -1;
}

/* ------------------------------------------------------------ the figures */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median in µs of @n values in ns (sorts a copy). */
static double median_us(const int64_t *v, size_t n)
{
	int64_t *c;
	double m;

	if (!n || !(c = malloc(n * sizeof(*c))))
		return 0;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_i64);
	m = n % 2 ? (double)c[n / 2] : ((double)c[n / 2 - 1] + (double)c[n / 2]) / 2;
	free(c);
	return m / 1000;
}

static double mean_us(const int64_t *v, size_t n)
{
	double s = 0;

	for (size_t i = 0; i < n; i++)
		s += (double)v[i];
	return n ? s / (double)n / 1000 : 0;
}

/* The parent's view of the instrumented rounds: one column per round for each edge. */
struct agg {
	int n_edge, rounds, cap;
	short parent[MAX_EDGE], fn[MAX_EDGE];
	int64_t *calls, *incl, *self; /* [edge * cap + round] */
};

static int agg_edge(struct agg *a, int parent, int fn)
{
	for (int i = 0; i < a->n_edge; i++)
		if (a->parent[i] == parent && a->fn[i] == fn)
			return i;
	if (a->n_edge == MAX_EDGE)
		return -1;
	a->parent[a->n_edge] = (short)parent;
	a->fn[a->n_edge] = (short)fn;
	return a->n_edge++;
}

static void agg_add(struct agg *a, const struct report *r)
{
	int col = a->rounds++, map[MAX_EDGE];

	/* A context is made before any context under it: parents are mapped first. */
	for (int i = 0; i < r->nedge; i++) {
		int parent = r->e[i].parent < 0 ? -1 : map[r->e[i].parent];
		int e = map[i] = parent < -1 ? -2 : agg_edge(a, parent, r->e[i].fn);
		if (e < 0) {
			map[i] = -2;
			continue;
		}
		a->calls[e * a->cap + col] = r->e[i].calls;
		a->incl[e * a->cap + col] = r->e[i].incl;
		a->self[e * a->cap + col] = r->e[i].self;
	}
}

/* The calling-context tree, depth first, children in the order they were first seen. */
static void tree_rows(FILE *md, const struct agg *a, int node, int depth, double total)
{
	int fn = a->fn[node];
	double c = mean_us(&a->calls[node * a->cap], (size_t)a->rounds) * 1000;
	double incl = median_us(&a->incl[node * a->cap], (size_t)a->rounds);
	double self = median_us(&a->self[node * a->cap], (size_t)a->rounds);

	if (depth > 0) {
		fputs("| ", md);
		for (int i = 1; i < depth; i++)
			fputs("· ", md);
		fprintf(md, "`%s` | %s | %.1f | %.1f µs | %.1f µs | %.0f%% |\n", fn_name[fn],
			fn_kind[fn] == K_SYS ? "libc" : "core", c, incl, self,
			total > 0 ? 100 * incl / total : 0);
	}
	for (int i = 0; i < a->n_edge; i++)
		if (a->parent[i] == node)
			tree_rows(md, a, i, depth + 1, total);
}

struct where {
	const char *what;
	double us;
};

static int cmp_where(const void *a, const void *b)
{
	double x = ((const struct where *)a)->us, y = ((const struct where *)b)->us;

	return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * Where the time goes, additively: each libc call by name (all its call
 * sites), each core function's own code, each step's own code; means over
 * the rounds in @keep, so they add up to those rounds' mean total.
 */
static int where_rows(const struct agg *a, const bool *keep, struct where *w, char (*label)[96])
{
	int n = 0, kept = 0;
	double by_fn[MAX_FN] = {0};

	for (int r = 0; r < a->rounds; r++)
		kept += keep[r];
	for (int e = 0; e < a->n_edge; e++)
		for (int r = 0; r < a->rounds; r++)
			if (keep[r])
				by_fn[a->fn[e]] += (double)a->self[e * a->cap + r] / 1000 / kept;
	for (int f = 0; f < MAX_FN; f++) {
		if (!fn_name[f] || by_fn[f] < 0.05)
			continue;
		if (fn_kind[f] == K_SYS)
			snprintf(label[n], 96, "`%s()`", fn_name[f]);
		else if (fn_kind[f] == K_LIB)
			snprintf(label[n], 96, "own code of `%s`", fn_name[f]);
		else
			snprintf(label[n], 96, "own code of the step \"%s\"", fn_name[f]);
		w[n].what = label[n];
		w[n].us = by_fn[f];
		n++;
	}
	qsort(w, (size_t)n, sizeof(*w), cmp_where);
	return n;
}

/*
 * The instrumented rounds that count for the additive list: all but the
 * slowest 5% by total. On a shared machine one stalled round (a preemption
 * inside one call) would otherwise make that call look dear in a mean.
 * *@mean: the kept rounds' mean total in µs.
 */
static bool *trimmed(int64_t *ti[S_MAX], size_t nti, double *mean)
{
	int64_t *tot = calloc(nti ? nti : 1, sizeof(*tot)), *sorted;
	bool *keep = calloc(nti ? nti : 1, sizeof(*keep));
	size_t kept = 0;
	int64_t cut;

	*mean = 0;
	if (!tot || !keep || !(sorted = calloc(nti ? nti : 1, sizeof(*sorted)))) {
		free(tot);
		free(keep);
		return NULL;
	}
	for (size_t r = 0; r < nti; r++)
		for (int s = 0; s < S_MAX; s++)
			tot[r] += ti[s][r];
	memcpy(sorted, tot, nti * sizeof(*tot));
	qsort(sorted, nti, sizeof(*sorted), cmp_i64);
	cut = nti ? sorted[(nti * 95) / 100 < nti ? (nti * 95) / 100 : nti - 1] : 0;
	for (size_t r = 0; r < nti; r++)
		if ((keep[r] = tot[r] <= cut)) {
			*mean += (double)tot[r] / 1000;
			kept++;
		}
	*mean = kept ? *mean / (double)kept : 0;
	free(tot);
	free(sorted);
	return keep;
}

static void report(FILE *md, FILE *tsv, const struct opts *o, int64_t *t[T_MAX], size_t nt[T_MAX],
		   int64_t *ti[S_MAX], size_t nti, const struct agg *a, unsigned failed)
{
	bool *keep;
	const char *what = o->create ? "create" : "join";
	double sum = 0, isum = 0, imean = 0, floor_sum = 0;
	struct where w[MAX_FN];
	char label[MAX_FN][96];
	int nw;

	fprintf(md, "| step (as pam_sm_open_session takes them) | median | share | median, "
		    "instrumented |\n|---|---:|---:|---:|\n");
	for (int s = 0; s < S_MAX; s++) {
		sum += median_us(t[s], nt[s]);
		isum += median_us(ti[s], nti);
	}
	for (int s = 0; s < S_MAX; s++) {
		double m = median_us(t[s], nt[s]);
		fprintf(md, "| %s | %.1f µs | %.0f%% | %.1f µs |\n", step_name[s], m,
			sum > 0 ? 100 * m / sum : 0, median_us(ti[s], nti));
		fprintf(tsv, "%s.step%d\t%.1f\n", what, s, m);
	}
	fprintf(md, "| **sum of the step medians** | **%.1f µs** | | **%.1f µs** |\n\n", sum, isum);
	fprintf(tsv, "%s.sum\t%.1f\n%s.sum_instr\t%.1f\n", what, sum, what, isum);
	fprintf(md,
		"%zu plain and %zu instrumented rounds (interleaved), %u failed; NSS groups %s. "
		"The instrumentation (two clock reads per wrapped call) adds %.1f µs to a login "
		"(difference of the sums).\n\n",
		nt[0], nti, failed, o->groups ? "warmed (getgrouplist)" : "cold (getpwnam only)",
		isum - sum);
	fprintf(md, "Inside the steps, every call the core makes from one of its objects to "
		    "another, or to libc (instrumented rounds; calls per login are means, times "
		    "medians; \"own\" = inclusive minus the wrapped calls below it):\n\n");
	fprintf(md, "| call (indented under its caller) | kind | calls | inclusive | own | share "
		    "of the login |\n|---|---|---:|---:|---:|---:|\n");
	for (int s = 0; s < S_MAX; s++)
		for (int e = 0; e < a->n_edge; e++)
			if (a->parent[e] == -1 && a->fn[e] == s) {
				fprintf(
				    md, "| **%s** | step | 1 | %.1f µs | %.1f µs | %.0f%% |\n",
				    step_name[s],
				    median_us(&a->incl[e * a->cap], (size_t)a->rounds),
				    median_us(&a->self[e * a->cap], (size_t)a->rounds),
				    isum > 0
					? 100 * median_us(&a->incl[e * a->cap], (size_t)a->rounds) /
					      isum
					: 0);
				tree_rows(md, a, e, 0, isum);
			}
	keep = trimmed(ti, nti, &imean);
	nw = keep ? where_rows(a, keep, w, label) : 0;
	free(keep);
	fprintf(md,
		"\nWhere the instrumented login's %.1f µs go, largest first (means over the "
		"rounds but the slowest 5%%, so that one stalled round does not make one call look "
		"dear; means add up):\n\n| where | µs per login | share |\n|---|---:|---:|\n",
		imean);
	for (int i = 0; i < nw; i++) {
		fprintf(md, "| %s | %.1f | %.0f%% |\n", w[i].what, w[i].us,
			imean > 0 ? 100 * w[i].us / imean : 0);
		if (i < 6)
			fprintf(tsv, "%s.where%d\t%s\t%.1f\n", what, i, w[i].what, w[i].us);
	}
	if (!o->create && nt[F_OPEN]) {
		fprintf(md,
			"\n| the kernel floor of a join (its own rounds) | median |\n|---|---:|\n");
		for (int s = S_MAX; s < T_MAX; s++) {
			double m = median_us(t[s], nt[s]);
			floor_sum += m;
			fprintf(md, "| %s | %.1f µs |\n", step_name[s], m);
		}
		fprintf(md, "| **floor total** | **%.1f µs** |\n", floor_sum);
		fprintf(tsv, "join.floor\t%.1f\n", floor_sum);
	}
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	const char *md_path = NULL, *tsv_path = NULL;
	int rounds = 100;
	struct passwd *pw;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--warm-groups"))
			o.groups = true;
		else if (!strcmp(argv[i], "--create"))
			o.create = true;
		else if (i + 1 < argc && !strcmp(argv[i], "--tsv"))
			tsv_path = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--user"))
			o.user = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--config"))
			o.config = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--rounds"))
			rounds = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "--md"))
			md_path = argv[++i];
		else {
			fprintf(stderr,
				"usage: phases --user NAME --config FILE --rounds N [--create] "
				"[--warm-groups] [--md FILE] [--tsv FILE]\n");
			return 2;
		}
	}
	if (!o.user || !o.config || rounds < 2 || rounds > 100000 || !(pw = getpwnam(o.user))) {
		fprintf(stderr, "phases: need --user (existing), --config and --rounds >= 2\n");
		return 2;
	}
	o.uid = pw->pw_uid;
	/* sshd's "Accepted publickey" line before the session (pambench.c, log_like_sshd()). */
	openlog("sshd", LOG_PID, LOG_AUTH);
	syslog(LOG_INFO, "Accepted publickey for %s from 127.0.0.1 port 22 ssh2 (phases)", o.user);
	closelog();

	int kinds = o.create ? 2 : 3, cap = rounds;
	int64_t *t[T_MAX], *ti[S_MAX];
	size_t nt[T_MAX] = {0}, nti = 0;
	struct agg a = {.cap = cap};
	unsigned failed = 0;

	for (int s = 0; s < T_MAX; s++)
		if (!(t[s] = calloc((size_t)cap, sizeof(int64_t))))
			return 2;
	for (int s = 0; s < S_MAX; s++)
		if (!(ti[s] = calloc((size_t)cap, sizeof(int64_t))))
			return 2;
	a.calls = calloc((size_t)MAX_EDGE * (size_t)cap, sizeof(int64_t));
	a.incl = calloc((size_t)MAX_EDGE * (size_t)cap, sizeof(int64_t));
	a.self = calloc((size_t)MAX_EDGE * (size_t)cap, sizeof(int64_t));
	if (!a.calls || !a.incl || !a.self)
		return 2;
	/* Round r runs every kind, starting at kind r mod kinds: drift hits all alike. */
	for (int r = 0; r < rounds; r++)
		for (int j = 0; j < kinds; j++) {
			enum round_kind k = (enum round_kind)((j + r) % kinds);
			static struct report res;
			if (run(&o, k, &res) < 0) {
				failed++;
				continue;
			}
			if (k == R_INSTR) {
				for (int s = 0; s < S_MAX; s++)
					ti[s][nti] = res.t[s];
				nti++;
				agg_add(&a, &res);
				continue;
			}
			for (int s = k == R_FLOOR ? S_MAX : 0; s < (k == R_FLOOR ? T_MAX : S_MAX);
			     s++)
				t[s][nt[s]++] = res.t[s];
		}
	FILE *md = md_path ? fopen(md_path, "w") : stdout;
	FILE *tsv = fopen(tsv_path ? tsv_path : "/dev/null", "a");
	if (!md || !tsv)
		return 2;
	report(md, tsv, &o, t, nt, ti, nti, &a, failed);
	if (md != stdout)
		fclose(md);
	fclose(tsv);
	return failed ? 3 : 0;
}
