/* The one way to run an external command: argv, timeout, captured output. */
#ifndef VAS_EXEC_H
#define VAS_EXEC_H

#include <stddef.h>

#define EXEC_OUTPUT_MAX (64 * 1024)

struct exec_result {
	int status; /* exit code, or 128 + signal */
	char *out;  /* stdout, NUL-terminated, at most EXEC_OUTPUT_MAX */
	char *err;  /* stderr, likewise */
};

struct exec_opts {
	const char *user; /* run as this user (needs root); NULL = as is */
	const char *cwd;
};

/*
 * Runs argv[0] (searched in PATH when it has no '/') with fork+execvp.
 * On expiry of timeout_ms the process group is killed and -ETIMEDOUT
 * returned. Returns 0 when the command ran (check res->status), else a
 * negative errno. The caller frees with exec_result_free().
 */
int vas_exec(const char *const argv[], int timeout_ms,
	     const struct exec_opts *opts, struct exec_result *res);
void exec_result_free(struct exec_result *res);

#endif
