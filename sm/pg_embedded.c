/*
 * The embedded database: the lock on state_dir that makes one vas_sm its
 * only user, and initdb / pg_ctl through the exec layer.
 */
#include "pg_embedded.h"
#include "vas/exec.h"
#include "vas/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct pg_embedded {
	const struct sm_config *cfg;
	int lock_fd;
	bool started; /* pg_ctl start ran: the postmaster, if any, is ours */
};

static const char *run_as(const struct sm_config *cfg)
{
	return geteuid() == 0 ? cfg->pg_user : NULL;
}

static int run(const struct sm_config *cfg, const char *const argv[],
	       int timeout_ms)
{
	struct exec_opts opts = {run_as(cfg), "/"};
	struct exec_result res;
	int ret = vas_exec(argv, timeout_ms, &opts, &res);

	if (!ret && res.status) {
		log_err("%s failed (%d): %s", argv[0], res.status, res.err);
		ret = -EIO;
	}
	exec_result_free(&res);
	return ret;
}

static int own_dir(const struct sm_config *cfg, const char *dir)
{
	struct passwd *pw;

	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (!run_as(cfg))
		return 0;
	pw = getpwnam(cfg->pg_user);
	if (!pw) {
		log_err("user '%s' for the embedded database does not exist",
			cfg->pg_user);
		return -ENOENT;
	}
	return chown(dir, pw->pw_uid, pw->pw_gid) ? -errno : 0;
}

/*
 * flock() on <state_dir>/vas_sm.lock, held until exit: the kernel drops
 * it when the process dies, so a crash never leaves a stale lock. The file
 * holds the owner's pid for the message of the next one. O_CLOEXEC keeps
 * it out of pg_ctl and so out of the postmaster.
 */
static int lock_state_dir(const char *state_dir, int *out_fd)
{
	char path[600], owner[32] = "";
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "%s/vas_sm.lock", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		err = -errno;
		log_err("%s: %s", path, strerror(errno));
		return err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		n = pread(fd, owner, sizeof(owner) - 1, 0);
		owner[n > 0 ? n : 0] = '\0';
		owner[strcspn(owner, "\n")] = '\0';
		if (err == -EBUSY)
			log_err("another vas_sm (pid %s) is running on "
				"state_dir %s; its database is left alone",
				owner[0] ? owner : "?", state_dir);
		else
			log_err("%s: lock: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	if (ftruncate(fd, 0) || dprintf(fd, "%ld\n", (long)getpid()) < 0)
		log_warn("%s: cannot record the pid: %s", path,
			 strerror(errno));
	*out_fd = fd;
	return 0;
}

/*
 * The pid of a live postmaster that <data>/postmaster.pid names, else 0.
 * A pid reused by another program after a crash does not count.
 */
static long live_postmaster(const char *data)
{
	char path[700], line[64] = "";
	long pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/postmaster.pid", data);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	pid = strtol(line, NULL, 10);
	if (pid <= 0 || (kill((pid_t)pid, 0) && errno == ESRCH))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return pid; /* cannot tell: assume it is one */
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strncmp(line, "postgres", 8) ? 0 : pid;
}

static int initdb(const struct sm_config *cfg, const char *data)
{
	char bin[400];
	const char *argv[] = {bin,  "-D",  data, "-A",	 "trust",
			      "-U", "vas", "-E", "UTF8", "--no-instructions",
			      NULL};

	snprintf(bin, sizeof(bin), "%s/initdb", cfg->pg_bindir);
	log_info("creating the embedded database in %s", data);
	return run(cfg, argv, 120000);
}

static int pg_start(const struct sm_config *cfg, const char *pg,
		    const char *data)
{
	char bin[400], log[640], opts[800];
	const char *argv[] = {bin,  "-D", data, "-l", log,     "-w",
			      "-t", "60", "-o", opts, "start", NULL};

	snprintf(bin, sizeof(bin), "%s/pg_ctl", cfg->pg_bindir);
	snprintf(log, sizeof(log), "%s/postgres.log", pg);
	/* Only a Unix socket in our own directory: nothing listens on TCP. */
	snprintf(opts, sizeof(opts), "-k %s -c listen_addresses=", pg);
	return run(cfg, argv, 90000);
}

int pg_embedded_start(const struct sm_config *cfg, char *dsn, size_t len,
		      struct pg_embedded **out)
{
	char pg[600], data[640], version[700];
	struct pg_embedded *h;
	long pid;
	int ret;

	*out = NULL;
	snprintf(pg, sizeof(pg), "%s/pg", cfg->state_dir);
	snprintf(data, sizeof(data), "%s/data", pg);
	snprintf(version, sizeof(version), "%s/PG_VERSION", data);
	if (mkdir(cfg->state_dir, 0755) && errno != EEXIST)
		return -errno;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->cfg = cfg;
	ret = lock_state_dir(cfg->state_dir, &h->lock_fd);
	if (ret) {
		free(h);
		return ret;
	}
	*out = h;
	/* Under the lock no other vas_sm starts one: this one is foreign. */
	pid = live_postmaster(data);
	if (pid) {
		log_err("a PostgreSQL (pid %ld) that this vas_sm did not start "
			"is running on %s; it is left alone. Stop it (as %s: "
			"%s/pg_ctl -D %s stop) and start vas_sm again",
			pid, data, cfg->pg_user, cfg->pg_bindir, data);
		return -EEXIST;
	}
	ret = own_dir(cfg, pg);
	if (!ret && access(version, F_OK))
		ret = initdb(cfg, data);
	if (ret)
		return ret;
	/* Ours from here on, even if pg_ctl gives up waiting for it. */
	h->started = true;
	ret = pg_start(cfg, pg, data);
	if (ret)
		return ret;
	if ((size_t)snprintf(dsn, len, "host=%s user=vas dbname=postgres",
			     pg) >= len)
		return -ENAMETOOLONG;
	return 0;
}

void pg_embedded_stop(struct pg_embedded *h)
{
	char data[640], bin[400];
	const char *argv[] = {bin,    "-D", data,   "-m",
			      "fast", "-w", "stop", NULL};

	if (!h)
		return;
	if (h->started) {
		snprintf(data, sizeof(data), "%s/pg/data", h->cfg->state_dir);
		snprintf(bin, sizeof(bin), "%s/pg_ctl", h->cfg->pg_bindir);
		if (run(h->cfg, argv, 60000))
			log_warn("embedded database did not stop cleanly");
	}
	/* The lock goes last: nobody may start it while it stops. */
	close(h->lock_fd);
	free(h);
}
