/* Unit tests of the libvirt glue with libvirt's in-process test driver. */
#include <check.h>
#include <errno.h>
#include <libvirt/libvirt.h>
#include <stdlib.h>
#include <string.h>

#include "virt.h"
#include "check_run.h"

#define URI "test:///default"

/* The default test driver's state lives while a connection is open. */
static virConnectPtr keep;

static void setup(void)
{
	keep = virConnectOpen(URI);
	ck_assert_ptr_nonnull(keep);
}

static void teardown(void)
{
	virConnectClose(keep);
}

START_TEST(disk_xml)
{
	char buf[512];

	ck_assert_int_eq(virt_disk_xml(buf, sizeof(buf), "/dev/vas/db1", "vdb"),
			 0);
	ck_assert_str_eq(buf, "<disk type='block' device='disk'>"
			      "<driver name='qemu' type='raw' cache='none'/>"
			      "<source dev='/dev/vas/db1'/>"
			      "<target dev='vdb' bus='virtio'/></disk>");
	ck_assert_int_eq(virt_disk_xml(buf, 16, "/dev/vas/db1", "vdb"),
			 -ENAMETOOLONG);
}
END_TEST

static const char vm_xml[] =
    "<domain type='test'><name>vm1</name><memory>65536</memory>"
    "<os><type>hvm</type></os><devices>"
    "<disk type='block' device='disk'><source dev='/dev/vas/db1'/>"
    "<target dev='vdb' bus='virtio'/></disk></devices></domain>";

START_TEST(in_use_by_running_domain)
{
	const char *paths[] = {"/dev/vas/lvol-00000010", "/dev/vas/db1"};
	virDomainPtr d;
	int busy = -1;

	ck_assert_int_eq(virt_paths_in_use(URI, paths, 2, &busy), 0);
	ck_assert_int_eq(busy, 0);
	d = virDomainCreateXML(keep, vm_xml, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(virt_paths_in_use(URI, paths, 2, &busy), 0);
	ck_assert_int_eq(busy, 1);
	ck_assert_int_eq(virt_paths_in_use(URI, paths, 1, &busy), 0);
	ck_assert_int_eq(busy, 0);
	/* already plugged in */
	ck_assert_int_eq(virt_attach(URI, "vm1", "/dev/vas/db1"), -EEXIST);
	/* not plugged into that domain */
	ck_assert_int_eq(virt_detach(URI, "test", "/dev/vas/db1"), -ENOENT);
	ck_assert_int_eq(virt_attach(URI, "nosuchvm", "/dev/vas/db1"), -ENOENT);
	/* the test driver has no device hot-plug: the error is reported */
	ck_assert_int_eq(virt_attach(URI, "test", "/dev/vas/db1"), -EIO);
	ck_assert_int_eq(virDomainDestroy(d), 0);
	virDomainFree(d);
	ck_assert_int_eq(virt_paths_in_use(URI, paths, 2, &busy), 0);
	ck_assert_int_eq(busy, 0);
	ck_assert_int_eq(virt_paths_in_use("bogus:///x", paths, 2, &busy),
			 -EIO);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    disk_xml,
	    in_use_by_running_domain,
	    NULL,
	};

	return check_run("hsvr_virt", tests, setup, teardown);
}
