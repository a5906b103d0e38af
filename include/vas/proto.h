/* Wire constants of the Vastsky protocol (XMLRPC_VERSION 5). */
#ifndef VAS_PROTO_H
#define VAS_PROTO_H

#define VAS_XMLRPC_VERSION 5
#define VAS_PORT_SM	   8881
#define VAS_PORT_HSVR	   8882
#define VAS_PORT_SSVR	   8883

/* Fault code for internal errors; not an errno. */
#define VAS_EINTERNAL 500
/*
 * A handler returning -(VAS_ERELAY + code) relays a peer's fault code as
 * it is (errno name as string, 500 as "Internal Server Error").
 */
#define VAS_ERELAY 100000

/* Fault code of the original for an unknown method. */
#define VAS_ENOMETHOD 1

enum vas_priority {
	PRIO_HIGH = 1,
	PRIO_LOW = 2,
	PRIO_EVACUATE = 3,
	PRIO_OFFLINE = 4,
	PRIO_FAULTY = 5,
	PRIO_HALT = 6,
};

enum vas_ext_status {
	EXT_BUSY = 1,
	EXT_FREE = 2,
	EXT_EVACUATE = 3,
	EXT_OFFLINE = 4,
	EXT_SUPER = 5,
	EXT_FAULTY = 6,
};

enum vas_mirror_status {
	MIRROR_ALLOCATED = 1,
	MIRROR_INSYNC = 2,
	MIRROR_SPARE = 3,
	MIRROR_FAULTY = 4,
	MIRROR_NEEDSHRED = 5,
};

enum vas_lvoltype {
	LVOLTYPE_LVOL = 0,
	LVOLTYPE_LINEAR = 1,
	LVOLTYPE_MIRROR = 2,
	LVOLTYPE_DEXT = 3,
	LVOLTYPE_SNAPSHOT_ORIGIN = 6,
	LVOLTYPE_SNAPSHOT = 7,
};

enum vas_attach_status { ATTACH_UNBOUND = 0, ATTACH_BOUND = 1, ATTACH_ERROR = 2 };
enum vas_attach_event { ATTACH_EV_NONE = 0, ATTACH_BINDING = 1, ATTACH_UNBINDING = 2 };

enum vas_target {
	TARGET_HSVR = 1,
	TARGET_SSVR = 2,
	TARGET_PDSK = 3,
	TARGET_LVOL = 4,
};

enum vas_event_status {
	EV_NONE = 0,
	EV_PENDING = 1,
	EV_PROGRESS = 2,
	EV_DONE = 3,
	EV_CANCELED = 4,
	EV_ERROR = 5,
};

#endif
