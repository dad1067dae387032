/* SPDX-License-Identifier: MIT */
/*
 * fuzz_toml: one input is one TOML document for sslm_toml_parse, as
 * sslm-conf reads every configuration file.  Promises checked: a
 * document that fails has a "name:line: reason" message of one printable
 * line; one
 * that parses converts to JSON (sslm_toml_to_json), and every node the
 * tree holds has a line within the document.
 * Seeds: ../shared/testdata/toml-test (fuzz/seeds.sh).
 */
#include <string.h>

#include <jansson.h>

#include "fuzz.h"

#define NAME	"fuzz.toml"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

/* Every node below t starts on a line of the document (1..lines). */
static void
lines_ok(const struct sslm_toml *t, int lines)
{
	size_t i;

	fuzz_assert(t->line >= 0 && t->line <= lines);
	if (t->type == SSLM_TOML_TABLE || t->type == SSLM_TOML_ARRAY)
		for (i = 0; i < t->nkids; i++)
			lines_ok(t->kids[i], lines);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sslm_toml	*t;
	json_t			*j;
	char			 err[512], *s;
	size_t			 i;
	int			 lines = 1;

	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	err[0] = '\0';
	t = sslm_toml_parse((const char *)data, size, NAME, err, sizeof(err));
	if (t == NULL) {
		fuzz_assert(strncmp(err, NAME ":", strlen(NAME) + 1) == 0);
		/* the reason quotes the document: printable, one line */
		snprintf(fuzz_msg, sizeof(fuzz_msg), "%s", err);
		fuzz_msg_ok();
		return 0;
	}
	lines_ok(t, lines);
	fuzz_assert((j = sslm_toml_to_json(t)) != NULL);
	fuzz_assert((s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)) !=
	    NULL);
	free(s);
	json_decref(j);
	sslm_toml_free(t);
	fuzz_msg_ok();
	return 0;
}
