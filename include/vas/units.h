/* Units, names and printed ids shared by every component. */
#ifndef VAS_UNITS_H
#define VAS_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VAS_SECTORS_PER_GIB 2097152LL
#define VAS_SECTORS_PER_VB  2099200LL /* 1 vb = 1025 MiB */
#define VAS_MIB_PER_VB	    1025LL
#define VAS_MAX_LENGTH_GIB  1048576
#define VAS_MIN_REDUNDANCY  2
#define VAS_MAX_REDUNDANCY  9
#define VAS_DEF_REDUNDANCY  3
#define VAS_MAX_RESOURCEID  0x7fffffff
#define VAS_MAX_EVENTID	    1048576
#define VAS_LVOLNAME_MAX    64

/* ceil(cap_gib / unit) * unit, in 64 bits. */
int64_t units_round_up(int64_t cap_gib, int64_t unit);
/* Copy-on-write store of a snapshot of an origin of g GiB (sm.md 5.2). */
int64_t units_cow_gib(int64_t origin_gib, int64_t unit);
/*
 * Splits a disk of `sectors` into whole vb usable for data and the
 * leftover sectors of the SUPER extent (1 .. 2 099 200).
 */
void units_disk_vb(int64_t sectors, int64_t *vb, int64_t *rest_sectors);

/* check_lvolname: 0 if the name is acceptable for a new volume. */
int names_check_lvolname(const char *name);
/* Strict dotted-quad IPv4 check. */
bool names_valid_ipv4(const char *s);

/* "<prefix>%08x" into buf. */
void ids_format(char *buf, size_t len, const char *prefix, uint32_t id);
/*
 * get_targetid (cli.md 2.2), strict variant: "<prefix>XXXXXXXX" or
 * "XXXXXXXX" with exactly 8 hex digits. 0 and -EINVAL.
 */
int ids_parse(const char *text, const char *prefix, int64_t *out);

#endif
