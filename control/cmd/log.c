/* log.level: show or set the log level. */
#include <string.h>

#include <rte_log.h>

#include "handlers.h"
#include "log.h"

int
cmd_log_level(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const struct {
		const char *name;
		uint32_t level;
	} levels[] = {
		{"emerg", RTE_LOG_EMERG}, {"alert", RTE_LOG_ALERT},     {"crit", RTE_LOG_CRIT},
		{"error", RTE_LOG_ERR},   {"warning", RTE_LOG_WARNING}, {"notice", RTE_LOG_NOTICE},
		{"info", RTE_LOG_INFO},   {"debug", RTE_LOG_DEBUG},
	};
	static const char *const allowed[] = {"level", NULL};
	const char *name;

	(void)rt;
	if (known_args(args, allowed, e) < 0 || arg_str(args, "level", false, &name, e) < 0)
		return -1;
	if (name == NULL) {
		uint32_t cur = rte_log_get_global_level();

		for (unsigned i = 0; i < RTE_DIM(levels); i++)
			if (levels[i].level == cur)
				*result = json_pack("{s:s}", "level", levels[i].name);
		return 0;
	}
	for (unsigned i = 0; i < RTE_DIM(levels); i++) {
		if (strcmp(levels[i].name, name) == 0) {
			rte_log_set_global_level(levels[i].level);
			DP_LOG(NOTICE, "log level %s", name);
			*result = json_pack("{s:s}", "level", name);
			return 0;
		}
	}
	return fail(e, "EINVAL",
		    "unknown log level \"%s\" (emerg, alert, crit, error, warning, notice, info, debug)",
		    name);
}
