/* The names and help texts of drop and punt reasons, generated from reasons.h's lists. */
#include "reasons.h"

const char *const dp_drop_names[DP_DROP_MAX] = {
#define DP_DROP_NAME(sym, name, help) [DP_DROP_##sym] = name,
	DP_DROP_REASONS(DP_DROP_NAME)
#undef DP_DROP_NAME
};

const char *const dp_drop_help[DP_DROP_MAX] = {
#define DP_DROP_HELP(sym, name, help) [DP_DROP_##sym] = help,
	DP_DROP_REASONS(DP_DROP_HELP)
#undef DP_DROP_HELP
};

const char *const dp_punt_names[DP_PUNT_MAX] = {
#define DP_PUNT_NAME(sym, name, help) [DP_PUNT_##sym] = name,
	DP_PUNT_REASONS(DP_PUNT_NAME)
#undef DP_PUNT_NAME
};

const char *const dp_punt_help[DP_PUNT_MAX] = {
#define DP_PUNT_HELP(sym, name, help) [DP_PUNT_##sym] = help,
	DP_PUNT_REASONS(DP_PUNT_HELP)
#undef DP_PUNT_HELP
};
