/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso-pamh: drive the real libpam with a private PAM config dir, for the
 * integration tests and the demo.
 *
 *   nsiso-pamh --confdir DIR --service NAME --user NAME [--as-root] [--no-close]
 *              [--threads N] [--any-user] [--ns-report FILE] [--close-env NAME=VALUE]
 *              -- CMD [ARGS...]
 *
 * pam_start_confdir() + pam_open_session(), then fork: the child becomes the
 * user (unless --as-root) and execs CMD with a minimal environment. The parent
 * waits for it, closes the session (unless --no-close), pam_end()s and exits
 * with the child's status (128+signal when it was killed).
 *
 * pam_open_session() runs in this process, so a module that setns()es moves
 * this process and the child inherits that, as with sshd or login.
 *
 * Options for the adversarial and fault tests (tests/adversarial/):
 *   --threads N       start N-1 idle threads before pam_open_session, so the
 *                     module sees a multithreaded caller (N >= 1; 1 = default)
 *   --any-user        go on when the user cannot be looked up here: the name
 *                     goes to pam_start_confdir as given (unknown users, "../x",
 *                     "", odd bytes). If the session then opens anyway, no
 *                     command runs: the session is closed and the exit code is 5.
 *   --ns-report FILE  append "open RC MNT IPC UTS" after pam_open_session and
 *                     "close RC MNT IPC UTS" after pam_close_session: the
 *                     namespace inodes of this (the PAM caller's) process
 *   --close-env N=V   setenv(N, V) just before pam_close_session (fault points
 *                     that must fire at close and not at open)
 *   --close-as-user   give up root for the user's ids (groups cleared, real,
 *                     effective and saved uid/gid) just before pam_close_session,
 *                     as systemd's (sd-pam) does for the systemd-user session
 *
 * What the caller looks like around pam_open_session (the module now builds a
 * set in the caller itself, tests/adversarial/t_faults.sh):
 *   --proc-report FILE  append "WHEN KEY VALUE..." lines, WHEN = before (just
 *                     before pam_open_session), open (just after it), close (just
 *                     after pam_close_session); KEY: ns (mnt ipc uts net inodes),
 *                     cwd and root (DEV:INO of the directories, through
 *                     /proc/self/{cwd,root}), sigblk sigpnd shdpnd (/proc/self/status,
 *                     hex), cpus (Cpus_allowed_list), threads, sigign, usr1 (COUNT,
 *                     then the mnt namespace inode (0: no /proc there) and the
 *                     root DEV:INO the SIGUSR1 handler last ran with, with
 *                     --usr1-after), semid (with --sem-undo, before only)
 *   --cwd DIR         chdir(DIR) before pam_open_session
 *   --cpu N           pin this process to CPU N before pam_open_session
 *   --sem-undo        create a SysV semaphore (in the caller's IPC namespace) and
 *                     add 1 to it with SEM_UNDO before pam_open_session; its id
 *                     is in the report ("before semid ID"); the test removes it
 *   --pending-signal  block SIGUSR2 and raise it before pam_open_session: a
 *                     signal both pending and blocked across the call
 *   --usr1-after CALL:N  count SIGUSR1 in a handler (which notes where it ran),
 *                     and send SIGUSR1 to the PAM caller right when its N-th CALL
 *                     (setns or unshare) returns: this process forks, the child is
 *                     the PAM caller and the parent its tracer (ptrace, syscall
 *                     stops), which detaches once the signal is sent and exits
 *                     with the caller's status; it appends "tracer usr1sent 0|1"
 *                     to the --proc-report file when the caller has ended
 *   --close-threads N start N-1 idle threads after the command, before
 *                     pam_close_session (a multithreaded caller at close only)
 *   --invoker NAME    open and close the session in the credential state of a
 *                     setuid su run by NAME: supplementary groups those of the
 *                     session's user (su's initgroups), real, effective and
 *                     saved gid NAME's primary group, real uid NAME's,
 *                     effective and saved uid 0
 *
 * Exit codes of its own: 2 usage or setup error, 3 pam_open_session failed,
 * 4 pam_close_session failed, 5 a session opened for a user that could not be
 * looked up (--any-user), 127 the child could not become the user or exec.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define EXIT_USAGE	    2
#define EXIT_OPEN	    3
#define EXIT_CLOSE	    4
#define EXIT_UNKNOWN_OPENED 5
#define EXIT_EXEC	    127

#define SAFE_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct options {
	const char *confdir;
	const char *service;
	const char *user;
	bool as_root;
	bool no_close;
	bool any_user;
	long threads;		 /* total threads of the process at pam_open_session */
	const char *ns_report;	 /* NULL: none */
	const char *close_env;	 /* NAME=VALUE or NULL */
	const char *proc_report; /* NULL: none */
	const char *cwd;	 /* NULL: stay */
	long cpu;		 /* -1: leave the affinity */
	bool sem_undo;
	bool pending_signal;
	long usr1_nr;	     /* --usr1-after: the system call (-1: none) */
	long usr1_n;	     /* ... and which one of them */
	long close_threads;  /* threads at pam_close_session (1: no extra) */
	bool close_as_user;  /* drop to the user before closing, as (sd-pam) */
	const char *invoker; /* --invoker: su's credentials, run by this user (NULL: none) */
	char **argv;	     /* CMD and its arguments, NULL-terminated */
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: nsiso-pamh --confdir DIR --service NAME --user NAME [--as-root] "
	    "[--no-close] [--threads N] [--any-user] [--ns-report FILE] "
	    "[--close-env NAME=VALUE] [--close-as-user] [--proc-report FILE] [--cwd DIR] [--cpu N] "
	    "[--sem-undo] [--pending-signal] [--usr1-after setns|unshare:N] [--close-threads N] "
	    "[--invoker NAME] -- CMD [ARGS...]\n");
}

static void free_responses(struct pam_response *resp, int n)
{
	for (int i = 0; i < n; i++)
		free(resp[i].resp);
	free(resp);
}

/*
 * Answers no prompt (the tests run session stacks only); informational and
 * error messages go to stderr so a test log shows them.
 */
static int conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r;

	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (!r)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			fprintf(stderr, "pamh: %s: %s\n",
				msg[i]->msg_style == PAM_ERROR_MSG ? "error" : "info",
				msg[i]->msg ? msg[i]->msg : "");
			break;
		default:
			free_responses(r, n);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static int parse_long(const char *arg, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return errno || *end || end == arg || *out < min || *out > max ? -1 : 0;
}

/* --usr1-after CALL:N */
static int parse_usr1_after(const char *arg, struct options *o)
{
	static const struct {
		const char *name;
		long nr;
	} calls[] = {{"setns:", SYS_setns}, {"unshare:", SYS_unshare}};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		size_t n = strlen(calls[i].name);

		if (strncmp(arg, calls[i].name, n) == 0) {
			o->usr1_nr = calls[i].nr;
			return parse_long(arg + n, 1, 1000000, &o->usr1_n);
		}
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"confdir", required_argument, NULL, 'c'},
	    {"service", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"as-root", no_argument, NULL, 'r'},
	    {"no-close", no_argument, NULL, 'n'},
	    {"threads", required_argument, NULL, 't'},
	    {"any-user", no_argument, NULL, 'a'},
	    {"ns-report", required_argument, NULL, 'R'},
	    {"close-env", required_argument, NULL, 'E'},
	    {"close-as-user", no_argument, NULL, 'D'},
	    {"proc-report", required_argument, NULL, 'P'},
	    {"cwd", required_argument, NULL, 'C'},
	    {"cpu", required_argument, NULL, 'U'},
	    {"sem-undo", no_argument, NULL, 'S'},
	    {"pending-signal", no_argument, NULL, 'G'},
	    {"usr1-after", required_argument, NULL, '1'},
	    {"close-threads", required_argument, NULL, 'T'},
	    {"invoker", required_argument, NULL, 'I'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	memset(o, 0, sizeof(*o));
	o->threads = 1;
	o->close_threads = 1;
	o->cpu = -1;
	o->usr1_nr = -1;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->confdir = optarg;
			break;
		case 's':
			o->service = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'r':
			o->as_root = true;
			break;
		case 'n':
			o->no_close = true;
			break;
		case 't':
			errno = 0;
			o->threads = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || o->threads < 1 || o->threads > 1024)
				return -1;
			break;
		case 'a':
			o->any_user = true;
			break;
		case 'R':
			o->ns_report = optarg;
			break;
		case 'E':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return -1;
			o->close_env = optarg;
			break;
		case 'D':
			o->close_as_user = true;
			break;
		case 'P':
			o->proc_report = optarg;
			break;
		case 'C':
			o->cwd = optarg;
			break;
		case 'U':
			if (parse_long(optarg, 0, CPU_SETSIZE - 1, &o->cpu) < 0)
				return -1;
			break;
		case 'S':
			o->sem_undo = true;
			break;
		case 'G':
			o->pending_signal = true;
			break;
		case '1':
			if (parse_usr1_after(optarg, o) < 0)
				return -1;
			break;
		case 'T':
			if (parse_long(optarg, 1, 1024, &o->close_threads) < 0)
				return -1;
			break;
		case 'I':
			o->invoker = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!o->confdir || !o->service || !o->user || optind >= argc)
		return -1;
	o->argv = argv + optind;
	return 0;
}

/* Become @pw: supplementary groups first, then gid, then uid. */
static int drop_to_user(const struct passwd *pw)
{
	if (initgroups(pw->pw_name, pw->pw_gid) < 0) {
		perror("pamh: initgroups");
		return -1;
	}
	if (setgid(pw->pw_gid) < 0) {
		perror("pamh: setgid");
		return -1;
	}
	if (setuid(pw->pw_uid) < 0) {
		perror("pamh: setuid");
		return -1;
	}
	return 0;
}

static int set_min_env(const struct passwd *pw)
{
	if (clearenv() != 0)
		return -1;
	if (setenv("PATH", SAFE_PATH, 1) < 0 || setenv("HOME", pw->pw_dir, 1) < 0 ||
	    setenv("USER", pw->pw_name, 1) < 0 || setenv("LOGNAME", pw->pw_name, 1) < 0)
		return -1;
	return 0;
}

static void __attribute__((noreturn)) run_child(const struct options *o, const struct passwd *pw)
{
	if (!o->as_root && drop_to_user(pw) < 0)
		_exit(EXIT_EXEC);
	if (set_min_env(pw) < 0) {
		perror("pamh: environment");
		_exit(EXIT_EXEC);
	}
	execvp(o->argv[0], o->argv);
	fprintf(stderr, "pamh: exec %s: %s\n", o->argv[0], strerror(errno));
	_exit(EXIT_EXEC);
}

/* Wait for @pid; its exit status, or 128+signal. */
static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("pamh: waitpid");
			return EXIT_USAGE;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_USAGE;
}

/* Fork and run the command; the child's status, or EXIT_USAGE if fork fails. */
static int run_command(const struct options *o, const struct passwd *pw)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("pamh: fork");
		return EXIT_USAGE;
	}
	if (pid == 0)
		run_child(o, pw);
	return wait_child(pid);
}

/* Idle threads for --threads: they block until the process exits. */
static void *idle_thread(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static int start_threads(long total)
{
	for (long i = 1; i < total; i++) {
		pthread_t t;
		int rc = pthread_create(&t, NULL, idle_thread, NULL);

		if (rc != 0) {
			fprintf(stderr, "pamh: pthread_create: %s\n", strerror(rc));
			return -1;
		}
		pthread_detach(t);
	}
	return 0;
}

/* " INODE" (or " ?") of this process's namespace of each of the @n kinds @ns, then a newline. */
static void put_ns_inodes(FILE *f, const char *const *ns, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char p[32];
		struct stat st;

		snprintf(p, sizeof(p), "/proc/self/ns/%s", ns[i]);
		if (stat(p, &st) == 0)
			fprintf(f, " %llu", (unsigned long long)st.st_ino);
		else
			fprintf(f, " ?");
	}
	fprintf(f, "\n");
}

/* --ns-report: "WHAT RC MNT IPC UTS" of this process, appended to @path. */
static void ns_report(const char *path, const char *what, int rc)
{
	static const char *const ns[] = {"mnt", "ipc", "uts"};
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "ae");
	if (!f) {
		fprintf(stderr, "pamh: %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(f, "%s %d", what, rc);
	put_ns_inodes(f, ns, sizeof(ns) / sizeof(ns[0]));
	fclose(f);
}

/* ---- the caller's state around pam_open_session (--proc-report and friends) ---- */

static volatile sig_atomic_t usr1_count;
/* Where the SIGUSR1 handler last ran: its mnt namespace (0: no /proc there) and root. */
static struct stat usr1_ns, usr1_root;

/* stat() is async-signal-safe; the numbers are formatted later. */
static void on_usr1(int sig)
{
	if (stat("/proc/self/ns/mnt", &usr1_ns) < 0)
		usr1_ns.st_ino = 0;
	if (stat("/", &usr1_root) < 0)
		usr1_root.st_ino = 0;
	usr1_count++;
	(void)sig;
}

/* "DEV:INO" of what @path (a /proc/self magic link) leads to, or "?". */
static void dev_ino(const char *path, char *buf, size_t len)
{
	struct stat st;

	if (stat(path, &st) == 0)
		snprintf(buf, len, "%llu:%llu", (unsigned long long)st.st_dev,
			 (unsigned long long)st.st_ino);
	else
		snprintf(buf, len, "?");
}

/* The status lines the report repeats, under its own key names. */
static void status_lines(FILE *f, const char *when)
{
	static const char *const keys[][2] = {
	    {"SigBlk:", "sigblk"}, {"SigPnd:", "sigpnd"},	   {"ShdPnd:", "shdpnd"},
	    {"SigIgn:", "sigign"}, {"Cpus_allowed_list:", "cpus"}, {"Threads:", "threads"},
	};
	char line[512];
	FILE *st = fopen("/proc/self/status", "re");

	if (!st)
		return;
	while (fgets(line, sizeof(line), st)) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			size_t n = strlen(keys[i][0]);
			char *v = line + n;

			if (strncmp(line, keys[i][0], n) != 0)
				continue;
			v += strspn(v, " \t");
			fprintf(f, "%s %s %s", when, keys[i][1], v);
		}
	}
	fclose(st);
}

static void proc_report(const char *path, const char *when, int semid)
{
	static const char *const ns[] = {"mnt", "ipc", "uts", "net"};
	char buf[64];
	FILE *f;

	if (!path)
		return;
	f = fopen(path, "ae");
	if (!f) {
		fprintf(stderr, "pamh: %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(f, "%s ns", when);
	put_ns_inodes(f, ns, sizeof(ns) / sizeof(ns[0]));
	dev_ino("/proc/self/cwd", buf, sizeof(buf));
	fprintf(f, "%s cwd %s\n", when, buf);
	dev_ino("/proc/self/root", buf, sizeof(buf));
	fprintf(f, "%s root %s\n", when, buf);
	status_lines(f, when);
	fprintf(f, "%s usr1 %d %llu %llu:%llu\n", when, (int)usr1_count,
		(unsigned long long)usr1_ns.st_ino, (unsigned long long)usr1_root.st_dev,
		(unsigned long long)usr1_root.st_ino);
	if (semid >= 0)
		fprintf(f, "%s semid %d\n", when, semid);
	fclose(f);
}

/* --sem-undo: a semaphore of the caller's IPC namespace, raised with SEM_UNDO. */
static int sem_undo_hold(void)
{
	struct sembuf up = {.sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO};
	int id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);

	if (id < 0 || semop(id, &up, 1) < 0) {
		perror("pamh: semaphore");
		return -1;
	}
	return id;
}

/*
 * --usr1-after: the tracer, in the parent. Syscall stops only (the caller's
 * own children are not traced); a signal-delivery-stop hands the signal on.
 * Returns the caller's exit status, 128+signal, or EXIT_USAGE.
 */
static int trace_caller(pid_t pid, const struct options *o)
{
	long current = -1, seen = 0;
	int status, sent = 0, ret = EXIT_USAGE;

	if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status) ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0 ||
	    ptrace(PTRACE_SYSCALL, pid, 0, 0) < 0) {
		perror("pamh: ptrace");
		kill(pid, SIGKILL);
	}
	for (;;) {
		int sig = 0;

		if (waitpid(pid, &status, 0) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;

			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(si), &si) > 0) {
				if (si.op == PTRACE_SYSCALL_INFO_ENTRY)
					current = (long)si.entry.nr;
				else if (si.op == PTRACE_SYSCALL_INFO_EXIT &&
					 current == o->usr1_nr && ++seen == o->usr1_n)
					sent = kill(pid, SIGUSR1) == 0;
			}
			if (sent) {
				/* Untraced from here: the signal is delivered as to anyone. */
				ptrace(PTRACE_DETACH, pid, 0, 0);
				continue;
			}
		} else {
			sig = WSTOPSIG(status);
		}
		ptrace(PTRACE_SYSCALL, pid, 0, sig);
	}
	if (o->proc_report) {
		FILE *f = fopen(o->proc_report, "ae");

		if (f) {
			fprintf(f, "tracer usr1sent %d\n", sent);
			fclose(f);
		}
	}
	return ret;
}

/*
 * --usr1-after: fork; the child goes on as the PAM caller, traced by the
 * parent, which never returns. The handler is installed before the fork.
 */
static int become_traced(const struct options *o)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	pid_t pid;

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0 || raise(SIGSTOP) != 0)
			_exit(EXIT_USAGE);
		return 0;
	}
	exit(trace_caller(pid, o));
}

/* The caller's set-up before pam_open_session: 0, or -1 after a message. */
static int caller_setup(const struct options *o, int *semid)
{
	*semid = -1;
	if (o->cwd && chdir(o->cwd) < 0) {
		fprintf(stderr, "pamh: chdir %s: %s\n", o->cwd, strerror(errno));
		return -1;
	}
	if (o->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((size_t)o->cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			perror("pamh: sched_setaffinity");
			return -1;
		}
	}
	if (o->sem_undo && (*semid = sem_undo_hold()) < 0)
		return -1;
	if (o->pending_signal) {
		sigset_t usr2;

		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		if (sigprocmask(SIG_BLOCK, &usr2, NULL) < 0 || raise(SIGUSR2) != 0) {
			perror("pamh: SIGUSR2");
			return -1;
		}
	}
	return 0;
}

/*
 * --invoker: what util-linux su looks like when it calls pam_open_session:
 * setuid root (effective and saved uid 0, real uid the invoker's), its gids
 * untouched (the invoker's), the groups of the user it switches to
 * (initgroups before the session opens).
 */
static int become_su_of(const char *invoker, const struct passwd *target)
{
	struct passwd *inv = getpwnam(invoker);
	uid_t uid;
	gid_t gid;

	if (!inv) {
		fprintf(stderr, "pamh: unknown invoker %s\n", invoker);
		return -1;
	}
	uid = inv->pw_uid;
	gid = inv->pw_gid;
	if (initgroups(target->pw_name, target->pw_gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, 0, 0) < 0) {
		perror("pamh: --invoker");
		return -1;
	}
	return 0;
}

static int set_close_env(const char *spec)
{
	char name[256];
	const char *eq = strchr(spec, '=');
	size_t n = (size_t)(eq - spec);

	if (n >= sizeof(name))
		return -1;
	memcpy(name, spec, n);
	name[n] = '\0';
	return setenv(name, eq + 1, 1);
}

/*
 * Copy of the user's passwd entry, taken before pam_open_session so the
 * module's own NSS calls cannot clobber getpwnam's static buffer.
 */
struct user_copy {
	struct passwd pw;
	char *buf;
};

static int lookup_user(const char *name, struct user_copy *u, bool quiet)
{
	long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
	struct passwd *res = NULL;
	size_t len = sz > 0 ? (size_t)sz : 16384;
	int rc;

	for (;;) {
		u->buf = malloc(len);
		if (!u->buf)
			return -1;
		rc = getpwnam_r(name, &u->pw, u->buf, len, &res);
		if (rc != ERANGE)
			break;
		free(u->buf);
		len *= 2;
	}
	if (rc != 0 || !res) {
		if (!quiet)
			fprintf(stderr, "pamh: unknown user %s%s%s\n", name, rc ? ": " : "",
				rc ? strerror(rc) : "");
		free(u->buf);
		u->buf = NULL;
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct pam_conv pc = {conv, NULL};
	struct user_copy u = {0};
	pam_handle_t *pamh = NULL;
	struct options o;
	bool known;
	int rc, status, semid;

	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o.usr1_nr >= 0 && become_traced(&o) < 0) {
		perror("pamh: --usr1-after");
		return EXIT_USAGE;
	}
	known = lookup_user(o.user, &u, o.any_user) == 0;
	if (!known && !o.any_user)
		return EXIT_USAGE;
	if (o.threads > 1 && start_threads(o.threads) < 0) {
		free(u.buf);
		return EXIT_USAGE;
	}
	rc = pam_start_confdir(o.service, o.user, &pc, o.confdir, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pamh: pam_start_confdir: %s\n", pam_strerror(pamh, rc));
		free(u.buf);
		return EXIT_USAGE;
	}
	if (caller_setup(&o, &semid) < 0 ||
	    (o.invoker && (!known || become_su_of(o.invoker, &u.pw) < 0))) {
		pam_end(pamh, PAM_SUCCESS);
		free(u.buf);
		return EXIT_USAGE;
	}
	proc_report(o.proc_report, "before", semid);
	rc = pam_open_session(pamh, 0);
	ns_report(o.ns_report, "open", rc);
	proc_report(o.proc_report, "open", -1);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pamh: open_session: %s\n", pam_strerror(pamh, rc));
		pam_end(pamh, rc);
		free(u.buf);
		return EXIT_OPEN;
	}
	if (known) {
		status = run_command(&o, &u.pw);
	} else {
		fprintf(stderr, "pamh: a session opened for a user that cannot be looked up; "
				"no command run\n");
		status = EXIT_UNKNOWN_OPENED;
	}
	if (!o.no_close) {
		if (o.close_env && set_close_env(o.close_env) < 0) {
			perror("pamh: setenv");
			status = EXIT_USAGE;
		}
		if (o.close_as_user && (setgroups(0, NULL) < 0 ||
					setresgid(u.pw.pw_gid, u.pw.pw_gid, u.pw.pw_gid) < 0 ||
					setresuid(u.pw.pw_uid, u.pw.pw_uid, u.pw.pw_uid) < 0)) {
			perror("pamh: cannot drop to the user before closing");
			status = EXIT_USAGE;
		}
		if (o.close_threads > 1 && start_threads(o.close_threads) < 0)
			status = EXIT_USAGE;
		rc = pam_close_session(pamh, 0);
		ns_report(o.ns_report, "close", rc);
		proc_report(o.proc_report, "close", -1);
		if (rc != PAM_SUCCESS) {
			fprintf(stderr, "pamh: close_session: %s\n", pam_strerror(pamh, rc));
			status = EXIT_CLOSE;
		}
	}
	pam_end(pamh, rc);
	free(u.buf);
	return status;
}
