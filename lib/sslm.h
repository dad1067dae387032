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

/* "prog: message" on stderr, one line. */
void	 sslm_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* As sslm_warnx, with ": strerror(errno)" appended. */
void	 sslm_warn(const char *, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read a whole file ("-" = stdin) of at most max bytes into a new
 * NUL-terminated buffer; *lenp gets its length.  NULL on error (warned),
 * including a file larger than max.  The caller frees.
 */
char	*sslm_readfile(const char *path, size_t max, size_t *lenp);

/*
 * Print a JSON value on fp, pretty (indent 2) or compact, with a final
 * newline and keys in insertion order.  -1 on a write error.
 */
int	 sslm_json_print(FILE *fp, const json_t *, int pretty);

/* Flush stdout and report a write error; returns 0 or -1 (warned). */
int	 sslm_flush_stdout(void);

/* ---- toml.c: TOML 1.0 ----------------------------------------------- */

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
 * A DNS name in LDH syntax (labels of 1..63, total at most 253, no
 * trailing dot).  With wildcard set, a leftmost label "*" is allowed.
 * Returns 1 if valid, else 0.
 */
int	 sslm_valid_dnsname(const char *, int wildcard);
/* 4 for an IPv4 literal, 6 for an IPv6 literal, else 0. */
int	 sslm_ip_literal(const char *);
/* A host: a DNS name without wildcard, or an IP literal.  1 or 0. */
int	 sslm_valid_host(const char *);
/* 1 when the string holds no control character (C0 or DEL), else 0. */
int	 sslm_no_ctrl(const char *, size_t);

/* ---- conf.c: the ssl-mgr configuration, resolved ---------------------- */

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

/* ---- file.c: crash-safe writes ------------------------------------------ */

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
/* The first private key of buf; NULL (warned) if none or bad. */
EVP_PKEY *sslm_read_privkey(const char *buf, size_t len, const char *name);
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
int	 sslm_cert_der(X509 *, unsigned char **der, size_t *len);
/* An ASN1_TIME as time_t.  0 or -1. */
int	 sslm_asn1_time(const ASN1_TIME *, time_t *);
/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) into buf (at least 21 bytes). */
void	 sslm_fmt_time(time_t, char *buf, size_t len);
/*
 * Parse an "as of" time: "YYYY-MM-DDTHH:MM:SSZ", "YYYY-MM-DD" (UTC
 * midnight) or "@epoch-seconds".  0 or -1.
 */
int	 sslm_parse_time(const char *, time_t *);
/*
 * Read a secret file ("-" = stdin) of at most max bytes into one buffer
 * that is never reallocated; NUL-terminated.  Release it with
 * sslm_freesecret(buf, len + 1).  NULL on error (warned).
 */
char	*sslm_readsecret(const char *path, size_t max, size_t *lenp);
/* Wipe len bytes of buf and free it (NULL is fine). */
void	 sslm_freesecret(char *buf, size_t len);

/* ---- x509.c: keys, CSRs, certificates (keygen, csrgen, casign) -------- */
/* (end of x509.c) */

/* ---- chain.c: chain ordering and checks (chainbuild, verify) ----------- */
/* (end of chain.c) */

/* ---- certinfo.c: facts about PEM objects (info) ------------------------- */
/* (end of certinfo.c) */

/* ---- tlsa.c and dh.c: DANE records, DH parameters (tlsagen, dhparm) ---- */
/* (end of tlsa.c and dh.c) */

#endif /* SSLM_H */
