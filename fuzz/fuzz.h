/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h: what the libFuzzer harnesses of fuzz/ share.  Each harness is
 * one program (build/fuzz/fuzz_<name>, make fuzz-build) whose
 * LLVMFuzzerTestOneInput feeds one input to the code that interprets
 * such input in the tools.  A crash, a sanitizer report or a broken
 * promise (fuzz_assert) is a finding; a rejected input is not.
 *
 * The library's messages go to a buffer (sslm_warn_capture), not to
 * stderr: millions of them would drown libFuzzer's report.  Every
 * message that quotes input must stay one printable line, so the
 * harnesses check the buffer after each call (fuzz_msg_ok).
 */
#ifndef SSLM_FUZZ_H
#define SSLM_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sslm.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_msg[1024];

/* The last message, other bytes than printable ASCII as \xNN. */
static void
fuzz_msg_show(void)
{
	const unsigned char *p;

	fputs("last message: ", stderr);
	for (p = (const unsigned char *)fuzz_msg; *p != '\0'; p++)
		if (*p >= 0x20 && *p < 0x7f)
			fputc(*p, stderr);
		else
			fprintf(stderr, "\\x%02x", *p);
	fputc('\n', stderr);
}

/* A broken promise of the code under test: report it, and abort so that
 * libFuzzer keeps the input. */
#define fuzz_assert(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: fuzz_assert failed: %s\n",	\
		    __FILE__, __LINE__, #c);				\
		fuzz_msg_show();					\
		abort();						\
	}								\
} while (0)

/* Start capturing the library's messages (again: the buffer is emptied). */
static void
fuzz_quiet(void)
{
	sslm_warn_capture(fuzz_msg, sizeof(fuzz_msg));
}

/* The last message is one line of printable characters (tabs allowed);
 * bytes >= 0x80 may be UTF-8 of a name and are allowed. */
static void
fuzz_msg_ok(void)
{
	const unsigned char *p;

	for (p = (const unsigned char *)fuzz_msg; *p != '\0'; p++)
		fuzz_assert((*p >= 0x20 && *p != 0x7f) || *p == '\t');
	fuzz_quiet();
}

#endif /* SSLM_FUZZ_H */
