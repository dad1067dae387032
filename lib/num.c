/* SPDX-License-Identifier: MIT */
/* num.c: decimal numbers from the command line and from configuration. */
#include <errno.h>
#include <stdlib.h>

#include "sslm.h"

int
sslm_strtonum(const char *s, long long lo, long long hi, long long *out)
{
	char		*end;
	long long	 v;
	int		 saved = errno;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		errno = saved;
		return -1;
	}
	errno = saved;
	*out = v;
	return 0;
}
