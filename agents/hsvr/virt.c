/* libvirt glue: device-in-use test and virtio disk hot-plug. */
#include <stddef.h>

#include "virt.h"

#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/log.h"

static void quiet(void *ud, virErrorPtr err)
{
	(void)ud;
	(void)err;
}

static virConnectPtr open_conn(const char *uri)
{
	virConnectPtr c;

	virSetErrorFunc(NULL, quiet);
	c = virConnectOpen(uri);
	if (!c)
		log_err("libvirt: cannot open %s", uri);
	return c;
}

/* Does domain XML name dev as a disk source? */
static int xml_uses(const char *xml, const char *dev)
{
	char a[4200], b[4200];

	snprintf(a, sizeof(a), "dev='%s'", dev);
	snprintf(b, sizeof(b), "dev=\"%s\"", dev);
	return strstr(xml, a) || strstr(xml, b);
}

int virt_paths_in_use(const char *uri, const char *const *paths, int n,
		      int *in_use)
{
	virConnectPtr c = open_conn(uri);
	virDomainPtr *doms = NULL;
	int nd, i, k;

	*in_use = 0;
	if (!c)
		return -EIO;
	nd =
	    virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (i = 0; i < nd; i++) {
		char *xml = virDomainGetXMLDesc(doms[i], 0);

		for (k = 0; xml && k < n; k++)
			if (xml_uses(xml, paths[k]))
				*in_use = 1;
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	return nd < 0 ? -EIO : 0;
}

/* The target (vdX) of the disk whose source is dev, from domain XML. */
static int target_of(const char *xml, const char *dev, char *target,
		     size_t len);

int virt_resize(const char *uri, const char *const *paths, int n,
		unsigned long long bytes, int *told)
{
	virConnectPtr c = open_conn(uri);
	virDomainPtr *doms = NULL;
	int nd, i, k, ret = 0;

	*told = 0;
	if (!c)
		return -EIO;
	nd =
	    virConnectListAllDomains(c, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	for (i = 0; i < nd; i++) {
		char *xml = virDomainGetXMLDesc(doms[i], 0), target[16];
		const char *name = virDomainGetName(doms[i]);

		for (k = 0; xml && k < n; k++) {
			if (!xml_uses(xml, paths[k]) ||
			    target_of(xml, paths[k], target, sizeof(target)))
				continue;
			if (virDomainBlockResize(
				doms[i], target, bytes,
				VIR_DOMAIN_BLOCK_RESIZE_BYTES) < 0) {
				virErrorPtr e = virGetLastError();

				log_warn("libvirt: %s %s (%s): resize to %llu "
					 "bytes: %s",
					 name ? name : "?", target, paths[k],
					 bytes,
					 e && e->message ? e->message : "?");
				ret = -EIO;
			} else {
				log_info("libvirt: %s %s (%s) is now %llu "
					 "bytes",
					 name ? name : "?", target, paths[k],
					 bytes);
				(*told)++;
			}
		}
		free(xml);
		virDomainFree(doms[i]);
	}
	free(doms);
	virConnectClose(c);
	return nd < 0 ? -EIO : ret;
}

int virt_disk_xml(char *buf, size_t len, const char *dev, const char *target)
{
	int n = snprintf(buf, len,
			 "<disk type='block' device='disk'>"
			 "<driver name='qemu' type='raw' cache='none'/>"
			 "<source dev='%s'/>"
			 "<target dev='%s' bus='virtio'/>"
			 "</disk>",
			 dev, target);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The target (vdX) of the disk whose source is dev, from domain XML. */
static int target_of(const char *xml, const char *dev, char *target, size_t len)
{
	char pat[4200];
	const char *p, *t;

	snprintf(pat, sizeof(pat), "dev='%s'", dev);
	p = strstr(xml, pat);
	if (!p)
		return -ENOENT;
	t = strstr(p, "<target dev='");
	if (!t)
		return -ENOENT;
	t += 13;
	if (!strchr(t, '\'') || (size_t)(strchr(t, '\'') - t) >= len)
		return -EINVAL;
	memcpy(target, t, (size_t)(strchr(t, '\'') - t));
	target[strchr(t, '\'') - t] = '\0';
	return 0;
}

static int hotplug(const char *uri, const char *domain, const char *dev,
		   int attach)
{
	virConnectPtr c = open_conn(uri);
	virDomainPtr d = NULL;
	char xml[8192], target[16] = "", *desc = NULL;
	int ret = 0, i;

	if (!c)
		return -EIO;
	d = virDomainLookupByName(c, domain);
	if (!d) {
		ret = -ENOENT;
		goto out;
	}
	desc = virDomainGetXMLDesc(d, 0);
	if (!desc) {
		ret = -EIO;
		goto out;
	}
	if (attach) {
		if (xml_uses(desc, dev)) {
			ret = -EEXIST;
			goto out;
		}
		for (i = 'b'; i <= 'z' && !target[0]; i++) {
			char pat[32];

			snprintf(pat, sizeof(pat), "<target dev='vd%c'", i);
			if (!strstr(desc, pat))
				snprintf(target, sizeof(target), "vd%c", i);
		}
		if (!target[0]) {
			ret = -ENOSPC;
			goto out;
		}
	} else {
		ret = target_of(desc, dev, target, sizeof(target));
		if (ret)
			goto out;
	}
	ret = virt_disk_xml(xml, sizeof(xml), dev, target);
	if (ret)
		goto out;
	if ((attach ? virDomainAttachDeviceFlags(d, xml, VIR_DOMAIN_AFFECT_LIVE)
		    : virDomainDetachDeviceFlags(d, xml,
						 VIR_DOMAIN_AFFECT_LIVE)) < 0) {
		virErrorPtr e = virGetLastError();

		log_err("libvirt %s %s on %s: %s", attach ? "attach" : "detach",
			dev, domain, e && e->message ? e->message : "?");
		ret = -EIO;
	}
out:
	free(desc);
	if (d)
		virDomainFree(d);
	virConnectClose(c);
	return ret;
}

int virt_attach(const char *uri, const char *domain, const char *dev)
{
	return hotplug(uri, domain, dev, 1);
}

int virt_detach(const char *uri, const char *domain, const char *dev)
{
	return hotplug(uri, domain, dev, 0);
}
