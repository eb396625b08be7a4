/* What the configuration unit tests (test_config_ct.c, test_config_lb.c) share: a configuration's
 * dump read back, a dump's text searched. */
#ifndef HP_CONFIG_TEST_H
#define HP_CONFIG_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cunit_run.h"
#include "config.h"
#include "dump.h"

/* c dumped and read back into *out: 0, or the parser's error (its message in err, the dump printed). */
static inline int
round_trip(const struct hp_config *c, struct hp_config *out, char *err, size_t errlen)
{
	char *text = hp_dump_text(c);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	rc = hp_config_parse("dump.yaml", text, strlen(text), out, err, errlen);
	if (rc)
		fprintf(stderr, "\n  dump refused: %s\n%s\n", err, text);
	free(text);
	return rc;
}

/* c's dump holds the text s. */
static inline bool
dump_has(const struct hp_config *c, const char *s)
{
	char *text = hp_dump_text(c);
	bool r = text && strstr(text, s);

	free(text);
	return r;
}

#endif
