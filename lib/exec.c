/* fork/exec with argv, separate bounded stdout/stderr capture, timeout. */
#include "vas/exec.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct buf {
	char *data;
	size_t len;
};

/* Reads what is there; returns false at end of file. */
static bool drain(int fd, struct buf *b)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	if (b->len + (size_t)n > EXEC_OUTPUT_MAX)
		n = (ssize_t)(EXEC_OUTPUT_MAX - b->len);
	if (n > 0) {
		memcpy(b->data + b->len, tmp, (size_t)n);
		b->len += (size_t)n;
	}
	return true;
}

static void child(const char *const argv[], const struct exec_opts *opts,
		  int out_fd, int err_fd)
{
	int devnull = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	if (devnull >= 0)
		dup2(devnull, 0);
	dup2(out_fd, 1);
	dup2(err_fd, 2);
	if (opts && opts->user) {
		struct passwd *pw = getpwnam(opts->user);

		if (!pw || initgroups(pw->pw_name, pw->pw_gid) ||
		    setgid(pw->pw_gid) || setuid(pw->pw_uid))
			_exit(126);
	}
	if (opts && opts->cwd && chdir(opts->cwd))
		_exit(126);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int vas_exec(const char *const argv[], int timeout_ms,
	     const struct exec_opts *opts, struct exec_result *res)
{
	int out_p[2] = {-1, -1}, err_p[2] = {-1, -1};
	struct buf out = {0}, err = {0};
	int64_t deadline = vas_now_ms() + timeout_ms;
	int fds[2], wstatus = 0, ret = 0;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	out.data = calloc(1, EXEC_OUTPUT_MAX + 1);
	err.data = calloc(1, EXEC_OUTPUT_MAX + 1);
	if (!out.data || !err.data) {
		ret = -ENOMEM;
		goto fail;
	}
	if (pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC)) {
		ret = -errno;
		goto fail;
	}
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto fail;
	}
	if (pid == 0)
		child(argv, opts, out_p[1], err_p[1]);
	close(out_p[1]);
	close(err_p[1]);
	out_p[1] = err_p[1] = -1;
	fds[0] = out_p[0];
	fds[1] = err_p[0];
	while (fds[0] >= 0 || fds[1] >= 0) {
		struct pollfd pfd[2] = {{fds[0], POLLIN, 0},
					{fds[1], POLLIN, 0}};
		struct buf *bufs[2] = {&out, &err};
		int64_t left = deadline - vas_now_ms();
		int n, i;

		if (left <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		n = poll(pfd, 2, (int)left);
		if (n < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
		for (i = 0; n > 0 && i < 2; i++)
			if (pfd[i].revents && !drain(fds[i], bufs[i]))
				fds[i] = -1;
	}
	if (ret == -ETIMEDOUT) {
		kill(-pid, SIGKILL);
		log_warn("%s: killed after %d ms", argv[0], timeout_ms);
	}
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	res->status =
	    WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	res->out = out.data;
	res->err = err.data;
	out.data = err.data = NULL;
	if (!ret && res->status)
		log_debug("%s exited %d: %s", argv[0], res->status, res->err);
fail:
	free(out.data);
	free(err.data);
	if (out_p[0] >= 0)
		close(out_p[0]);
	if (err_p[0] >= 0)
		close(err_p[0]);
	if (out_p[1] >= 0)
		close(out_p[1]);
	if (err_p[1] >= 0)
		close(err_p[1]);
	return ret;
}

void exec_result_free(struct exec_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}
