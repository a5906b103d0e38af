/* Parser of /proc/mdstat (pure) and member states of a raid1 array. */
#ifndef HSVR_MDSTAT_H
#define HSVR_MDSTAT_H

#define MDSTAT_MAX_MEMBERS 16
#define MDSTAT_MAX_ARRAYS  256

struct md_member {
	char kname[32]; /* e.g. dm-3 */
	int role;
	int faulty; /* (F) */
	int spare;  /* (S) */
};

struct md_array {
	char kname[32]; /* e.g. md0 */
	int raid_disks;
	char status[MDSTAT_MAX_MEMBERS + 1]; /* "UU_" */
	int recovering;
	int nmem;
	struct md_member mem[MDSTAT_MAX_MEMBERS];
};

enum md_member_state { MD_IN_SYNC = 1, MD_REBUILDING, MD_FAULTY };

/*
 * Parses mdstat text into arr[0..max). *n = arrays found. Unparseable
 * lines are skipped. 0, or -EINVAL if the text is not mdstat at all.
 */
int mdstat_parse(const char *text, struct md_array *arr, int max, int *n);
/* State of one member: faulty, in sync (its slot is U) or rebuilding. */
enum md_member_state md_member_state(const struct md_array *a,
				     const struct md_member *m);

#endif
