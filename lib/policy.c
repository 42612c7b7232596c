/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso.conf: safe opening, parsing, validation and per-user resolution.
 *
 * iniparser does the INI syntax (quotes, comments, continuation lines), but it
 * lower-cases section and key names and reports no line numbers. User and group
 * names are case-sensitive and error messages must point at a line, so a light
 * pre-pass over the same bytes records every section header and key with its
 * original spelling and line. Values are always taken from iniparser; the
 * pre-pass only has to agree with it on *which* lines are sections and keys,
 * and that agreement is checked (entry count, every key found) so a mismatch
 * fails closed instead of silently using the wrong value.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser/iniparser.h>

#include "blob.h"
#include "fsutil.h"
#include "list.h"
#include "policy.h"
#include "user.h"
#include "util.h"

#define POLICY_MAX_SIZE NSISO_POLICY_MAX_BYTES
/* iniparser reads lines into 1024-byte buffers and fails longer ones. */
#define LINE_MAX_BYTES 1022
#define ESC_VALUE      64
#define ESC_NAME       80
#define HOSTNAME_MAX   64 /* HOST_NAME_MAX on Linux */
#define NO_SECTION     SIZE_MAX

/* ------------------------------------------------------------------ */
/* Small string helpers                                                */

struct strlist {
	char **v;
	size_t n;
};

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strlist){0};
}

#define _cleanup_strlist_ __attribute__((cleanup(strlist_free)))

/* Takes ownership of @s (freed on failure). */
static int strlist_push(struct strlist *l, char *s)
{
	char **nv;

	if (!s)
		return -1;
	nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -1;
	}
	l->v = nv;
	l->v[l->n++] = s;
	return 0;
}

static bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* isspace() to match iniparser, which strips with it too. */
static char *strip(char *s)
{
	size_t len;
	char *start = s;

	while (*start && isspace((unsigned char)*start))
		start++;
	len = strlen(start);
	while (len > 0 && isspace((unsigned char)start[len - 1]))
		len--;
	memmove(s, start, len);
	s[len] = '\0';
	return s;
}

/* tolower() to match iniparser's strlwc(). */
static char *lower_dup(const char *prefix, const char *s)
{
	size_t plen = strlen(prefix), slen = strlen(s);
	char *r = malloc(plen + slen + 1);

	if (!r)
		return NULL;
	memcpy(r, prefix, plen);
	for (size_t i = 0; i <= slen; i++)
		r[plen + i] = (char)tolower((unsigned char)s[i]);
	return r;
}

/* ------------------------------------------------------------------ */
/* Values and their parsers                                            */

/* One section's (or the defaults') values; only keys in the section's set mask are meaningful. */
struct values {
	unsigned ns_mask;
	enum nsiso_tmp_mode tmp;
	struct strlist tmp_dirs;
	struct nsiso_size tmp_size;
	struct strlist tmp_share; /* names, see nsiso_settings */
	unsigned tmp_share_rw;
	enum nsiso_propagation propagation;
	enum nsiso_lifetime lifetime;
	enum nsiso_from_set from_set;
	char *hostname; /* NULL keeps the host's */
	struct strlist exempt_users;
	struct strlist exempt_groups; /* entries are "exempt_groups:NAME", see EXEMPT_GROUP_WHY */
	enum nsiso_on_error on_error;
	enum nsiso_net_mode net;
	char *net_hook; /* NULL: none */
	unsigned net_hook_timeout;
	char *netns_name; /* NULL: none */
	char *init_hook;  /* NULL: none */
	unsigned init_hook_timeout;
};

#define EXEMPT_GROUP_WHY "exempt_groups:"

static void values_free(struct values *v)
{
	strlist_free(&v->tmp_dirs);
	strlist_free(&v->tmp_share);
	strlist_free(&v->exempt_users);
	strlist_free(&v->exempt_groups);
	free(v->hostname);
	v->hostname = NULL;
	free(v->net_hook);
	v->net_hook = NULL;
	free(v->netns_name);
	v->netns_name = NULL;
	free(v->init_hook);
	v->init_hook = NULL;
}

/* What is wrong with a value, for the error message. */
struct problem {
	char msg[512];
};

__attribute__((format(printf, 2, 3))) static int problem(struct problem *pb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pb->msg, sizeof(pb->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int no_memory(struct problem *pb)
{
	return problem(pb, "out of memory");
}

struct word {
	const char *word;
	int value;
};

static const struct word tmp_words[] = {
    {"tmpfs", NSISO_TMP_TMPFS},
    {"persistent", NSISO_TMP_PERSISTENT},
    {"off", NSISO_TMP_OFF},
};
static const struct word propagation_words[] = {
    {"slave", NSISO_PROP_SLAVE},
    {"private", NSISO_PROP_PRIVATE},
};
static const struct word lifetime_words[] = {
    {"processes", NSISO_LIFE_PROCESSES},
    {"session", NSISO_LIFE_SESSION},
    {"boot", NSISO_LIFE_BOOT},
};
static const struct word from_set_words[] = {
    {"host", NSISO_FROM_HOST},
    {"stay", NSISO_FROM_STAY},
};
static const struct word net_words[] = {
    {"loopback", NSISO_NET_LOOPBACK},
    {"hook", NSISO_NET_HOOK},
};
static const struct word on_error_words[] = {
    {"deny", NSISO_ONERR_DENY},
    {"allow", NSISO_ONERR_ALLOW},
};

static int parse_word(const char *val, const struct word *w, size_t n, int *out, struct problem *pb)
{
	char expected[128] = "", esc[ESC_VALUE];
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(val, w[i].word) == 0) {
			*out = w[i].value;
			return 0;
		}
	}
	for (size_t i = 0; i < n && used < sizeof(expected); i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
		int r = snprintf(expected + used, sizeof(expected) - used, "%s%s", sep, w[i].word);
		if (r < 0)
			break;
		used += (size_t)r;
	}
	return problem(pb, "invalid value '%s' (expected %s)", nsiso_escape(esc, sizeof(esc), val),
		       expected);
}

/* One parser per enum key; the word tables above carry the meaning. */
#define WORD_PARSER(field, table, type)                                                            \
	static int parse_##field(const char *val, struct values *v, struct problem *pb)            \
	{                                                                                          \
		int w;                                                                             \
		if (parse_word(val, table, ARRAY_SIZE(table), &w, pb) < 0)                         \
			return -1;                                                                 \
		v->field = (type)w;                                                                \
		return 0;                                                                          \
	}

WORD_PARSER(tmp, tmp_words, enum nsiso_tmp_mode)
WORD_PARSER(propagation, propagation_words, enum nsiso_propagation)
WORD_PARSER(lifetime, lifetime_words, enum nsiso_lifetime)
WORD_PARSER(from_set, from_set_words, enum nsiso_from_set)
WORD_PARSER(on_error, on_error_words, enum nsiso_on_error)
WORD_PARSER(net, net_words, enum nsiso_net_mode)

static void supported_namespaces(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(nsiso_ns_table) && used < len; i++) {
		int r;

		if (!nsiso_ns_table[i].supported)
			continue;
		r = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			     nsiso_ns_table[i].name);
		if (r < 0)
			break;
		used += (size_t)r;
	}
}

/* A list in LIST SYNTAX (list.h), or a problem saying why not. */
static int parse_list(const char *val, struct nsiso_list *l, struct problem *pb)
{
	char why[128];

	if (nsiso_list_parse(val, l, why, sizeof(why)) < 0)
		return problem(pb, "invalid list: %s", why);
	return 0;
}

/*
 * For an item that is not what its key takes, when the list syntax may be
 * why: a list in quotes is one item (iniparser 4.1 used to strip quotes
 * around a whole value), and with a comma, blanks do not separate items.
 */
static const char *item_hint(const struct nsiso_list *l, const struct nsiso_list_item *it)
{
	if (it->quoted && strchr(it->text, ','))
		return " (quotes make one item: write a list without them)";
	if (l->commas && strpbrk(it->text, " \t"))
		return " (in a list with a comma, only commas separate items)";
	return "";
}

static int parse_namespaces(const char *val, struct values *v, struct problem *pb)
{
	_cleanup_list_ struct nsiso_list l = {0};
	unsigned mask = 0;

	if (parse_list(val, &l, pb) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const struct nsiso_nsinfo *ns = nsiso_ns_by_name(l.v[i].text);
		char esc[ESC_VALUE], expected[64];

		nsiso_escape(esc, sizeof(esc), l.v[i].text);
		if (!ns) {
			supported_namespaces(expected, sizeof(expected));
			return problem(pb, "unknown namespace '%s' (expected %s)%s", esc, expected,
				       item_hint(&l, &l.v[i]));
		}
		if (!ns->supported)
			return problem(pb, "namespace '%s' is not supported by this version", esc);
		mask |= NSISO_NS_BIT(ns->id);
	}
	if (!(mask & NSISO_NS_BIT(NSISO_NS_MNT)))
		return problem(pb, "must include mnt (the other namespaces are joined through it)");
	v->ns_mask = mask;
	return 0;
}

/* Kernel and runtime trees where a private tmp dir makes no sense or hides system state. */
static const struct {
	const char *dir;
	const char *note;
} forbidden_tmp_roots[] = {
    {"/proc", ""},
    {"/sys", ""},
    {"/dev", " (/dev/shm is made private by the ipc namespace)"},
    {"/run", ""},
};

static bool path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Normalise one tmp_dirs entry: collapse '//', drop a trailing '/', refuse '.', '..' and '/'. */
static char *normalise_dir(const char *item, size_t len, struct problem *pb)
{
	_cleanup_free_ char *out = malloc(len + 1);
	char esc[ESC_VALUE];
	size_t o = 0, i = 0;

	nsiso_escape_mem(esc, sizeof(esc), item, len);
	if (!out)
		return no_memory(pb), NULL;
	if (item[0] != '/')
		return problem(pb, "'%s' is not an absolute path", esc), NULL;
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)item[k] < 0x20 || item[k] == 0x7f)
			return problem(pb, "'%s' contains control characters", esc), NULL;
	while (i < len) {
		size_t start, clen;

		while (i < len && item[i] == '/')
			i++;
		start = i;
		while (i < len && item[i] != '/')
			i++;
		clen = i - start;
		if (clen == 0)
			break;
		if ((clen == 1 && item[start] == '.') ||
		    (clen == 2 && item[start] == '.' && item[start + 1] == '.'))
			return problem(pb, "'%s' has a '.' or '..' component", esc), NULL;
		out[o++] = '/';
		memcpy(out + o, item + start, clen);
		o += clen;
	}
	out[o] = '\0';
	if (o == 0)
		return problem(pb, "'/' cannot be a private tmp dir"), NULL;
	for (size_t k = 0; k < ARRAY_SIZE(forbidden_tmp_roots); k++)
		if (path_within(out, forbidden_tmp_roots[k].dir))
			return problem(pb, "'%s' is under %s, which is not allowed%s", esc,
				       forbidden_tmp_roots[k].dir, forbidden_tmp_roots[k].note),
			       NULL;
	return nsiso_steal_ptr(&out);
}

/* A directory listed twice, or inside another, would be mounted over itself. */
static int check_dir_overlap(const struct strlist *dirs, const char *d, struct problem *pb)
{
	char e1[ESC_VALUE], e2[ESC_VALUE];

	for (size_t i = 0; i < dirs->n; i++) {
		if (strcmp(dirs->v[i], d) == 0)
			return problem(pb, "'%s' is listed twice", nsiso_escape(e1, sizeof(e1), d));
		if (path_within(d, dirs->v[i]) || path_within(dirs->v[i], d))
			return problem(pb, "'%s' and '%s' overlap",
				       nsiso_escape(e1, sizeof(e1), dirs->v[i]),
				       nsiso_escape(e2, sizeof(e2), d));
	}
	return 0;
}

static int parse_tmp_dirs(const char *val, struct values *v, struct problem *pb)
{
	_cleanup_strlist_ struct strlist dirs = {0};
	_cleanup_list_ struct nsiso_list l = {0};

	if (parse_list(val, &l, pb) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		char *d;

		char esc[ESC_VALUE];

		if (dirs.n == NSISO_MAX_TMP_DIRS)
			return problem(pb, "too many directories (at most %d)", NSISO_MAX_TMP_DIRS);
		/* No tmp dir has a comma in its name; a quoted old-style list does. */
		if (strchr(l.v[i].text, ','))
			return problem(pb, "'%s' contains a comma%s",
				       nsiso_escape(esc, sizeof(esc), l.v[i].text),
				       item_hint(&l, &l.v[i]));
		/* Paths with blanks used to need no quotes: say why one was split. */
		if (!l.commas && l.n > 1 && l.v[i].text[0] != '/')
			return problem(pb,
				       "'%s' is not an absolute path (in a list without a comma, "
				       "blanks separate items: quote a path that has blanks)",
				       nsiso_escape(esc, sizeof(esc), l.v[i].text));
		d = normalise_dir(l.v[i].text, strlen(l.v[i].text), pb);
		if (!d)
			return -1;
		if (check_dir_overlap(&dirs, d, pb) < 0) {
			free(d);
			return -1;
		}
		if (strlist_push(&dirs, d) < 0)
			return no_memory(pb);
	}
	if (dirs.n == 0)
		return problem(pb, "at least one directory is needed (use tmp = off for none)");
	strlist_free(&v->tmp_dirs);
	v->tmp_dirs = dirs;
	dirs = (struct strlist){0};
	return 0;
}

/* How a tmp_share entry is bound: NAME:ro or NAME:rw; a bare NAME is read-only. */
static const struct word share_modes[] = {
    {"ro", 0},
    {"rw", 1},
};

/*
 * One tmp_share entry: a single component of the host's /tmp. The name is
 * opened on an fd of the host's /tmp and mounted on a directory made on an
 * fd of the private one: no '/' may take it anywhere else, and "." or ".."
 * would be /tmp itself or /.
 */
static int share_name_ok(const char *name, struct problem *pb)
{
	char esc[ESC_VALUE];

	nsiso_escape(esc, sizeof(esc), name);
	if (!*name)
		return problem(pb, "an empty name");
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return problem(pb, "'%s' is not an entry of /tmp", esc);
	if (strchr(name, '/'))
		return problem(pb, "'%s' has a '/': a name in /tmp, not a path, is expected", esc);
	if (strlen(name) > NAME_MAX)
		return problem(pb, "'%s' is longer than %d bytes", esc, NAME_MAX);
	for (const char *c = name; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return problem(pb, "'%s' contains control characters", esc);
	return 0;
}

/* "NAME" or "NAME:MODE" (the last ':' splits): the name into *@name, the mode into *@rw. */
static int parse_share_item(const char *item, char **name, bool *rw, struct problem *pb)
{
	const char *colon = strrchr(item, ':');
	_cleanup_free_ char *n = NULL;
	int mode = 0;

	n = colon ? strndup(item, (size_t)(colon - item)) : strdup(item);
	if (!n)
		return no_memory(pb);
	if (colon && parse_word(colon + 1, share_modes, ARRAY_SIZE(share_modes), &mode, pb) < 0)
		return -1;
	if (share_name_ok(n, pb) < 0)
		return -1;
	*rw = mode == 1;
	*name = nsiso_steal_ptr(&n);
	return 0;
}

static int parse_tmp_share(const char *val, struct values *v, struct problem *pb)
{
	_cleanup_strlist_ struct strlist names = {0};
	_cleanup_list_ struct nsiso_list l = {0};
	unsigned rw_mask = 0;

	if (parse_list(val, &l, pb) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		char esc[ESC_VALUE], *name = NULL;
		bool rw = false;

		if (names.n == NSISO_MAX_TMP_SHARE)
			return problem(pb, "too many entries (at most %d)", NSISO_MAX_TMP_SHARE);
		if (parse_share_item(l.v[i].text, &name, &rw, pb) < 0)
			return -1;
		if (strlist_has(&names, name)) {
			problem(pb, "'%s' is listed twice", nsiso_escape(esc, sizeof(esc), name));
			free(name);
			return -1;
		}
		if (rw)
			rw_mask |= 1u << names.n;
		if (strlist_push(&names, name) < 0)
			return no_memory(pb);
	}
	strlist_free(&v->tmp_share);
	v->tmp_share = names;
	v->tmp_share_rw = rw_mask;
	names = (struct strlist){0};
	return 0;
}

static int parse_tmp_size(const char *val, struct values *v, struct problem *pb)
{
	char esc[ESC_VALUE];

	if (nsiso_parse_size(val, &v->tmp_size) < 0)
		return problem(pb,
			       "invalid size '%s' (expected bytes with K/M/G/T suffix or 1-100%%)",
			       nsiso_escape(esc, sizeof(esc), val));
	return 0;
}

/* A template (hostname, netns_name) or empty for none. */
static int parse_template(const char *val, const char *what, char **out, struct problem *pb)
{
	const char *why = NULL;
	char esc[ESC_VALUE];
	char *h = NULL;

	if (*val) {
		if (nsiso_template_valid(val, &why) < 0)
			return problem(pb, "invalid %s template '%s' (%s)", what,
				       nsiso_escape(esc, sizeof(esc), val), why);
		h = strdup(val);
		if (!h)
			return no_memory(pb);
	}
	free(*out);
	*out = h;
	return 0;
}

static int parse_hostname(const char *val, struct values *v, struct problem *pb)
{
	return parse_template(val, "hostname", &v->hostname, pb);
}

static int parse_netns_name(const char *val, struct values *v, struct problem *pb)
{
	return parse_template(val, "netns_name", &v->netns_name, pb);
}

/*
 * Only the form is checked here; ownership and mode are checked on the file
 * itself each time the hook is about to run (it may change after load).
 */
static int parse_hook_path(const char *val, char **dst, struct problem *pb)
{
	char esc[ESC_VALUE];
	char *h = NULL;

	if (*val) {
		if (val[0] != '/' || strstr(val, "/../") || strstr(val, "/./"))
			return problem(pb, "'%s' is not an absolute, normalised path",
				       nsiso_escape(esc, sizeof(esc), val));
		h = strdup(val);
		if (!h)
			return no_memory(pb);
	}
	free(*dst);
	*dst = h;
	return 0;
}

static int parse_net_hook(const char *val, struct values *v, struct problem *pb)
{
	return parse_hook_path(val, &v->net_hook, pb);
}

static int parse_init_hook(const char *val, struct values *v, struct problem *pb)
{
	return parse_hook_path(val, &v->init_hook, pb);
}

#define HOOK_TIMEOUT_MAX 600

/* Whole seconds, 1 to HOOK_TIMEOUT_MAX: a hook holds the user's lock while it runs. */
static int parse_hook_timeout(const char *val, unsigned *dst, struct problem *pb)
{
	char esc[ESC_VALUE];
	uint64_t n;

	if (nsiso_parse_u64(val, &n) < 0 || n < 1 || n > HOOK_TIMEOUT_MAX)
		return problem(pb, "invalid timeout '%s' (expected whole seconds, 1 to %d)",
			       nsiso_escape(esc, sizeof(esc), val), HOOK_TIMEOUT_MAX);
	*dst = (unsigned)n;
	return 0;
}

static int parse_net_hook_timeout(const char *val, struct values *v, struct problem *pb)
{
	return parse_hook_timeout(val, &v->net_hook_timeout, pb);
}

static int parse_init_hook_timeout(const char *val, struct values *v, struct problem *pb)
{
	return parse_hook_timeout(val, &v->init_hook_timeout, pb);
}

/* Account names; each stored behind @prefix so that it can double as a "why" string. */
static int parse_names(const char *val, const char *prefix, struct strlist *out, struct problem *pb)
{
	_cleanup_strlist_ struct strlist names = {0};
	_cleanup_list_ struct nsiso_list l = {0};

	if (parse_list(val, &l, pb) < 0)
		return -1;
	for (size_t i = 0; i < l.n; i++) {
		const char *item = l.v[i].text;
		char *s, esc[ESC_VALUE];

		if (!nsiso_user_name_ok(item))
			return problem(pb, "invalid name '%s'",
				       nsiso_escape(esc, sizeof(esc), item));
		if (asprintf(&s, "%s%s", prefix, item) < 0)
			return no_memory(pb);
		if (strlist_has(&names, s)) {
			free(s);
			continue;
		}
		if (strlist_push(&names, s) < 0)
			return no_memory(pb);
	}
	strlist_free(out);
	*out = names;
	names = (struct strlist){0};
	return 0;
}

static int parse_exempt_users(const char *val, struct values *v, struct problem *pb)
{
	return parse_names(val, "", &v->exempt_users, pb);
}

static int parse_exempt_groups(const char *val, struct values *v, struct problem *pb)
{
	return parse_names(val, EXEMPT_GROUP_WHY, &v->exempt_groups, pb);
}

/* Copy one key's value into the effective settings (for keys that appear in them). */
#define SCALAR_APPLY(field)                                                                        \
	static int apply_##field(struct nsiso_settings *s, const struct values *v)                 \
	{                                                                                          \
		s->field = v->field;                                                               \
		return 0;                                                                          \
	}

SCALAR_APPLY(ns_mask)
SCALAR_APPLY(tmp)
SCALAR_APPLY(tmp_size)
SCALAR_APPLY(propagation)
SCALAR_APPLY(lifetime)
SCALAR_APPLY(from_set)
SCALAR_APPLY(on_error)
SCALAR_APPLY(net)
SCALAR_APPLY(net_hook_timeout)
SCALAR_APPLY(init_hook_timeout)

static int apply_tmp_dirs(struct nsiso_settings *s, const struct values *v)
{
	for (unsigned i = 0; i < s->n_tmp_dirs; i++) {
		free(s->tmp_dirs[i]);
		s->tmp_dirs[i] = NULL;
	}
	s->n_tmp_dirs = 0;
	for (size_t i = 0; i < v->tmp_dirs.n && i < NSISO_MAX_TMP_DIRS; i++) {
		s->tmp_dirs[i] = strdup(v->tmp_dirs.v[i]);
		if (!s->tmp_dirs[i])
			return -1;
		s->n_tmp_dirs = (unsigned)i + 1;
	}
	return 0;
}

static int apply_tmp_share(struct nsiso_settings *s, const struct values *v)
{
	for (unsigned i = 0; i < s->n_tmp_share; i++) {
		free(s->tmp_share[i]);
		s->tmp_share[i] = NULL;
	}
	s->n_tmp_share = 0;
	s->tmp_share_rw = v->tmp_share_rw;
	for (size_t i = 0; i < v->tmp_share.n && i < NSISO_MAX_TMP_SHARE; i++) {
		s->tmp_share[i] = strdup(v->tmp_share.v[i]);
		if (!s->tmp_share[i])
			return -1;
		s->n_tmp_share = (unsigned)i + 1;
	}
	return 0;
}

static int copy_string(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? strdup(src) : NULL;
	return src && !*dst ? -1 : 0;
}

static int apply_hostname(struct nsiso_settings *s, const struct values *v)
{
	return copy_string(&s->hostname, v->hostname);
}

static int apply_net_hook(struct nsiso_settings *s, const struct values *v)
{
	return copy_string(&s->net_hook, v->net_hook);
}

static int apply_netns_name(struct nsiso_settings *s, const struct values *v)
{
	return copy_string(&s->netns_name, v->netns_name);
}

static int apply_init_hook(struct nsiso_settings *s, const struct values *v)
{
	return copy_string(&s->init_hook, v->init_hook);
}

struct key_def {
	const char *name;
	const char *def; /* built-in default, parsed like a value from the file */
	int (*parse)(const char *val, struct values *v, struct problem *pb);
	int (*apply)(struct nsiso_settings *s, const struct values *v); /* NULL: not a setting */
	bool global_only;
	/*
	 * A list (LIST SYNTAX, list.h): its value is taken from the line as
	 * written. iniparser 4.1 keeps only the first quoted string of a value
	 * that starts with a quote ("a b", c gives a b) and cuts an unquoted
	 * value at ';' or '#' even inside quotes further on.
	 */
	bool list;
};

static const struct key_def key_defs[NSISO_KEY__MAX] = {
    [NSISO_KEY_NAMESPACES] = {"namespaces", "mnt, ipc, uts", parse_namespaces, apply_ns_mask, false,
			      true},
    [NSISO_KEY_TMP] = {"tmp", "tmpfs", parse_tmp, apply_tmp},
    [NSISO_KEY_TMP_DIRS] = {"tmp_dirs", "/tmp, /var/tmp", parse_tmp_dirs, apply_tmp_dirs, false,
			    true},
    [NSISO_KEY_TMP_SIZE] = {"tmp_size", "10%", parse_tmp_size, apply_tmp_size},
    [NSISO_KEY_TMP_SHARE] = {"tmp_share", "", parse_tmp_share, apply_tmp_share, false, true},
    [NSISO_KEY_PROPAGATION] = {"propagation", "slave", parse_propagation, apply_propagation},
    [NSISO_KEY_LIFETIME] = {"lifetime", "processes", parse_lifetime, apply_lifetime},
    [NSISO_KEY_FROM_SET] = {"from_set", "host", parse_from_set, apply_from_set},
    [NSISO_KEY_HOSTNAME] = {"hostname", "", parse_hostname, apply_hostname},
    [NSISO_KEY_NET] = {"net", "loopback", parse_net, apply_net},
    [NSISO_KEY_NET_HOOK] = {"net_hook", "", parse_net_hook, apply_net_hook},
    [NSISO_KEY_NET_HOOK_TIMEOUT] = {"net_hook_timeout", "30", parse_net_hook_timeout,
				    apply_net_hook_timeout},
    [NSISO_KEY_NETNS_NAME] = {"netns_name", "", parse_netns_name, apply_netns_name},
    [NSISO_KEY_INIT_HOOK] = {"init_hook", "", parse_init_hook, apply_init_hook},
    [NSISO_KEY_INIT_HOOK_TIMEOUT] = {"init_hook_timeout", "30", parse_init_hook_timeout,
				     apply_init_hook_timeout},
    [NSISO_KEY_EXEMPT_USERS] = {"exempt_users", "root", parse_exempt_users, NULL, true, true},
    [NSISO_KEY_EXEMPT_GROUPS] = {"exempt_groups", "", parse_exempt_groups, NULL, true, true},
    [NSISO_KEY_ON_ERROR] = {"on_error", "deny", parse_on_error, apply_on_error, true},
};

#define KEY_BIT(k) (1u << (k))

static const struct key_def *key_by_name(const char *name, enum nsiso_key *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(key_defs); i++) {
		if (strcmp(key_defs[i].name, name) == 0) {
			*k = (enum nsiso_key)i;
			return &key_defs[i];
		}
	}
	return NULL;
}

const char *nsiso_key_name(enum nsiso_key k)
{
	return (unsigned)k < ARRAY_SIZE(key_defs) ? key_defs[k].name : "?";
}

/* ------------------------------------------------------------------ */
/* Sections and the policy object                                      */

enum section_kind { SEC_GLOBAL, SEC_GROUP, SEC_USER };

static const struct {
	const char *prefix;
	enum section_kind kind;
	bool named; /* prefix is followed by an account name */
} section_kinds[] = {
    {"global", SEC_GLOBAL, false},
    {"group:", SEC_GROUP, true},
    {"user:", SEC_USER, true},
};

struct section {
	char *name;	    /* as written, e.g. "group:Students"; also the source[] string */
	const char *target; /* the NAME part, inside name ("" for global) */
	enum section_kind kind;
	unsigned set; /* KEY_BIT(k) for every key given a valid value */
	unsigned bad; /* KEY_BIT(k) for every key given a rejected value (already reported) */
	unsigned line[NSISO_KEY__MAX];
	unsigned file[NSISO_KEY__MAX];	 /* index into the policy's files: where line[] is */
	unsigned first_file, first_line; /* where the section first appears */
	struct values v;
	/* Each key in @set as it was validated (stripped): what the policy cache replays. */
	char *raw[NSISO_KEY__MAX];
};

struct nsiso_policy {
	bool degraded;
	struct values defaults;
	struct strlist files; /* paths: the main file, then the drop-ins read */
	struct section *secs; /* valid sections, in order of first appearance */
	size_t n_secs;
	/* Effective [global]-only settings: from [global] when valid there, else defaults. */
	const struct strlist *exempt_users;
	const struct strlist *exempt_groups;
	enum nsiso_on_error on_error;
};

void nsiso_policy_free(struct nsiso_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_secs; i++) {
		free(p->secs[i].name);
		values_free(&p->secs[i].v);
		for (size_t k = 0; k < NSISO_KEY__MAX; k++)
			free(p->secs[i].raw[k]);
	}
	free(p->secs);
	values_free(&p->defaults);
	strlist_free(&p->files);
	free(p);
}

bool nsiso_policy_degraded(const struct nsiso_policy *p)
{
	/* No policy at all is at least as broken as a degraded one. */
	return !p || p->degraded;
}

/* ------------------------------------------------------------------ */
/* Pre-pass: which lines are sections and keys, as written             */

enum item_kind { ITEM_SECTION, ITEM_KEY, ITEM_BAD };

struct item {
	enum item_kind kind;
	unsigned line;
	char *text;		/* section name or key as written (stripped) */
	char *value;		/* a key's value as written (stripped), for list keys */
	char *lc;		/* the dictionary key iniparser uses, NULL when unknown */
	const char *reason;	/* why the line is malformed (ITEM_BAD, or a bad section header) */
	unsigned first;		/* line of the first item with the same lc */
	const char *first_text; /* ... and its text as written */
	bool repeated;		/* another item has the same lc */
};

struct prepass {
	struct item *items;
	size_t n;
	size_t n_distinct; /* distinct lc values: iniparser's entry count when it agrees */
};

static void prepass_free(struct prepass *pp)
{
	for (size_t i = 0; i < pp->n; i++) {
		free(pp->items[i].text);
		free(pp->items[i].value);
		free(pp->items[i].lc);
	}
	free(pp->items);
	*pp = (struct prepass){0};
}

#define _cleanup_prepass_ __attribute__((cleanup(prepass_free)))

static struct item *prepass_add(struct prepass *pp, enum item_kind kind, unsigned line)
{
	struct item *ni = realloc(pp->items, (pp->n + 1) * sizeof(*ni));

	if (!ni)
		return NULL;
	pp->items = ni;
	ni = &pp->items[pp->n++];
	*ni = (struct item){.kind = kind, .line = line, .first = line};
	return ni;
}

static int add_bad(struct prepass *pp, unsigned line, const char *reason)
{
	struct item *it = prepass_add(pp, ITEM_BAD, line);

	if (!it)
		return -1;
	it->reason = reason;
	return 0;
}

/* @line is stripped and ends with ']'. Returns the new current section lc (or NULL). */
static int classify_section(struct prepass *pp, char *line, unsigned lineno, const char **cur_lc)
{
	size_t len = strlen(line);
	char *close = strchr(line, ']'), *name;
	struct item *it = prepass_add(pp, ITEM_SECTION, lineno);

	if (!it)
		return -1;
	*cur_lc = NULL;
	if (close != line + len - 1) {
		line[len - 1] = '\0';
		it->reason = "malformed section header";
		return (it->text = strdup(line + 1)) ? 0 : -1;
	}
	*close = '\0';
	name = strip(line + 1);
	it->text = strdup(name);
	if (!it->text)
		return -1;
	if (!*name) {
		it->reason = "empty section name";
		return 0;
	}
	it->lc = lower_dup("", name);
	if (!it->lc)
		return -1;
	*cur_lc = it->lc;
	return 0;
}

static int classify_key(struct prepass *pp, char *line, unsigned lineno, const char *cur_lc)
{
	char *eq = strchr(line, '=');
	struct item *it;

	*eq = '\0';
	strip(line);
	if (!*line)
		return add_bad(pp, lineno, "missing key name before '='");
	it = prepass_add(pp, ITEM_KEY, lineno);
	if (!it || !(it->text = strdup(line)) || !(it->value = strdup(eq + 1)))
		return -1;
	strip(it->value);
	if (cur_lc) {
		_cleanup_free_ char *sec = NULL;

		if (asprintf(&sec, "%s:", cur_lc) < 0) {
			sec = NULL;
			return -1;
		}
		it->lc = lower_dup(sec, line);
		if (!it->lc)
			return -1;
	}
	return 0;
}

/* Same rules as iniparser_line(), in the same order. */
static int classify(struct prepass *pp, char *line, unsigned lineno, const char **cur_lc)
{
	size_t len;

	strip(line);
	len = strlen(line);
	if (len == 0 || line[0] == '#' || line[0] == ';')
		return 0;
	if (line[0] == '[' && line[len - 1] == ']')
		return classify_section(pp, line, lineno, cur_lc);
	if (strchr(line, '='))
		return classify_key(pp, line, lineno, *cur_lc);
	return add_bad(pp, lineno, "syntax error (expected '[section]' or 'key = value')");
}

/*
 * Collect one logical line starting at *pos: iniparser joins a line ending in
 * '\' (after trailing white space) with the next one.
 */
static char *logical_line(const char *buf, size_t len, size_t *pos, unsigned *lineno,
			  bool *dangling)
{
	_cleanup_free_ char *out = NULL;
	size_t used = 0;

	*dangling = false;
	for (;;) {
		const char *start = buf + *pos;
		const char *nl = memchr(start, '\n', len - *pos);
		size_t plen = nl ? (size_t)(nl - start) : len - *pos;
		char *n = realloc(out, used + plen + 1);

		if (!n)
			return NULL;
		out = n;
		memcpy(out + used, start, plen);
		used += plen;
		out[used] = '\0';
		*pos += plen + (nl ? 1 : 0);
		(*lineno)++;
		while (used > 0 && isspace((unsigned char)out[used - 1]))
			out[--used] = '\0';
		if (used == 0 || out[used - 1] != '\\')
			break;
		out[--used] = '\0';
		if (*pos >= len) {
			/* iniparser silently drops a continued last line. */
			*dangling = true;
			break;
		}
	}
	return nsiso_steal_ptr(&out);
}

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	int c = strcmp(x->lc, y->lc);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Mark items sharing a dictionary key (iniparser would merge them); O(n log n) for big files. */
static int mark_repeats(struct prepass *pp)
{
	_cleanup_free_ struct item **v = calloc(pp->n + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return -1;
	for (size_t i = 0; i < pp->n; i++)
		if (pp->items[i].lc)
			v[n++] = &pp->items[i];
	qsort(v, n, sizeof(*v), item_cmp);
	pp->n_distinct = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;

		while (j < n && strcmp(v[i]->lc, v[j]->lc) == 0)
			j++;
		for (size_t k = i; k < j; k++) {
			v[k]->first = v[i]->line;
			v[k]->first_text = v[i]->text;
			v[k]->repeated = j - i > 1;
		}
		pp->n_distinct++;
		i = j;
	}
	return 0;
}

static int prepass_run(struct prepass *pp, const char *buf, size_t len)
{
	const char *cur_lc = "";
	unsigned lineno = 0;
	size_t pos = 0;

	while (pos < len) {
		unsigned first = lineno + 1;
		bool dangling;
		_cleanup_free_ char *line = logical_line(buf, len, &pos, &lineno, &dangling);
		int r;

		if (!line)
			return -1;
		if (dangling)
			r = add_bad(pp, first, "continuation ('\\') on the last line");
		else if (strlen(line) > LINE_MAX_BYTES)
			r = add_bad(pp, first, "line too long");
		else
			r = classify(pp, line, first, &cur_lc);
		if (r < 0)
			return -1;
	}
	return mark_repeats(pp);
}

static bool find_nul(const char *buf, size_t len, unsigned *line)
{
	const char *nul = memchr(buf, '\0', len);

	if (!nul)
		return false;
	*line = 1;
	for (const char *p = buf; p < nul; p++)
		*line += *p == '\n';
	return true;
}

/* ------------------------------------------------------------------ */
/* iniparser                                                           */

/*
 * iniparser's error callback is process-global: it is only ours for the
 * duration of one iniparser_load() and reset right after, so no pointer into
 * this module outlives a dlclose(). Not thread-safe, like iniparser itself.
 */
static char ini_msg[512];

__attribute__((format(printf, 1, 2))) static int ini_error_cb(const char *fmt, ...)
{
	va_list ap;

	if (ini_msg[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(ini_msg, sizeof(ini_msg), fmt, ap);
	va_end(ap);
	return 0;
}

static dictionary *ini_load(int fd)
{
	char proc[64];
	dictionary *d;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	ini_msg[0] = '\0';
	iniparser_set_error_callback(ini_error_cb);
	d = iniparser_load(proc);
	iniparser_set_error_callback(NULL);
	return d;
}

/* iniparser's messages end in "(LINE)" or "(LINE):"; 0 when there is none. */
static unsigned ini_msg_line(void)
{
	/* The file name is /proc/self/fd/N: the first '(' starts the line number. */
	const char *p = strchr(ini_msg, '(');
	unsigned v = 0;

	if (!p || !isdigit((unsigned char)p[1]))
		return 0;
	for (p++; isdigit((unsigned char)*p) && v < 100000000; p++)
		v = v * 10 + (unsigned)(*p - '0');
	return *p == ')' ? v : 0;
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
static void locate(char *buf, size_t len, const char *file, unsigned line, const char *sec,
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
static void problems_add(struct nsiso_problems *all, const char *msg)
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
	if (!s->name)
		return -1;
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
	if (def->parse(strip(val), &s->v, &pb) < 0) {
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

		if (!(s->set & KEY_BIT(NSISO_KEY_NET)) || s->v.net != NSISO_NET_HOOK)
			continue;
		if (h && (h->bad & KEY_BIT(NSISO_KEY_NET_HOOK)))
			continue;
		if (!(h ? h->v.net_hook : l->p->defaults.net_hook))
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
	    set & KEY_BIT(NSISO_KEY_EXEMPT_USERS) ? &g->v.exempt_users : &p->defaults.exempt_users;
	p->exempt_groups = set & KEY_BIT(NSISO_KEY_EXEMPT_GROUPS) ? &g->v.exempt_groups
								  : &p->defaults.exempt_groups;
	p->on_error = set & KEY_BIT(NSISO_KEY_ON_ERROR) ? g->v.on_error : p->defaults.on_error;
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

	if (!p) {
		nsiso_syserr(err, ENOMEM, "cannot load the policy");
		return NULL;
	}
	if (parse_defaults(&p->defaults, err) < 0) {
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
/* Reading the files safely                                            */

/* The file itself, @leaf in @dfd (its directory, walked from / with O_NOFOLLOW and checked). */
static int open_policy_file(int dfd, const char *leaf, const char *path, int *out, struct stat *st,
			    struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	char ep[256];

	fd = nsiso_openat_trusted(dfd, leaf, path, O_RDONLY, NSISO_ERR_POLICY, st, err);
	if (fd < 0)
		return -1;
	nsiso_escape(ep, sizeof(ep), path);
	if (!S_ISREG(st->st_mode))
		return nsiso_fail(err, NSISO_ERR_POLICY, 0, "%s: not a regular file", ep);
	if (st->st_size > (off_t)POLICY_MAX_SIZE)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "%s: file too large (more than %u bytes)", ep, POLICY_MAX_SIZE);
	*out = nsiso_steal_fd(&fd);
	return 0;
}

/* The trusted open and the read of the main file. */
static int read_file(int dfd, const char *leaf, const char *path, char **buf, size_t *len,
		     struct nsiso_error *err)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	char ep[256];
	int r;

	if (open_policy_file(dfd, leaf, path, &fd, &st, err) < 0)
		return -1;
	r = nsiso_read_fd_sized(fd, POLICY_MAX_SIZE, st.st_size, buf, len);
	nsiso_escape(ep, sizeof(ep), path);
	if (r == -EFBIG)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "%s: file too large (more than %u bytes)", ep, POLICY_MAX_SIZE);
	if (r < 0)
		return nsiso_fail(err, NSISO_ERR_POLICY, -r, "%s: cannot read", ep);
	return 0;
}

char *nsiso_policy_dropin_dir(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t n = strlen(path), blen = strlen(base ? base + 1 : path);
	char *dir = NULL;

	/* "x.conf" -> "x.d"; a base name that is only ".conf" (or not *.conf) gets ".d" added. */
	if (blen > 5 && strcmp(path + n - 5, ".conf") == 0)
		n -= 5;
	if (asprintf(&dir, "%.*s.d", (int)n, path) < 0)
		return NULL;
	return dir;
}

/* Takes ownership of *@path, *@buf and *@problem (all NULL afterwards, also on failure). */
static int files_push(struct nsiso_policy_files *f, char **path, char **buf, size_t len,
		      char **problem)
{
	_cleanup_free_ char *p = nsiso_steal_ptr(path), *b = nsiso_steal_ptr(buf),
			    *pb = nsiso_steal_ptr(problem);
	struct nsiso_policy_file *nv;

	/* The reader makes at most one entry per drop-in name it keeps. */
	if (!p || (!b && !pb) || f->n == NSISO_POLICY_MAX_FILES)
		return -1;
	nv = realloc(f->v, (f->n + 1) * sizeof(*nv));
	if (!nv)
		return -1;
	f->v = nv;
	f->v[f->n++] = (struct nsiso_policy_file){
	    .path = nsiso_steal_ptr(&p),
	    .buf = nsiso_steal_ptr(&b),
	    .len = len,
	    .problem = nsiso_steal_ptr(&pb),
	};
	return 0;
}

int nsiso_policy_files_add(struct nsiso_policy_files *f, const char *path, const char *buf,
			   size_t len, const char *problem)
{
	char *p = strdup(path), *b = NULL, *pb = problem ? strdup(problem) : NULL;

	if (buf && (b = malloc(len + 1))) {
		memcpy(b, buf, len);
		b[len] = '\0';
	}
	if (!p || (buf && !b) || (problem && !pb)) {
		free(p);
		free(b);
		free(pb);
		return -1;
	}
	return files_push(f, &p, &b, len, &pb);
}

void nsiso_policy_files_free(struct nsiso_policy_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].path);
		free(f->v[i].buf);
		free(f->v[i].problem);
	}
	free(f->v);
	free(f->dropin_dir);
	for (size_t i = 0; i < f->n_ignored; i++)
		free(f->ignored[i]);
	*f = (struct nsiso_policy_files){0};
}

bool nsiso_policy_files_ok(const struct nsiso_policy_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].problem)
			return false;
	return f->n > 0;
}

/* @path (a drop-in, or the directory) cannot be used: @msg says why. 0, or -1 (no memory). */
static int files_problem_msg(struct nsiso_policy_files *f, const char *path, const char *msg)
{
	char *p = strdup(path), *m = strdup(msg), *none = NULL;

	if (!m)
		free(nsiso_steal_ptr(&p));
	return files_push(f, &p, &none, 0, &m);
}

/* The same, "PATH: what". */
__attribute__((format(printf, 3, 4))) static int
files_problem(struct nsiso_policy_files *f, const char *path, const char *fmt, ...)
{
	char ep[256], what[512], msg[sizeof(((struct nsiso_error *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: %s", nsiso_escape(ep, sizeof(ep), path), what);
	return files_problem_msg(f, path, msg);
}

/* After a problem that ends the reading of the directory was noted: 1, or -1 (no memory). */
static int stop_reading(int noted)
{
	return noted < 0 ? -1 : 1;
}

/*
 * A drop-in by its name: "*.conf", not hidden. Everything else an editor or
 * a package manager leaves behind (x.conf~, .x.conf.swp, x.conf.dpkg-old,
 * x.conf.rpmnew, #x.conf#) does not end in ".conf" or starts with '.'.
 */
static bool dropin_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static int note_ignored(struct nsiso_policy_files *f, const char *name)
{
	if (name[0] == '.')
		return 0;
	if (f->n_ignored == NSISO_MAX_IGNORED) {
		f->more_ignored++;
		return 0;
	}
	if (asprintf(&f->ignored[f->n_ignored], "%s/%s", f->dropin_dir, name) < 0)
		return -1;
	f->n_ignored++;
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_closedir_ __attribute__((cleanup(closedirp)))

static int name_cmp(const void *a, const void *b)
{
	/* strcmp compares as unsigned char: byte order, whatever the locale. */
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The drop-ins' names in byte order, into @names. 0; 1 when a bound was
 * passed or the directory cannot be read (the problem is in @f: no drop-in
 * is read then); -1 (no memory).
 */
static int list_dropins(DIR *d, struct nsiso_policy_files *f, struct strlist *names)
{
	size_t entries = 0;
	struct dirent *de;

	for (errno = 0; (de = readdir(d)); errno = 0) {
		const char *name = de->d_name;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (++entries > NSISO_MAX_DIR_ENTRIES)
			return stop_reading(files_problem(f, f->dropin_dir, "more than %d entries",
							  NSISO_MAX_DIR_ENTRIES));
		if (!dropin_name(name)) {
			if (note_ignored(f, name) < 0)
				return -1;
			continue;
		}
		if (names->n == NSISO_MAX_DROPINS)
			return stop_reading(files_problem(
			    f, f->dropin_dir, "more than %d *.conf files", NSISO_MAX_DROPINS));
		if (strlist_push(names, strdup(name)) < 0)
			return -1;
	}
	if (errno)
		return stop_reading(files_problem(f, f->dropin_dir, "cannot read the directory: %s",
						  strerror(errno)));
	if (names->n)
		qsort(names->v, names->n, sizeof(*names->v), name_cmp);
	return 0;
}

/*
 * One drop-in, opened on the directory's fd (O_NOFOLLOW: a symbolic link is
 * refused, not followed) with the main file's checks. 0 (read, or its problem
 * noted); 1 when it passes the byte bound of all files (noted: nothing more
 * is read); -1 (no memory).
 */
static int read_dropin(int dfd, const char *name, struct nsiso_policy_files *f, size_t *budget)
{
	_cleanup_free_ char *path = NULL, *buf = NULL;
	_cleanup_close_ int fd = -1;
	struct nsiso_error e = {0};
	char *none = NULL;
	struct stat st;
	size_t len = 0;
	int r;

	if (asprintf(&path, "%s/%s", f->dropin_dir, name) < 0)
		return -1;
	fd = nsiso_openat_trusted(dfd, name, path, O_RDONLY, NSISO_ERR_POLICY, &st, &e);
	if (fd < 0)
		return files_problem_msg(f, path, e.msg);
	if (!S_ISREG(st.st_mode))
		return files_problem(f, path, "not a regular file");
	r = nsiso_read_fd_sized(fd, *budget, st.st_size, &buf, &len);
	if (r == -EFBIG)
		return stop_reading(files_problem(
		    f, path, "the policy files together are too large (more than %u bytes)",
		    POLICY_MAX_SIZE));
	if (r < 0)
		return files_problem(f, path, "cannot read: %s", strerror(-r));
	*budget -= len;
	return files_push(f, &path, &buf, len, &none);
}

/*
 * The drop-ins of f->dropin_dir into @f. It is next to the main file: opened
 * on @pdfd, the directory the main file's walk checked. 0, or -1 (no memory).
 */
static int read_dropins(struct nsiso_policy_files *f, int pdfd, size_t budget)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_strlist_ struct strlist names = {0};
	struct nsiso_error e = {0};
	int dfd, r;

	dfd = nsiso_openat_trusted(pdfd, strrchr(f->dropin_dir, '/') + 1, f->dropin_dir,
				   O_RDONLY | O_DIRECTORY, NSISO_ERR_POLICY, NULL, &e);
	if (dfd < 0 && e.errnum == ENOENT) {
		f->dropin_dir_missing = true;
		return 0;
	}
	if (dfd < 0)
		return files_problem_msg(f, f->dropin_dir, e.msg);
	if (!(d = fdopendir(dfd))) {
		close(dfd);
		return -1;
	}
	r = list_dropins(d, f, &names);
	if (f->n_ignored)
		qsort(f->ignored, f->n_ignored, sizeof(*f->ignored), name_cmp);
	for (size_t i = 0; r == 0 && i < names.n; i++)
		r = read_dropin(dirfd(d), names.v[i], f, &budget);
	return r < 0 ? -1 : 0;
}

int nsiso_policy_read_files(const char *path, struct nsiso_policy_files *out,
			    struct nsiso_error *err)
{
	_cleanup_close_ int pdfd = -1;
	char *buf = NULL, *p = NULL, *none = NULL;
	const char *leaf;
	size_t len = 0;

	*out = (struct nsiso_policy_files){0};
	if (!path)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0, "no policy file given");
	/* One walk for both: the file and its drop-in directory are in the same directory. */
	pdfd = nsiso_open_trusted_dir_of(path, &leaf, NSISO_ERR_POLICY, err);
	if (pdfd < 0 || read_file(pdfd, leaf, path, &buf, &len, err) < 0)
		return -1;
	p = strdup(path);
	if (files_push(out, &p, &buf, len, &none) < 0 ||
	    !(out->dropin_dir = nsiso_policy_dropin_dir(path)) ||
	    read_dropins(out, pdfd, POLICY_MAX_SIZE - len) < 0) {
		nsiso_policy_files_free(out);
		return nsiso_syserr(err, ENOMEM, "cannot read the policy");
	}
	return 0;
}

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
	if (def->parse(val, &s->v, &pb) < 0)
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

/* ------------------------------------------------------------------ */
/* Questions asked of a policy                                         */

/* Does @s apply to @u? 1, 0, or -errno. */
static int section_applies(const struct section *s, const struct nsiso_user *u)
{
	gid_t gid;
	int r;

	switch (s->kind) {
	case SEC_GLOBAL:
		return 1;
	case SEC_USER:
		return u->name && strcmp(s->target, u->name) == 0;
	case SEC_GROUP:
		r = nsiso_group_lookup(s->target, &gid);
		return r <= 0 ? r : nsiso_user_in_group(u, gid);
	}
	return 0;
}

bool nsiso_policy_exempt(const struct nsiso_policy *p, const struct nsiso_user *u, const char **why)
{
	return nsiso_policy_exempt_un(p, u, why, NULL);
}

bool nsiso_policy_exempt_un(const struct nsiso_policy *p, const struct nsiso_user *u,
			    const char **why, struct nsiso_unresolved *un)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (!p || p->degraded) {
		if (u->uid == 0) {
			*why =
			    p ? "uid 0 with a broken policy" : "uid 0 without a trustworthy policy";
			return true;
		}
		if (!p)
			return false;
	}
	if (u->name && strlist_has(p->exempt_users, u->name)) {
		*why = "exempt_users";
		return true;
	}
	/*
	 * A failed group lookup means "not exempt": the user is isolated, the
	 * safe direction, and the failure is noted (a set made now is
	 * provisional).
	 */
	for (size_t i = 0; i < p->exempt_groups->n; i++) {
		const char *entry = p->exempt_groups->v[i];
		const char *name = entry + strlen(EXEMPT_GROUP_WHY);
		gid_t gid;
		int r = nsiso_group_lookup(name, &gid);

		if (r < 0 && un)
			nsiso_unresolved_add(un, name, -r);
		if (r > 0 && nsiso_user_in_group(u, gid)) {
			*why = entry;
			return true;
		}
	}
	return false;
}

bool nsiso_policy_exempt_uses_groups(const struct nsiso_policy *p)
{
	return p && p->exempt_groups && p->exempt_groups->n > 0;
}

static bool has_group_sections(const struct nsiso_policy *p)
{
	for (size_t i = 0; i < p->n_secs; i++)
		if (p->secs[i].kind == SEC_GROUP)
			return true;
	return false;
}

enum nsiso_on_error nsiso_policy_on_error(const struct nsiso_policy *p)
{
	return p ? p->on_error : NSISO_ONERR_DENY;
}

void nsiso_settings_free(struct nsiso_settings *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->n_tmp_dirs && i < NSISO_MAX_TMP_DIRS; i++)
		free(s->tmp_dirs[i]);
	for (unsigned i = 0; i < s->n_tmp_share && i < NSISO_MAX_TMP_SHARE; i++)
		free(s->tmp_share[i]);
	free(s->hostname);
	free(s->net_hook);
	free(s->netns_name);
	free(s->init_hook);
	*s = (struct nsiso_settings){0};
}

/* Rules across keys, which only the effective settings of one user can tell. */
static int check_combination(struct nsiso_settings *s, struct nsiso_error *err)
{
	if ((s->ns_mask & NSISO_NS_BIT(NSISO_NS_NET)) && s->net == NSISO_NET_HOOK && !s->net_hook) {
		nsiso_fail(err, NSISO_ERR_POLICY, 0,
			   "net = hook (from %s) needs net_hook, which is not set",
			   s->source[NSISO_KEY_NET]);
		nsiso_settings_free(s);
		return -1;
	}
	return 0;
}

/* Which section, file and line decided key @k (@s NULL: the built-in default). */
static void note_source(const struct nsiso_policy *p, struct nsiso_settings *out, enum nsiso_key k,
			const struct section *s)
{
	out->source[k] = s ? s->name : "default";
	out->source_file[k] = s ? p->files.v[s->file[k]] : NULL;
	out->source_line[k] = s ? s->line[k] : 0;
}

/*
 * Precedence is by kind first (global < group < user), then, within a kind,
 * the order of first appearance (the main file, then the drop-ins by name).
 */
static const enum section_kind precedence[] = {SEC_GLOBAL, SEC_GROUP, SEC_USER};

int nsiso_policy_resolve(const struct nsiso_policy *p, struct nsiso_user *u,
			 struct nsiso_settings *out, struct nsiso_error *err)
{
	const struct values *from[NSISO_KEY__MAX];
	const struct section *by[NSISO_KEY__MAX] = {0}; /* NULL: the built-in default */

	*out = (struct nsiso_settings){0};
	if (!p || p->degraded)
		return nsiso_fail(err, NSISO_ERR_POLICY, 0,
				  "cannot resolve settings from a broken policy");
	if (has_group_sections(p) && nsiso_user_load_groups(u, err) < 0)
		return -1;
	for (size_t k = 0; k < NSISO_KEY__MAX; k++)
		from[k] = &p->defaults;
	for (size_t pi = 0; pi < ARRAY_SIZE(precedence); pi++) {
		for (size_t i = 0; i < p->n_secs; i++) {
			const struct section *s = &p->secs[i];
			int r;

			if (s->kind != precedence[pi])
				continue;
			r = section_applies(s, u);
			/* NSS could not say: the section does not apply, and the settings say why.
			 */
			if (r < 0)
				nsiso_unresolved_add(&out->unresolved, s->target, -r);
			for (size_t k = 0; r > 0 && k < NSISO_KEY__MAX; k++) {
				if (s->set & KEY_BIT(k)) {
					from[k] = &s->v;
					by[k] = s;
				}
			}
		}
	}
	for (size_t k = 0; k < NSISO_KEY__MAX; k++) {
		if (key_defs[k].apply && key_defs[k].apply(out, from[k]) < 0) {
			nsiso_settings_free(out);
			return nsiso_syserr(err, ENOMEM, "cannot resolve settings");
		}
		note_source(p, out, (enum nsiso_key)k, by[k]);
	}
	return check_combination(out, err);
}

/* ------------------------------------------------------------------ */
/* Sizes and hostname templates                                        */

static const struct {
	char suffix;
	unsigned shift;
} size_suffixes[] = {{'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}};

int nsiso_parse_size(const char *s, struct nsiso_size *out)
{
	uint64_t v = 0;
	const char *p = s;

	if (!s || *s < '0' || *s > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v == 0)
		return -1;
	if (*p == '\0') {
		*out = (struct nsiso_size){false, v};
		return 0;
	}
	if (p[1] != '\0')
		return -1;
	if (*p == '%') {
		if (v > 100)
			return -1;
		*out = (struct nsiso_size){true, v};
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(size_suffixes); i++) {
		if (tolower((unsigned char)*p) != size_suffixes[i].suffix)
			continue;
		if (v > (UINT64_MAX >> size_suffixes[i].shift))
			return -1;
		*out = (struct nsiso_size){false, v << size_suffixes[i].shift};
		return 0;
	}
	return -1;
}

void nsiso_format_size(const struct nsiso_size *sz, char *buf, size_t len)
{
	if (len == 0)
		return;
	snprintf(buf, len, sz->percent ? "%" PRIu64 "%%" : "%" PRIu64, sz->value);
}

/* %-sequences a template may use. */
static const char template_specs[] = "uUh%";

int nsiso_template_valid(const char *tmpl, const char **why)
{
	const char *dummy;

	if (!why)
		why = &dummy;
	if (!tmpl || !*tmpl) {
		*why = "empty template";
		return -1;
	}
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%')
			continue;
		if (!p[1]) {
			*why = "'%' at the end (use %% for a literal '%')";
			return -1;
		}
		if (!strchr(template_specs, p[1])) {
			*why = "unknown %-sequence (expected %u, %U, %h or %%)";
			return -1;
		}
		p++;
	}
	return 0;
}

struct expand_out {
	char *buf;
	size_t used, cap;
};

/* Append with the hostname alphabet enforced; silently stops at the cap. */
static void put_sanitised(struct expand_out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->used < o->cap; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		o->buf[o->used++] = ok ? (char)c : '-';
	}
}

int nsiso_template_expand(const char *tmpl, const char *user, uid_t uid, const char *host,
			  char *buf, size_t len)
{
	struct expand_out o = {buf, 0, 0};
	char uidbuf[24];

	if (!buf || len == 0)
		return -1;
	buf[0] = '\0';
	if (nsiso_template_valid(tmpl, NULL) < 0)
		return -1;
	o.cap = len - 1 < HOSTNAME_MAX ? len - 1 : HOSTNAME_MAX;
	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned)uid);
	user = user ? user : "";
	host = host ? host : "";
	for (const char *p = tmpl; *p; p++) {
		if (*p != '%') {
			put_sanitised(&o, p, 1);
			continue;
		}
		switch (*++p) {
		case 'u':
			put_sanitised(&o, user, strlen(user));
			break;
		case 'U':
			put_sanitised(&o, uidbuf, strlen(uidbuf));
			break;
		case 'h':
			put_sanitised(&o, host, strcspn(host, "."));
			break;
		default: /* '%', the only other sequence nsiso_template_valid() lets through */
			put_sanitised(&o, p, 1);
			break;
		}
	}
	buf[o.used] = '\0';
	return o.used ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* nsisoctl check's warnings: lists that look split                    */

/* Does an account of this kind (group for exempt_groups, else user) exist? Lookup errors: no. */
static bool name_exists(enum nsiso_key k, const char *name)
{
	_cleanup_free_ char *buf = NULL;
	struct passwd pw;
	bool found = false;
	gid_t gid;

	if (k == NSISO_KEY_EXEMPT_GROUPS)
		return nsiso_group_lookup(name, &gid) > 0;
	return nsiso_getpw(name, 0, &pw, &buf, &found) == 0 && found;
}

struct linter {
	const char *file;
	const struct section *s;
	enum nsiso_key k;
	const char *kind; /* "group" or "user" */
	struct nsiso_problems *out;
};

__attribute__((format(printf, 2, 3))) static void warn(const struct linter *w, const char *fmt, ...)
{
	char where[512], what[512], msg[1100];
	va_list ap;

	locate(where, sizeof(where), w->file, w->s->line[w->k], w->s->name, key_defs[w->k].name);
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s: warning: %s", where, what);
	problems_add(w->out, msg);
}

/* More items than this are not searched for joined names (n * (n - 1) / 2 lookups). */
#define LINT_MAX_ITEMS 16

/*
 * Without a comma, blanks separate: items i..j written next to each other
 * may be one name that a blank split ("HPC Admins" as HPC and Admins).
 */
static void lint_blank_split(const struct linter *w, const char *raw, const struct nsiso_list *l)
{
	for (size_t i = 0; i < l->n && l->n <= LINT_MAX_ITEMS; i++) {
		for (size_t j = i + 1; j < l->n; j++) {
			_cleanup_free_ char *joined = NULL;
			char esc[ESC_NAME];

			if (l->v[i].quoted || l->v[j].quoted)
				break;
			joined = strndup(raw + l->v[i].start, l->v[j].end - l->v[i].start);
			if (!joined || !name_exists(w->k, joined))
				continue;
			nsiso_escape(esc, sizeof(esc), joined);
			warn(w,
			     "'%s' is read as %zu names (without a comma, blanks separate them), "
			     "but %s '%s' exists: write \"%s\" in quotes, or separate the names "
			     "with commas",
			     esc, j - i + 1, w->kind, esc, esc);
		}
	}
}

/* Every blank-separated word of @item names an account (and there are two or more). */
static bool words_exist(const struct linter *w, const char *item)
{
	_cleanup_list_ struct nsiso_list words = {0};
	char why[64];

	if (nsiso_list_parse(item, &words, why, sizeof(why)) < 0 || words.n < 2 || words.commas)
		return false;
	for (size_t i = 0; i < words.n; i++)
		if (!name_exists(w->k, words.v[i].text))
			return false;
	return true;
}

/*
 * With a comma, blanks do not separate any more: an item with blanks that
 * names nothing, while each of its words does, meant those words before
 * (every blank separated), and likely still does.
 */
static void lint_comma_joined(const struct linter *w, const struct nsiso_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *item = l->v[i].text;
		char esc[ESC_NAME];

		if (l->v[i].quoted || !strpbrk(item, " \t") || name_exists(w->k, item) ||
		    !words_exist(w, item))
			continue;
		nsiso_escape(esc, sizeof(esc), item);
		warn(w,
		     "'%s' is one name (with a comma in the list, only commas separate names) "
		     "and no %s of that name exists, but each of its words is one: separate them "
		     "with commas if they are meant",
		     esc, w->kind);
	}
}

/*
 * iniparser used to strip quotes around a whole value: "a, b" was a list.
 * Now it is one item; say so when no account has that name.
 */
static void lint_quoted_list(const struct linter *w, const struct nsiso_list *l)
{
	char esc[ESC_NAME];

	if (l->n != 1 || !l->v[0].quoted || !strchr(l->v[0].text, ',') ||
	    name_exists(w->k, l->v[0].text))
		return;
	nsiso_escape(esc, sizeof(esc), l->v[0].text);
	warn(w,
	     "\"%s\" in quotes is one name, and no %s of that name exists (before, quotes "
	     "around a whole value were dropped and it was a list): write it without quotes "
	     "for a list",
	     esc, w->kind);
}

/* ' is an ordinary character in a list (names such as O'Brien); around a whole value it was
 * dropped. */
static void lint_single_quotes(const struct linter *w, const char *raw, const struct nsiso_list *l)
{
	size_t end = l->len;

	while (end > 0 && (raw[end - 1] == ' ' || raw[end - 1] == '\t'))
		end--;
	if (end < 2 || raw[0] != '\'' || raw[end - 1] != '\'')
		return;
	warn(w, "' is an ordinary character in a list (before, quotes ' around a whole value were "
		"dropped): use \" to quote an item, or no quotes");
}

void nsiso_policy_lint(const struct nsiso_policy *p, const char *file, struct nsiso_problems *out)
{
	static const struct {
		enum nsiso_key k;
		const char *kind;
	} names[] = {{NSISO_KEY_EXEMPT_USERS, "user"}, {NSISO_KEY_EXEMPT_GROUPS, "group"}};

	*out = (struct nsiso_problems){0};
	for (size_t i = 0; p && i < p->n_secs; i++) {
		for (size_t n = 0; n < ARRAY_SIZE(names); n++) {
			const struct section *s = &p->secs[i];
			/* A drop-in's key is reported in the drop-in. */
			const char *in = s->file[names[n].k] < p->files.n
					     ? p->files.v[s->file[names[n].k]]
					     : file;
			struct linter w = {in, s, names[n].k, names[n].kind, out};
			_cleanup_list_ struct nsiso_list l = {0};
			char why[64];

			if (!(s->set & KEY_BIT(w.k)) || !s->raw[w.k] ||
			    nsiso_list_parse(s->raw[w.k], &l, why, sizeof(why)) < 0)
				continue;
			if (l.commas)
				lint_comma_joined(&w, &l);
			else
				lint_blank_split(&w, s->raw[w.k], &l);
			lint_quoted_list(&w, &l);
			lint_single_quotes(&w, s->raw[w.k], &l);
		}
	}
}
