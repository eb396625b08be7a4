/* linux.show: the kernel route mirror's state (control/linux.c). */
#include "handlers.h"
#include "linux.h"

int
cmd_linux_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	if (no_args(args, e) < 0)
		return -1;
	if ((*result = ctl_linux_json(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	return 0;
}
