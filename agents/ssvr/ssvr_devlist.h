/* The reporter's device lists and ssvrid file (ssvr.md 5.2). */
#ifndef VAS_SSVR_DEVLIST_H
#define VAS_SSVR_DEVLIST_H

#include "ssvr_priv.h"

struct devlist_ent {
	uint32_t pdskid; /* 0 = not registered */
	char path[PATH_MAX];
};

struct devlist {
	struct devlist_ent *ent;
	int n, cap;
};

/*
 * registered = false: register_device_list ("pdsk,<path>");
 * true: device_list ("pdsk-%08x,<path>"). -errno (-ENOENT: no file).
 */
int devlist_read(const char *file, bool registered, struct devlist *l);
int devlist_write(const char *file, const struct devlist *l);
void devlist_free(struct devlist *l);
/* Index of path, or -1. */
int devlist_find(const struct devlist *l, const char *path);
/* Sets the id of path, appending it when new. */
int devlist_set(struct devlist *l, uint32_t id, const char *path);
void devlist_remove(struct devlist *l, int i);

int ssvrid_read(const char *file, int32_t *id);
int ssvrid_write(const char *file, int32_t id);

#endif
