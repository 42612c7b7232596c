/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nsiso.conf: the values of keys, their parsers, apply and format functions,
 * the word tables of the enum settings, and the key table that the loader,
 * the cache, resolve, nsisoctl explain and the tests walk.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "list.h"
#include "policy_int.h"
#include "user.h"
#include "util.h"

/* ------------------------------------------------------------------ */
/* Small string helpers                                                */

void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strlist){0};
}

/* Takes ownership of @s (freed on failure). */
int strlist_push(struct strlist *l, char *s)
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

bool strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

/* ------------------------------------------------------------------ */
/* Values and their parsers                                            */

/*
 * One section's (or the defaults') values: a field per key, meaningful for the
 * keys in the section's set mask.
 */
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

struct values *values_new(void)
{
	return calloc(1, sizeof(struct values));
}

void values_free(struct values *v)
{
	if (!v)
		return;
	strlist_free(&v->tmp_dirs);
	strlist_free(&v->tmp_share);
	strlist_free(&v->exempt_users);
	strlist_free(&v->exempt_groups);
	free(v->hostname);
	free(v->net_hook);
	free(v->netns_name);
	free(v->init_hook);
	free(v);
}

bool values_net_is_hook(const struct values *v)
{
	return v->net == NSISO_NET_HOOK;
}

const char *values_net_hook(const struct values *v)
{
	return v->net_hook;
}

const struct strlist *values_exempt_users(const struct values *v)
{
	return &v->exempt_users;
}

const struct strlist *values_exempt_groups(const struct values *v)
{
	return &v->exempt_groups;
}

enum nsiso_on_error values_on_error(const struct values *v)
{
	return v->on_error;
}

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

/*
 * The words of each enum, indexed by value. The order is also the order in
 * which an error message lists them ("expected tmpfs, persistent or off").
 */
#define ENUM_TABLE(table, names_array)                                                             \
	const struct nsiso_enum table = {names_array, (unsigned)ARRAY_SIZE(names_array)}

static const char *const tmp_names[] = {
    [NSISO_TMP_TMPFS] = "tmpfs",
    [NSISO_TMP_PERSISTENT] = "persistent",
    [NSISO_TMP_OFF] = "off",
};
static const char *const propagation_names[] = {
    [NSISO_PROP_SLAVE] = "slave",
    [NSISO_PROP_PRIVATE] = "private",
};
static const char *const lifetime_names[] = {
    [NSISO_LIFE_PROCESSES] = "processes",
    [NSISO_LIFE_SESSION] = "session",
    [NSISO_LIFE_BOOT] = "boot",
};
static const char *const from_set_names[] = {
    [NSISO_FROM_HOST] = "host",
    [NSISO_FROM_STAY] = "stay",
};
static const char *const on_error_names[] = {
    [NSISO_ONERR_DENY] = "deny",
    [NSISO_ONERR_ALLOW] = "allow",
};
static const char *const net_names[] = {
    [NSISO_NET_LOOPBACK] = "loopback",
    [NSISO_NET_HOOK] = "hook",
};

ENUM_TABLE(nsiso_enum_tmp, tmp_names);
ENUM_TABLE(nsiso_enum_propagation, propagation_names);
ENUM_TABLE(nsiso_enum_lifetime, lifetime_names);
ENUM_TABLE(nsiso_enum_from_set, from_set_names);
ENUM_TABLE(nsiso_enum_on_error, on_error_names);
ENUM_TABLE(nsiso_enum_net, net_names);

bool nsiso_enum_has(const struct nsiso_enum *e, unsigned v)
{
	return v < e->n && e->names[v];
}

const char *nsiso_enum_name(const struct nsiso_enum *e, unsigned v)
{
	return nsiso_enum_has(e, v) ? e->names[v] : "?";
}

int nsiso_enum_parse(const struct nsiso_enum *e, const char *name, unsigned *v)
{
	for (unsigned i = 0; i < e->n; i++) {
		if (e->names[i] && strcmp(name, e->names[i]) == 0) {
			*v = i;
			return 0;
		}
	}
	return -1;
}

static int parse_word(const char *val, const struct nsiso_enum *e, unsigned *out,
		      struct problem *pb)
{
	char expected[128] = "", esc[ESC_VALUE];
	size_t used = 0;

	if (nsiso_enum_parse(e, val, out) == 0)
		return 0;
	for (unsigned i = 0; i < e->n && used < sizeof(expected); i++) {
		const char *sep = i == 0 ? "" : i + 1 == e->n ? " or " : ", ";
		int r =
		    snprintf(expected + used, sizeof(expected) - used, "%s%s", sep, e->names[i]);
		if (r < 0)
			break;
		used += (size_t)r;
	}
	return problem(pb, "invalid value '%s' (expected %s)", nsiso_escape(esc, sizeof(esc), val),
		       expected);
}

/* The parser and the formatter of an enum key: its word table carries the meaning. */
#define ENUM_KEY(field, table, type)                                                               \
	static int parse_##field(const char *val, struct values *v, struct problem *pb)            \
	{                                                                                          \
		unsigned w;                                                                        \
		if (parse_word(val, &table, &w, pb) < 0)                                           \
			return -1;                                                                 \
		v->field = (type)w;                                                                \
		return 0;                                                                          \
	}                                                                                          \
	static void fmt_##field(const struct nsiso_settings *s, char *buf, size_t len)             \
	{                                                                                          \
		snprintf(buf, len, "%s", nsiso_enum_name(&table, (unsigned)s->field));             \
	}

ENUM_KEY(tmp, nsiso_enum_tmp, enum nsiso_tmp_mode)
ENUM_KEY(propagation, nsiso_enum_propagation, enum nsiso_propagation)
ENUM_KEY(lifetime, nsiso_enum_lifetime, enum nsiso_lifetime)
ENUM_KEY(from_set, nsiso_enum_from_set, enum nsiso_from_set)
ENUM_KEY(on_error, nsiso_enum_on_error, enum nsiso_on_error)
ENUM_KEY(net, nsiso_enum_net, enum nsiso_net_mode)

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
static const char *const share_mode_names[] = {"ro", "rw"};
static ENUM_TABLE(share_modes, share_mode_names);

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
	unsigned mode = 0;

	n = colon ? strndup(item, (size_t)(colon - item)) : strdup(item);
	if (!n)
		return no_memory(pb);
	if (colon && parse_word(colon + 1, &share_modes, &mode, pb) < 0)
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

/* The text of the other settings, in the words a policy file uses. */
static void put_str(char *buf, size_t len, const char *v)
{
	snprintf(buf, len, "%s", v ? v : "");
}

static void fmt_namespaces(const struct nsiso_settings *s, char *buf, size_t len)
{
	nsiso_ns_mask_format(s->ns_mask, ", ", buf, len);
}

static void fmt_tmp_dirs(const struct nsiso_settings *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < s->n_tmp_dirs && used < len; i++)
		used +=
		    (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", s->tmp_dirs[i]);
}

static void fmt_tmp_size(const struct nsiso_settings *s, char *buf, size_t len)
{
	nsiso_format_size(&s->tmp_size, buf, len);
}

/* Every entry with its mode, "NAME:ro" too, so that the text says what a bare NAME means. */
static void fmt_tmp_share(const struct nsiso_settings *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < s->n_tmp_share && used < len; i++)
		used += (size_t)snprintf(
		    buf + used, len - used, "%s%s:%s", i ? ", " : "", s->tmp_share[i],
		    nsiso_enum_name(&share_modes, (s->tmp_share_rw >> i) & 1u));
}

#define STRING_FORMAT(field)                                                                       \
	static void fmt_##field(const struct nsiso_settings *s, char *buf, size_t len)             \
	{                                                                                          \
		put_str(buf, len, s->field);                                                       \
	}
#define UNSIGNED_FORMAT(field)                                                                     \
	static void fmt_##field(const struct nsiso_settings *s, char *buf, size_t len)             \
	{                                                                                          \
		snprintf(buf, len, "%u", s->field);                                                \
	}

STRING_FORMAT(hostname)
STRING_FORMAT(net_hook)
STRING_FORMAT(netns_name)
STRING_FORMAT(init_hook)
UNSIGNED_FORMAT(net_hook_timeout)
UNSIGNED_FORMAT(init_hook_timeout)

/* ------------------------------------------------------------------ */
/* The key table                                                       */

/*
 * One row per key of enum nsiso_key, made by SETTING(), ENUM_SETTING() or
 * ADMIN_KEY(), so that what a row needs is checked when it is compiled:
 *
 *  - its name is a string literal, not empty; its default and example are
 *    string literals;
 *  - its parser (and, for a setting, its apply and format functions) is a
 *    function of the right type: NULL or a wrong type does not compile;
 *  - every key has a row: the rows are counted (__COUNTER__) and must number
 *    NSISO_KEY__MAX, and a second row for one key is -Woverride-init (an
 *    error with -Werror), so NSISO_KEY__MAX rows are one for each key.
 *
 * The loader, the policy cache, resolve, nsisoctl explain and the unit
 * tests (tests/unit/test_settings.c walks every row) take everything about a
 * key from its row.
 */
typedef int key_parse_fn(const char *val, struct values *v, struct problem *pb);
typedef int key_apply_fn(struct nsiso_settings *s, const struct values *v);
typedef void key_format_fn(const struct nsiso_settings *s, char *buf, size_t len);

#define KEY_FN(type, f) _Generic(&(f), type * : (f))
/* A string literal that is not empty (a negative array size does not compile). */
#define KEY_NAME(s) (&("" s)[0 * sizeof(char[sizeof(s) > 1 ? 1 : -1])])
/* The index of key @id's row; each use counts one row. */
#define KEY_ROW(id) [NSISO_KEY_##id + 0 * __COUNTER__]

/* A per-user setting; the optional fields (.list, .global_only) follow. */
#define SETTING(id, key_name, def_value, example_value, parser, applier, formatter, ...)           \
	KEY_ROW(id) = {.name = KEY_NAME(key_name),                                                 \
		       .def = "" def_value,                                                        \
		       .example = "" example_value,                                                \
		       .parse = KEY_FN(key_parse_fn, parser),                                      \
		       .apply = KEY_FN(key_apply_fn, applier),                                     \
		       .format = KEY_FN(key_format_fn, formatter),                                 \
		       __VA_ARGS__}
/* A setting that takes one word of nsiso_enum_FIELD (ENUM_KEY() made its parser and format). */
#define ENUM_SETTING(id, key_name, def_value, example_value, field, ...)                           \
	SETTING(id, key_name, def_value, example_value, parse_##field, apply_##field, fmt_##field, \
		.words = &nsiso_enum_##field, __VA_ARGS__)
/* A key of [global] that is no per-user setting: who is exempt. */
#define ADMIN_KEY(id, key_name, def_value, example_value, parser, ...)                             \
	KEY_ROW(id) = {.name = KEY_NAME(key_name),                                                 \
		       .def = "" def_value,                                                        \
		       .example = "" example_value,                                                \
		       .parse = KEY_FN(key_parse_fn, parser),                                      \
		       .global_only = true,                                                        \
		       __VA_ARGS__}

enum { KEY_ROWS_BEFORE = __COUNTER__ };

const struct key_def key_defs[NSISO_KEY__MAX] = {
    SETTING(NAMESPACES, "namespaces", "mnt, ipc, uts", "mnt, net", parse_namespaces, apply_ns_mask,
	    fmt_namespaces, .list = true),
    ENUM_SETTING(TMP, "tmp", "tmpfs", "persistent", tmp),
    SETTING(TMP_DIRS, "tmp_dirs", "/tmp, /var/tmp", "/tmp", parse_tmp_dirs, apply_tmp_dirs,
	    fmt_tmp_dirs, .list = true),
    SETTING(TMP_SIZE, "tmp_size", "10%", "2G", parse_tmp_size, apply_tmp_size, fmt_tmp_size),
    SETTING(TMP_SHARE, "tmp_share", "", ".X11-unix:rw, krb5cc_1000", parse_tmp_share,
	    apply_tmp_share, fmt_tmp_share, .list = true),
    ENUM_SETTING(PROPAGATION, "propagation", "slave", "private", propagation),
    ENUM_SETTING(LIFETIME, "lifetime", "processes", "boot", lifetime),
    ENUM_SETTING(FROM_SET, "from_set", "host", "stay", from_set),
    SETTING(HOSTNAME, "hostname", "", "%u-%h", parse_hostname, apply_hostname, fmt_hostname),
    ENUM_SETTING(NET, "net", "loopback", "hook", net),
    SETTING(NET_HOOK, "net_hook", "", "/usr/local/sbin/nsiso-net", parse_net_hook, apply_net_hook,
	    fmt_net_hook),
    SETTING(NET_HOOK_TIMEOUT, "net_hook_timeout", "30", "5", parse_net_hook_timeout,
	    apply_net_hook_timeout, fmt_net_hook_timeout),
    SETTING(NETNS_NAME, "netns_name", "", "nsiso-%U", parse_netns_name, apply_netns_name,
	    fmt_netns_name),
    SETTING(INIT_HOOK, "init_hook", "", "/usr/local/sbin/nsiso-init", parse_init_hook,
	    apply_init_hook, fmt_init_hook),
    SETTING(INIT_HOOK_TIMEOUT, "init_hook_timeout", "30", "120", parse_init_hook_timeout,
	    apply_init_hook_timeout, fmt_init_hook_timeout),
    ADMIN_KEY(EXEMPT_USERS, "exempt_users", "root", "root, backup", parse_exempt_users,
	      .list = true),
    ADMIN_KEY(EXEMPT_GROUPS, "exempt_groups", "", "adm", parse_exempt_groups, .list = true),
    ENUM_SETTING(ON_ERROR, "on_error", "deny", "allow", on_error, .global_only = true),
};

_Static_assert(__COUNTER__ - KEY_ROWS_BEFORE - 1 == NSISO_KEY__MAX,
	       "every key of enum nsiso_key needs its row in key_defs[]");

const struct key_def *key_by_name(const char *name, enum nsiso_key *k)
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

int nsiso_key_info(enum nsiso_key k, struct nsiso_key_info *out)
{
	const struct key_def *d;

	if ((unsigned)k >= ARRAY_SIZE(key_defs))
		return -1;
	d = &key_defs[k];
	*out = (struct nsiso_key_info){
	    .name = d->name,
	    .def = d->def,
	    .example = d->example,
	    .words = d->words,
	    .global_only = d->global_only,
	    .setting = d->format != NULL,
	};
	return 0;
}

int nsiso_setting_format(const struct nsiso_settings *s, enum nsiso_key k, char *buf, size_t len)
{
	if ((unsigned)k >= ARRAY_SIZE(key_defs) || !key_defs[k].format || len == 0)
		return -1;
	key_defs[k].format(s, buf, len);
	return 0;
}
