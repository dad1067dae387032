/* SPDX-License-Identifier: MIT */
/*
 * sslm.h: the map of libsslm.a, the code shared by the sslm tools.
 *
 * Conventions: every exported name starts with sslm_.  The library never
 * exits and never writes to stdout; where a detail is known it warns once
 * on stderr (through sslm_warnx) and returns -1 or NULL.
 */
#ifndef SSLM_H
#define SSLM_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#define SSLM_VERSION	"0.1.0"

/* Exit codes, the same in every tool (sslm(7)). */
#define SSLM_EXIT_OK	0	/* done, or "yes" */
#define SSLM_EXIT_NO	1	/* a clean "no" from a predicate */
#define SSLM_EXIT_USAGE	2	/* bad arguments */
#define SSLM_EXIT_FAIL	3	/* anything else */

/* ---- util.c ------------------------------------------------------------ */

/* Set the name printed before every message (basename of argv[0]). */
void	 sslm_setprogname(const char *);
const char *sslm_getprogname(void);

/* "prog: message" on stderr (or the thread's sslm_warn_to), one line. */
void	 sslm_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* As sslm_warnx, with ": strerror(errno)" appended. */
void	 sslm_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * Until called again with len 0, keep the last message in buf (len
 * bytes, without the program name, cut to fit) instead of printing it:
 * a caller that reports a failure in its own words.
 */
void	 sslm_warn_capture(char *buf, size_t len);
/* How many messages this thread wrote so far (a tool that fails without
 * one can still say why). */
int	 sslm_warned(void);
/* This thread's messages go to fp (NULL: stderr again); the caller keeps
 * fp open while they do.  sslm_warn_stream: where they go now. */
void	 sslm_warn_to(FILE *fp);
FILE	*sslm_warn_stream(void);
/*
 * A printable copy of s (a peer's or a file's text; NULL: empty) for a
 * message, in buf (len bytes): control characters become '?', the
 * rest is cut to fit.  Returns buf.
 */
char	*sslm_msgstr(char *buf, size_t len, const char *s);

/*
 * Read a whole file ("-" = stdin) of at most max bytes into one new
 * NUL-terminated buffer of max + 2 bytes, never reallocated; *lenp gets
 * its length.  NULL on error, including a file larger than max: warned by
 * sslm_readfile, put into err as "path: reason" by sslm_readfile_err.
 * The caller frees.
 */
char	*sslm_readfile(const char *path, size_t max, size_t *lenp);
char	*sslm_readfile_err(const char *path, size_t max, size_t *lenp,
	    char *err, size_t errlen);
/*
 * As sslm_readfile, for secrets: the buffer is wiped on the error paths.
 * Release it with sslm_freesecret(buf, len + 1).
 */
char	*sslm_readsecret(const char *path, size_t max, size_t *lenp);
/* Wipe len bytes of buf and free it (NULL is fine). */
void	 sslm_freesecret(char *buf, size_t len);

/*
 * Print a JSON value on fp, pretty (indent 2) or compact, with a final
 * newline and keys in insertion order.  -1 on a write error.
 */
int	 sslm_json_print(FILE *fp, const json_t *, int pretty);
/*
 * The JSON document in path ("-" = stdin) of at most max bytes, keys
 * unique in each object.  NULL when it cannot be read or parsed
 * (warned: "path:line:column: why").  json_decref it.
 */
json_t	*sslm_json_readfile(const char *path, size_t max);

/* Flush stdout and report a write error; returns 0 or -1 (warned). */
int	 sslm_flush_stdout(void);
/*
 * -V: print "<progname> <version>" on stdout; returns the exit code
 * (SSLM_EXIT_OK, or SSLM_EXIT_FAIL when stdout cannot be written).
 */
int	 sslm_version(void);

/* ---- num.c: numbers ---------------------------------------------------- */

/*
 * The whole string s as a base-10 number of lo..hi, the way strtoll(3)
 * reads it (leading white space and a sign allowed), into *out.  0, or
 * -1 when s is empty, has anything after the digits, overflows or is out
 * of range; nothing is printed (the caller names the option) and *out is
 * left alone.
 */
int	 sslm_strtonum(const char *s, long long lo, long long hi,
	    long long *out);

/* ---- clock.c: the monotonic clock, UTC times as text ------------------- */

/* Milliseconds of the monotonic clock. */
long long sslm_now_ms(void);
/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf (at least 21 bytes). */
void	 sslm_fmt_time(time_t, char *buf, size_t len);
/*
 * Parse an "as of" time: "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD" (UTC
 * midnight) or "@epoch-seconds".  0 or -1.
 */
int	 sslm_parse_time(const char *, time_t *);

/* ---- toml.c, toml_scan.c: TOML 1.0 (the tree; the scanner) -------------- */

enum sslm_toml_type {
	SSLM_TOML_TABLE,
	SSLM_TOML_ARRAY,
	SSLM_TOML_STRING,
	SSLM_TOML_INT,
	SSLM_TOML_FLOAT,
	SSLM_TOML_BOOL,
	SSLM_TOML_DATETIME,		/* offset date-time */
	SSLM_TOML_DATETIME_LOCAL,	/* local date-time */
	SSLM_TOML_DATE_LOCAL,		/* local date */
	SSLM_TOML_TIME_LOCAL		/* local time */
};

/*
 * One node of a parsed document.  A table's and an array's children are
 * kids[0..nkids-1] in document order; a table child's key is in key.
 * line is the 1-based line where the value (for a table: its header or
 * first dotted key) starts, for error messages.
 * Date-times are kept as RFC 3339 text in s: 'T' separator, upper-case
 * 'Z', fraction as written.
 */
struct sslm_toml {
	enum sslm_toml_type	 type;
	int			 line;
	char			*key;	/* NULL for array elements and the root */
	char			*s;	/* STRING and the date-time types */
	size_t			 slen;	/* length of s (strings may hold NUL) */
	long long		 i;	/* INT; BOOL is 0 or 1 */
	double			 f;	/* FLOAT */
	struct sslm_toml	**kids;	/* TABLE and ARRAY */
	size_t			 nkids;
	size_t			 cap;
	unsigned		 flags;	/* parser bookkeeping */
};

/*
 * Parse a TOML document of len bytes.  name is used in messages.
 * Returns the root table, or NULL with "name:line: reason" in err
 * (errlen bytes); nothing is printed.  Free with sslm_toml_free.
 */
struct sslm_toml *sslm_toml_parse(const char *buf, size_t len,
	    const char *name, char *err, size_t errlen);
/* Read and parse a file, as above; a file over 1 MiB is an error. */
struct sslm_toml *sslm_toml_load(const char *path, char *err, size_t errlen);
void	 sslm_toml_free(struct sslm_toml *);

/* The child of table t with this key, or NULL. */
const struct sslm_toml *sslm_toml_get(const struct sslm_toml *t,
	    const char *key);

/*
 * Plain JSON for a node: tables as objects, arrays as arrays, integers
 * exactly, floats as numbers (inf, -inf, nan as strings), date-times as
 * strings.  New reference; NULL on allocation failure.
 */
json_t	*sslm_toml_to_json(const struct sslm_toml *);

/* Name of a type for messages ("string", "integer", ...). */
const char *sslm_toml_typename(enum sslm_toml_type);

/* ---- names.c: syntax of names from configuration and the command line -- */

/*
 * A safe file name: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 bytes, no "..".
 * Returns 1 if safe, else 0.
 */
int	 sslm_valid_filename(const char *);
/*
 * A host name in LDH syntax (RFC 1123: letters, digits and inner
 * hyphens; labels of 1..63, total at most 253, no trailing dot, the last
 * label not all digits).  With wildcard set, a leftmost label "*" is
 * allowed.  No underscore labels: see sslm_dns_valid_owner.
 * Returns 1 if valid, else 0.
 */
int	 sslm_valid_hostname(const char *, int wildcard);
/* 4 for an IPv4 literal, 6 for an IPv6 literal, else 0. */
int	 sslm_ip_literal(const char *);
/* A host: a DNS name without wildcard, or an IP literal.  1 or 0. */
int	 sslm_valid_host(const char *);
/*
 * "name:port", "v4:port" or "[v6]:port" (the LEN bytes at ARG) into HOST
 * (lower case, no trailing dot) and PORT (1..65535).  0, or -1 when it is
 * not one of those.
 */
int	 sslm_hostport(const char *arg, size_t len, char *host, size_t hostlen,
	    int *port);
/* 1 when the string holds no control character (C0 or DEL), else 0. */
int	 sslm_no_ctrl(const char *, size_t);

/*
 * ---- conf.c (with conf_get.c, conf_svc.c, conf_sel.c and their private
 * conf_priv.h): the ssl-mgr configuration, resolved ----------------------
 */

struct sslm_conf_opts {
	const char	 *confdir;	/* NULL: discover like ssl-mgr */
	int		  test;		/* -t: staging */
	int		  keep_going;	/* bad services marked, not fatal */
	char		**sel;		/* "grp[:svc,...]" operands */
	int		  nsel;
};

/*
 * Load, validate and resolve the configuration (sslm-conf(1) documents
 * the document).  Warnings and errors are printed on stderr as
 * "file:line: key: reason".  Returns the document, or NULL after an
 * error.  With keep_going, a service whose file is bad is kept as
 * {"service", "group", "error"} and *nbad counts them.
 */
json_t	*sslm_conf_load(const struct sslm_conf_opts *, int *nbad);

/*
 * The acme_eab_hmac_key of CA ca in ca-info.conf as a new string, or
 * NULL (warned).  The caller wipes and frees it.
 */
char	*sslm_conf_eab_key(const char *confdir, const char *ca);

/* conf_sel.c: one selection operand, parsed (sslm-conf(1), OPERANDS). */
struct sslm_sel {
	char	 *grp;		/* "ca" or a domain */
	char	**svc;		/* safe file names, each once */
	int	  nsvc;		/* 0: every service of the group */
	char	 *used;		/* sslm_sel_match: [0] the group, [k+1] svc[k] */
	json_t	 *index;	/* [0] only: where each name is first chosen */
};

/*
 * Parse the operands grp, grp:svc,..., grp:ALL, grp:*, grp:[svc, ...]
 * and grp:[ALL]; an operand whose [ is not closed goes on in the next
 * ones (the shell splits grp:[a, b]).  0 with *sel (*nsel entries, free
 * with sslm_sel_free), or -1 (warned, naming the operand).
 */
int	 sslm_sel_parse(char *const *argv, int argc, struct sslm_sel **sel,
	    int *nsel);
void	 sslm_sel_free(struct sslm_sel *, int);
/*
 * Is service svc of group grp (svc NULL: anything of the group) chosen by
 * the n operands (all of it when n is 0)?  1 or 0; what matched is
 * marked used.
 */
int	 sslm_sel_match(struct sslm_sel *, int n, const char *grp,
	    const char *svc);
/*
 * Did every operand name something?  0, or -1 warned ("grp: no such
 * group", "grp:svc: no such service").
 */
int	 sslm_sel_check(const struct sslm_sel *, int n);

/* conf_svc.c: reading the service objects that sslm-conf prints. */
/*
 * One service object as printed by sslm-conf(1), read from path ("-" =
 * stdin, at most SSLM_PEM_MAX bytes).  New reference, or NULL (warned).
 */
json_t	*sslm_read_service(const char *path);
/*
 * svc.obj.key (svc.key when obj is NULL): 0 and *out set (a string
 * pointing into svc / the integer), 1 when absent, -1 (warned as
 * "path: obj.key: ...") when of another type.
 */
int	 sslm_svc_str(const json_t *svc, const char *path, const char *obj,
	    const char *key, const char **out);
int	 sslm_svc_int(const json_t *svc, const char *path, const char *obj,
	    const char *key, long long *out);
/*
 * The usages a service's certificates may carry, x509.key_usage and
 * x509.eku: *ku keyUsage bits, *eku extended key usage bits (see
 * sslm_usage_bit), each ~0 when absent.  0, or -1 (warned) for a value
 * that is not a list of such names.
 */
int	 sslm_svc_usages(const json_t *svc, const char *path, unsigned *ku,
	    unsigned *eku);

/* ---- file.c: crash-safe writes, trees below a directory fd -------------- */

/* write(2) all of buf, retrying on EINTR.  0 or -1 (errno set). */
int	 sslm_write_all(int fd, const void *buf, size_t len);
/* fsync the directory holding path.  0 or -1 (errno set). */
int	 sslm_fsync_dir(const char *path);
/*
 * Replace path atomically with len bytes of buf and the given mode: a
 * temporary file (0600 from creation) in the same directory, fsync,
 * rename, fsync of the directory.  On failure nothing is left behind and
 * the old file is untouched.  0 or -1 (warned).
 */
int	 sslm_write_file(const char *path, const void *buf, size_t len,
	    mode_t mode);
/*
 * Create a new file 0600 with O_EXCL|O_NOFOLLOW (for new private keys);
 * an existing file is an error.  On a write failure the file is removed.
 * 0 or -1 (warned).
 */
int	 sslm_create_excl(const char *path, const void *buf, size_t len);

/*
 * file.c, relative to a directory fd: nothing below the starting directory
 * is followed through a symbolic link.  Functions taking a step hook call
 * it (when not NULL) before each change to the file system, in a fixed
 * order, so that a test can kill the caller at every step.
 */

/* One regular file held in memory; data is wiped when freed. */
struct sslm_fbuf {
	char		 name[72];
	unsigned char	*data;
	size_t		 len;
	mode_t		 mode;		/* permission bits */
	struct timespec	 mtime;
};

/* The files of one directory, sorted by name; present 0: no directory. */
struct sslm_fset {
	struct sslm_fbuf *f;
	size_t		 n;
	int		 present;
	int		 bad;		/* unreadable: equal to nothing */
};

/*
 * Read the regular file name of dfd (never through a link), at most max
 * bytes, into *f (f->data malloc'ed: wipe and free it, or put f in a set
 * and sslm_fset_free it).  0, or -1 with errno set, not warned: ENOENT,
 * ELOOP (a link), EINVAL (not a regular file), EFBIG (over max), EAGAIN
 * (changed while read).
 */
int	 sslm_read_at(int dfd, const char *name, size_t max,
	    struct sslm_fbuf *f);
/*
 * Read every file of directory dfd into *s (present 1).  Only regular
 * files with names sslm_valid_filename accepts, at most maxn of them and
 * max bytes each: anything else, with strict, is warned (what names the
 * directory) and fails; without strict it marks the set bad (0 returned,
 * nothing warned).  0, or -1 with *s freed.
 */
int	 sslm_fset_read(int dfd, const char *what, int strict, size_t maxn,
	    size_t max, struct sslm_fset *s);
/* Wipe and free the files of s, and zero it. */
void	 sslm_fset_free(struct sslm_fset *s);
/* 1 when both are absent, or hold the same names, bytes and modes; else 0. */
int	 sslm_fset_equal(const struct sslm_fset *a, const struct sslm_fset *b);
/*
 * Create name of dfd (O_EXCL, 0600 until its mode is set) with f's
 * bytes, mode and mtime, fsynced; on failure it is removed.  0, or -1
 * (errno set, not warned).
 */
int	 sslm_write_at(int dfd, const char *name, const struct sslm_fbuf *f);
/*
 * Remove name of dfd and, for a directory, everything below it (at most
 * 8 levels), never following a link.  A missing name is fine.  0, or -1
 * (errno set, not warned).
 */
int	 sslm_rmtree_at(int dfd, const char *name, void (*step)(void));
/*
 * Open directory name of dfd without following a link; with create, make
 * it (0750, the parent fsynced) when missing.  The fd, -2 when missing and
 * not created, or -1 (warned, naming path).
 */
int	 sslm_opendir_at(int dfd, const char *name, int create,
	    const char *path);
/*
 * Open directory path (links followed); with create, make its last part
 * when missing, as sslm_opendir_at does.  A missing parent is never
 * created: -1, warned naming the parent.  The fd, -2 when missing and not
 * created, or -1 (warned).
 */
int	 sslm_opendir_path(const char *path, int create);
/*
 * Put a copy of s in place of directory name of dfd (dpath names dfd in
 * messages): build .<name>.new, exchange it with the live directory in
 * one rename (two renames where the kernel has no exchange), fsync dfd,
 * then delete .<name>.old.  0, or -1 (warned).
 */
int	 sslm_fset_install(int dfd, const char *dpath, const char *name,
	    const struct sslm_fset *s, void (*step)(void));
/* Rename directory name of dfd to .<name>.old, then delete it.  0 or -1. */
int	 sslm_dir_remove(int dfd, const char *dpath, const char *name,
	    void (*step)(void));
/*
 * The set that link lname of directory sfd (spath names sfd) points at.
 * The link must read exactly "db/<name>", name a safe file name once its
 * ':' are read as '-' (a store's stamps); the set is opened without
 * following any further link and read strictly (sslm_fset_read: maxn
 * files of max bytes).  0 (s->present 0 when sfd < 0 or there is no
 * link), or -1 (warned).
 */
int	 sslm_fset_link(int sfd, const char *spath, const char *lname,
	    size_t maxn, size_t max, struct sslm_fset *s);
/*
 * Directory name of dfd into *s, not strictly (sslm_fset_read), never
 * through a link: present 0 when dfd < 0 or name is missing; present and
 * bad when it is not a directory or cannot be read.  Nothing warned.
 */
void	 sslm_fset_peek(int dfd, const char *name, size_t maxn, size_t max,
	    struct sslm_fset *s);
/*
 * Replace file name of dfd (dpath names dfd in messages) with f: write
 * .<name>.new (sslm_write_at), rename it over name; with f NULL remove
 * name (missing is fine).  Then fsync dfd.  step before the rename and
 * after the fsync.  0, or -1 (warned; a .<name>.new may be left behind).
 */
int	 sslm_file_put_at(int dfd, const char *dpath, const char *name,
	    const struct sslm_fbuf *f, void (*step)(void));
/*
 * Remove (sslm_rmtree_at) every entry of directory dfd that match
 * accepts, "." and ".." included in what it is asked; with dry not NULL
 * call it for each instead, removing nothing.  0, or -1 (warned, each
 * failure naming dpath/entry; the others are still removed).
 */
int	 sslm_remove_matching(int dfd, const char *dpath,
	    int (*match)(const char *name),
	    void (*dry)(const char *dpath, const char *name),
	    void (*step)(void));

/* ---- remote.c: other hosts, through ssh (prodcopy, deploy) ------------- */

/* A command as a vector of words, NULL-terminated (v NULL while empty). */
struct sslm_argv {
	char	**v;
	size_t	  n;
};

/* Append a copy of word.  0 or -1 (warned). */
int	 sslm_argv_add(struct sslm_argv *a, const char *word);
/* Free the words and the vector, and empty a. */
void	 sslm_argv_free(struct sslm_argv *a);
/*
 * Is host this machine: "localhost", the name gethostname(3) returns, or
 * its first label, compared without regard to case?  1 or 0.
 */
int	 sslm_host_is_local(const char *host);
/*
 * The one ssh rule, for every program that reaches another host: append
 * to a the words of SSLM_SSH when it is set and not empty (split at
 * spaces, tabs and newlines, quotes not special: as sh splits an unquoted
 * $SSLM_SSH), else "ssh -F confdir/ssh_config" when that file exists
 * (confdir may be NULL), else "ssh"; then always "-o BatchMode=yes".
 * The caller appends the host and the remote command, one word each.
 * 0 or -1 (warned).
 */
int	 sslm_ssh_argv(struct sslm_argv *a, const char *confdir);
/*
 * The string for rsync's -e holding words: each word as it is, or, when
 * it holds a space or a quote or is empty, in single quotes with each '
 * doubled (rsync's own splitting of -e gives the words back).  Free it;
 * NULL (warned).
 */
char	*sslm_rsync_shell(char *const *words);
/*
 * Append to a: rsync, the NULL-terminated opts, -e and the ssh rule (as
 * sslm_rsync_shell gives it), src and dst.  0 or -1 (warned).
 */
int	 sslm_rsync_argv(struct sslm_argv *a, const char *confdir,
	    const char *const *opts, const char *src, const char *dst);

#define SSLM_RUN_OUT2ERR	0x1	/* the child's stdout is our stderr */
/*
 * Run argv (found in PATH, no shell) with stdin from /dev/null and wait
 * for it; stdout and stderr are ours (see the flags).  Its wait(2)
 * status; -1 when it could not be started or waited for (err: "fork:
 * reason" or "wait: reason"); -2 when the program could not be executed
 * (err: "argv0: reason").  Nothing is warned.
 */
int	 sslm_run(char *const argv[], int flags, char *err, size_t errlen);
/*
 * NULL when wait status st is an exit 0, else err holding "prog exited
 * N" or "prog killed by signal N".
 */
const char *sslm_run_why(const char *prog, int st, char *err,
	    size_t errlen);

#define SSLM_MIRROR_SHOW	0x1	/* "run: <the command>" on stderr */
#define SSLM_MIRROR_DRY		0x2	/* "debug: run: ..." and run nothing */
/*
 * Mirror src to dst ("host:/path/") with rsync -a --delete
 * --delay-updates --mkpath over the ssh rule (sslm_rsync_argv).  0
 * copied (or, with SSLM_MIRROR_DRY, shown); 1 not copied, why holding
 * "rsync exited N", "rsync killed by signal N" or "fork: reason" (an
 * rsync that cannot be executed is warned first, and exits 127 as a
 * shell says it); -1 when the command cannot be built (warned).
 */
int	 sslm_rsync_mirror(const char *confdir, const char *src,
	    const char *dst, int flags, char *why, size_t whylen);

/* ---- pem.c: PEM blocks ----------------------------------------------------- */

#define SSLM_PEM_MAX	(1024 * 1024)	/* bound on any PEM input */
#define SSLM_KEY_MAX	(64 * 1024)	/* bound on a private key file */
#define SSLM_PEM_LABEL	64

enum {
	SSLM_PEM_OTHER, SSLM_PEM_CERT, SSLM_PEM_CSR, SSLM_PEM_PRIVKEY,
	SSLM_PEM_ENCKEY, SSLM_PEM_PUBKEY, SSLM_PEM_DHPARAM
};

/* One block: begin points into the caller's buffer (BEGIN..END line). */
struct sslm_pem {
	char		 label[SSLM_PEM_LABEL];
	const char	*begin;
	size_t		 len;
	int		 line;		/* line of the BEGIN line, from 1 */
};

/*
 * Find the PEM blocks of buf (text between blocks is skipped).  *out is a
 * new array of *nout blocks (free it; it points into buf).  A block
 * without its END line, or nested BEGIN, is an error: -1 (warned as
 * "name:line: ...").
 */
int	 sslm_pem_split(const char *buf, size_t len, const char *name,
	    struct sslm_pem **out, size_t *nout);
/* SSLM_PEM_* for a label. */
int	 sslm_pem_kind(const char *label);
/* Decode one block; NULL on failure (OpenSSL error queue set). */
X509	*sslm_pem_cert(const struct sslm_pem *);
X509_REQ *sslm_pem_csr(const struct sslm_pem *);
EVP_PKEY *sslm_pem_privkey(const struct sslm_pem *);
EVP_PKEY *sslm_pem_pubkey(const struct sslm_pem *);
/*
 * Every certificate block of buf, in order (possibly none); NULL when a
 * block does not decode (warned with its line).  Free with
 * sk_X509_pop_free(sk, X509_free).
 */
STACK_OF(X509) *sslm_read_certs(const char *buf, size_t len,
	    const char *name);
/* The first certificate of a PEM file ("-" = stdin); NULL (warned).
 * X509_free it. */
X509	*sslm_read_first_cert(const char *path);
/* The first CSR of buf; NULL (warned) if none or bad. */
X509_REQ *sslm_read_csr(const char *buf, size_t len, const char *name);

/* ---- ossl.c: OpenSSL helpers -------------------------------------------- */

/* The first reason of the OpenSSL error queue (static buffer); clears it. */
const char *sslm_ossl_reason(void);
/* Lower-case hex of n bytes, new string (NULL when out of memory). */
char	*sslm_hex(const unsigned char *, size_t n);
/* Lower-case hex digest ("SHA256", "SHA512", ...) of n bytes, new string. */
char	*sslm_digest_hex(const char *md, const unsigned char *, size_t n);
/* DER SubjectPublicKeyInfo / DER certificate; *der freed with OPENSSL_free. */
int	 sslm_spki_der(EVP_PKEY *, unsigned char **der, size_t *len);
/*
 * The SubjectPublicKeyInfo of a certificate as the certificate holds it
 * (what DANE's selector 1 hashes, and what OpenSSL's DANE matches), into
 * *der (OPENSSL_free it).  0, or -1 with a warning.
 */
int	 sslm_cert_spki_der(X509 *, unsigned char **der, size_t *len);
int	 sslm_cert_der(X509 *, unsigned char **der, size_t *len);
/* An ASN1_TIME as time_t.  0 or -1. */
int	 sslm_asn1_time(const ASN1_TIME *, time_t *);

/* ---- renew.c: when a certificate is due (due, conf) ---------------------- */

/*
 * One point of a renew_info table: a certificate whose lifetime (notAfter
 * - notBefore) is lifetime days is renewed target days before it expires,
 * spread by up to rand_adj days either way.  All in days.
 */
struct sslm_renew_point {
	double	lifetime, target, rand_adj;
};
#define SSLM_RENEW_TARGET	1
#define SSLM_RENEW_RAND_ADJ	2
#define SSLM_RENEW_MAXPOINTS	64
/*
 * A certificate is due from an hour before its renewal time: a run at the
 * same time of day as the one that made it (cron) then does not miss the
 * time by the seconds the first run took, and renew a week late.
 */
#define SSLM_RENEW_SLACK	3600

/* ssl-mgr's built-in table (spec 3.2.2), sorted by lifetime. */
extern const struct sslm_renew_point sslm_renew_builtin[];
extern const size_t sslm_renew_nbuiltin;

/*
 * The value of column col (SSLM_RENEW_TARGET or SSLM_RENEW_RAND_ADJ) at
 * lifetime l of the np points p (sorted): the first point's value at or
 * below it, proportional to l beyond the last point, linear in between
 * (between the first two points as well: ssl-mgr's -1 there is fixed).
 * An empty table gives 0.
 */
double	 sslm_renew_lookup(const struct sslm_renew_point *p, size_t np,
	    double l, int col);
/*
 * A table from JSON (sslm-conf's renew_info: [{lifetime, target,
 * rand_adj}, ...]) into p (max points), sorted; an empty array gives the
 * built-in table.  0, or -1 (warned with name).
 */
int	 sslm_renew_table(const json_t *, const char *name,
	    struct sslm_renew_point *p, size_t max, size_t *np);
/*
 * The certificate's own random number in [0, 1): the first 53 bits of
 * the SHA-256 of its DER, over 2^53.  The jitter drawn from it is the
 * same at every run for one certificate, and differs between them.
 */
double	 sslm_renew_unit(X509 *);

/* The decision for one certificate at one time. */
struct sslm_renew {
	time_t	 not_before, not_after, now;
	double	 lifetime;	/* days, (notAfter - notBefore) / 86400 */
	double	 days_left;	/* (notAfter - now) / 86400 */
	double	 target;	/* T(lifetime) */
	double	 rand_adj;	/* R(lifetime) */
	double	 jitter;	/* J: (2 unit - 1) R rounded to 0.1; 0 if R = 0 */
	time_t	 renew_at;	/* notAfter - max(0, T + J) days, to the second */
	int	 due;		/* now >= renew_at - SSLM_RENEW_SLACK */
};
/* Decide for certificate x at now with table p.  0, or -1 (warned). */
int	 sslm_renew_decide(const struct sslm_renew_point *p, size_t np,
	    X509 *x, time_t now, struct sslm_renew *);

/* RFC 3339 date-time (fraction, Z or +hh:mm) as seconds.  0 or -1. */
int	 sslm_rfc3339(const char *, time_t *);

/*
 * ARI (RFC 9773) state of one certificate, kept between runs: whether the
 * server has renewalInfo, its suggested window, the time picked in it
 * once, and when to ask again (Retry-After).  Strings are owned.
 */
struct sslm_ari {
	char	*cert_sha256;	/* SHA-256 of the certificate's DER, hex */
	int	 supported;
	time_t	 start, end, renew_at, next_check;
	char	*explanation_url;	/* NULL when none */
};
void	 sslm_ari_free(struct sslm_ari *);
/* Read a state file.  0, or -1 (warned; *a cleared). */
int	 sslm_ari_state_read(const char *path, struct sslm_ari *);
/*
 * sslm-due's one-line answer in ssl-mgr's words (spec 5.4): "Current
 * cert expires: <date> (<left>) Renew now" or "Renew in N.N days", with
 * the ARI window when ari is not NULL.  A new string, or NULL.
 */
char	*sslm_renew_message(const struct sslm_renew *, const struct sslm_ari *);
/*
 * Should the CA's window for the certificate whose SHA-256 is sha be
 * fetched now (state missing, unreadable, for another certificate, or
 * past its Retry-After)?  1 or 0.
 */
int	 sslm_ari_poll_due(const char *state, const char *sha, time_t now);
/* The state as a new JSON object (the state file's schema). */
json_t	*sslm_ari_json(const struct sslm_ari *);
/*
 * Fill a (cert_sha256 left to the caller) from answer, the JSON of
 * `sslm-acme-order ari`: Retry-After kept within 1 min .. 1 day (6 h
 * when none); the window clipped to not_after; renew_at kept from old
 * when the window did not move, else picked at random inside it.
 * 0, or -1 (warned with name) for an answer that cannot be used.
 */
int	 sslm_ari_update(struct sslm_ari *a, const struct sslm_ari *old,
	    const json_t *answer, const char *name, time_t now,
	    time_t not_after);

/* ---- certcache.c: a certificate file read once per run ------------------- */

struct sslm_certcache;
struct stat;
/* An empty cache, or NULL (warned: out of memory). */
struct sslm_certcache *sslm_certcache_new(void);
/* Every entry and the cache released; NULL does nothing. */
void	 sslm_certcache_free(struct sslm_certcache *);
/*
 * What was kept for the file st describes (same device and inode, size
 * and mtime unchanged): 1 with new references *facts and *x and a new
 * string *sha, which the caller releases; else 0 and all three NULL.  A
 * NULL cache has nothing.
 */
int	 sslm_certcache_get(struct sslm_certcache *, const struct stat *st,
	    json_t **facts, X509 **x, char **sha);
/*
 * Keep facts, x (references taken) and a copy of sha for the file st
 * describes, replacing an older entry of its inode.  0, or -1 when out
 * of memory (nothing kept; the caller's references are its own).
 */
int	 sslm_certcache_put(struct sslm_certcache *, const struct stat *st,
	    json_t *facts, X509 *x, const char *sha);

/* ---- status.c: where a service of the store stands (status) ----------- */

struct sslm_status_opts {
	time_t			 now;
	long long		 roll_mins;	/* min_roll_mins */
	long long		 late_mins;	/* next waits longer: late */
	int			 test;		/* -t: no ARI, the table decides */
	struct sslm_certcache	*cache;		/* NULL: read every file */
};
/*
 * The status object of service svc (an element of groups[].services of
 * sslm-conf's document) of group grp in the store certs: its curr, next
 * and prev sets and its status 0, 1 or 3 (sslm-status(1) lists the
 * members).  dns_srv: the group's [[dns_primary]] server (NULL: none); p
 * and np the renew_info table.  Reads only.  New reference, or NULL
 * (warned: out of memory).
 */
json_t	*sslm_status_service(const struct sslm_status_opts *,
	    const char *certs, const char *grp, const json_t *svc,
	    const char *dns_srv, const struct sslm_renew_point *p, size_t np);
/* A JSON value on one line as jq -c prints it.  0, or -1 (write error). */
int	 sslm_status_print(FILE *, const json_t *);
/* The lines of a status object in ssl-mgr 7.8's layout.  0 or -1. */
int	 sslm_status_text(FILE *, const json_t *, int verbose);
/*
 * A status object on one line, for the log: "grp:svc: status N (word):
 * curr DIR expires DATE: REASON; next none".  0 or -1.
 */
int	 sslm_status_line(FILE *, const json_t *);
/*
 * "grp:svc: curr: <reason>" (or "next: ...", "no curr", "configuration:
 * ...") for a service whose status is not 0, as a new string; NULL when
 * it is fine (or out of memory).
 */
char	*sslm_status_why(const json_t *);
/*
 * The metrics of the status objects of array sv and of the run records
 * in lastrun (certs/.last-run; absent is none) into path, mode 0644,
 * replaced atomically.  0, or -1 (warned, naming path).
 */
int	 sslm_status_prom(const char *path, const json_t *sv,
	    const char *lastrun, time_t now);

/* ---- key.c: private keys (keygen, csrgen, casign, chainbuild, ...) ----- */

#define SSLM_RSA_MIN	2048	/* RSA sizes the suite makes and accepts */
#define SSLM_RSA_MAX	8192
#define SSLM_KEYID_LEN	20	/* SHA-1 key identifier */

/*
 * Canonical name ("secp256r1", "secp384r1", "secp521r1") of a curve given
 * as any of those, prime256v1, P-256, P-384, P-521 (any case), or NULL.
 * Static string.
 */
const char *sslm_curve_canon(const char *);
/*
 * A new key: ktype "ec" (curve as for sslm_curve_canon), "rsa" (bits in
 * SSLM_RSA_MIN..SSLM_RSA_MAX, e = 65537) or "ed25519".  NULL (warned).
 * Free with EVP_PKEY_free.
 */
EVP_PKEY *sslm_key_generate(const char *ktype, const char *curve, int bits);
/*
 * Unencrypted PKCS#8 PEM of a private key in a new NUL-terminated buffer
 * of *len bytes; no other copy is left in memory.  The caller releases
 * it with sslm_freesecret(*pem, *len + 1).  0 or -1 (warned).
 */
int	 sslm_key_pem(EVP_PKEY *, char **pem, size_t *len);
/*
 * The one loader of private key files.  The key of file path ("-" =
 * stdin; read as a secret of at most SSLM_KEY_MAX bytes, wiped after):
 * its first PEM private key block, which must not be encrypted.  With
 * pem set, also a copy of that block, verbatim, in *pem (*pemlen bytes,
 * NUL-terminated; the caller releases it with sslm_freesecret(*pem,
 * *pemlen + 1)).  NULL (warned).  Free the key with EVP_PKEY_free.
 */
EVP_PKEY *sslm_key_load(const char *path, char **pem, size_t *pemlen);
/*
 * A signing key: sslm_key_load, then sslm_key_check, then *md from
 * sslm_sign_md(key, digest, md).  NULL (warned).  The caller frees the
 * key with EVP_PKEY_free and *md with EVP_MD_free.
 */
EVP_PKEY *sslm_key_load_signer(const char *path, const char *digest,
	    EVP_MD **md);
/* "ec", "rsa", "ed25519", or NULL for another type.  Static string. */
const char *sslm_key_type(const EVP_PKEY *);
/*
 * Is the key one the suite uses: RSA of SSLM_RSA_MIN..SSLM_RSA_MAX bits,
 * EC on P-256, P-384 or P-521, Ed25519?  0, or -1 (warned as "what: ...").
 */
int	 sslm_key_check(const EVP_PKEY *, const char *what);
/* 1 when the two keys have the same public key, else 0. */
int	 sslm_key_match(const EVP_PKEY *, const EVP_PKEY *);
/*
 * The key identifier of RFC 5280 4.2.1.2 method 1 (SHA-1 of the
 * subjectPublicKey BIT STRING) into id.  0 or -1 (warned).
 */
int	 sslm_key_id(const EVP_PKEY *, unsigned char id[SSLM_KEYID_LEN]);
/* (end of key.c) */

/* ---- x509.c: CSRs and certificates (csrgen, casign) ------------------- */

#include <openssl/x509v3.h>	/* GENERAL_NAMES */

#define SSLM_SERIAL_LEN	20	/* random serial bytes (top bit clear) */


/*
 * Canonical digest name (sha256, sha384, sha512, sha3_256, sha3_384,
 * sha3_512) of a name in any case, '-' for '_'; NULL if unsupported.
 */
const char *sslm_digest_canon(const char *);
/*
 * The digest key k signs with: *md is NULL for Ed25519 (no digest), else
 * the fetched digest name (see sslm_digest_canon), freed by the caller
 * with EVP_MD_free.  0, or -1 (warned) for an unsupported name.
 */
int	 sslm_sign_md(const EVP_PKEY *k, const char *name, EVP_MD **md);
/*
 * Sign x (a certificate) or, when x is NULL, req with key and md (NULL
 * for Ed25519), then verify the new signature with key: a signature this
 * OpenSSL cannot verify (ECDSA with SHA-3 before OpenSSL 3.2) is refused.
 * 0 or -1 (warned).
 */
int	 sslm_sign(X509 *x, X509_REQ *req, EVP_PKEY *key, const EVP_MD *md);
#define SSLM_EKU_ALL	0x1fU	/* the extendedKeyUsage bits below */
#define SSLM_USAGE_MAX	5	/* the most names of either kind */

/*
 * The keyUsage bits (OpenSSL's KU_*) of a CA (ca set) or leaf certificate
 * for a key of type kt (sslm_key_type: "rsa", "ec", "ed25519"; NULL for
 * none): ssl-mgr's digitalSignature, keyEncipherment, keyAgreement (and
 * keyCertSign, cRLSign for a CA), of which a key gets what its algorithm
 * can do: keyEncipherment for RSA, keyAgreement for EC, neither for
 * Ed25519.
 */
unsigned sslm_ku_default(int ca, const char *kt);
/*
 * The bit of a usage name as OpenSSL's configuration spells it: a keyUsage
 * (eku 0: KU_*) of sslm_ku_default, or (eku 1) one of the extended key
 * usages serverAuth, clientAuth, emailProtection, codeSigning and
 * timeStamping (1, 2, 4, 8, 16).  0 for any other name.
 */
unsigned sslm_usage_bit(int eku, const char *name);
/*
 * The names of bits into out (room for SSLM_USAGE_MAX + 1), in the order
 * above, NULL-terminated; returns their number.
 */
size_t	 sslm_usage_names(int eku, unsigned bits, const char **out);
/*
 * Append to *sk (created when NULL) the basicConstraints (critical CA:TRUE
 * when ca is set, else critical CA:FALSE), keyUsage and extendedKeyUsage
 * of a certificate for key k: sslm_ku_default(ca, type of k) & ku and
 * SSLM_EKU_ALL & eku, both not critical, as ssl-mgr.  0, or -1 (warned)
 * also when either set comes out empty.  The caller frees *sk with
 * sk_X509_EXTENSION_pop_free(*sk, X509_EXTENSION_free).
 */
int	 sslm_ext_profile(STACK_OF(X509_EXTENSION) **sk, int ca,
	    const EVP_PKEY *k, unsigned ku, unsigned eku);
/*
 * The usages a request (its extensions exts) asks for: *ku the keyUsage
 * bits (KU_*), *eku the extended key usage bits of sslm_usage_bit
 * (anyExtendedKeyUsage: all), each ~0 when the request has no such
 * extension.  0, or -1 (warned as "what: ...") for a malformed one.
 */
int	 sslm_req_usages(const STACK_OF(X509_EXTENSION) *exts, unsigned *ku,
	    unsigned *eku, const char *what);
/*
 * Append a subjectAltName entry: an IPv4/IPv6 literal becomes an
 * iPAddress, a DNS name or wildcard a dNSName (lower case).  An entry
 * already present is skipped.  0, or -1 (warned) for anything else.
 */
int	 sslm_san_push(GENERAL_NAMES *, const char *name);
/*
 * Check that every entry is a well-formed dNSName (wildcards allowed) or
 * iPAddress.  0, or -1 (warned as "what: ...").
 */
int	 sslm_san_check(const GENERAL_NAMES *, const char *what);
/* Set serial to SSLM_SERIAL_LEN random bytes, top bit clear, not zero. */
int	 sslm_random_serial(ASN1_INTEGER *serial);
/* (end of x509.c) */

/* ---- chain.c: chain ordering and checks (chainbuild, verify) ----------- */

#define SSLM_CHAIN_MAX		100	/* certificates in a chain input */
#define SSLM_CHAIN_COMPLETE	0x01	/* a missing issuer is an error */
#define SSLM_CHAIN_NOROOT	0x02	/* drop a self-signed top */

/*
 * Every certificate of the files paths[0..npaths-1] ("-" = stdin), in
 * order (possibly none); each file is bounded by SSLM_PEM_MAX, and all
 * together hold at most max certificates.  NULL on error (warned).
 * Free with sk_X509_pop_free(sk, X509_free).
 */
STACK_OF(X509) *sslm_chain_read(char *const *paths, int npaths, int max);
/* 1 when the certificate's public key is key (sslm_key_match), else 0. */
int	 sslm_chain_keymatch(X509 *, EVP_PKEY *key);
/*
 * Did parent issue child?  1: the issuer name is parent's subject, the
 * key identifiers agree (an AKI equal to the child's own SKI, as ssl-mgr
 * writes, is ignored) and the signature verifies with parent's key;
 * 2: names and identifiers agree but the signature does not verify;
 * 0: parent is not child's issuer.  (child == parent: self-signed.)
 */
int	 sslm_chain_issued(X509 *child, X509 *parent);
/*
 * Order the certificates of in from the leaf up: the leaf is the one
 * that issued no other (and holds key, when key is not NULL); each next
 * one issued the previous (sslm_chain_issued); among alternates a path
 * to a self-signed top wins, then the shortest, then input order.
 * Duplicates and certificates off the path are dropped with a note on
 * stderr.  flags: SSLM_CHAIN_*.  Returns a new stack (its own
 * references; free with sk_X509_pop_free(sk, X509_free)) or NULL with
 * the reason warned (two leaves, no leaf for the key, a bad signature,
 * a loop, a missing issuer with SSLM_CHAIN_COMPLETE).
 */
STACK_OF(X509) *sslm_chain_order(STACK_OF(X509) *in, EVP_PKEY *key,
	    int flags);
/* (end of chain.c) */

/* ---- info.c: facts about PEM objects (info) ----------------------------- */
/*
 * Facts about PEM objects as JSON objects (schema in sslm-info(1)); a
 * private key only ever yields its public half.  Every json_t returned is
 * a new reference the caller json_decref()s; NULL on failure.
 */
/* Facts of one block of any label; NULL (warned "name:line: ...") if bad. */
json_t	*sslm_info_block(const struct sslm_pem *, const char *name,
	    time_t now);
/* {"type": "certificate", subject, ..., is_ca}; seconds_left from now. */
json_t	*sslm_info_cert(X509 *, time_t now);
/* {"type": "csr", subject, sans, key, sig_alg, spki_sha256, signature_ok}. */
json_t	*sslm_info_csr(X509_REQ *);
/* {"type": "private_key" or "public_key", key, spki_sha256}. */
json_t	*sslm_info_key(EVP_PKEY *, int private);
/* {"type": "ec"|"rsa"|"ed25519"|..., "bits": N, "curve": "P-256" (EC)}. */
json_t	*sslm_info_keydesc(const EVP_PKEY *);
/* RFC 4514 string of a name (XN_FLAG_RFC2253); caller frees.  NULL: ENOMEM. */
char	*sslm_info_name(const X509_NAME *);
/* "%4dd HH:MM:SS" of |secs| into buf (at least 32 bytes). */
void	 sslm_info_duration(long long secs, char *buf, size_t len);
/* The 70-dash rule, the file label and an empty line.  0 or -1. */
int	 sslm_info_header(FILE *, const char *name);
/*
 * The ssl-mgr summary lines (Expires, Issued, Issuer, Subject, Sans,
 * Pubkey, Sig algo, Key algo, ...) of facts from sslm_info_*; now is
 * the reference time.  0, or -1 on a write error.
 */
int	 sslm_info_text(FILE *, const json_t *facts, time_t now);
/*
 * Openssl-style full text of a block (X509_print_ex, X509_REQ_print_ex,
 * EVP_PKEY_print_public, EVP_PKEY_print_params).  0, or -1 (warned).
 */
int	 sslm_info_verbose(FILE *, const struct sslm_pem *, const char *name);
/* (end of info.c) */

/* ---- tlsa.c and dh.c: DANE records, DH parameters (tlsagen, dhparm) ---- */

/* Which owner names an item gets besides _port._proto.<apex>. */
enum { SSLM_TLSA_AUTO, SSLM_TLSA_MX, SSLM_TLSA_SANS };

/* One dane_tls item, checked: usage 2|3, selector 0|1, match 0..2. */
struct sslm_tlsa_item {
	int	port;		/* 1..65535 */
	char	proto[8];	/* "tcp", "udp" or "sctp" */
	int	usage;
	int	selector;
	int	match;
	int	subtype;	/* SSLM_TLSA_AUTO, _MX or _SANS */
};

/*
 * Parse "PORT/PROTO/USAGE/SELECTOR/MATCH[/SUBTYPE]"; usage, selector and
 * matching type may be numbers or RFC 7218 acronyms (DANE-EE, SPKI,
 * SHA2-256), subtype MX or SANS in any case.  0, or -1 with the reason
 * in err (nothing printed).
 */
int	 sslm_tlsa_parse(const char *, struct sslm_tlsa_item *, char *err,
	    size_t errlen);
/* The same from one object of sslm-conf's "dane_tls" array. */
int	 sslm_tlsa_from_json(const json_t *, struct sslm_tlsa_item *,
	    char *err, size_t errlen);
/* 1 when the item's extra owners are the MX hosts (subtype MX, or no
 * subtype and port 25), 0 when they are the SANs. */
int	 sslm_tlsa_use_mx(const struct sslm_tlsa_item *);
/*
 * Certificate association data as lower-case hex, a new string (free).
 * selector 0 needs cert (its DER); selector 1 uses key when not NULL,
 * else the certificate's public key.  NULL on error (warned).
 */
char	*sslm_tlsa_data(X509 *cert, EVP_PKEY *key, int selector, int match);
/*
 * One record in zone-file form, "<owner>[ <ttl>] IN TLSA u s m hex\n"
 * (no TTL when ttl <= 0); data of 72 hex digits or more is written in
 * the parenthesised multi-line form unless oneline.  New string (free);
 * NULL when out of memory (warned).
 */
char	*sslm_tlsa_rr(const char *owner, long ttl,
	    const struct sslm_tlsa_item *, const char *hex, int oneline);

/* Bits of an RFC 7919 group name ("ffdhe2048".."ffdhe8192", any case);
 * 0 when it is not one. */
int	 sslm_dh_group_bits(const char *name);
/* Parameters of an RFC 7919 group; NULL (warned).  EVP_PKEY_free it. */
EVP_PKEY *sslm_dh_named(const char *name);
/* Fresh safe-prime parameters, generator 2, bits 512..16384 (slow).
 * NULL (warned).  EVP_PKEY_free it. */
EVP_PKEY *sslm_dh_generate(int bits);
/* The same, calling fn(arg) now and then while it works (progress). */
EVP_PKEY *sslm_dh_generate_tick(int bits, void (*fn)(void *), void *arg);
/* PKCS#3 PEM ("DH PARAMETERS") of pk, a new NUL-terminated string of
 * *lenp bytes (free); NULL (warned). */
char	*sslm_dh_pem(EVP_PKEY *pk, size_t *lenp);
/* (end of tlsa.c and dh.c) */

/* ---- dns.c: DNS queries with ldns, UDP and TCP (nscheck, MX lookups) -- */

#include <sys/socket.h>

struct ldns_struct_pkt;
struct ldns_struct_rdf;
struct ldns_struct_rr;
struct ldns_struct_rr_list;

#define SSLM_DNS_MAXQ	256	/* queries in flight in one sslm_dns_run */
#define SSLM_DNS_EDNS	1232	/* EDNS UDP size announced */

/* One server address: an IP literal and a port. */
struct sslm_dns_srv {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 addr[64];	/* canonical text */
	int			 port;
};

/*
 * Parse "ADDR", "ADDR:PORT" (IPv4), "[ADDR]:PORT" or a bare IPv6 ADDR;
 * no port means defport.  Host names are refused (no lookups here).
 * 0, or -1 with the reason in err (nothing printed).
 */
int	 sslm_dns_server(const char *spec, int defport, struct sslm_dns_srv *,
	    char *err, size_t errlen);
/* The same from raw A (af AF_INET, 4 bytes) or AAAA (16 bytes) data. */
void	 sslm_dns_server_raw(struct sslm_dns_srv *, int af, const void *raw,
	    int port);
/* "ADDR" when port is 53, else "ADDR port N", into buf.  Returns buf. */
const char *sslm_dns_server_str(const struct sslm_dns_srv *, char *buf,
	    size_t len);
/*
 * The owner name of a record: leading labels may be underscore labels
 * ("_25", "_tcp", "_acme-challenge"), the rest must satisfy
 * sslm_valid_hostname without wildcard.  1 or 0.
 */
int	 sslm_dns_valid_owner(const char *);
/*
 * A domain name rdf as lower-case text without the final dot, into buf
 * (len bytes); 0, or -1 when it does not fit or is not a valid owner
 * name (sslm_dns_valid_owner).
 */
int	 sslm_dns_dname(const struct ldns_struct_rdf *, char *buf, size_t len);
/*
 * RFC 1982 serial comparison: 1 when a is b or newer, 0 when older or
 * undefined (exactly 2^31 apart).
 */
int	 sslm_dns_serial_ge(uint32_t a, uint32_t b);

/*
 * One query.  The caller sets srv, qname, qtype (LDNS_RR_TYPE_*) and rd;
 * sslm_dns_run fills in ans (the answer, freed by the caller with
 * ldns_pkt_free) or err (a short reason: "timeout", "timeout, only
 * malformed or mismatched answers", "connection refused", "rcode
 * REFUSED", ...).  tcp is set when the answer came over TCP.  dnssec
 * asks for DNSSEC (the DO and AD bits): a validating resolver then sets
 * AD in an answer it validated.  The other fields are private.
 */
struct sslm_dnsq {
	const struct sslm_dns_srv *srv;
	const char		*qname;
	int			 qtype;
	int			 rd;
	int			 dnssec;
	struct ldns_struct_pkt	*ans;
	int			 tcp;
	char			 err[96];
	/* private */
	int			 fd;
	int			 state;
	uint16_t		 id;
	unsigned char		*wire;
	size_t			 wlen;
	unsigned char		*buf;
	size_t			 off;
	size_t			 need;
	long long		 deadline;
	long long		 resend;
	int			 ignored;	/* UDP answers that did not do */
};

/*
 * Run queries q[0..n-1] in parallel: UDP first (resent twice within the
 * timeout), TCP when an answer is truncated (with a fresh timeout).  An
 * answer is taken only when it matches the query (id, QR, question);
 * an rcode other than NOERROR and NXDOMAIN is an error.  Answers are
 * bounded by the 65535 bytes of a DNS message.  n may exceed
 * SSLM_DNS_MAXQ (done in batches).  Returns 0 when every query has ans
 * or err, -1 (warned) on a local failure such as out of memory.
 */
int	 sslm_dns_run(struct sslm_dnsq *q, size_t n, int timeout_ms);
/*
 * The RRs of list whose owner is name and type type, one at a time:
 * start with *i = 0; NULL when there are no more.
 */
struct ldns_struct_rr *sslm_dns_next(const struct ldns_struct_rr_list *,
	    const struct ldns_struct_rdf *name, int type, size_t *i);
/*
 * The serial of the SOA record owned by apex in p's answer section into
 * *serial.  0, or -1 when there is none (or it is malformed).
 */
int	 sslm_dns_soa_serial(const struct ldns_struct_pkt *p,
	    const struct ldns_struct_rdf *apex, uint32_t *serial);
/*
 * Append to out[0..max-1] (*n used so far) the addresses of the A and
 * AAAA records owned by name in list l, with port; family 0 takes both,
 * AF_INET or AF_INET6 one.  Addresses already in out are skipped.
 */
void	 sslm_dns_addrs(const struct ldns_struct_rr_list *l,
	    const struct ldns_struct_rdf *name, int port, int family,
	    struct sslm_dns_srv *out, size_t max, size_t *n);
/*
 * The same through the system resolver (getaddrinfo), for callers that
 * allow it: at most max addresses into out, *n set.  0, or -1 (warned)
 * when the name has no address.
 */
int	 sslm_dns_sysresolve(const char *host, int port, int family,
	    struct sslm_dns_srv *out, size_t max, size_t *n);
/* Lower-case copy of a name without one final dot.  0, or -1: too long. */
int	 sslm_dns_name_norm(char *dst, size_t len, const char *src);
/* 1 when name is apex or under it (any case), else 0. */
int	 sslm_dns_in_zone(const char *name, const char *apex);
/*
 * A TLSA record's data "usage selector mtype hex" in normal form: the
 * numbers in decimal (0..255), the hex in lower case without blanks,
 * from the presentation form (blanks inside the hex allowed).  New
 * string (free), or NULL when malformed or out of memory.
 */
char	*sslm_dns_tlsa_norm(const char *);
/*
 * The value of a TXT record (its character-strings joined, *len bytes,
 * any byte possible, NUL-terminated) or of a TLSA record (the normal
 * form above).  New string (free), or NULL for another type, malformed
 * rdata or out of memory.
 */
char	*sslm_dns_rr_value(const struct ldns_struct_rr *, size_t *len);
/* len bytes as printable ASCII, others as \DDD.  New string (free). */
char	*sslm_dns_printable(const char *, size_t len);

/* RFC 2136 updates (sslm-dnsupdate). */

/*
 * Send the DNS message msg (len bytes) to s over TCP and read one
 * answer, all within timeout_ms.  0 with *ans (malloc'd, the caller
 * frees) of *anslen bytes, or -1 with a short reason in err ("timeout",
 * "connection refused", "connection closed", ...); nothing printed.
 */
int	 sslm_dns_tcp_exchange(const struct sslm_dns_srv *s,
	    const unsigned char *msg, size_t len, int timeout_ms,
	    unsigned char **ans, size_t *anslen, char *err, size_t errlen);
/* (end of dns.c) */

/* ---- dns_ns.c: the servers of a zone, from its primary (nscheck) ------ */

/* An NS name of a zone and one of its addresses. */
struct sslm_dns_ns {
	char			 name[256];	/* lower case, no final dot */
	struct sslm_dns_srv	 a;
};
/* How sslm_dns_zone_servers asks and finds addresses. */
struct sslm_dns_nsopts {
	int			 timeout_ms;	/* of each query round */
	int			 port;		/* of the servers found */
	int			 family;	/* 0, AF_INET or AF_INET6 */
	int			 sysres;	/* getaddrinfo as a last resort */
	char *const		*ovr_name;	/* novr names whose addresses */
	const struct sslm_dns_srv *ovr;		/* are these (--ns-addr) */
	size_t			 novr;
};
/*
 * Ask primary (recursion desired) for the SOA serial of apex (apex_rdf
 * its name as an rdf) into *serial, its NS names (at most 32, each a
 * valid host name) and the addresses of each: the overrides of o for
 * a name they list, else glue and A/AAAA answers of the primary, else
 * (o->sysres only) the system resolver; at most 16 a name, of
 * o->family.  *out: *n entries in that order, free() it.  0, or -1
 * (warned; *out NULL) when a query fails or a name has no address.
 */
int	 sslm_dns_zone_servers(const struct sslm_dns_srv *primary,
	    const char *apex, const struct ldns_struct_rdf *apex_rdf,
	    const struct sslm_dns_nsopts *o, uint32_t *serial,
	    struct sslm_dns_ns **out, size_t *n);
/* (end of dns_ns.c) */

/* ---- nscheck.c: what a zone's servers serve, round by round (nscheck) - */

/* One server of a zone: an NS address, or an xtra_ns resolver. */
struct sslm_nscheck_srv {
	char			 name[256];	/* NS name, or xtra_ns entry */
	struct sslm_dns_srv	 a;
	int			 xtra;		/* recursion desired, no aa */
	int			 done;		/* converged */
	long long		 conv_ms;	/* -1 until converged */
	int			 has_serial;	/* of the last round: */
	uint32_t		 serial;
	int			 records_ok;
	json_t			*missing;	/* [{name, type, value}] */
	json_t			*unexpected;	/* the same */
	char			 err[400];	/* "" or the first failure */
	uint64_t		 print;		/* of the last round's answers */
};
struct sslm_nscheck_want;
/* One document: a zone, its primary, the records and the servers. */
struct sslm_nscheck_zone {
	char			 apex[256];
	struct ldns_struct_rdf	*apex_rdf;
	struct sslm_dns_srv	 primary;
	uint32_t		 serial;	/* the primary's */
	struct sslm_nscheck_want *w;		/* present and absent */
	size_t			 nw;
	struct sslm_nscheck_srv	*s;
	size_t			 ns;
	long long		 elapsed;	/* ms; -1 while pending */
};
/*
 * The documents of in (an object, or an array of 1 to 64) checked and
 * read into *nz zones, with the xtra_ns servers (o->sysres and
 * o->family for host names); file names the input in messages.  The
 * zones, freed with sslm_nscheck_free, or NULL (warned: the JSON path
 * and why).
 */
struct sslm_nscheck_zone *sslm_nscheck_load(const json_t *in,
	    const char *file, const struct sslm_dns_nsopts *o, size_t *nz);
/*
 * The primary's serial and the NS servers of z (sslm_dns_zone_servers
 * with o) added to z.  0, or -1 (warned).
 */
int	 sslm_nscheck_discover(struct sslm_nscheck_zone *,
	    const struct sslm_dns_nsopts *o);
/*
 * One round: every server not yet done is asked the apex's SOA and
 * every record, all in parallel (timeout_ms); the answers set each
 * server's fields, done and conv_ms (ms since t0) when it serves the
 * serial or newer and the records as wanted, and a zone's elapsed when
 * all its servers are done.  *changed is 1 when a server asked answered
 * otherwise than in its previous round (its serial, a failure, the
 * records it lacks or should not serve; a server's first round counts),
 * else 0.  The servers still pending, or -1 (warned).
 */
long	 sslm_nscheck_round(struct sslm_nscheck_zone *zs, size_t nz,
	    int timeout_ms, long long t0, int *changed);
/*
 * The report of one zone (sslm-nscheck(1), OUTPUT); now is its
 * elapsed_ms while it has not converged.  NULL when out of memory.
 */
json_t	*sslm_nscheck_json(const struct sslm_nscheck_zone *, long long now);
/* Free nz zones and the array (NULL is fine). */
void	 sslm_nscheck_free(struct sslm_nscheck_zone *zs, size_t nz);
/* (end of nscheck.c) */

/* ---- tsig.c: RFC 8945 TSIG keys, signing, verifying (dnsupdate) ------- */

#define SSLM_TSIG_KEY_MAX	128	/* bytes of a TSIG secret */
#define SSLM_TSIG_MAC_MAX	64	/* bytes of a MAC (HMAC-SHA512) */

/* A TSIG key.  Holds the secret: wipe it with sslm_tsig_clear. */
struct sslm_tsig {
	char		 name[256];	/* lower case, no final dot */
	char		 alg[16];	/* "hmac-sha256" or "hmac-sha512" */
	unsigned char	 secret[SSLM_TSIG_KEY_MAX];
	size_t		 secretlen;
};

/*
 * Load a TSIG key from path: a regular file (not a symbolic link) owned
 * by the effective uid, mode 0600 or stricter, refused otherwise.  Its
 * content: "name algorithm base64-secret" on one line, or a BIND
 * key "name" { algorithm A; secret "S"; }; clause, or a Knot
 * key: - id: / algorithm: / secret: section; exactly one key; #
 * comments.  0, or -1 (warned; the secret never appears in a message).
 * Every buffer that held the secret is wiped.
 */
int	 sslm_tsig_load(const char *path, struct sslm_tsig *);
/* Wipe the whole key structure. */
void	 sslm_tsig_clear(struct sslm_tsig *);
/*
 * Sign the message in *wire (*len bytes, malloc'd; it is realloc'ed)
 * with t at time now: append a TSIG RR (fudge 300 s) and count it in
 * ARCOUNT.  The request MAC goes to mac (SSLM_TSIG_MAC_MAX bytes),
 * *maclen bytes, for sslm_tsig_verify.  0, or -1 (warned).
 */
int	 sslm_tsig_sign(const struct sslm_tsig *t, unsigned char **wire,
	    size_t *len, time_t now, unsigned char *mac, size_t *maclen);
/*
 * Verify the TSIG of the answer m (len bytes) to a request signed with
 * MAC reqmac, at time now: the last RR must be a TSIG of t's name and
 * algorithm, its MAC right and its time within its fudge.  1 verified;
 * 0 not, with the reason in err and the TSIG error field in *tsigerr
 * (16 BADSIG, 17 BADKEY, 18 BADTIME, ...; 0 when none); -1 local
 * failure (err set).  Nothing printed.
 */
int	 sslm_tsig_verify(const struct sslm_tsig *t,
	    const unsigned char *reqmac, size_t reqmaclen,
	    const unsigned char *m, size_t len, time_t now, int *tsigerr,
	    char *err, size_t errlen);
/* The name of TSIG error e ("BADSIG", ...; else the number) in buf. */
const char *sslm_tsig_error_name(int e, char *buf, size_t len);
/* (end of tsig.c) */

/* ---- acme.c: the RFC 8555 client (acme-order, acme-account, acme-revoke) */

#include <openssl/x509.h>

#define SSLM_ACME_BODY_MAX	(1024 * 1024)	/* bound on a JSON answer */
#define SSLM_ACME_CERT_MAX	(256 * 1024)	/* bound on a certificate chain */
#define SSLM_ACME_NONCE_TRIES	30	/* attempts after badNonce */
#define SSLM_ACME_LINKS_MAX	8	/* alternate links kept per answer */
#define SSLM_ACME_DEADLINE	300	/* default overall seconds */
#define SSLM_ACME_TIMEOUT	120	/* sslm-mgr's deadline of one call */
#define SSLM_ACME_PARALLEL	4	/* requests in flight to one server */
#define SSLM_ACME_PARALLEL_MAX	64

/* flags of sslm_acme_post and sslm_acme_get */
#define SSLM_ACME_JWK	0x01	/* sign with "jwk" (no account URL yet) */
#define SSLM_ACME_CERT	0x02	/* PEM answer: SSLM_ACME_CERT_MAX, no JSON */
#define SSLM_ACME_QUIET	0x04	/* do not report an error answer */
#define SSLM_ACME_HEAD	0x08	/* sslm_acme_get: HEAD */

/* One answer.  Free the members with sslm_acme_resp_free. */
struct sslm_acme_resp {
	long	 status;	/* HTTP status */
	char	*body;		/* NUL-terminated, len bytes */
	size_t	 len;
	json_t	*json;		/* the body as an object (JSON answers) */
	char	*location;	/* Location header or NULL */
	char	*ctype;		/* Content-Type or NULL */
	long	 retry_after;	/* seconds, -1 when absent */
	char	*links[SSLM_ACME_LINKS_MAX];	/* rel="alternate" URLs */
	size_t	 nlinks;
};

struct sslm_acme;

/*
 * A client for the directory dirurl (https only; every URL the server
 * gives must have the same scheme, host and port), trusting the PEM
 * bundle cafile (NULL: the system store), with one deadline seconds from
 * now for everything; verbose prints each request and, at
 * sslm_acme_free, the count on stderr.  NULL (warned).
 */
struct sslm_acme *sslm_acme_new(const char *dirurl, const char *cafile,
	    int seconds, int verbose);
void	 sslm_acme_free(struct sslm_acme *);
/* Requests made so far. */
int	 sslm_acme_requests(const struct sslm_acme *);
/* The directory URL (owned by the client). */
const char *sslm_acme_dirurl(const struct sslm_acme *);
/* Fetch and check the directory once.  0 or -1 (warned). */
int	 sslm_acme_directory(struct sslm_acme *);
/* A resource URL / a meta member of the directory, or NULL (borrowed). */
const char *sslm_acme_dir_url(const struct sslm_acme *, const char *name);
const json_t *sslm_acme_dir_meta(const struct sslm_acme *, const char *name);
/* The signing key (borrowed: the caller frees it after the client). */
void	 sslm_acme_set_key(struct sslm_acme *, EVP_PKEY *);
/* The account URL (copied; checked); NULL clears it.  0 or -1 (warned). */
int	 sslm_acme_set_kid(struct sslm_acme *, const char *);
const char *sslm_acme_kid(const struct sslm_acme *);
/* A nonce to start with (e.g. kept in an order file).  0, or -1 if bad. */
int	 sslm_acme_set_nonce(struct sslm_acme *, const char *);
/* The unused nonce of the last answer, or NULL (borrowed). */
const char *sslm_acme_nonce(const struct sslm_acme *);
/* The unused nonce, taken away from the client (the caller frees it);
 * NULL: none. */
char	*sslm_acme_take_nonce(struct sslm_acme *);

/*
 * A pool: what the clients of one directory share in a process whose
 * threads each run one client (sslm-acme-order batch).  The directory is
 * fetched once (by the first client that needs it; when it fails the
 * others fail with the same message and do not ask); a client takes an
 * unused nonce of the pool before it asks newNonce and leaves its own
 * there when freed; at most max requests of its clients are in flight at
 * once (a client waits for a slot until its deadline).
 * sslm_acme_pool_new: NULL (warned).  Free the clients first.
 */
struct sslm_acme_pool;
struct sslm_acme_pool *sslm_acme_pool_new(const char *dirurl,
	    const char *cafile, int max);
void	 sslm_acme_pool_free(struct sslm_acme_pool *);
/* 1 when the pool is the one of dirurl and cafile (NULL: none). */
int	 sslm_acme_pool_is(const struct sslm_acme_pool *, const char *dirurl,
	    const char *cafile);
/* Keep nonce (copied) in the pool; -1 if it is not a nonce. */
int	 sslm_acme_pool_nonce(struct sslm_acme_pool *, const char *nonce);
/* The most requests that were in flight at once; the directory URL. */
int	 sslm_acme_pool_peak(const struct sslm_acme_pool *);
const char *sslm_acme_pool_url(const struct sslm_acme_pool *);
/* libcurl's global state, on (1: -1 when it fails, warned) or off (0),
 * in the main thread before the threads of clients start and after they
 * end. */
int	 sslm_acme_global(int on);
/* The client uses the pool from now on (before its first request). */
void	 sslm_acme_set_pool(struct sslm_acme *, struct sslm_acme_pool *);
/* 0 when url is https on the directory's host and port; else -1 (warned
 * as "what: url: ..."). */
int	 sslm_acme_url_ok(const struct sslm_acme *, const char *url,
	    const char *what);
/*
 * Signed POST of payload (NULL: POST-as-GET) to url, with nonce handling
 * (badNonce retried SSLM_ACME_NONCE_TRIES times), retries of connection
 * errors, 5xx and 429 with backoff or Retry-After, and the deadline.
 * 0 for a 2xx answer in *r (a non-empty body parsed into r->json unless
 * SSLM_ACME_CERT); -1 otherwise, the problem document reported as one
 * line per problem unless SSLM_ACME_QUIET (r then holds the answer).
 * The caller initialises *r with memset 0 and frees it with
 * sslm_acme_resp_free, also after -1.
 */
int	 sslm_acme_post(struct sslm_acme *, const char *url,
	    const json_t *payload, int flags, struct sslm_acme_resp *r);
/* Unsigned GET (or HEAD with SSLM_ACME_HEAD) with the same retries; 0
 * for 2xx (JSON parsed unless HEAD), else -1 (reported).  As above. */
int	 sslm_acme_get(struct sslm_acme *, const char *url, int flags,
	    struct sslm_acme_resp *r);
void	 sslm_acme_resp_free(struct sslm_acme_resp *);
/* Sleep ms within the deadline; -1 (warned "what: deadline ...") if the
 * deadline would pass. */
int	 sslm_acme_sleep(struct sslm_acme *, long long ms, const char *what);
/*
 * A polling loop (an order's authorizations, an order being processed):
 * sslm_acme_poll_init, then sslm_acme_poll_wait before each poll.  The
 * pause is the Retry-After of r (the last answer, or NULL) kept within
 * 1..60 s, else 1 s doubling up to 10 s; after SSLM_ACME_POLLS pauses it
 * fails ("url: still state after N polls").  0, or -1 (warned, also as
 * sslm_acme_sleep).
 */
#define SSLM_ACME_POLLS	10	/* polls of one loop */
struct sslm_acme_poll {
	long long	 backoff;	/* ms, the pause without Retry-After */
	int		 n;		/* pauses so far */
};
void	 sslm_acme_poll_init(struct sslm_acme_poll *);
/* A new state to wait for: the pauses start again from 1 s, the count of
 * polls goes on (one budget an order). */
void	 sslm_acme_poll_again(struct sslm_acme_poll *);
int	 sslm_acme_poll_wait(struct sslm_acme *, const struct sslm_acme_resp *r,
	    struct sslm_acme_poll *, const char *url, const char *state);
/*
 * Report a problem document (RFC 7807) as "where: [prefix: ]type:
 * detail" and one "where: identifier: type: detail" line per subproblem.
 */
void	 sslm_acme_problem(const char *where, const char *prefix,
	    const json_t *problem);
/* A string member (no control characters, at most 2048 bytes), or NULL
 * (warned "where: field key ..."); borrowed. */
const char *sslm_acme_jstr(const json_t *o, const char *key,
	    const char *where);
/* The same, and a URL of the server (sslm_acme_url_ok). */
const char *sslm_acme_jurl(const struct sslm_acme *, const json_t *o,
	    const char *key, const char *where);

/*
 * The options every ACME tool takes: -A/--account, -D/--directory,
 * --ca-file (short 'C'), -v/--verbose, -w/--deadline.
 * SSLM_ACME_CLI_SHORT goes into the getopt string and
 * SSLM_ACME_CLI_LONG into the struct option array (getopt.h).
 */
struct sslm_acme_cli {
	const char	*dir;		/* -A */
	const char	*url;		/* -D */
	const char	*cafile;	/* --ca-file */
	int		 seconds;	/* -w, default SSLM_ACME_DEADLINE */
	int		 verbose;	/* -v */
};
#define SSLM_ACME_CLI_SHORT	"A:C:D:vw:"
#define SSLM_ACME_CLI_LONG						\
	{ "account",	required_argument,	NULL,	'A' },		\
	{ "directory",	required_argument,	NULL,	'D' },		\
	{ "ca-file",	required_argument,	NULL,	'C' },		\
	{ "verbose",	no_argument,		NULL,	'v' },		\
	{ "deadline",	required_argument,	NULL,	'w' }
void	 sslm_acme_cli_init(struct sslm_acme_cli *);
/* Take option ch: 1 when it is one of these, 0 when not, -1 for a bad
 * value (a deadline not in 1..86400 seconds). */
int	 sslm_acme_cli_opt(struct sslm_acme_cli *, int ch, const char *arg);
/* sslm_acme_new with these options.  NULL (warned). */
struct sslm_acme *sslm_acme_cli_new(const struct sslm_acme_cli *);
/* (end of acme.c) */

/* ---- jws.c: base64url, JWK, JWS (acme.c, acme-account, -order, -revoke) - */
/* base64url without padding of n bytes, new string; NULL: no memory. */
char	*sslm_b64url(const unsigned char *, size_t n);
/* 1 when s is one or more base64url characters (no padding), else 0. */
int	 sslm_b64url_valid(const char *s);
/* Decode base64url (no padding); new buffer of *lenp bytes (caller
 * frees, wipes if secret); NULL if malformed. */
unsigned char *sslm_b64url_decode(const char *, size_t slen,
	    size_t *lenp);
/* "ES256", "ES384", "ES512", "RS256" for a key that can sign, or NULL. */
const char *sslm_acme_alg(const EVP_PKEY *);
/* The public JWK (RFC 7517) of a key, new reference; NULL (warned). */
json_t	*sslm_acme_jwk(const EVP_PKEY *);
/* The RFC 7638 thumbprint (SHA-256, base64url), new string, or NULL. */
char	*sslm_acme_thumbprint(const EVP_PKEY *);
/* token "." thumbprint, new string, or NULL. */
char	*sslm_acme_keyauth(const EVP_PKEY *, const char *token);
/* base64url(SHA-256(keyauth)), the dns-01 TXT value; new string or NULL. */
char	*sslm_acme_txt_value(const char *keyauth);
/*
 * A flattened JWS {protected, payload, signature}: prot (the caller's
 * object; "alg" is set in it) and payload text, signed with k, or with
 * HS256 and the hkeylen bytes of hkey when k is NULL.  New reference;
 * NULL (warned).
 */
json_t	*sslm_acme_jws(EVP_PKEY *k, const unsigned char *hkey,
	    size_t hkeylen, json_t *prot, const char *payload);

/* (end of jws.c) */

/* ---- acme_account.c: the account directory (acme-account, -order, -revoke) */
/*
 * The account directory: dir/account.key and dir/account.json
 * {"directory", "url", "contact", "status"}.
 * sslm_acme_key_load: the key in dir/name (quiet_enoent: NULL without a
 * message when the file does not exist), checked to be able to sign.
 * sslm_acme_key_create: a new P-256 (rsa: RSA 2048) key written O_EXCL
 * 0600 to dir/name (dir made 0700 when missing).  Both NULL (warned);
 * EVP_PKEY_free the key.
 */
EVP_PKEY *sslm_acme_key_load(const char *dir, const char *name,
	    int quiet_enoent);
EVP_PKEY *sslm_acme_key_create(const char *dir, const char *name, int rsa);
/* dir/account.json, new reference; NULL (warned; quietly when absent
 * and quiet_enoent). */
json_t	*sslm_acme_acct_read(const char *dir, int quiet_enoent);
/* Replace dir/account.json atomically.  0 or -1 (warned). */
int	 sslm_acme_acct_write(const char *dir, const json_t *acct);
/*
 * Load the account of dir for client a (its directory must be a's):
 * key into *key (freed by the caller after a) and the account URL.
 * 0 or -1 (warned).
 */
int	 sslm_acme_login(struct sslm_acme *a, const char *dir, EVP_PKEY **key);
/* (end of acme_account.c) */

/* ---- acme_order.c: what an order names (acme-order, acme-revoke) ------- */
/*
 * The identifiers of a CSR: its DNS and IP subject alternative names and
 * its common name, lower case, without duplicates, as an array of
 * {"type": "dns"|"ip", "value"}.  New reference; NULL (warned "what: ").
 */
json_t	*sslm_acme_csr_idents(X509_REQ *, const char *what);
/*
 * Which of the asked identifiers (an array of sslm_acme_csr_idents) a
 * server's {type, value} is: the same type and the value equal ignoring
 * case (an IP address compared by its bytes).  wild is -1 for an
 * identifier of an order (a wildcard name as it was asked), 0 or 1 for
 * that of an authorization and its "wildcard" field: with wild 1,
 * "*." + value was asked, with wild 0 value itself, never a wildcard
 * (RFC 8555 7.1.4).  The index in asked, or -1.
 */
int	 sslm_acme_ident_index(const json_t *asked, const char *type,
	    const char *value, int wild);
/*
 * The identifiers of a server's order (got) are exactly the asked ones,
 * each once and nothing else.  0, or -1 (warned "where: ...").
 */
int	 sslm_acme_idents_same(const json_t *asked, const json_t *got,
	    const char *where);
/* The RFC 9773 certificate identifier, new string; NULL (warned). */
char	*sslm_acme_cert_id(X509 *, const char *what);
/* (end of acme_order.c) */

/* ---- probe.c: what a TLS server presents (probe) ----------------------- */

#include <openssl/ssl.h>

/* The plaintext dialogue before TLS. */
enum { SSLM_STARTTLS_NONE, SSLM_STARTTLS_SMTP, SSLM_STARTTLS_IMAP,
	SSLM_STARTTLS_POP3 };
/* "none", "smtp", "imap", "pop3" to SSLM_STARTTLS_*, or -1; and back. */
int	 sslm_starttls_proto(const char *);
const char *sslm_starttls_name(int proto);
/* The dialogue a port implies: smtp 25 and 587, imap 143, pop3 110, else
 * none (implicit TLS: 443, 465, 993, 995, ...). */
int	 sslm_starttls_default(int port);
/*
 * May a TLSA record of these parameters authenticate a server?  0 for
 * parameters outside RFC 6698's usages 0..3, selectors 0..1 and matching
 * types 0..2, and, with smtp (RFC 7672 3.1.3), for usages 0 and 1.
 * 1 or 0.
 */
int	 sslm_tlsa_usable(int usage, int selector, int mtype, int smtp);

/* One TLSA record. */
struct sslm_tlsa_rr {
	int		 usage, selector, mtype;
	unsigned char	*data;
	size_t		 len;
};
/* The TLSA RRset of a name, as a validating resolver answered it. */
enum { SSLM_TLSA_NONE, SSLM_TLSA_INSECURE, SSLM_TLSA_SECURE,
	SSLM_TLSA_BOGUS };
struct sslm_probe_tlsa {
	int			 state;		/* SSLM_TLSA_* */
	int			 secure;	/* AD set */
	struct sslm_tlsa_rr	*rr;
	size_t			 n;
	char			 err[400];	/* "" or why (BOGUS, -1) */
};
/*
 * Ask resolver res (recursion desired, DO and AD set) for the TLSA
 * records of _port._tcp.host within timeout_ms.  0 with t filled: NONE
 * for no record (NXDOMAIN or NODATA), SECURE or INSECURE as the answer
 * has AD set or not, BOGUS for SERVFAIL (t->err says so); -1 with
 * t->err when no answer came (nothing printed, or warned for a local
 * failure).  Free with sslm_probe_tlsa_free.
 */
int	 sslm_probe_tlsa(const struct sslm_dns_srv *res, const char *host,
	    int port, int timeout_ms, struct sslm_probe_tlsa *t);
void	 sslm_probe_tlsa_free(struct sslm_probe_tlsa *);
/*
 * RFC 7672 2.2.2: the DNSSEC status of host's address records, asked of
 * the validating resolver res (A and AAAA with DO; the CNAME itself when
 * the chain is not secure).  secure: both answers have AD (the chain,
 * if any, is signed from end to end); first_secure: that, or the first
 * CNAME of an insecure chain is signed (DANE still applies, at host's
 * own name); cname: host is an alias, whose chain ends at expanded ("" when
 * the name does not fit); bogus: an answer was SERVFAIL (st->err says
 * which).  0, or -1 with st->err when no answer came.
 */
struct sslm_probe_addr {
	int	 bogus;		/* an answer was SERVFAIL: nothing else set */
	int	 secure;
	int	 first_secure;
	int	 cname;
	char	 expanded[256];
	char	 err[200];
};
int	 sslm_probe_addr_dnssec(const struct sslm_dns_srv *res,
	    const char *host, int timeout_ms, struct sslm_probe_addr *st);
/*
 * The A and AAAA addresses of host from resolver res (recursion
 * desired; the addresses at the end of a CNAME chain), with port, at
 * most max into out (IPv4 first).  0 with *n > 0, or -1 with the reason
 * in err (a failed lookup, no address); nothing printed.
 */
int	 sslm_probe_resolve(const struct sslm_dns_srv *res, const char *host,
	    int port, int timeout_ms, struct sslm_dns_srv *out, size_t max,
	    size_t *n, char *err, size_t errlen);

/* One probe of one server address. */
struct sslm_probe_req {
	const char		 *host;	/* SNI and reference name */
	const char		 *base;	/* DANE: the TLSA base domain, when
					 * not host (SNI and a DANE name) */
	const struct sslm_dns_srv *addr;	/* where to connect */
	int			  proto;	/* SSLM_STARTTLS_* */
	int			  timeout_ms;	/* for all of it */
	X509_STORE		 *store;	/* PKIX trust */
	const struct sslm_tlsa_rr *tlsa;	/* DANE: OpenSSL matches */
	size_t			  ntlsa;	/* 0: no DANE */
};
struct sslm_probe_res {
	X509		*leaf;		/* presented; owned */
	STACK_OF(X509)	*chain;		/* presented, leaf first; owned */
	char		 version[16];	/* "TLSv1.3" */
	int		 pkix_ok;
	char		 pkix_err[128];
	int		 dane_usable;	/* records OpenSSL took */
	int		 dane_ok;
	int		 dane_match;	/* index into tlsa, or -1 */
	char		 dane_err[128];
	char		 err[512];	/* why there is no leaf */
};
/*
 * Connect to q->addr, speak q->proto's STARTTLS dialogue (lines bounded,
 * plaintext after the go-ahead refused), shake hands with SNI q->host
 * (sctx: a client context with SSL_CTX_dane_enable done) and judge the
 * presented chain: PKIX against q->store for q->host, DANE (when
 * q->ntlsa) by OpenSSL with DANE-EE name checks off.  All within
 * q->timeout_ms.  0 with r's leaf, chain and verdicts, or -1 with
 * r->err ("connect: timeout", "STARTTLS reply: \"454 ...\"", ...);
 * nothing printed.  sslm_probe_res_free r in both cases.
 */
int	 sslm_probe_run(SSL_CTX *sctx, const struct sslm_probe_req *q,
	    struct sslm_probe_res *r);
void	 sslm_probe_res_free(struct sslm_probe_res *);
/* (end of probe.c) */

#endif /* SSLM_H */
