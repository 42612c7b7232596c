/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "child.h"
#include "fault.h"
#include "fsutil.h"
#include "netns.h"
#include "nsset.h"
#include "polydir.h"
#include "util.h"

#ifndef NS_GET_MNTNS_ID
#define NS_GET_MNTNS_ID _IOR(NSIO, 0x5, __u64)
#endif

/* What the creation child tells its parent: all set up, or why not. */
struct child_report {
	int retry; /* the per-CPU id quirk: this child's namespace cannot be pinned */
	int kind;  /* enum nsiso_errkind, NSISO_ERR_NONE when ready */
	int errnum;
	char msg[512];
};

void nsiso_nsfds_close(struct nsiso_nsfds *f)
{
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (f->fd[i] >= 0)
			close(f->fd[i]);
		f->fd[i] = -1;
		f->ino[i] = 0;
	}
}

static unsigned long clone_flags(unsigned mask)
{
	unsigned long flags = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (mask & NSISO_NS_BIT(i))
			flags |= (unsigned long)nsiso_ns_table[i].clone_flag;
	return flags;
}

/* ---- children ---- */

/* A child must not outlive the login process that started it, nor keep a set alive. */
static void child_bind_to_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
}

static __attribute__((noreturn)) void child_report_exit(int fd, const struct nsiso_error *e)
{
	struct child_report rep = {.kind = NSISO_ERR_NONE};

	if (e && e->kind != NSISO_ERR_NONE) {
		rep.kind = e->kind;
		rep.errnum = e->errnum;
		snprintf(rep.msg, sizeof(rep.msg), "%.*s", (int)sizeof(rep.msg) - 1, e->msg);
	}
	(void)nsiso_write_all(fd, &rep, sizeof(rep));
	_exit(rep.kind == NSISO_ERR_NONE ? 0 : 1);
}

/* ---- creation ---- */

/* The kernel's id of the mount namespace open on @fd (6.x: NS_GET_MNTNS_ID), 0 when it cannot tell.
 */
static uint64_t mnt_ns_id(int fd)
{
	uint64_t id = 0;

	if (fd < 0 || ioctl(fd, NS_GET_MNTNS_ID, &id) < 0)
		return 0;
	return id;
}

/* The caller's own mount namespace id (the binder's), 0 when it cannot tell. */
static uint64_t own_mnt_ns_id(void)
{
	struct nsiso_nsfds self = NSISO_NSFDS_INIT;
	uint64_t id = 0;

	if (nsiso_nsset_open_pid(0, NSISO_NS_BIT(NSISO_NS_MNT), &self, NULL) == 0)
		id = mnt_ns_id(self.fd[NSISO_NS_MNT]);
	nsiso_nsfds_close(&self);
	return id;
}

struct create_args {
	const struct nsiso_user *user;
	const struct nsiso_settings *settings;
	const char *hostname;
	const char *netns_name;
	int cpu;	    /* -1: let the scheduler choose */
	uint64_t binder_id; /* the binder's mount namespace id, 0 if the kernel does not say */
};

/*
 * Hide the registry inside the new set: users must neither see nor hold
 * other users' pins (a copy of an ipc/uts pin here would keep that namespace
 * alive after its tear-down). A read-only empty tmpfs takes its place so a
 * login started inside the set knows where it is (registry.c).
 */
static int hide_registry(struct nsiso_error *err)
{
	if (umount2(NSISO_RUNDIR, MNT_DETACH) < 0)
		return nsiso_syserr(err, errno, "cannot hide " NSISO_RUNDIR " in the new set");
	if (mount("nsiso-set", NSISO_RUNDIR, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700,size=4k,nr_inodes=8") < 0)
		return nsiso_syserr(err, errno, "cannot cover " NSISO_RUNDIR " in the new set");
	return 0;
}

/*
 * 0 ready, -1 error, 1 doomed: the new mount namespace's id is not above the
 * binder's, so the kernel will refuse to pin it (DESIGN.md 4.3). Checked
 * right after unshare(), so a doomed attempt costs no mount work.
 */
static int child_build(const struct create_args *a, struct nsiso_nsfds *ns, struct nsiso_error *err)
{
	const struct nsiso_settings *s = a->settings;
	unsigned long prop = s->propagation == NSISO_PROP_SLAVE ? MS_SLAVE : MS_PRIVATE;

	if (a->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET((size_t)a->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			return nsiso_syserr(err, errno, "cannot pin the creation to CPU %d",
					    a->cpu);
	}
	if (unshare((int)clone_flags(s->ns_mask)) < 0)
		return nsiso_syserr(err, errno, "cannot create namespaces");
	/* The fds the parent will pin; the mnt one also tells the new namespace's id. */
	if (nsiso_nsset_open_pid(0, s->ns_mask, ns, err) < 0)
		return -1;
	if (a->binder_id && mnt_ns_id(ns->fd[NSISO_NS_MNT]) <= a->binder_id)
		return 1;
	if (NSISO_FAULT("create.child.unshared") < 0)
		return nsiso_syserr(err, errno, "fault create.child.unshared");
	if (mount(NULL, "/", NULL, MS_REC | prop, NULL) < 0)
		return nsiso_syserr(err, errno, "cannot set mount propagation");
	if (hide_registry(err) < 0 || nsiso_netns_hide(err) < 0)
		return -1;
	if (nsiso_polydir_setup(a->user, s, err) < 0)
		return -1;
	if ((s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)) &&
	    nsiso_netns_child_setup(a->netns_name, err) < 0)
		return -1;
	if (NSISO_FAULT("create.child.built") < 0)
		return nsiso_syserr(err, errno, "fault create.child.built");
	/* Only ever in a UTS namespace of our own: never rename the host. */
	if (a->hostname && (s->ns_mask & NSISO_NS_BIT(NSISO_NS_UTS)) &&
	    sethostname(a->hostname, strlen(a->hostname)) < 0)
		return nsiso_syserr(err, errno, "cannot set the host name");
	return 0;
}

/* The child's report, with its namespaces as fds (SCM_RIGHTS, table order) when it is ready. */
static int send_report(int sock, const struct child_report *rep, const struct nsiso_nsfds *ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NSISO_NS__MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)rep, .iov_len = sizeof(*rep)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[NSISO_NS__MAX], n = 0;

	for (int i = 0; ns && i < NSISO_NS__MAX; i++)
		if (ns->fd[i] >= 0)
			fds[n++] = ns->fd[i];
	if (n) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(*rep) ? 0 : -1;
}

/*
 * Built: hand the parent the new namespaces as fds and exit at once. The
 * pins are bound from those fds, not from /proc/<child>/ns, so the child need
 * not wait to be pinned, and its exit runs while the parent pins.
 */
static __attribute__((noreturn)) void child_main(const struct create_args *a, pid_t parent,
						 int sock)
{
	struct nsiso_nsfds ns = NSISO_NSFDS_INIT;
	struct nsiso_error e = {0};

	child_bind_to_parent(parent);
	switch (child_build(a, &ns, &e)) {
	case 0:
		break;
	case 1:
		/* Doomed (older id than the binder's): say so before any mount work. */
		(void)send_report(sock, &(struct child_report){.retry = 1}, NULL);
		_exit(1);
	default:
		child_report_exit(sock, &e);
	}
	_exit(send_report(sock, &(struct child_report){.kind = NSISO_ERR_NONE}, &ns) == 0 ? 0 : 1);
}

/*
 * Open a pin (@follow false) or a /proc/PID/ns magic link (@follow true) and
 * check it is what it claims to be.
 */
static int open_ns_file(int dirfd, const char *name, enum nsiso_ns ns, bool follow, struct stat *st)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;

	/* O_NONBLOCK|O_NOCTTY: a FIFO or tty put in place of a pin must not hang or grab us. */
	fd = openat(dirfd, name,
		    O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
		return -EINVAL;
	if (ioctl(fd, NS_GET_NSTYPE) != nsiso_ns_table[ns].clone_flag)
		return -EINVAL;
	if (fstat(fd, st) < 0)
		return -errno;
	return nsiso_steal_fd(&fd);
}

static int uid_name(uid_t uid, char *buf, size_t len)
{
	return snprintf(buf, len, "%u", (unsigned)uid);
}

/* Pin one namespace of the child: an empty file, then a bind mount of /proc/PID/ns/X onto it. */
static int pin_one(int dirfd, const char *name, int ns_fd, enum nsiso_ns ns,
		   struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	char src[64], dst[64];

	fd = openat(dirfd, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0)
		return nsiso_syserr(err, errno, "cannot create the %s pin",
				    nsiso_ns_table[ns].name);
	nsiso_fd_path(ns_fd, src, sizeof(src));
	nsiso_fd_path(fd, dst, sizeof(dst));
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		int e = errno;
		unlinkat(dirfd, name, 0);
		/* EINVAL on the mnt pin is the per-CPU namespace-id quirk: retry elsewhere. */
		if (e == EINVAL && ns == NSISO_NS_MNT)
			return 1;
		return nsiso_syserr(err, e, "cannot pin the %s namespace", nsiso_ns_table[ns].name);
	}
	return 0;
}

static int record_pin(int dirfd, const char *name, enum nsiso_ns ns, struct nsiso_setrec *rec,
		      struct nsiso_error *err)
{
	struct stat st;
	int fd = open_ns_file(dirfd, name, ns, false, &st);

	if (fd < 0)
		return nsiso_syserr(err, -fd, "the new %s pin does not check out",
				    nsiso_ns_table[ns].name);
	close(fd);
	rec->ino[ns] = (uint64_t)st.st_ino;
	rec->dev = (uint64_t)st.st_dev;
	return 0;
}

/* 0 pinned, 1 retry on another CPU, -1 error. The mnt pin goes first: it is the one that can fail.
 */
static int pin_all(const struct nsiso_registry *r, uid_t uid, const struct nsiso_nsfds *ns,
		   unsigned mask, struct nsiso_setrec *rec, struct nsiso_error *err)
{
	_cleanup_close_ int nsdir = -1;
	char name[16];
	int ret;

	uid_name(uid, name, sizeof(name));
	if ((ret = pin_one(r->mnt_fd, name, ns->fd[NSISO_NS_MNT], NSISO_NS_MNT, err)) != 0)
		return ret;
	if (record_pin(r->mnt_fd, name, NSISO_NS_MNT, rec, err) < 0)
		return -1;
	if (NSISO_FAULT("create.pinned.mnt") < 0)
		return nsiso_syserr(err, errno, "fault create.pinned.mnt");
	if ((nsdir =
		 nsiso_open_root_dir(r->ns_fd, name, "the namespace pin directory", true, err)) < 0)
		return -1;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (i == NSISO_NS_MNT || !(mask & NSISO_NS_BIT(i)))
			continue;
		if (pin_one(nsdir, nsiso_ns_table[i].name, ns->fd[i], (enum nsiso_ns)i, err) != 0 ||
		    record_pin(nsdir, nsiso_ns_table[i].name, (enum nsiso_ns)i, rec, err) < 0)
			return -1;
	}
	rec->ns_mask = mask;
	return 0;
}

static int copy_child_error(const struct child_report *rep, struct nsiso_error *err)
{
	return nsiso_fail(err, (enum nsiso_errkind)rep->kind, 0, "%.*s", (int)sizeof(rep->msg),
			  rep->msg);
}

/*
 * The net namespace's name and hook, once every pin is in place (the hook
 * gets the pin's path) and before the set is committed: a failing hook means
 * no set.
 */
static int wire_net(const struct create_args *a, const struct nsiso_nsfds *ns,
		    struct nsiso_setrec *rec, struct nsiso_error *err)
{
	const struct nsiso_settings *s = a->settings;
	char pin[96];

	if (!(s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)))
		return 0;
	if (a->netns_name) {
		if (nsiso_netns_pin_name(a->netns_name, ns->fd[NSISO_NS_NET], err) < 0)
			return -1;
		snprintf(rec->netns, sizeof(rec->netns), "%s", a->netns_name);
	}
	if (s->net != NSISO_NET_HOOK)
		return 0;
	snprintf(pin, sizeof(pin), NSISO_RUNDIR "/ns/%u/net", (unsigned)a->user->uid);
	return nsiso_netns_run_hook(s->net_hook, a->user, pin, NSISO_HOOK_TIMEOUT_MS, err);
}

/*
 * The child's report, and its namespaces for every bit of @mask when it is
 * ready: 0 with *@rep (and *@ns) filled, -errno otherwise (-EPIPE: it died).
 */
static int recv_report(int sock, unsigned mask, struct child_report *rep, struct nsiso_nsfds *ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NSISO_NS__MAX)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = rep, .iov_len = sizeof(*rep)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	int fds[NSISO_NS__MAX], n = 0, want = __builtin_popcount(mask);
	ssize_t got;

	do
		got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t x = 0; x < k; x++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + x * sizeof(int), sizeof(int));
			if (n < NSISO_NS__MAX)
				fds[n++] = fd;
			else
				close(fd);
		}
	}
	if (got != (ssize_t)sizeof(*rep) || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) ||
	    (rep->kind == NSISO_ERR_NONE && !rep->retry && n != want)) {
		for (int x = 0; x < n; x++)
			close(fds[x]);
		return got == 0 ? -EPIPE : -EPROTO;
	}
	for (int i = 0, x = 0; i < NSISO_NS__MAX && x < n; i++)
		if (mask & NSISO_NS_BIT(i))
			ns->fd[i] = fds[x++];
	return 0;
}

/* One creation attempt: 0 done, 1 retry on another CPU, -1 error. */
static int create_attempt(const struct nsiso_registry *r, const struct create_args *a,
			  struct nsiso_setrec *rec, struct nsiso_error *err)
{
	_cleanup_close_ int mine = -1, theirs = -1;
	struct nsiso_nsfds ns = NSISO_NSFDS_INIT;
	unsigned mask = a->settings->ns_mask;
	struct child_report rep;
	struct sigaction saved;
	pid_t parent = getpid(), child;
	int sv[2], ret;

	/* SEQPACKET: one report per message, and EOF when the child dies without one. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return nsiso_syserr(err, errno, "socketpair");
	mine = sv[0], theirs = sv[1];

	child = nsiso_spawn(&saved);
	if (child < 0)
		return nsiso_syserr(err, errno, "cannot fork the creation child");
	if (child == 0) {
		close(mine);
		child_main(a, parent, theirs);
	}
	close(nsiso_steal_fd(&theirs));

	ret = recv_report(mine, mask, &rep, &ns);
	if (ret < 0)
		ret = nsiso_syserr(err, -ret, "the creation child died");
	else if (rep.retry)
		ret = 1;
	else if (rep.kind != NSISO_ERR_NONE)
		ret = copy_child_error(&rep, err);
	else
		ret = pin_all(r, a->user->uid, &ns, mask, rec, err);
	if (ret == 0)
		ret = wire_net(a, &ns, rec, err);
	nsiso_nsfds_close(&ns);
	/* The child exits on its own right after its report; by now it is (nearly) gone. */
	nsiso_reap(child, &saved);
	return ret;
}

static int remove_pins_here(const struct nsiso_registry *r, uid_t uid, const char *netns_name,
			    struct nsiso_error *err);

int nsiso_nsset_create(const struct nsiso_registry *r, const struct nsiso_user *u,
		       const struct nsiso_settings *s, const char *hostname, const char *netns_name,
		       struct nsiso_setrec *rec, int *attempts, struct nsiso_error *err)
{
	struct create_args a = {.user = u,
				.settings = s,
				.hostname = hostname,
				.netns_name = netns_name,
				.cpu = -1,
				.binder_id = own_mnt_ns_id()};
	cpu_set_t allowed;
	long ncpu = 0;
	int ret;

	memset(rec, 0, sizeof(*rec));
	rec->lifetime = s->lifetime;
	*attempts = 0;
	/*
	 * Kernel 6.18 hands out mount-namespace ids from per-CPU batches, and
	 * binding a mnt namespace file needs the namespace to be "newer" (larger
	 * id) than the binder's own. A child on another CPU can draw a smaller id
	 * and the bind fails with EINVAL. First let the scheduler choose, then pin
	 * the child to each CPU in turn (DESIGN.md 4.3).
	 */
	for (long cpu = -1;; cpu++) {
		/* The CPUs are looked up only when the first, unpinned attempt did not do. */
		if (cpu == 0 && sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
			ncpu = sysconf(_SC_NPROCESSORS_CONF);
		if (cpu >= ncpu || cpu >= CPU_SETSIZE)
			break;
		if (cpu >= 0 && !CPU_ISSET((size_t)cpu, &allowed))
			continue;
		a.cpu = (int)cpu;
		(*attempts)++;
		ret = create_attempt(r, &a, rec, err);
		if (ret == 0) {
			rec->created = (int64_t)time(NULL);
			return 0;
		}
		/* Never leave a partial set behind, whatever failed. */
		remove_pins_here(r, u->uid, netns_name, NULL);
		if (ret < 0)
			return -1;
	}
	return nsiso_fail(err, NSISO_ERR_SYSTEM, EINVAL,
			  "cannot pin a new mount namespace after %d attempts (one per CPU): the "
			  "kernel's namespace ordering check refused every one",
			  *attempts);
}

/* ---- validation and joining ---- */

/* The /proc/PID/ns way: a procfs walk per file, checked like a pin. */
static int open_pid_proc(pid_t pid, unsigned want, struct nsiso_nsfds *out, struct nsiso_error *err)
{
	_cleanup_close_ int dir = -1;
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/ns");
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return nsiso_syserr(err, errno, "cannot open %s", path);
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		struct stat st;
		int fd;

		if (!(want & NSISO_NS_BIT(i)))
			continue;
		fd = open_ns_file(dir, nsiso_ns_table[i].name, (enum nsiso_ns)i, true, &st);
		if (fd < 0)
			return nsiso_syserr(err, -fd, "cannot open %s/%s", path,
					    nsiso_ns_table[i].name);
		out->fd[i] = fd;
		out->ino[i] = (uint64_t)st.st_ino;
	}
	return 0;
}

/*
 * The pidfd way (Linux 6.11): one pidfd_open() and an ioctl per namespace,
 * with no procfs walk. On the path of every login, each /proc/self/ns/X open
 * costs about twice an ioctl here (8 us against 5 on this project's machines).
 * The kernel hands out nsfs fds, close-on-exec: nothing to check.
 */
static int open_pid_ioctl(pid_t pid, unsigned want, struct nsiso_nsfds *out)
{
	_cleanup_close_ int pidfd = -1;

	/* The fault point stands for a kernel without the ioctls: the /proc way must serve. */
	if (NSISO_FAULT("nsfds.pidfd") < 0)
		return -1;
	pidfd = (int)syscall(SYS_pidfd_open, pid ? pid : getpid(), 0);
	if (pidfd < 0)
		return -1;
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (!(want & NSISO_NS_BIT(i)))
			continue;
		out->fd[i] = ioctl(pidfd, nsiso_ns_table[i].pidfd_get, 0);
		if (out->fd[i] < 0) {
			out->fd[i] = -1;
			return -1;
		}
	}
	return 0;
}

int nsiso_nsset_open_pid(pid_t pid, unsigned mask, struct nsiso_nsfds *out, struct nsiso_error *err)
{
	unsigned want = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++)
		if ((mask & NSISO_NS_BIT(i)) && out->fd[i] < 0)
			want |= NSISO_NS_BIT(i);
	if (!want || open_pid_ioctl(pid, want, out) == 0)
		return 0;
	/* An older kernel (ENOTTY, ENOSYS) or a refusal: /proc gives the answer, and the error. */
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (!(want & NSISO_NS_BIT(i)) || out->fd[i] >= 0)
			want &= ~NSISO_NS_BIT(i);
	return open_pid_proc(pid, want, out, err);
}

int nsiso_nsset_open(const struct nsiso_registry *r, uid_t uid, const struct nsiso_setrec *rec,
		     struct nsiso_nsfds *out, struct nsiso_error *err)
{
	_cleanup_close_ int nsdir = -1;
	char name[16];

	uid_name(uid, name, sizeof(name));
	nsdir = openat(r->ns_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		bool is_mnt = i == NSISO_NS_MNT;
		struct stat st;
		int fd;

		if (!(rec->ns_mask & NSISO_NS_BIT(i)))
			continue;
		fd =
		    open_ns_file(is_mnt ? r->mnt_fd : nsdir, is_mnt ? name : nsiso_ns_table[i].name,
				 (enum nsiso_ns)i, false, &st);
		if (fd < 0 || (uint64_t)st.st_ino != rec->ino[i] ||
		    (uint64_t)st.st_dev != rec->dev) {
			/* Missing, replaced or foreign: the set is not joined, it is rebuilt. */
			if (fd >= 0)
				close(fd);
			nsiso_nsfds_close(out);
			return 1;
		}
		out->fd[i] = fd;
		out->ino[i] = (uint64_t)st.st_ino;
	}
	return 0;
}

uint64_t nsiso_nsfds_ino(const struct nsiso_nsfds *f, enum nsiso_ns i)
{
	struct stat st;

	if (f->fd[i] < 0)
		return 0;
	if (f->ino[i])
		return f->ino[i];
	return fstat(f->fd[i], &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Both are nsfs files (one superblock): the same inode is the same namespace. */
static bool same_ns(const struct nsiso_nsfds *a, const struct nsiso_nsfds *b, int i)
{
	uint64_t x = nsiso_nsfds_ino(a, (enum nsiso_ns)i);

	return x != 0 && x == nsiso_nsfds_ino(b, (enum nsiso_ns)i);
}

static void rollback(const struct nsiso_nsfds *saved, const bool *done)
{
	for (int i = NSISO_NS__MAX - 1; i >= 0; i--)
		if (done[i])
			(void)setns(saved->fd[i], nsiso_ns_table[i].clone_flag);
}

/* One setns(); the fault point sits after a first switch, to prove the rollback. */
static int switch_one(int fd, int i, int switched, struct nsiso_error *err)
{
	if (switched > 0 && NSISO_FAULT("join.partial") < 0)
		return nsiso_syserr(err, errno, "fault join.partial");
	if (setns(fd, nsiso_ns_table[i].clone_flag) < 0)
		return nsiso_syserr(err, errno, "cannot join the %s namespace",
				    nsiso_ns_table[i].name);
	return 0;
}

int nsiso_nsset_join(const struct nsiso_nsfds *target, const struct nsiso_nsfds *origin,
		     struct nsiso_error *err)
{
	struct nsiso_nsfds saved = NSISO_NSFDS_INIT;
	bool done[NSISO_NS__MAX] = {false}, borrowed[NSISO_NS__MAX] = {false};
	unsigned mask = 0;
	int switched = 0, ret = 0;

	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (target->fd[i] < 0)
			continue;
		mask |= NSISO_NS_BIT(i);
		if (origin && origin->fd[i] >= 0) {
			saved.fd[i] = origin->fd[i];
			saved.ino[i] = origin->ino[i];
			borrowed[i] = true;
		}
	}
	/* Where we are now, to come back to if any step fails: never half-switched. */
	if (nsiso_nsset_open_pid(0, mask, &saved, err) < 0)
		ret = -1;
	/* mnt last: the table puts it first, so walk it as ipc, uts, net, mnt. */
	for (int k = 1; ret == 0 && k <= NSISO_NS__MAX; k++) {
		int i = k % NSISO_NS__MAX;

		if (target->fd[i] < 0 || same_ns(target, &saved, i))
			continue;
		if (switch_one(target->fd[i], i, switched, err) < 0) {
			rollback(&saved, done);
			ret = -1;
			break;
		}
		done[i] = true;
		switched++;
	}
	for (int i = 0; i < NSISO_NS__MAX; i++)
		if (saved.fd[i] >= 0 && !borrowed[i])
			close(saved.fd[i]);
	return ret;
}

/* ---- tear-down ---- */

static int remove_pins_here(const struct nsiso_registry *r, uid_t uid, const char *netns_name,
			    struct nsiso_error *err)
{
	_cleanup_close_ int nsdir = -1;
	char name[16];

	uid_name(uid, name, sizeof(name));
	nsdir = openat(r->ns_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (nsdir >= 0) {
		for (int i = 0; i < NSISO_NS__MAX; i++) {
			if (i == NSISO_NS_MNT)
				continue;
			nsiso_unmount_all(nsdir, nsiso_ns_table[i].name);
			if (unlinkat(nsdir, nsiso_ns_table[i].name, 0) < 0 && errno != ENOENT)
				return nsiso_syserr(err, errno,
						    "cannot remove the %s pin of uid %u",
						    nsiso_ns_table[i].name, (unsigned)uid);
		}
		if (unlinkat(r->ns_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return nsiso_syserr(err, errno, "cannot remove pin directory of uid %u",
					    (unsigned)uid);
	}
	nsiso_unmount_all(r->mnt_fd, name);
	if (unlinkat(r->mnt_fd, name, 0) < 0 && errno != ENOENT)
		return nsiso_syserr(err, errno, "cannot remove the mnt pin of uid %u",
				    (unsigned)uid);
	return nsiso_netns_unpin_name(netns_name, err);
}

static __attribute__((noreturn)) void remover_main(const struct nsiso_registry *r, int host_mnt_fd,
						   uid_t uid, const char *netns_name, pid_t parent,
						   int report_fd)
{
	struct nsiso_error e = {0};

	child_bind_to_parent(parent);
	if (NSISO_FAULT("teardown.child") < 0)
		nsiso_syserr(&e, errno, "fault teardown.child");
	else if (setns(host_mnt_fd, CLONE_NEWNS) < 0)
		nsiso_syserr(&e, errno, "cannot enter the host mount namespace");
	else
		remove_pins_here(r, uid, netns_name, &e);
	child_report_exit(report_fd, &e);
}

int nsiso_nsset_remove_pins(const struct nsiso_registry *r, int host_mnt_fd, uid_t uid,
			    const char *netns_name, struct nsiso_error *err)
{
	_cleanup_close_ int rep_r = -1, rep_w = -1;
	struct nsiso_nsfds self = NSISO_NSFDS_INIT, host = NSISO_NSFDS_INIT;
	struct child_report rep;
	struct sigaction saved;
	pid_t parent = getpid(), child;
	int fds[2], ret;
	bool here;

	if (host_mnt_fd < 0)
		return remove_pins_here(r, uid, netns_name, err);
	if (nsiso_nsset_open_pid(0, NSISO_NS_BIT(NSISO_NS_MNT), &self, err) < 0)
		return -1;
	host.fd[NSISO_NS_MNT] = host_mnt_fd;
	here = same_ns(&host, &self, NSISO_NS_MNT);
	nsiso_nsfds_close(&self);
	if (here)
		return remove_pins_here(r, uid, netns_name, err);
	/* umount2() only acts on mounts of the caller's namespace: do it from a child there. */
	if (pipe2(fds, O_CLOEXEC) < 0)
		return nsiso_syserr(err, errno, "pipe");
	rep_r = fds[0], rep_w = fds[1];
	child = nsiso_spawn(&saved);
	if (child < 0)
		return nsiso_syserr(err, errno, "cannot fork the tear-down child");
	if (child == 0) {
		close(rep_r);
		remover_main(r, host_mnt_fd, uid, netns_name, parent, rep_w);
	}
	close(nsiso_steal_fd(&rep_w));
	ret = nsiso_read_all(rep_r, &rep, sizeof(rep));
	nsiso_reap(child, &saved);
	if (ret < 0)
		return nsiso_syserr(err, -ret, "the tear-down child died");
	if (rep.kind != NSISO_ERR_NONE)
		return copy_child_error(&rep, err);
	return 0;
}

int nsiso_nsset_count_processes(uint64_t dev, uint64_t ino, pid_t self, unsigned limit,
				unsigned *count, struct nsiso_error *err)
{
	_cleanup_close_ int procfd = -1;
	struct dirent *de;
	DIR *d;

	*count = 0;
	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0 || !(d = fdopendir(procfd)))
		return nsiso_syserr(err, errno, "cannot list /proc");
	procfd = -1;
	while ((limit == 0 || *count < limit) && (de = readdir(d))) {
		char path[300];
		struct stat st;
		uint64_t pid;

		if (nsiso_parse_u64(de->d_name, &pid) < 0 || pid == (uint64_t)self)
			continue;
		snprintf(path, sizeof(path), "%s/ns/mnt", de->d_name);
		/* Zombies and processes that exit meanwhile fail here: they hold nothing. */
		if (fstatat(dirfd(d), path, &st, 0) == 0 && (uint64_t)st.st_ino == ino &&
		    (uint64_t)st.st_dev == dev)
			(*count)++;
	}
	closedir(d);
	return 0;
}
