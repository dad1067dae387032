/* SPDX-License-Identifier: MIT */
/*
 * remote.c: reaching the other hosts.  One rule says which ssh command
 * every program uses (sslm_ssh_argv); commands are argument vectors run
 * without a shell, so no value from the configuration is ever parsed by
 * one on this side.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sslm.h"

#define ARGV_MAX	4096	/* words in one command */

int
sslm_host_is_local(const char *host)
{
	char	 me[256];
	size_t	 n;

	if (strcasecmp(host, "localhost") == 0)
		return 1;
	if (gethostname(me, sizeof(me)) == -1)
		return 0;
	me[sizeof(me) - 1] = '\0';
	if (strcasecmp(host, me) == 0)
		return 1;
	n = strcspn(me, ".");
	return strlen(host) == n && strncasecmp(host, me, n) == 0;
}

int
sslm_argv_add(struct sslm_argv *a, const char *word)
{
	char	**nv;

	if (a->n + 1 >= ARGV_MAX) {
		sslm_warnx("%s: too many words in a command", word);
		return -1;
	}
	if ((nv = reallocarray(a->v, a->n + 2, sizeof(*nv))) == NULL) {
		sslm_warn("command");
		return -1;
	}
	a->v = nv;
	if ((a->v[a->n] = strdup(word)) == NULL) {
		a->v[a->n] = NULL;
		sslm_warn("command");
		return -1;
	}
	a->v[++a->n] = NULL;
	return 0;
}

void
sslm_argv_free(struct sslm_argv *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = 0;
}

int
sslm_ssh_argv(struct sslm_argv *a, const char *confdir)
{
	const char	*env = getenv("SSLM_SSH");
	char		*copy = NULL, *w, *last;
	char		 cfg[PATH_MAX];
	int		 rc = -1;

	if (env != NULL && *env != '\0') {
		if ((copy = strdup(env)) == NULL) {
			sslm_warn("SSLM_SSH");
			return -1;
		}
		/* As sh splits an unquoted $SSLM_SSH: blanks, no quotes. */
		for (w = strtok_r(copy, " \t\n", &last); w != NULL;
		    w = strtok_r(NULL, " \t\n", &last))
			if (sslm_argv_add(a, w) == -1)
				goto out;
		if (a->n == 0) {
			sslm_warnx("SSLM_SSH: no command");
			goto out;
		}
	} else if (confdir != NULL && snprintf(cfg, sizeof(cfg),
	    "%s/ssh_config", confdir) < (int)sizeof(cfg) &&
	    access(cfg, F_OK) == 0) {
		if (sslm_argv_add(a, "ssh") == -1 ||
		    sslm_argv_add(a, "-F") == -1 ||
		    sslm_argv_add(a, cfg) == -1)
			goto out;
	} else if (sslm_argv_add(a, "ssh") == -1)
		goto out;
	if (sslm_argv_add(a, "-o") == -1 ||
	    sslm_argv_add(a, "BatchMode=yes") == -1)
		goto out;
	rc = 0;
out:
	free(copy);
	return rc;
}

char *
sslm_rsync_shell(char *const *words)
{
	const char	*w;
	char		*s, *p;
	size_t		 i, len = 1;
	int		 q;

	for (i = 0; words[i] != NULL; i++)
		len += 2 * strlen(words[i]) + 3;
	if ((s = p = malloc(len)) == NULL) {
		sslm_warn("rsync -e");
		return NULL;
	}
	for (i = 0; words[i] != NULL; i++) {
		if (i > 0)
			*p++ = ' ';
		/*
		 * rsync splits -e at spaces; ' or " opens a quote in which
		 * spaces are kept and a doubled quote is one quote mark.
		 */
		q = words[i][0] == '\0' || strpbrk(words[i], " '\"") != NULL;
		if (q)
			*p++ = '\'';
		for (w = words[i]; *w != '\0'; w++) {
			if (*w == '\'' && q)
				*p++ = '\'';
			*p++ = *w;
		}
		if (q)
			*p++ = '\'';
	}
	*p = '\0';
	return s;
}

int
sslm_rsync_argv(struct sslm_argv *a, const char *confdir,
    const char *const *opts, const char *src, const char *dst)
{
	struct sslm_argv	 ssh = { NULL, 0 };
	char			*e = NULL;
	size_t			 i;
	int			 rc = -1;

	if (sslm_ssh_argv(&ssh, confdir) == -1 ||
	    (e = sslm_rsync_shell(ssh.v)) == NULL ||
	    sslm_argv_add(a, "rsync") == -1)
		goto out;
	for (i = 0; opts[i] != NULL; i++)
		if (sslm_argv_add(a, opts[i]) == -1)
			goto out;
	if (sslm_argv_add(a, "-e") == -1 || sslm_argv_add(a, e) == -1 ||
	    sslm_argv_add(a, src) == -1 || sslm_argv_add(a, dst) == -1)
		goto out;
	rc = 0;
out:
	free(e);
	sslm_argv_free(&ssh);
	return rc;
}

int
sslm_run(char *const argv[], int flags, char *err, size_t errlen)
{
	pid_t	 pid;
	ssize_t	 n;
	int	 st, fd, pfd[2], child_errno;

	fflush(stdout);
	fflush(stderr);
	/* Close-on-exec: the child writes its errno only when exec fails. */
	if (pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1 ||
		    ((flags & SSLM_RUN_OUT2ERR) &&
		    dup2(STDERR_FILENO, STDOUT_FILENO) == -1))
			child_errno = errno;
		else {
			execvp(argv[0], argv);
			child_errno = errno;
		}
		if (write(pfd[1], &child_errno, sizeof(child_errno)) == -1)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	while ((n = read(pfd[0], &child_errno, sizeof(child_errno))) == -1 &&
	    errno == EINTR)
		;
	close(pfd[0]);
	while (waitpid(pid, &st, 0) == -1) {
		if (errno != EINTR) {
			snprintf(err, errlen, "wait: %s", strerror(errno));
			return -1;
		}
	}
	if (n == (ssize_t)sizeof(child_errno)) {
		snprintf(err, errlen, "%s: %s", argv[0], strerror(child_errno));
		return -2;
	}
	return st;
}

const char *
sslm_run_why(const char *prog, int st, char *err, size_t errlen)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return NULL;
	if (WIFEXITED(st))
		snprintf(err, errlen, "%s exited %d", prog, WEXITSTATUS(st));
	else
		snprintf(err, errlen, "%s killed by signal %d", prog,
		    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	return err;
}

int
sslm_rsync_mirror(const char *confdir, const char *src, const char *dst,
    int flags, char *why, size_t whylen)
{
	static const char *const opts[] = { "-a", "--delete",
	    "--delay-updates", "--mkpath", NULL };
	struct sslm_argv a = { NULL, 0 };
	size_t		 i;
	int		 st, rc = -1;

	if (sslm_rsync_argv(&a, confdir, opts, src, dst) == -1)
		goto out;
	if (flags & (SSLM_MIRROR_SHOW | SSLM_MIRROR_DRY)) {
		/* The -e word quoted, so that the line reads as sh would. */
		fprintf(stderr, "%s: %s", sslm_getprogname(),
		    flags & SSLM_MIRROR_DRY ? "debug: run:" : "run:");
		for (i = 0; i < a.n; i++)
			fprintf(stderr, i > 0 && strcmp(a.v[i - 1], "-e") == 0 ?
			    " '%s'" : " %s", a.v[i]);
		fputc('\n', stderr);
	}
	rc = 0;
	if (flags & SSLM_MIRROR_DRY)
		goto out;
	st = sslm_run(a.v, SSLM_RUN_OUT2ERR, why, whylen);
	if (st == -2) {
		/* As a shell says it: the reason, then exit 127. */
		sslm_warnx("%s", why);
		snprintf(why, whylen, "rsync exited 127");
		rc = 1;
	} else if (st == -1 || sslm_run_why("rsync", st, why, whylen) != NULL)
		rc = 1;
out:
	sslm_argv_free(&a);
	return rc;
}
