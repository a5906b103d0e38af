/* libvirt glue: which running domains use a device; hot-plug a volume. */
#ifndef HSVR_VIRT_H
#define HSVR_VIRT_H

#include <stddef.h>

/* *in_use = 1 when a running domain has a disk whose source is a path. */
int virt_paths_in_use(const char *uri, const char *const *paths, int n,
		      int *in_use);
/*
 * Tells each running domain with a disk whose source is one of paths that
 * it now has bytes (virDomainBlockResize; a grown volume, issue 16).
 * *told counts the disks told; -EIO when one could not be.
 */
int virt_resize(const char *uri, const char *const *paths, int n,
		unsigned long long bytes, int *told);
/* Disk XML for a block device as a virtio disk at target (vdX). */
int virt_disk_xml(char *buf, size_t len, const char *dev, const char *target);
/* Hot-plugs dev into domain as the first free vdX; detaches it again. */
int virt_attach(const char *uri, const char *domain, const char *dev);
int virt_detach(const char *uri, const char *domain, const char *dev);

#endif
