/* initdb / pg_ctl for the embedded database, through the exec layer. */
#include "pg_embedded.h"
#include "vas/exec.h"
#include "vas/log.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int pg_embedded_start(const struct sm_config *cfg, char *dsn, size_t len)
{
	char pg[600], data[640], log[640], bin[400], opts[800], version[700];
	const char *auth = "trust";
	int ret;

	snprintf(pg, sizeof(pg), "%s/pg", cfg->state_dir);
	snprintf(data, sizeof(data), "%s/data", pg);
	snprintf(log, sizeof(log), "%s/postgres.log", pg);
	snprintf(version, sizeof(version), "%s/PG_VERSION", data);
	if (mkdir(cfg->state_dir, 0755) && errno != EEXIST)
		return -errno;
	ret = own_dir(cfg, pg);
	if (ret)
		return ret;
	if (access(version, F_OK)) {
		const char *argv[] = {bin, "-D", data, "-A", auth, "-U", "vas",
				      "-E", "UTF8", "--no-instructions", NULL};

		snprintf(bin, sizeof(bin), "%s/initdb", cfg->pg_bindir);
		log_info("creating the embedded database in %s", data);
		ret = run(cfg, argv, 120000);
		if (ret)
			return ret;
	}
	/* Only a Unix socket in our own directory: nothing listens on TCP. */
	snprintf(opts, sizeof(opts), "-k %s -c listen_addresses=", pg);
	{
		const char *argv[] = {bin, "-D", data, "-l", log, "-w", "-t",
				      "60", "-o", opts, "start", NULL};

		snprintf(bin, sizeof(bin), "%s/pg_ctl", cfg->pg_bindir);
		ret = run(cfg, argv, 90000);
		if (ret)
			return ret;
	}
	if ((size_t)snprintf(dsn, len, "host=%s user=vas dbname=postgres", pg) >=
	    len)
		return -ENAMETOOLONG;
	return 0;
}

void pg_embedded_stop(const struct sm_config *cfg)
{
	char data[640], bin[400];
	const char *argv[] = {bin, "-D", data, "-m", "fast", "-w", "stop", NULL};

	snprintf(data, sizeof(data), "%s/pg/data", cfg->state_dir);
	snprintf(bin, sizeof(bin), "%s/pg_ctl", cfg->pg_bindir);
	if (run(cfg, argv, 60000))
		log_warn("embedded database did not stop cleanly");
}
