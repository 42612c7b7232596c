/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nsisoctl list and show: what the registry and the kernel say about each set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "ctl.h"
#include "nstable.h"
#include "policy.h"
#include "prom.h"
#include "stats.h"
#include "util.h"

static const struct {
	long magic;
	const char *name;
} fs_names[] = {
    {TMPFS_MAGIC, "tmpfs"},	  {EXT4_SUPER_MAGIC, "ext4"},	      {XFS_SUPER_MAGIC, "xfs"},
    {BTRFS_SUPER_MAGIC, "btrfs"}, {OVERLAYFS_SUPER_MAGIC, "overlay"},
};

enum tmp_state { TMP_UNKNOWN, TMP_HOST, TMP_PRIVATE };

/* /tmp as a process inside the set sees it. */
struct tmp_usage {
	enum tmp_state state;
	long fs_magic;
	const char *fstype;
	uint64_t size, used, avail;
};

struct proc_entry {
	pid_t pid;
	uid_t uid;
	char comm[32];
};

/* Everything list and show print about one set. */
struct set_view {
	struct nsiso_setinfo info;
	char label[160];
	char name[300]; /* NSS name, or the decimal uid */
	struct tmp_usage tmp;
	struct proc_entry *procs; /* show only */
	size_t n_procs;
};

static void set_view_free(struct set_view *v)
{
	nsiso_setinfo_free(&v->info);
	free(v->procs);
	v->procs = NULL;
}

static const char *lifetime_word(enum nsiso_lifetime l)
{
	return nsiso_enum_name(&nsiso_enum_lifetime, (unsigned)l);
}

static const char *fs_name(long magic)
{
	for (size_t i = 0; i < ARRAY_SIZE(fs_names); i++)
		if (fs_names[i].magic == magic)
			return fs_names[i].name;
	return "other";
}

/* ---- /tmp usage, measured from inside the set ---- */

struct probe_report {
	int ok;
	dev_t dev;
	long type;
	uint64_t size, used, avail;
};

/*
 * The set's /tmp exists only in its mount namespace: a child joins the set
 * (the parent must stay in the host's to keep using the registry), statfs()es
 * /tmp and reports through a pipe.
 */
static __attribute__((noreturn)) void probe_child(const struct nsiso_registry *reg, uid_t uid,
						  pid_t parent, int fd)
{
	struct probe_report rep = {0};
	struct nsiso_error err = {0};
	struct statfs sfs;
	struct stat st;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == parent && nsiso_admin_enter(reg, uid, &err) == 0 &&
	    statfs("/tmp", &sfs) == 0 && stat("/tmp", &st) == 0) {
		uint64_t bs = (uint64_t)sfs.f_frsize;

		rep = (struct probe_report){
		    .ok = 1,
		    .dev = st.st_dev,
		    .type = (long)sfs.f_type,
		    .size = sfs.f_blocks * bs,
		    .used = (sfs.f_blocks - sfs.f_bfree) * bs,
		    .avail = sfs.f_bavail * bs,
		};
	}
	(void)nsiso_write_all(fd, &rep, sizeof(rep));
	_exit(0);
}

static void probe_tmp(const struct nsiso_registry *reg, uid_t uid, struct tmp_usage *out)
{
	struct probe_report rep = {0};
	struct stat host;
	int fds[2], status;
	pid_t pid, parent = getpid();

	out->state = TMP_UNKNOWN;
	if (stat("/tmp", &host) < 0 || pipe2(fds, O_CLOEXEC) < 0)
		return;
	/* The child must not flush a copy of our buffered output. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		probe_child(reg, uid, parent, fds[1]);
	}
	close(fds[1]);
	if (pid > 0 && nsiso_read_all(fds[0], &rep, sizeof(rep)) == 0 && rep.ok) {
		/* Our own /tmp's device: no private /tmp (tmp = off, or /tmp not in tmp_dirs). */
		out->state = rep.dev == host.st_dev ? TMP_HOST : TMP_PRIVATE;
		out->fs_magic = rep.type;
		out->fstype = fs_name(rep.type);
		out->size = rep.size;
		out->used = rep.used;
		out->avail = rep.avail;
	}
	close(fds[0]);
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

/* ---- processes inside ---- */

static int read_comm(int dfd, const char *pid, char *buf, size_t len)
{
	char path[300];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/comm", pid);
	fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (n = read(fd, buf, len - 1)) < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int push_proc(struct set_view *v, const struct proc_entry *e)
{
	struct proc_entry *grown = reallocarray(v->procs, v->n_procs + 1, sizeof(*grown));

	if (!grown)
		return -1;
	v->procs = grown;
	v->procs[v->n_procs++] = *e;
	return 0;
}

/* Same test as the core's count (mount namespace inode and device), keeping pid, owner and name. */
static void scan_procs(struct set_view *v)
{
	const struct nsiso_setrec *rec = &v->info.rec;
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct proc_entry e = {0};
		struct stat ns, owner;
		char path[300];
		uint64_t pid;

		if (nsiso_parse_u64(de->d_name, &pid) < 0)
			continue;
		snprintf(path, sizeof(path), "%s/ns/mnt", de->d_name);
		if (fstatat(dirfd(d), path, &ns, 0) < 0 ||
		    (uint64_t)ns.st_ino != rec->ino[NSISO_NS_MNT] ||
		    (uint64_t)ns.st_dev != rec->dev || fstatat(dirfd(d), de->d_name, &owner, 0) < 0)
			continue;
		e.pid = (pid_t)pid;
		e.uid = owner.st_uid;
		if (read_comm(dirfd(d), de->d_name, e.comm, sizeof(e.comm)) < 0)
			continue; /* exited meanwhile */
		if (push_proc(v, &e) < 0)
			break;
	}
	closedir(d);
	v->info.processes = (unsigned)v->n_procs;
}

/* ---- collecting ---- */

/* 0 and *v filled (v->info.has_set says whether there is a set), -1 reported. */
static int collect(const struct nsiso_registry *reg, uid_t uid, bool detail, struct set_view *v)
{
	struct nsiso_error err = {0};

	memset(v, 0, sizeof(*v));
	if (nsiso_admin_info(reg, uid, &v->info, &err) < 0)
		return ctl_core_err(&err), -1;
	ctl_uid_label(uid, v->label, sizeof(v->label), v->name, sizeof(v->name));
	if (!v->info.has_set)
		return 0;
	if (v->info.valid)
		probe_tmp(reg, uid, &v->tmp);
	if (detail)
		scan_procs(v);
	return 0;
}

/* ---- text ---- */

/*
 * The set's namespaces in table order, joined by @sep: "mnt:INO" each, or
 * the bare names without @inodes ("mnt,ipc,uts", the metrics' label).
 */
static void ns_list(const struct nsiso_setrec *rec, const char *sep, bool inodes, char *buf,
		    size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < NSISO_NS__MAX && used < len; i++) {
		int n;

		if (!(rec->ns_mask & NSISO_NS_BIT(i)))
			continue;
		n = inodes ? snprintf(buf + used, len - used, "%s%s:%" PRIu64, used ? sep : "",
				      nsiso_ns_table[i].name, rec->ino[i])
			   : snprintf(buf + used, len - used, "%s%s", used ? sep : "",
				      nsiso_ns_table[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void ns_text(const struct nsiso_setrec *rec, const char *sep, char *buf, size_t len)
{
	ns_list(rec, sep, true, buf, len);
}

static void tmp_text(const struct tmp_usage *t, bool words, char *buf, size_t len)
{
	char used[16], size[16];

	if (t->state == TMP_UNKNOWN) {
		snprintf(buf, len, words ? "unknown (the set cannot be entered)" : "?");
		return;
	}
	if (t->state == TMP_HOST) {
		snprintf(buf, len, words ? "the host's /tmp (no private /tmp)" : "host");
		return;
	}
	ctl_human_size(t->used, used, sizeof(used));
	ctl_human_size(t->size, size, sizeof(size));
	if (words)
		snprintf(buf, len, "%s used of %s (%s)", used, size, t->fstype);
	else
		snprintf(buf, len, "%s/%s", used, size);
}

static void list_header(void)
{
	printf("%-16s %-7s %-5s %-8s %-5s %-20s %-13s %s\n", "USER", "UID", "VALID", "SESSIONS",
	       "PROCS", "CREATED", "TMP", "NAMESPACES");
}

static void list_line(const struct set_view *v)
{
	char name[64], created[32], tmp[48], ns[160];

	nsiso_escape(name, sizeof(name), v->name);
	ctl_iso_time(v->info.rec.created, created, sizeof(created));
	tmp_text(&v->tmp, false, tmp, sizeof(tmp));
	ns_text(&v->info.rec, ",", ns, sizeof(ns));
	printf("%-16s %-7u %-5s %-8zu %-5u %-20s %-13s %s\n", name, (unsigned)v->info.uid,
	       v->info.valid ? "yes" : "no", v->info.n_sessions, v->info.processes, created, tmp,
	       ns);
}

static void show_text(const struct set_view *v)
{
	char name[160], when[32], tmp[96], ns[160], comm[64], grp[300];

	nsiso_escape(name, sizeof(name), v->name);
	ctl_iso_time(v->info.rec.created, when, sizeof(when));
	tmp_text(&v->tmp, true, tmp, sizeof(tmp));
	ns_text(&v->info.rec, " ", ns, sizeof(ns));
	printf("user:       %s\n", name);
	printf("uid:        %u\n", (unsigned)v->info.uid);
	printf("valid:      %s\n", v->info.valid ? "yes" : "no (a pin does not check out)");
	printf("lifetime:   %s\n", lifetime_word(v->info.rec.lifetime));
	printf("created:    %s\n", when);
	printf("namespaces: %s\n", ns);
	/* Made during a directory outage: decided again at the user's next login. */
	for (unsigned i = 0; i < v->info.rec.unresolved.n; i++)
		printf("provisional: made while group '%s' could not be looked up\n",
		       nsiso_escape(grp, sizeof(grp), v->info.rec.unresolved.name[i]));
	if (v->info.rec.unresolved.more)
		printf("provisional: ... and more groups\n");
	if (v->info.rec.netns[0])
		printf("netns:      %s\n", nsiso_escape(comm, sizeof(comm), v->info.rec.netns));
	printf("tmp:        %s\n", tmp);
	printf("sessions:   %zu\n", v->info.n_sessions);
	for (size_t i = 0; i < v->info.n_sessions; i++) {
		ctl_iso_time(ctl_ticks_to_time(v->info.sessions[i].start), when, sizeof(when));
		printf("  pid %-8d started %s\n", (int)v->info.sessions[i].pid, when);
	}
	printf("processes:  %u\n", v->info.processes);
	for (size_t i = 0; i < v->n_procs; i++)
		printf("  pid %-8d uid %-7u %s\n", (int)v->procs[i].pid, (unsigned)v->procs[i].uid,
		       nsiso_escape(comm, sizeof(comm), v->procs[i].comm));
}

/* ---- JSON (one object per set, one line) ---- */

static void json_tmp(const struct tmp_usage *t)
{
	if (t->state == TMP_UNKNOWN) {
		fputs("null", stdout);
		return;
	}
	printf("{\"private\":%s,\"fstype\":", t->state == TMP_PRIVATE ? "true" : "false");
	ctl_json_str(stdout, t->fstype);
	printf(",\"size\":%" PRIu64 ",\"used\":%" PRIu64 ",\"available\":%" PRIu64 "}", t->size,
	       t->used, t->avail);
}

static void json_namespaces(const struct nsiso_setrec *rec)
{
	bool first = true;

	putchar('{');
	for (int i = 0; i < NSISO_NS__MAX; i++) {
		if (!(rec->ns_mask & NSISO_NS_BIT(i)))
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",", nsiso_ns_table[i].name, rec->ino[i]);
		first = false;
	}
	putchar('}');
}

static void json_sessions(const struct nsiso_setinfo *info)
{
	char when[32];

	putchar('[');
	for (size_t i = 0; i < info->n_sessions; i++) {
		ctl_iso_time(ctl_ticks_to_time(info->sessions[i].start), when, sizeof(when));
		printf("%s{\"pid\":%d,\"start\":\"%s\"}", i ? "," : "", (int)info->sessions[i].pid,
		       when);
	}
	putchar(']');
}

static void json_procs(const struct set_view *v)
{
	putchar('[');
	for (size_t i = 0; i < v->n_procs; i++) {
		printf("%s{\"pid\":%d,\"uid\":%u,\"comm\":", i ? "," : "", (int)v->procs[i].pid,
		       (unsigned)v->procs[i].uid);
		ctl_json_str(stdout, v->procs[i].comm);
		putchar('}');
	}
	putchar(']');
}

static void set_json(const struct set_view *v, bool detail)
{
	char when[32];

	ctl_iso_time(v->info.rec.created, when, sizeof(when));
	fputs("{\"user\":", stdout);
	ctl_json_str(stdout, v->name);
	printf(",\"uid\":%u,\"valid\":%s,\"lifetime\":\"%s\",\"created\":\"%s\",\"namespaces\":",
	       (unsigned)v->info.uid, v->info.valid ? "true" : "false",
	       lifetime_word(v->info.rec.lifetime), when);
	json_namespaces(&v->info.rec);
	/* The /run/netns name of the set's net namespace (policy netns_name), or null. */
	fputs(",\"netns\":", stdout);
	if (v->info.rec.netns[0])
		ctl_json_str(stdout, v->info.rec.netns);
	else
		fputs("null", stdout);
	fputs(",\"sessions\":", stdout);
	json_sessions(&v->info);
	printf(",\"processes\":%u", v->info.processes);
	if (detail) {
		fputs(",\"process_list\":", stdout);
		json_procs(v);
	}
	fputs(",\"tmp\":", stdout);
	json_tmp(&v->tmp);
	fputs("}\n", stdout);
}

/* ---- registry ---- */

static int registry_uids(const struct nsiso_registry *reg, uid_t **uids, size_t *n)
{
	struct nsiso_error err = {0};

	if (nsiso_admin_uids(reg, uids, n, &err) < 0)
		return ctl_core_err(&err), -1;
	return 0;
}

static int flush_stdout(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return CTL_OK;
	ctl_err("cannot write the output: %s", strerror(errno));
	return CTL_FAIL;
}

/* ---- Prometheus text format (list --prometheus) ---- */

/* Every set, collected first: the format wants each metric's samples together, under its header. */
struct set_list {
	struct set_view *v;
	size_t n;
};

static void set_list_free(struct set_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		set_view_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int collect_all(const struct nsiso_registry *reg, struct set_list *l)
{
	_cleanup_free_ uid_t *uids = NULL;
	size_t n = 0;
	int status = CTL_OK;

	if (registry_uids(reg, &uids, &n) < 0)
		return CTL_FAIL;
	if (n && !(l->v = calloc(n, sizeof(*l->v)))) {
		ctl_err("out of memory");
		return CTL_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		struct set_view *v = &l->v[l->n];

		if (collect(reg, uids[i], false, v) < 0)
			status = CTL_FAIL;
		else if (v->info.has_set)
			l->n++;
		else
			set_view_free(v);
	}
	return status;
}

/*
 * The set's own tmpfs (tmp = tmpfs): its size is the set's tmp_size. A
 * persistent /tmp is a directory of the host's file system, whose figures
 * are that file system's: not the set's, not reported.
 */
static bool own_tmpfs(const struct set_view *v)
{
	return v->tmp.state == TMP_PRIVATE && v->tmp.fs_magic == TMPFS_MAGIC;
}

static bool m_valid(const struct set_view *v, uint64_t *out)
{
	*out = v->info.valid;
	return true;
}

static bool m_sessions(const struct set_view *v, uint64_t *out)
{
	*out = v->info.n_sessions;
	return true;
}

static bool m_processes(const struct set_view *v, uint64_t *out)
{
	*out = v->info.processes;
	return true;
}

static bool m_created(const struct set_view *v, uint64_t *out)
{
	*out = (uint64_t)v->info.rec.created;
	return v->info.rec.created > 0;
}

static bool m_tmp_size(const struct set_view *v, uint64_t *out)
{
	*out = v->tmp.size;
	return own_tmpfs(v);
}

static bool m_tmp_used(const struct set_view *v, uint64_t *out)
{
	*out = v->tmp.used;
	return own_tmpfs(v);
}

/* The per-set gauges, in output order. value: false when the set has no such sample. */
static const struct {
	const char *name, *help;
	bool (*value)(const struct set_view *v, uint64_t *out);
} set_gauges[] = {
    {"nsiso_set_valid",
     "1 when every pin of the set checks out, 0 when the next login rebuilds it.", m_valid},
    {"nsiso_set_sessions", "Open login sessions in the set.", m_sessions},
    {"nsiso_set_processes",
     "Processes inside the set (in its mount namespace, or in one made inside it that holds its "
     "tmpfs).",
     m_processes},
    {"nsiso_set_created_timestamp_seconds",
     "When the set was made, in seconds since the epoch (its age is time() minus this).",
     m_created},
    {"nsiso_set_tmp_size_bytes",
     "Size of the set's private tmpfs (/tmp, /var/tmp and /dev/shm together: tmp_size).",
     m_tmp_size},
    {"nsiso_set_tmp_used_bytes",
     "Bytes used in the set's private tmpfs, as statfs() sees it from inside the set.", m_tmp_used},
};

static void prom_set_labels(const struct set_view *v)
{
	fputs("{user=", stdout);
	nsiso_prom_label_value(stdout, v->name);
	printf(",uid=\"%u\"", (unsigned)v->info.uid);
}

static void prom_machine(const struct set_list *l)
{
	size_t valid = 0;

	for (size_t i = 0; i < l->n; i++)
		valid += l->v[i].info.valid;
	nsiso_prom_family(stdout, "nsiso_sets", "gauge",
			  "Namespace sets whose pins all check out (live sets).");
	printf("nsiso_sets %zu\n", valid);
	nsiso_prom_family(stdout, "nsiso_sets_invalid", "gauge",
			  "Sets recorded in the registry whose pins no longer check out (each is "
			  "rebuilt at its user's next login).");
	printf("nsiso_sets_invalid %zu\n", l->n - valid);
}

static void prom_info(const struct set_list *l)
{
	char ns[64];

	if (!l->n)
		return;
	nsiso_prom_family(stdout, "nsiso_set_info", "gauge",
			  "A set of the registry, value 1: its lifetime, namespaces and /run/netns "
			  "name.");
	for (size_t i = 0; i < l->n; i++) {
		const struct set_view *v = &l->v[i];

		ns_list(&v->info.rec, ",", false, ns, sizeof(ns));
		fputs("nsiso_set_info", stdout);
		prom_set_labels(v);
		printf(",lifetime=\"%s\",namespaces=\"%s\"", lifetime_word(v->info.rec.lifetime),
		       ns);
		if (v->info.rec.netns[0]) {
			fputs(",netns=", stdout);
			nsiso_prom_label_value(stdout, v->info.rec.netns);
		}
		fputs("} 1\n", stdout);
	}
}

static void prom_gauges(const struct set_list *l)
{
	for (size_t g = 0; g < ARRAY_SIZE(set_gauges); g++) {
		bool header = false;

		for (size_t i = 0; i < l->n; i++) {
			uint64_t val;

			if (!set_gauges[g].value(&l->v[i], &val))
				continue;
			if (!header)
				nsiso_prom_family(stdout, set_gauges[g].name, "gauge",
						  set_gauges[g].help);
			header = true;
			fputs(set_gauges[g].name, stdout);
			prom_set_labels(&l->v[i]);
			printf("} %" PRIu64 "\n", val);
		}
	}
}

/*
 * The counters file, replaced by a new one when it does not check out (said
 * on stderr: its counts are lost, the new ones start from 0). 0 read (or
 * none yet: *@have false), -1 reported.
 */
static int read_counters(struct nsiso_stats *st, bool *have)
{
	struct nsiso_error err = {0}, rerr = {0};
	int r = nsiso_stats_read(st, &err);

	if (r < 0 && err.kind == NSISO_ERR_UNSAFE) {
		if (nsiso_stats_reset(&rerr) < 0) {
			ctl_err("%s, and cannot be replaced: %s; the decision counters are not "
				"reported",
				err.msg, rerr.msg);
			return -1;
		}
		ctl_err("%s: replaced by a new file, the decision counters start again from 0",
			err.msg);
		nsiso_error_clear(&err);
		r = nsiso_stats_read(st, &err);
	}
	if (r < 0)
		return ctl_core_err(&err), -1;
	*have = r == 0;
	return 0;
}

static int prom_counters(void)
{
	struct nsiso_stats st;
	bool have = false;

	if (read_counters(&st, &have) < 0)
		return CTL_FAIL;
	nsiso_prom_family(stdout, "nsiso_decisions_total", "counter",
			  "Decisions of pam_nsiso since boot (or since its counters file was "
			  "replaced), by the action of the decision's log line.");
	for (int i = 0; i < NSISO_DECISION__MAX; i++)
		printf("nsiso_decisions_total{action=\"%s\"} %" PRIu64 "\n",
		       nsiso_decision_word((enum nsiso_decision)i), st.count[i]);
	if (have) {
		nsiso_prom_family(stdout, "nsiso_counters_start_time_seconds", "gauge",
				  "When the decision counters started, in seconds since the epoch: "
				  "the first decision since boot, or a replaced counters file.");
		printf("nsiso_counters_start_time_seconds %" PRId64 "\n", st.created);
	}
	return CTL_OK;
}

/*
 * Is the policy usable? A broken one gets every non-exempt login on_error,
 * from boot on, and a refusal counts nothing before there is a registry:
 * this is what an alert can watch. (nsisoctl check says what is wrong.)
 */
static void prom_policy(void)
{
	struct nsiso_policy *p = NULL;
	struct nsiso_error err = {0};
	int ok = nsiso_policy_load(NSISO_DEFAULT_CONFIG, &p, NULL, &err) == 0;

	nsiso_policy_free(p);
	nsiso_prom_family(stdout, "nsiso_policy_valid", "gauge",
			  "1 when the policy file loads without a problem, 0 when it is broken "
			  "(non-exempt logins then get on_error; nsisoctl check says why).");
	fputs("nsiso_policy_valid{file=", stdout);
	nsiso_prom_label_value(stdout, NSISO_DEFAULT_CONFIG);
	printf("} %d\n", ok);
}

/* @reg NULL: no registry set up yet; its directory, and counters, may be there all the same. */
static int list_prometheus(const struct nsiso_registry *reg)
{
	struct set_list l = {0};
	int status = CTL_OK;

	if (reg)
		status = collect_all(reg, &l);
	prom_policy();
	prom_machine(&l);
	prom_info(&l);
	prom_gauges(&l);
	set_list_free(&l);
	if (prom_counters() != CTL_OK)
		status = CTL_FAIL;
	return status;
}

/* ---- commands ---- */

static int list_sets(const struct nsiso_registry *reg, bool json)
{
	_cleanup_free_ uid_t *uids = NULL;
	bool header = false;
	size_t n = 0;
	int status = CTL_OK;

	if (registry_uids(reg, &uids, &n) < 0)
		status = CTL_FAIL;
	for (size_t i = 0; i < n; i++) {
		struct set_view v;

		if (collect(reg, uids[i], false, &v) < 0) {
			status = CTL_FAIL;
			continue;
		}
		if (v.info.has_set && json) {
			set_json(&v, false);
		} else if (v.info.has_set) {
			if (!header)
				list_header();
			header = true;
			list_line(&v);
		}
		set_view_free(&v);
	}
	return status;
}

int ctl_list(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	struct ctl_args a;
	bool json, prom;
	int status = CTL_OK, r;

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	json = a.set[ctl_opt(c, "json")];
	prom = a.set[ctl_opt(c, "prometheus")];
	if (json && prom)
		return ctl_usage_err(c, "list: --json and --prometheus exclude each other");
	r = ctl_open_registry(&reg);
	if (r < 0)
		return CTL_FAIL;
	if (prom)
		status = list_prometheus(r == 0 ? &reg : NULL);
	else if (r == 0)
		status = list_sets(&reg, json);
	nsiso_registry_close(&reg);
	return flush_stdout() == CTL_OK ? status : CTL_FAIL;
}

int ctl_show(const struct ctl_cmd *c, int argc, char **argv)
{
	struct nsiso_registry reg = NSISO_REGISTRY_INIT;
	struct ctl_target t;
	struct set_view v = {0};
	struct ctl_args a;
	int status = CTL_OK, r;

	if (ctl_parse(c, argc, argv, &a, &status))
		return status;
	if (ctl_resolve(a.pos[0], &t) < 0)
		return CTL_FAIL;
	r = ctl_open_registry(&reg);
	if (r < 0)
		return CTL_FAIL;
	if (r == 0)
		r = ctl_registry_has(&reg, t.uid);
	else
		r = 0;
	if (r < 0 || (r > 0 && collect(&reg, t.uid, true, &v) < 0))
		status = CTL_FAIL;
	if (status == CTL_OK && !v.info.has_set) {
		ctl_err("%s has no set", t.label);
		status = CTL_FAIL;
	} else if (status == CTL_OK) {
		if (a.set[ctl_opt(c, "json")])
			set_json(&v, true);
		else
			show_text(&v);
		status = flush_stdout();
	}
	set_view_free(&v);
	nsiso_registry_close(&reg);
	return status;
}
