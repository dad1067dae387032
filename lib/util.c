/* SPDX-License-Identifier: MIT */
/* util.c: messages, bounded file reading, JSON output. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sslm.h"

static const char *progname = "sslm";

void
sslm_setprogname(const char *argv0)
{
	const char *p;

	if (argv0 == NULL || *argv0 == '\0')
		return;
	p = strrchr(argv0, '/');
	progname = p != NULL ? p + 1 : argv0;
}

const char *
sslm_getprogname(void)
{
	return progname;
}

static void
vmsg(int with_errno, const char *fmt, va_list ap)
{
	int saved = errno;

	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	if (with_errno)
		fprintf(stderr, ": %s", strerror(saved));
	fputc('\n', stderr);
	errno = saved;
}

void
sslm_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(0, fmt, ap);
	va_end(ap);
}

void
sslm_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(1, fmt, ap);
	va_end(ap);
}

/*
 * Read all of path ("-" is stdin), at most max bytes.  Returns a buffer
 * with a NUL after the data, or NULL (warned).
 */
char *
sslm_readfile(const char *path, size_t max, size_t *lenp)
{
	char	*buf = NULL, *nbuf;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd = -1, rc = -1;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		sslm_warn("%s", path);
		goto out;
	}
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? cap * 2 : 8192;
			if (cap > max + 2)
				cap = max + 2;
			if ((nbuf = realloc(buf, cap)) == NULL) {
				sslm_warn("%s", path);
				goto out;
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			sslm_warn("%s", path);
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			sslm_warnx("%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL) {
		sslm_warn("%s", path);
		goto out;
	}
	buf[len] = '\0';
	*lenp = len;
	rc = 0;
out:
	if (fd > STDIN_FILENO)
		close(fd);
	if (rc == -1) {
		free(buf);
		buf = NULL;
	}
	return buf;
}

int
sslm_json_print(FILE *fp, const json_t *j, int pretty)
{
	size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(17);

	flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
	if (json_dumpf(j, fp, flags) == -1 || fputc('\n', fp) == EOF)
		return -1;
	return 0;
}

int
sslm_flush_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		sslm_warn("stdout");
		return -1;
	}
	return 0;
}

int
sslm_version(void)
{
	printf("%s %s\n", progname, SSLM_VERSION);
	return sslm_flush_stdout() == 0 ? SSLM_EXIT_OK : SSLM_EXIT_FAIL;
}
