/*
 * The lvolstruct tree (vas_api.txt, sm.md 6.2): built by the manager from
 * its database, sent to head servers, shown by lvol_show. Plain data; its
 * wire form is in vas/lvolstruct_rpc.h.
 */
#ifndef VAS_LVOLSTRUCT_H
#define VAS_LVOLSTRUCT_H

#include <stdbool.h>
#include <stdint.h>

#define LVS_MAX_PATHS 8

struct vas_lvolstruct {
	int32_t lvolid;
	int lvoltype;	  /* enum vas_lvoltype */
	int64_t capacity; /* GiB, vb for DEXT */
	int mirror_status;
	/* lvolspec, by lvoltype */
	char lvolname[65];     /* LVOL */
	int redundancy;	       /* LVOL */
	char ctime[21];	       /* LVOL */
	int32_t origin_lvolid; /* SNAPSHOT; 0 when absent */
	int32_t pdskid;	       /* DEXT */
	int64_t offset;	       /* DEXT, vb */
	int32_t ssvrid;	       /* DEXT */
	int n_paths;	       /* DEXT: -1 = lvolspec is {} */
	char *iscsi_path[LVS_MAX_PATHS];
	/* DEXT, only towards a head agent with iscsi_chap on: the target's
	 * CHAP account (SECURITY.md "CHAP"). NULL otherwise; never logged. */
	char *chap_user;
	char *chap_secret;
	int n_labels;
	char **labels;
	int n_components;
	struct vas_lvolstruct *components;
	int n_assoc; /* LVOL: snapshots */
	struct vas_lvolstruct *assoc;
	int has_components; /* 0 for replaceMirrorDisk's add/remove */
};

/* Frees what a node owns (not the node itself). */
void lvs_clear(struct vas_lvolstruct *n);
/* Frees a heap node and everything below it. */
void lvs_free(struct vas_lvolstruct *n);

/* Sets labels/paths/children arrays; -ENOMEM on failure. */
int lvs_add_label(struct vas_lvolstruct *n, const char *label);
/*
 * Sets a DEXT's CHAP account; -EINVAL unless both are words of 1-64 of
 * [A-Za-z0-9._:-] (they become iscsiadm/tgtadm arguments), -ENOMEM.
 */
int lvs_set_chap(struct vas_lvolstruct *n, const char *user,
		 const char *secret);
bool lvs_chap_word(const char *s);
int lvs_add_path(struct vas_lvolstruct *n, const char *path);
/* Appends a zeroed child and returns it (NULL on -ENOMEM). */
struct vas_lvolstruct *lvs_add_component(struct vas_lvolstruct *n);
struct vas_lvolstruct *lvs_add_assoc(struct vas_lvolstruct *n);

#endif
