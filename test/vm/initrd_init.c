/*
 * /init of the vm-test guest's initramfs (built by scripts/vm-test.sh):
 * loads the few modules the root disk needs, mounts it and hands over to
 * /sbin/vas-vm-init. Debian's own initrd (133 MiB of modules, udev
 * coldplug) takes half a minute to unpack and run on an emulated CPU;
 * this one is a few MiB and needs no tools. Linked statically.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROOT_DEV "/dev/vda"
#define NEXT_INIT "/sbin/vas-vm-init"

static void say(const char *what, const char *arg, int err)
{
	fprintf(stderr, "VAS-VM: initrd: %s %s: %s\n", what, arg,
		strerror(err));
}

/* Every module named in /modules, in that order (dependencies first). */
static void load_modules(void)
{
	char line[256];
	FILE *f = fopen("/modules", "re");

	while (f && fgets(line, sizeof(line), f)) {
		int fd;

		line[strcspn(line, "\n")] = '\0';
		if (!line[0])
			continue;
		fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			say("open", line, errno);
			continue;
		}
		if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
			say("load", line, errno);
		close(fd);
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	struct stat st;
	int fd, i;

	(void)argc;
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	fd = open("/dev/console", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	load_modules();
	/* The disk appears once virtio has probed it: 30 s at most. */
	for (i = 0; i < 300 && stat(ROOT_DEV, &st); i++)
		usleep(100000);
	if (mount(ROOT_DEV, "/root", "ext4", 0, NULL)) {
		say("mount", ROOT_DEV, errno);
		return 1;
	}
	if (mount("/dev", "/root/dev", NULL, MS_MOVE, NULL))
		say("move", "/dev", errno);
	/* switch_root: the new root becomes / (the initramfs stays: small). */
	if (chdir("/root") || mount(".", "/", NULL, MS_MOVE, NULL) ||
	    chroot(".") || chdir("/")) {
		say("switch to", ROOT_DEV, errno);
		return 1;
	}
	argv[0] = NEXT_INIT;
	execv(NEXT_INIT, argv);
	say("exec", NEXT_INIT, errno);
	return 1;
}
