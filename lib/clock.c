/* SPDX-License-Identifier: MIT */
/*
 * clock.c: the monotonic clock (timeouts, progress) and UTC times as
 * text.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sslm.h"

long long
sslm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sslm_fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
sslm_parse_time(const char *s, time_t *out)
{
	struct tm	 tm;
	char		*end;
	long long	 v;

	if (s[0] == '@') {
		v = strtoll(s + 1, &end, 10);
		if (s[1] == '\0' || *end != '\0')
			return -1;
		*out = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0')
			return -1;
	}
	*out = timegm(&tm);
	return 0;
}
