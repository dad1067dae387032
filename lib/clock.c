/* SPDX-License-Identifier: MIT */
/* clock.c: the monotonic clock, for timeouts and progress. */
#include <time.h>

#include "sslm.h"

long long
sslm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
