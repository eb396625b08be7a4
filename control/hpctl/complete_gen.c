/* hpctl-complete-gen TEMPLATE OUT: hpctl's bash completion, its object and verb lists from the command registry. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

/*
 * The template's placeholders, each on a line of its own or inside one:
 *   @OBJECTS@      the objects, in usage order
 *   @OBJECT_VERBS@ one case arm per object: its verbs, --watch when one of its
 *                  commands changes nothing, help (the line's indent is kept)
 *   @WATCHED@      the OBJECT.VERB commands that change nothing, as a case pattern
 */

static const struct {
	const char *name;
	unsigned flags;
} commands[] = {
#define CMD_ROW(id, n, f, a, h) {n, f},
	HP_COMMANDS(CMD_ROW)
#undef CMD_ROW
};

static const struct {
	const char *name;
	const char *extra; /* verbs hpctl alone knows, blank-separated */
} objects[] = {
#define OBJ_ROW(obj, extra, usage) {#obj, extra},
	HP_OBJECTS(OBJ_ROW)
#undef OBJ_ROW
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The command's object is obj: its name is obj, or starts with "obj.". */
static bool
of_object(const char *cmd, const char *obj)
{
	size_t n = strlen(obj);

	return strncmp(cmd, obj, n) == 0 && (cmd[n] == '\0' || cmd[n] == '.');
}

/* The verb of an object's command: the name part after "obj.", up to the next dot ("" for none). */
static void
verb_of(const char *cmd, const char *obj, char *out, size_t len)
{
	const char *v = cmd + strlen(obj);

	if (*v == '.')
		v++;
	snprintf(out, len, "%.*s", (int)strcspn(v, "."), v);
}

static void
put_objects(FILE *f)
{
	for (size_t i = 0; i < N(objects); i++)
		fprintf(f, "%s%s", i ? " " : "", objects[i].name);
}

static void
put_object_arms(FILE *f, const char *indent)
{
	for (size_t o = 0; o < N(objects); o++) {
		const char *obj = objects[o].name;
		char seen[512] = " ", verb[64];
		bool watch = false;

		fprintf(f, "%s%s) _hpctl_words \"", indent, obj);
		for (size_t c = 0; c < N(commands); c++) {
			char key[80];

			if (!of_object(commands[c].name, obj))
				continue;
			watch |= (commands[c].flags & HP_CMD_RO) != 0;
			verb_of(commands[c].name, obj, verb, sizeof(verb));
			snprintf(key, sizeof(key), " %s ", verb);
			if (verb[0] == '\0' || strstr(seen, key) != NULL)
				continue;
			strncat(seen, key + 1, sizeof(seen) - strlen(seen) - 1);
			fprintf(f, "%s ", verb);
		}
		if (objects[o].extra[0] != '\0')
			fprintf(f, "%s ", objects[o].extra);
		fprintf(f, "%shelp\" ;;\n", watch ? "--watch " : "");
	}
}

static void
put_watched(FILE *f)
{
	bool first = true;

	for (size_t c = 0; c < N(commands); c++) {
		const char *dot = strchr(commands[c].name, '.');

		if (!(commands[c].flags & HP_CMD_RO) || dot == NULL || strchr(dot + 1, '.') != NULL)
			continue;
		fprintf(f, "%s%s", first ? "" : " | ", commands[c].name);
		first = false;
	}
}

int
main(int argc, char **argv)
{
	char line[4096];
	FILE *in, *out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s TEMPLATE OUT\n", argv[0]);
		return 2;
	}
	if ((in = fopen(argv[1], "r")) == NULL || (out = fopen(argv[2], "w")) == NULL) {
		perror(in == NULL ? argv[1] : argv[2]);
		return 1;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		const char *s = line, *at;

		if ((at = strstr(line, "@OBJECT_VERBS@")) != NULL) {
			char indent[64];

			snprintf(indent, sizeof(indent), "%.*s", (int)(at - line), line);
			put_object_arms(out, indent);
			continue;
		}
		while ((at = strchr(s, '@')) != NULL) {
			fwrite(s, 1, (size_t)(at - s), out);
			if (strncmp(at, "@OBJECTS@", 9) == 0) {
				put_objects(out);
				s = at + 9;
			} else if (strncmp(at, "@WATCHED@", 9) == 0) {
				put_watched(out);
				s = at + 9;
			} else {
				fputc('@', out);
				s = at + 1;
			}
		}
		fputs(s, out);
	}
	if (ferror(in) || fclose(out) != 0) {
		perror(argv[2]);
		return 1;
	}
	fclose(in);
	return 0;
}
