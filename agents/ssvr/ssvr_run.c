/* Commands of the storage agent: argv only, bounded, failures logged. */
#include "ssvr_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/exec.h"
#include "vas/log.h"

int ssvr_run(const struct ssvr_cfg *cfg, const char *const *argv, char **out)
{
	struct exec_result res;
	int ret;

	memset(&res, 0, sizeof(res));
	ret = vas_exec(argv, (int)cfg->exec_timeout_ms, NULL, &res);
	if (ret) {
		log_err("%s: %s", argv[0], strerror(-ret));
		goto out;
	}
	if (res.status) {
		char cmd[512] = "";
		size_t n = 0;
		int i;

		for (i = 0; argv[i] && n < sizeof(cmd); i++)
			n += (size_t)snprintf(
			    cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "",
			    i && !strcmp(argv[i - 1], "--password") ? "***"
								    : argv[i]);
		log_err("'%s' exited %d: %s", cmd, res.status,
			res.err ? res.err : "");
		ret = -EIO;
		goto out;
	}
	if (out) {
		*out = res.out;
		res.out = NULL;
	}
out:
	exec_result_free(&res);
	return ret;
}
