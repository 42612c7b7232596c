/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso.conf: the loader (sections, validation of every key of every file,
 * the policy object) and the policy cache's form of a valid policy.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "blob.h"
#include "policy_int.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Sections and the policy object                                      */

static const struct {
	const char *prefix;
	enum section_kind kind;
	bool named; /* prefix is followed by an account name */
} section_kinds[] = {
    {"global", SEC_GLOBAL, false},
    {"group:", SEC_GROUP, true},
    {"user:", SEC_USER, true},
};

void nsiso_policy_free(struct nsiso_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_secs; i++) {
		free(p->secs[i].name);
		values_free(p->secs[i].v);
		for (size_t k = 0; k < NSISO_KEY__MAX; k++)
			free(p->secs[i].raw[k]);
	}
	free(p->secs);
	values_free(p->defaults);
	strlist_free(&p->files);
	free(p);
}

bool nsiso_policy_degraded(const struct nsiso_policy *p)
{
	/* No policy at all is at least as broken as a degraded one. */
	return !p || p->degraded;
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

/*
 * Sections by name without case, so that a section of a drop-in joins the
 * one of the same name in an earlier file in O(1) whatever the number of
 * files and headers: open addressing over indices into p->secs, sized for
 * NSISO_MAX_SECTIONS (the cap of a policy), so never more than half full.
 */
#define SECINDEX_SLOTS (2u * NSISO_MAX_SECTIONS)

struct secindex {
	uint32_t *slot; /* 0: empty, else index into p->secs + 1 */
};

struct loader {
	const char *file;  /* the file being loaded, for messages */
	unsigned file_idx; /* ... its index in p->files */
	struct nsiso_error *err;
	struct nsiso_problems *all; /* NULL: the first problem (in err) is all that is wanted */
	const dictionary *d;
	struct nsiso_policy *p;
	struct secindex idx;
	size_t cur;	   /* index into p->secs, or NO_SECTION */
	bool seen_section; /* in the file being loaded */
	bool file_failed;  /* a problem in the file being loaded */
	bool failed;
};

__attribute__((format(printf, 4, 5))) static void appendf(char *buf, size_t len, size_t *used,
							  const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*used >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (r > 0)
		*used += (size_t)r;
}

/* "<file>:<line>: [<section>] <key>", parts left out when unknown. */
void locate(char *buf, size_t len, const char *file, unsigned line, const char *sec,
	    const char *key)
{
	char ef[256], es[ESC_NAME], ek[ESC_NAME];
	size_t used = 0;

	buf[0] = '\0';
	appendf(buf, len, &used, "%s", nsiso_escape(ef, sizeof(ef), file));
	if (line)
		appendf(buf, len, &used, ":%u", line);
	if (sec || key)
		appendf(buf, len, &used, ":");
	if (sec)
		appendf(buf, len, &used, " [%s]", nsiso_escape(es, sizeof(es), sec));
	if (key)
		appendf(buf, len, &used, " %s", nsiso_escape(ek, sizeof(ek), key));
}

/*
 * Keep a copy of @msg. Once one is dropped (cap reached, or no memory) every
 * later one is only counted, so the kept messages are always the first ones,
 * in order, and the caller can tell that some are missing.
 */
void problems_add(struct nsiso_problems *all, const char *msg)
{
	if (!all)
		return;
	if (all->more == 0 && all->n < NSISO_MAX_PROBLEMS && (all->msg[all->n] = strdup(msg)))
		all->n++;
	else
		all->more++;
}

void nsiso_problems_free(struct nsiso_problems *all)
{
	if (!all)
		return;
	for (size_t i = 0; i < all->n; i++)
		free(all->msg[i]);
	*all = (struct nsiso_problems){0};
}

/* The first problem goes into the error (what a login logs), every one into the list. */
static void loader_report(struct loader *l, const char *msg)
{
	if (l->failed && !l->all) {
		l->file_failed = true;
		return;
	}
	if (!l->failed)
		nsiso_fail(l->err, NSISO_ERR_POLICY, 0, "%s", msg);
	l->failed = l->file_failed = true;
	problems_add(l->all, msg);
}

/* A problem at @line (0: none) of @file, in section @sec, key @key (either may be NULL). */
__attribute__((format(printf, 6, 7))) static void loader_fail_in(struct loader *l, const char *file,
								 unsigned line, const char *sec,
								 const char *key, const char *fmt,
								 ...)
{
	char where[512], what[510], msg[sizeof(l->err->msg)];
	va_list ap;

	if (l->failed && !l->all) {
		l->file_failed = true; /* nothing more is wanted than that */
		return;
	}
	locate(where, sizeof(where), file, line, sec, key);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", where, what);
	loader_report(l, msg);
}

/* The same in the file being loaded. */
#define loader_fail(l, ...) loader_fail_in((l), (l)->file, __VA_ARGS__)

/*
 * NAME of [group:NAME] and [user:NAME] is taken exactly as written: blanks
 * inside are part of it ([group:Domain Users]). A blank right after the
 * colon is refused rather than guessed at (no NSS name starts with one);
 * iniparser strips the header's ends, so none can follow.
 */
static const char *section_name_problem(const char *target)
{
	if (!*target)
		return "missing name";
	if (target[0] == ' ')
		return "a blank after ':' (the name starts right after the colon)";
	if (!nsiso_user_name_ok(target) || strchr(target, ':'))
		return "invalid name";
	return NULL;
}

/*
 * The row of section_kinds a section name as written belongs to, or -1 with
 * *@bad saying why it is refused. Shared by the loader and the cache's replay.
 */
static int section_kind_of(const char *name, const char **bad)
{
	for (size_t i = 0; i < ARRAY_SIZE(section_kinds); i++) {
		const char *pre = section_kinds[i].prefix;

		if (section_kinds[i].named ? strncmp(name, pre, strlen(pre)) != 0
					   : strcmp(name, pre) != 0)
			continue;
		*bad = section_kinds[i].named ? section_name_problem(name + strlen(pre)) : NULL;
		return *bad ? -1 : (int)i;
	}
	*bad = "unknown section kind (expected [global], [group:NAME] or [user:NAME])";
	return -1;
}

/* An empty section of kind row @kind named @name (copied), or -1 (no memory). */
static int section_init(struct section *s, const char *name, int kind)
{
	*s = (struct section){.kind = section_kinds[kind].kind};
	s->name = strdup(name);
	s->v = values_new();
	if (!s->name || !s->v) {
		free(s->name);
		values_free(s->v);
		*s = (struct section){0};
		return -1;
	}
	s->target = s->name + strlen(section_kinds[kind].prefix);
	return 0;
}

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a, of the name as iniparser lower-cases it */

	for (; *s; s++)
		h = (h ^ (uint32_t)tolower((unsigned char)*s)) * 16777619u;
	return h;
}

/* tolower() to match iniparser's strlwc() and the pre-pass. */
static bool same_without_case(const char *a, const char *b)
{
	for (; *a && tolower((unsigned char)*a) == tolower((unsigned char)*b); a++, b++)
		;
	return tolower((unsigned char)*a) == tolower((unsigned char)*b);
}

/* The slot of @name: the one that holds its section, or the empty one where it goes. */
static uint32_t *secindex_slot(const struct loader *l, const char *name)
{
	for (uint32_t i = name_hash(name);; i++) {
		uint32_t *slot = &l->idx.slot[i & (SECINDEX_SLOTS - 1)];

		if (!*slot || same_without_case(l->p->secs[*slot - 1].name, name))
			return slot;
	}
}

/*
 * A section that an earlier file has already (within one file the pre-pass
 * refuses a second header): the merge rule, later keys go into it and it
 * keeps its place. Names that differ only in case cannot be told apart by
 * iniparser within a file, so they are not two sections across files either.
 */
static void join_section(struct loader *l, const struct item *it, size_t i)
{
	const struct section *s = &l->p->secs[i];
	char es[ESC_NAME], ef[256];

	if (strcmp(s->name, it->text) == 0) {
		l->cur = i;
		return;
	}
	loader_fail(l, it->line, it->text, NULL,
		    "same section as [%s] at %s:%u (section names are compared without case)",
		    nsiso_escape(es, sizeof(es), s->name),
		    nsiso_escape(ef, sizeof(ef), l->p->files.v[s->first_file]), s->first_line);
}

static int add_section(struct loader *l, const struct item *it)
{
	struct nsiso_policy *p = l->p;
	struct section *ns;
	const char *bad;
	int kind = section_kind_of(it->text, &bad);
	uint32_t *slot;

	if (kind < 0) {
		loader_fail(l, it->line, it->text, NULL, "%s", bad);
		return 0;
	}
	if (!l->idx.slot && !(l->idx.slot = calloc(SECINDEX_SLOTS, sizeof(*l->idx.slot))))
		return -1;
	slot = secindex_slot(l, it->text);
	if (*slot) {
		join_section(l, it, *slot - 1);
		return 0;
	}
	if (p->n_secs == NSISO_MAX_SECTIONS) {
		loader_fail(l, it->line, it->text, NULL,
			    "too many sections in the policy files together (at most %d)",
			    NSISO_MAX_SECTIONS);
		return 0;
	}
	ns = realloc(p->secs, (p->n_secs + 1) * sizeof(*ns));
	if (!ns)
		return -1;
	p->secs = ns;
	if (section_init(&p->secs[p->n_secs], it->text, kind) < 0)
		return -1;
	p->secs[p->n_secs].first_file = l->file_idx;
	p->secs[p->n_secs].first_line = it->line;
	l->cur = p->n_secs++;
	*slot = (uint32_t)p->n_secs;
	return 0;
}

static int on_section(struct loader *l, const struct item *it)
{
	l->cur = NO_SECTION;
	l->seen_section = true;
	if (it->reason) {
		loader_fail(l, it->line, it->text, NULL, "%s", it->reason);
		return 0;
	}
	if (it->repeated && it->first != it->line) {
		bool other_case = strcmp(it->text, it->first_text) != 0;
		loader_fail(l, it->line, it->text, NULL, "duplicate section (first at line %u%s)",
			    it->first,
			    other_case ? "; section names are compared without case" : "");
		return 0;
	}
	return add_section(l, it);
}

/*
 * A key whose value in the file with the last word is rejected: an earlier
 * file's value does not stand either (it would not apply with a valid
 * policy), so a degraded policy answers from the default.
 */
static void forget_key(struct section *s, enum nsiso_key k)
{
	s->bad |= KEY_BIT(k);
	s->set &= ~KEY_BIT(k);
	free(s->raw[k]);
	s->raw[k] = NULL;
}

/* A valid value, which replaces whatever an earlier file gave this key of @s. */
static void keep_key(struct section *s, enum nsiso_key k, unsigned file, unsigned line, char **val)
{
	s->set |= KEY_BIT(k);
	s->bad &= ~KEY_BIT(k);
	s->file[k] = file;
	s->line[k] = line;
	free(s->raw[k]);
	s->raw[k] = nsiso_steal_ptr(val);
}

static int on_key(struct loader *l, const struct item *it)
{
	_cleanup_free_ char *val = NULL;
	const struct key_def *def;
	struct section *s;
	struct problem pb;
	enum nsiso_key k;
	const char *raw;

	if (!l->seen_section) {
		loader_fail(l, it->line, NULL, it->text, "key outside any section (add [global])");
		return 0;
	}
	if (l->cur == NO_SECTION) /* in a rejected section: already reported */
		return 0;
	s = &l->p->secs[l->cur];
	def = key_by_name(it->text, &k);
	if (!def) {
		loader_fail(l, it->line, s->name, it->text, "unknown key");
		return 0;
	}
	if (def->global_only && s->kind != SEC_GLOBAL) {
		loader_fail(l, it->line, s->name, it->text, "only allowed in [global]");
		return 0;
	}
	if (it->repeated) {
		/* iniparser kept only the last value: neither occurrence can be trusted. */
		forget_key(s, k);
		if (it->first != it->line)
			loader_fail(l, it->line, s->name, it->text,
				    "duplicate key (first at line %u)", it->first);
		return 0;
	}
	raw = it->lc ? dictionary_get(l->d, it->lc, NULL) : NULL;
	if (!raw) {
		loader_fail(l, it->line, s->name, it->text,
			    "internal error: iniparser does not have this key");
		return 0;
	}
	val = strdup(def->list ? it->value : raw);
	if (!val)
		return -1;
	if (def->parse(strip(val), s->v, &pb) < 0) {
		forget_key(s, k);
		loader_fail(l, it->line, s->name, it->text, "%s", pb.msg);
		return 0;
	}
	keep_key(s, k, l->file_idx, it->line, &val);
	return 0;
}

static const struct section *find_global(const struct nsiso_policy *p)
{
	for (size_t i = 0; i < p->n_secs; i++)
		if (p->secs[i].kind == SEC_GLOBAL)
			return &p->secs[i];
	return NULL;
}

/* The section that gives key @k to @s (@s itself, else [global]), or NULL for the default. */
static const struct section *given_in(const struct section *s, const struct section *g,
				      enum nsiso_key k)
{
	if ((s->set | s->bad) & KEY_BIT(k))
		return s;
	if (g && ((g->set | g->bad) & KEY_BIT(k)))
		return g;
	return NULL;
}

/*
 * net = hook without net_hook: found here, with file, line and section, for
 * each section over [global] (what `nsisoctl check` can see). A combination
 * only a chain of groups produces is still caught at resolve time. A net_hook
 * whose value was rejected is not reported a second time as missing.
 */
static void check_hooks(struct loader *l)
{
	const struct section *g = find_global(l->p);

	for (size_t i = 0; i < l->p->n_secs && (!l->failed || l->all); i++) {
		const struct section *s = &l->p->secs[i];
		const struct section *h = given_in(s, g, NSISO_KEY_NET_HOOK);

		if (!(s->set & KEY_BIT(NSISO_KEY_NET)) || !values_net_is_hook(s->v))
			continue;
		if (h && (h->bad & KEY_BIT(NSISO_KEY_NET_HOOK)))
			continue;
		if (!values_net_hook(h ? h->v : l->p->defaults))
			loader_fail_in(l, l->p->files.v[s->file[NSISO_KEY_NET]],
				       s->line[NSISO_KEY_NET], s->name, "net",
				       "net = hook needs net_hook, which is not set");
	}
}

/* Walk all items of one file in order: its first problem (lowest line) is reported first. */
static int validate(struct loader *l, const struct prepass *pp)
{
	for (size_t i = 0; i < pp->n; i++) {
		const struct item *it = &pp->items[i];
		int r = 0;

		switch (it->kind) {
		case ITEM_SECTION:
			r = on_section(l, it);
			break;
		case ITEM_KEY:
			r = on_key(l, it);
			break;
		case ITEM_BAD:
			loader_fail(l, it->line, NULL, NULL, "%s", it->reason);
			break;
		}
		if (r < 0)
			return -1;
	}
	if (!l->file_failed && (size_t)l->d->n != pp->n_distinct)
		loader_fail(l, 0, NULL, NULL,
			    "internal error: iniparser found %d entries, expected %zu", l->d->n,
			    pp->n_distinct);
	return 0;
}

/* The defaults go through the same parsers as the file, so they cannot drift from the rules. */
static int parse_defaults(struct values *v, struct nsiso_error *err)
{
	struct problem pb;

	for (size_t k = 0; k < ARRAY_SIZE(key_defs); k++)
		if (key_defs[k].parse(key_defs[k].def, v, &pb) < 0)
			return nsiso_fail(err, NSISO_ERR_POLICY, 0, "built-in default of %s: %s",
					  key_defs[k].name, pb.msg);
	return 0;
}

/* The [global]-only settings, which a degraded policy still answers from. */
static void finish(struct nsiso_policy *p)
{
	const struct section *g = find_global(p);
	unsigned set = g ? g->set : 0;

	p->exempt_users =
	    values_exempt_users(set & KEY_BIT(NSISO_KEY_EXEMPT_USERS) ? g->v : p->defaults);
	p->exempt_groups =
	    values_exempt_groups(set & KEY_BIT(NSISO_KEY_EXEMPT_GROUPS) ? g->v : p->defaults);
	p->on_error = values_on_error(set & KEY_BIT(NSISO_KEY_ON_ERROR) ? g->v : p->defaults);
}

/*
 * iniparser's own message quotes the offending line. It is not repeated: with
 * config= pointing at the wrong file (/etc/shadow) it would put a secret into
 * the log. The line number is enough to find it.
 */
static void syntax_error(struct loader *l, const struct prepass *pp)
{
	unsigned line = ini_msg_line();

	for (size_t i = 0; !line && i < pp->n; i++)
		if (pp->items[i].kind == ITEM_BAD)
			line = pp->items[i].line;
	if (line)
		loader_fail(l, line, NULL, NULL, "syntax error");
	else
		loader_fail(l, 0, NULL, NULL, "syntax error (cannot parse the file)");
}

/*
 * Line of the first section past NSISO_MAX_SECTIONS, or 0. iniparser's
 * dictionary is a linear array (its lookups, and so the load, grow with the
 * square of the entries: 60000 sections took 1.4 s a login): such a file is
 * refused before it reaches iniparser.
 */
static unsigned section_over_cap(const struct prepass *pp)
{
	unsigned n = 0;

	for (size_t i = 0; i < pp->n; i++)
		if (pp->items[i].kind == ITEM_SECTION && ++n > NSISO_MAX_SECTIONS)
			return pp->items[i].line;
	return 0;
}

/* iniparser only reads by path: afterwards @fd (a memfd) holds exactly these bytes. */
static int memfd_fill(int fd, const char *buf, size_t len)
{
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return nsiso_write_all(fd, buf, len);
}

/* The bytes' own checks, before anything parses them: 0, or 1 with the problem reported. */
static int check_bytes(struct loader *l, const char *buf, size_t len)
{
	unsigned line;

	if (len > POLICY_MAX_SIZE) {
		loader_fail(l, 0, NULL, NULL, "file too large (more than %u bytes)",
			    POLICY_MAX_SIZE);
		return 1;
	}
	if (find_nul(buf, len, &line)) {
		loader_fail(l, line, NULL, NULL, "NUL byte in the file");
		return 1;
	}
	return 0;
}

/* The pre-pass, and the bound it checks before iniparser: 0, 1 (reported) or -1 (no memory). */
static int run_prepass(struct loader *l, struct prepass *pp, const char *buf, size_t len)
{
	unsigned line;

	if (prepass_run(pp, buf, len) < 0)
		return nsiso_syserr(l->err, ENOMEM, "cannot load the policy");
	if ((line = section_over_cap(pp)) != 0) {
		loader_fail(l, line, NULL, NULL,
			    "too many sections (at most %d): use [group:] sections",
			    NSISO_MAX_SECTIONS);
		return 1;
	}
	return 0;
}

/*
 * One file of the policy into l->p, parsed from @buf (through @memfd, never
 * from the disk again: what was read is what is parsed). @problem: the file
 * could not be read, and that is all there is to say about it. Returns 0
 * (parsed and validated, its problems reported), 1 (nothing of it can be
 * used: its one problem reported) or -1 (out of memory, @err set).
 */
static int load_one(struct loader *l, const char *path, const char *buf, size_t len,
		    const char *problem, int memfd)
{
	_cleanup_prepass_ struct prepass pp = {0};
	dictionary *d;
	int r;

	l->file = path;
	l->cur = NO_SECTION;
	l->seen_section = l->file_failed = false;
	if (problem) {
		loader_report(l, problem);
		return 1;
	}
	if ((r = check_bytes(l, buf, len)) != 0 || (r = run_prepass(l, &pp, buf, len)) != 0)
		return r;
	if ((r = memfd_fill(memfd, buf, len)) < 0)
		return nsiso_syserr(l->err, -r, "cannot load the policy: memfd");
	d = ini_load(memfd);
	if (!d || ini_msg[0]) {
		iniparser_freedict(d);
		syntax_error(l, &pp);
		return 1;
	}
	l->d = d;
	r = validate(l, &pp);
	l->d = NULL;
	iniparser_freedict(d);
	return r < 0 ? nsiso_syserr(l->err, ENOMEM, "cannot load the policy") : 0;
}

/* A policy with the built-in defaults and no section yet. */
static struct nsiso_policy *policy_new(struct nsiso_error *err)
{
	struct nsiso_policy *p = calloc(1, sizeof(*p));

	if (!p || !(p->defaults = values_new())) {
		nsiso_policy_free(p);
		nsiso_syserr(err, ENOMEM, "cannot load the policy");
		return NULL;
	}
	if (parse_defaults(p->defaults, err) < 0) {
		nsiso_policy_free(p);
		return NULL;
	}
	return p;
}

/* One policy file as nsiso_policy_files holds it; the main file and a buffer alike. */
struct source {
	const char *path, *buf, *problem;
	size_t len;
};

/*
 * The files in order into one policy. A main file that cannot be used at
 * all leaves no policy (nothing of it can be trusted, not even on_error); a
 * drop-in that cannot be used makes the policy degraded, with what the other
 * files say.
 */
static int load_sources(const struct source *src, size_t n, struct nsiso_policy **out,
			struct nsiso_problems *all, struct nsiso_error *err)
{
	struct loader l = {.err = err, .all = all, .cur = NO_SECTION};
	_cleanup_close_ int memfd = -1;
	char ep[256];
	int r = 0;

	*out = NULL;
	if (n == 0)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0, "no policy file given");
	memfd = memfd_create("nsiso.conf", MFD_CLOEXEC);
	if (memfd < 0)
		return nsiso_syserr(err, errno, "%s: memfd_create",
				    nsiso_escape(ep, sizeof(ep), src[0].path));
	if (!(l.p = policy_new(err)))
		return -1;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (strlist_push(&l.p->files, strdup(src[i].path)) < 0) {
			r = nsiso_syserr(err, ENOMEM, "cannot load the policy");
			break;
		}
		l.file_idx = (unsigned)i;
		r = load_one(&l, src[i].path, src[i].buf, src[i].len, src[i].problem, memfd);
		if (r == 1 && i == 0)
			r = -1;
	}
	if (r >= 0)
		check_hooks(&l);
	free(l.idx.slot);
	if (r < 0) {
		nsiso_policy_free(l.p);
		return -1;
	}
	l.p->degraded = l.failed;
	finish(l.p);
	*out = l.p;
	return l.failed ? -1 : 0;
}

/* ------------------------------------------------------------------ */
/* Loading: the entry points                                           */

/*
 * A problem that stopped the load is only in @err: it becomes the list's one
 * message, so that a front-end has a single list to print.
 */
static int problems_finish(struct nsiso_problems *all, int r, const struct nsiso_error *err)
{
	if (all && r < 0 && all->n == 0 && all->more == 0)
		problems_add(all, err && err->msg[0] ? err->msg : "cannot load the policy");
	return r;
}

static int load_files(const struct nsiso_policy_files *f, struct nsiso_policy **out,
		      struct nsiso_problems *all, struct nsiso_error *err)
{
	_cleanup_free_ struct source *src = calloc(f->n + 1, sizeof(*src));

	*out = NULL;
	if (!src)
		return nsiso_syserr(err, ENOMEM, "cannot load the policy");
	for (size_t i = 0; i < f->n; i++)
		src[i] = (struct source){f->v[i].path, f->v[i].buf, f->v[i].problem, f->v[i].len};
	return load_sources(src, f->n, out, all, err);
}

int nsiso_policy_load_files(const struct nsiso_policy_files *f, struct nsiso_policy **out,
			    struct nsiso_problems *all, struct nsiso_error *err)
{
	if (all)
		*all = (struct nsiso_problems){0};
	return problems_finish(all, load_files(f, out, all, err), err);
}

int nsiso_policy_load(const char *path, struct nsiso_policy **out, struct nsiso_problems *all,
		      struct nsiso_error *err)
{
	_cleanup_policy_files_ struct nsiso_policy_files f = {0};

	*out = NULL;
	if (all)
		*all = (struct nsiso_problems){0};
	if (nsiso_policy_read_files(path, &f, err) < 0)
		return problems_finish(all, -1, err);
	return problems_finish(all, load_files(&f, out, all, err), err);
}

int nsiso_policy_load_buffer(const char *name, const char *buf, size_t len,
			     struct nsiso_policy **out, struct nsiso_problems *all,
			     struct nsiso_error *err)
{
	const struct source src = {name, buf, NULL, len};

	if (all)
		*all = (struct nsiso_problems){0};
	return problems_finish(all, load_sources(&src, 1, out, all, err), err);
}

/* ------------------------------------------------------------------ */
/* The policy cache's form of a valid policy                           */

/*
 * A valid policy is a function of its sections (names as written, in order
 * of first appearance, the drop-ins merged in) and of each key's value as it
 * was validated, plus where each value was given (for nsisoctl explain). The
 * serialized form holds exactly that, keys by name (a key table that changes
 * between two versions cannot shift a value onto another key):
 *
 *   u32 files, then per file: str path
 *   u32 sections, then per section: str name, u32 keys, then per key:
 *   str key, u32 file (index), u32 line, str value    (str: u32 length + bytes)
 *
 * nsiso_policy_deserialize() replays it through the loader's own rules:
 * section kinds and names, the key table, [global]-only keys, every value's
 * parser, the check across keys. A replayed policy is built by the same code
 * as a fresh one, so it cannot hold anything a policy file could not.
 */

int nsiso_policy_serialize(const struct nsiso_policy *p, struct nsiso_wbuf *w)
{
	if (!p || p->degraded)
		return -EINVAL;
	nsiso_wbuf_u32(w, (uint32_t)p->files.n);
	for (size_t i = 0; i < p->files.n; i++)
		nsiso_wbuf_str(w, p->files.v[i]);
	nsiso_wbuf_u32(w, (uint32_t)p->n_secs);
	for (size_t i = 0; i < p->n_secs; i++) {
		const struct section *s = &p->secs[i];

		nsiso_wbuf_str(w, s->name);
		nsiso_wbuf_u32(w, (uint32_t)__builtin_popcount(s->set));
		for (size_t k = 0; k < NSISO_KEY__MAX; k++) {
			if (!(s->set & KEY_BIT(k)))
				continue;
			if (!s->raw[k])
				return -EINVAL;
			nsiso_wbuf_str(w, key_defs[k].name);
			nsiso_wbuf_u32(w, s->file[k]);
			nsiso_wbuf_u32(w, s->line[k]);
			nsiso_wbuf_str(w, s->raw[k]);
		}
	}
	return w->failed ? -ENOMEM : 0;
}

/* A value as on_key() hands it to a parser: never starts or ends with a blank. */
static bool is_stripped(const char *s)
{
	size_t n = strlen(s);

	return n == 0 || (!isspace((unsigned char)s[0]) && !isspace((unsigned char)s[n - 1]));
}

/* One key of a replayed section (of a policy of @n_files files), under on_key()'s rules. */
static int replay_key(struct section *s, size_t n_files, struct nsiso_rbuf *r)
{
	_cleanup_free_ char *key = nsiso_rbuf_strdup(r, LINE_MAX_BYTES);
	unsigned file = nsiso_rbuf_u32(r);
	unsigned line = nsiso_rbuf_u32(r);
	_cleanup_free_ char *val = nsiso_rbuf_strdup(r, LINE_MAX_BYTES);
	const struct key_def *def;
	struct problem pb;
	enum nsiso_key k;

	if (!key || !val || !is_stripped(val) || file >= n_files)
		return -1;
	def = key_by_name(key, &k);
	if (!def || (s->set & KEY_BIT(k)) || (def->global_only && s->kind != SEC_GLOBAL))
		return -1;
	if (def->parse(val, s->v, &pb) < 0)
		return -1;
	keep_key(s, k, file, line, &val);
	return 0;
}

/* One section, into p->secs[p->n_secs] (room made by the caller), under add_section()'s rules. */
static int replay_section(struct nsiso_policy *p, struct nsiso_rbuf *r)
{
	_cleanup_free_ char *name = nsiso_rbuf_strdup(r, LINE_MAX_BYTES);
	struct section *s = &p->secs[p->n_secs];
	const char *bad;
	uint32_t n;
	int kind;

	if (!name || (kind = section_kind_of(name, &bad)) < 0 || section_init(s, name, kind) < 0)
		return -1;
	p->n_secs++; /* from here on freed with the policy */
	n = nsiso_rbuf_count(r, NSISO_KEY__MAX);
	for (uint32_t i = 0; i < n; i++)
		if (replay_key(s, p->files.n, r) < 0)
			return -1;
	return r->failed ? -1 : 0;
}

/* The files' paths (a path of a drop-in is its directory's, a name and a '/'). */
#define PATH_MAX_BYTES 4096

static int replay_files(struct nsiso_policy *p, struct nsiso_rbuf *r)
{
	uint32_t n = nsiso_rbuf_count(r, NSISO_POLICY_MAX_FILES);

	if (r->failed || n == 0)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (strlist_push(&p->files, nsiso_rbuf_strdup(r, PATH_MAX_BYTES)) < 0)
			return -1;
	return 0;
}

int nsiso_policy_deserialize(const char *buf, size_t len, struct nsiso_policy **out)
{
	struct nsiso_rbuf r = nsiso_rbuf_init(buf, len);
	struct nsiso_error err = {0};
	struct loader l = {.file = "policy cache", .err = &err, .cur = NO_SECTION};
	uint32_t n;

	*out = NULL;
	if (!(l.p = policy_new(&err)))
		return -1;
	if (replay_files(l.p, &r) < 0)
		goto fail;
	n = nsiso_rbuf_count(&r, NSISO_MAX_SECTIONS);
	if (r.failed || (n && !(l.p->secs = calloc(n, sizeof(*l.p->secs)))))
		goto fail;
	for (uint32_t i = 0; i < n; i++)
		if (replay_section(l.p, &r) < 0)
			goto fail;
	if (!nsiso_rbuf_done(&r))
		goto fail;
	check_hooks(&l);
	if (l.failed)
		goto fail;
	finish(l.p);
	*out = l.p;
	return 0;
fail:
	nsiso_policy_free(l.p);
	return -1;
}
