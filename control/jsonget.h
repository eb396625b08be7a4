/* Reading the exit report's JSON (dp_report_json) in the metrics and telemetry formatters. */
#ifndef CTL_JSONGET_H
#define CTL_JSONGET_H

#include <stdint.h>

#include <jansson.h>

/* An integer of o (0 when absent or negative). */
static inline uint64_t
ju(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

/* A string of o ("" when absent). */
static inline const char *
js(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

#endif
