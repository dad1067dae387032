/* SPDX-License-Identifier: MIT */
/*
 * status_priv.h: what status.c (the store) and status_out.c (JSON, text,
 * metrics) share, and nobody else.
 */
#ifndef SSLM_STATUS_PRIV_H
#define SSLM_STATUS_PRIV_H

#include <stddef.h>

#include <jansson.h>

/* A number as jq 1.6 prints it, into buf. */
void	sslm_status_jqnum(double, char *, size_t);
/* A boolean member of o: 1 true, 0 false, -1 anything else. */
int	sslm_status_flag(const json_t *, const char *);

#endif
