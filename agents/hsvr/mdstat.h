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
/*
 * State of one member from /proc/mdstat alone: faulty, in sync (its slot
 * is U) or rebuilding. Only right where [n] is the slot: a real kernel
 * prints the descriptor number, and with 0.90 metadata a hot-added leg
 * keeps one >= raid_disks after its rebuild; use md_state_of_flags() on
 * sysfs md/dev-<kname>/state where it exists.
 */
enum md_member_state md_member_state(const struct md_array *a,
				     const struct md_member *m);
/*
 * State from sysfs md/dev-<kname>/state, a comma separated flag list
 * ("in_sync", "faulty,write_error", "spare", "in_sync,write_mostly"; W16).
 */
enum md_member_state md_state_of_flags(const char *flags);

#endif
