/*
 * vas_virt attach|detach <lvol> <domain>: hot-plugs an attached volume
 * (/dev/vas/<lvol>) into a running libvirt domain as a virtio disk.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "daemon_args.h"
#include "hsvr.h"
#include "virt.h"
#include "vas/log.h"

#define SEC "hsvr_agent"

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [--config FILE] [--uri URI] attach|detach <lvol> "
		"<domain>\n",
		argv0);
}

/* The label of lvol, in the directory the agent uses. */
static int label_path(const struct vas_conf *conf, const char *lvol, char *buf,
		      size_t len)
{
	char dir[PATH_MAX];
	int n;

	if (!lvol[0] || strchr(lvol, '/') || !strcmp(lvol, ".") ||
	    !strcmp(lvol, ".."))
		return -EINVAL;
	if (hsvr_conf_vas_dir(conf, dir, sizeof(dir)))
		return -ENAMETOOLONG;
	n = snprintf(buf, len, "%s/%s", dir, lvol);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"uri", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	const char *config = VAS_CONF_DEFAULT, *uri = NULL, *op;
	struct vas_conf *conf = NULL;
	char dev[PATH_MAX];
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:u:", longopts, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
		} else if (opt == 'u') {
			uri = optarg;
		} else {
			usage(opt == 'H' ? stdout : stderr, argv[0]);
			return opt == 'H' ? 0 : 2;
		}
	}
	if (argc - optind != 3 || (strcmp(argv[optind], "attach") &&
				   strcmp(argv[optind], "detach"))) {
		usage(stderr, argv[0]);
		return 2;
	}
	op = argv[optind];
	if (daemon_conf("vas_virt", config, LOG_LVL_WARN, &conf))
		return 1;
	if (!uri)
		uri = conf_get_str(conf, SEC, "libvirt_uri", "qemu:///system");
	if (!uri[0])
		uri = "qemu:///system";
	ret = label_path(conf, argv[optind + 1], dev, sizeof(dev));
	if (!ret && !dev_exists(dev))
		ret = -ENOENT;
	if (ret) {
		fprintf(stderr,
			"vas_virt: volume %s is not attached here: %s\n",
			argv[optind + 1], strerror(-ret));
		conf_free(conf);
		return 1;
	}
	ret = strcmp(op, "attach") ? virt_detach(uri, argv[optind + 2], dev)
				   : virt_attach(uri, argv[optind + 2], dev);
	if (ret)
		fprintf(stderr, "vas_virt: %s %s on %s (%s): %s\n", op, dev,
			argv[optind + 2], uri, strerror(-ret));
	else
		printf("%s %s %s\n", op, dev, argv[optind + 2]);
	conf_free(conf);
	return ret ? 1 : 0;
}
