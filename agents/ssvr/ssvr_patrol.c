/*
 * Disk patrol: one thread reads every exported disk round-robin, one
 * stripe at a time, within a bandwidth budget; skips ranges being shredded;
 * keeps its position per disk in <state_dir>/patrol across restarts; read
 * errors become notifyBadBlocks (vb numbers), never a whole-disk failure.
 */
#include "ssvr_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vas/log.h"

#define PATROL_ALIGN	 4096
#define PATROL_SAVE_S	 10
#define PATROL_MAX_DISKS 4096
#define PATROL_REPORTED	 256

struct patrol_pos {
	uint32_t pdskid;
	uint64_t next_off;
	bool open_failed; /* logged once until it works again */
	bool reported;	  /* notifyFailure(PDSK) sent for this disk */
};

struct patrol {
	const struct ssvr_cfg *cfg;
	struct shredder *shred;
	atomic_bool stop;
	pthread_t thr;
	bool started;
	struct patrol_pos *pos;
	int npos;
	int cursor;
	void *buf;
	time_t last_save;
	struct {
		uint32_t pdskid;
		int32_t vb;
	} reported[PATROL_REPORTED];
	int nrep;
};

static int save_state(struct patrol *p)
{
	char path[PATH_MAX], *data;
	size_t len = 0, cap = (size_t)p->npos * 32 + 1;
	int i, ret;

	ret = ssvr_path(path, sizeof(path), p->cfg, "patrol");
	if (ret)
		return ret;
	data = malloc(cap);
	if (!data)
		return -ENOMEM;
	data[0] = '\0';
	for (i = 0; i < p->npos; i++)
		len += (size_t)snprintf(data + len, cap - len,
					"%08x %" PRIu64 "\n", p->pos[i].pdskid,
					p->pos[i].next_off);
	ret = ssvr_write_atomic(path, data, len);
	free(data);
	p->last_save = time(NULL);
	return ret;
}

static void load_state(struct patrol *p)
{
	char path[PATH_MAX], line[64];
	FILE *f;

	if (ssvr_path(path, sizeof(path), p->cfg, "patrol"))
		return;
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && p->npos < PATROL_MAX_DISKS) {
		struct patrol_pos *np;
		unsigned int id;
		uint64_t off;

		if (sscanf(line, "%8x %" SCNu64, &id, &off) != 2)
			continue;
		np = realloc(p->pos, (size_t)(p->npos + 1) * sizeof(*np));
		if (!np)
			break;
		p->pos = np;
		memset(&p->pos[p->npos], 0, sizeof(*np));
		p->pos[p->npos].pdskid = id;
		p->pos[p->npos].next_off = off;
		p->npos++;
	}
	fclose(f);
}

/* Makes pos[] follow the exported disks (new ones start at 0). */
static int sync_disks(struct patrol *p)
{
	struct patrol_pos *np;
	struct ssvr_disk *d;
	int n, i, j, ret;

	ret = ssvr_disk_list(p->cfg, &d, &n);
	if (ret)
		return ret;
	np = calloc((size_t)n + 1, sizeof(*np));
	if (!np) {
		free(d);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		np[i].pdskid = d[i].pdskid;
		for (j = 0; j < p->npos; j++)
			if (p->pos[j].pdskid == d[i].pdskid)
				np[i] = p->pos[j];
	}
	free(d);
	free(p->pos);
	p->pos = np;
	p->npos = n;
	return 0;
}

/* True the first time (pdskid, vb) is seen: one report per block. */
static bool first_report(struct patrol *p, uint32_t pdskid, int32_t vb)
{
	int i;

	for (i = 0; i < p->nrep; i++)
		if (p->reported[i].pdskid == pdskid && p->reported[i].vb == vb)
			return false;
	if (p->nrep < PATROL_REPORTED) {
		p->reported[p->nrep].pdskid = pdskid;
		p->reported[p->nrep].vb = vb;
		p->nrep++;
	}
	return true;
}

/*
 * A stripe failed: re-reads it MiB by MiB to find the vb blocks that
 * really fail (a stripe may straddle two) and reports the new ones.
 */
static void report_bad(struct patrol *p, int fd, uint32_t pdskid, uint64_t off,
		       uint64_t len)
{
	int32_t todo[8];
	uint64_t o;
	int n = 0;

	for (o = off; o < off + len && n < 8; o += SSVR_MIB) {
		size_t l = off + len - o < SSVR_MIB ? (size_t)(off + len - o)
						    : (size_t)SSVR_MIB;
		int32_t vb = (int32_t)(o / SSVR_VB_BYTES);

		if (pread(fd, p->buf, l, (off_t)o) >= 0 || errno != EIO)
			continue;
		if ((!n || todo[n - 1] != vb) && first_report(p, pdskid, vb))
			todo[n++] = vb;
	}
	if (n)
		notify_badblocks(p->cfg, pdskid, todo, n, &p->stop);
}

/* The whole disk failed: notifyFailure(PDSK), once per disk. */
static void report_dead(struct patrol *p, struct patrol_pos *pos)
{
	if (pos->reported)
		return;
	log_err("patrol: pdsk-%08x: the disk failed", pos->pdskid);
	if (!notify_disk_failed(p->cfg, pos->pdskid, &p->stop))
		pos->reported = true;
}

/* Reads one stripe of pos; returns bytes read (0 when skipped) or -errno. */
static int64_t read_stripe(struct patrol *p, struct patrol_pos *pos)
{
	uint64_t size, len,
	    stripe = (uint64_t)p->cfg->patrol_stripe_mib * SSVR_MIB;
	char link[PATH_MAX];
	int64_t ret;
	ssize_t r;
	int fd;

	struct stat st;

	ret = ssvr_disk_link(p->cfg, pos->pdskid, link, sizeof(link));
	if (ret)
		return ret;
	fd = zero_open_direct(link, O_RDONLY);
	ret = fd < 0 ? fd : zero_size_fd(fd, &size);
	if (ret) {
		/* Never a bad block: the device vanished or is offline. */
		if (!pos->open_failed)
			log_err("patrol: pdsk-%08x: %s: %s", pos->pdskid, link,
				strerror((int)-ret));
		pos->open_failed = true;
		if (fd >= 0)
			close(fd);
		if (!lstat(link, &st) && disk_failed_err((int)ret))
			report_dead(p, pos);
		return ret;
	}
	pos->open_failed = false;
	if (pos->next_off + PATROL_ALIGN > size) {
		if (pos->next_off)
			log_info("patrol: pdsk-%08x: pass complete",
				 pos->pdskid);
		pos->next_off = 0;
	}
	len = size - pos->next_off < stripe ? size - pos->next_off : stripe;
	len -= len % PATROL_ALIGN;
	ret = 0;
	if (!len || shredder_busy(p->shred, pos->pdskid, pos->next_off, len))
		goto out; /* nothing to read, or being zeroed right now */
	r = pread(fd, p->buf, (size_t)len, (off_t)pos->next_off);
	if (r < 0 && errno == EIO) {
		log_err("patrol: pdsk-%08x: read error at byte %" PRIu64,
			pos->pdskid, pos->next_off);
		/* Nothing of the disk reads at all: the disk, not a block. */
		if (disk_dead(fd, size))
			report_dead(p, pos);
		else
			report_bad(p, fd, pos->pdskid, pos->next_off, len);
	} else if (r < 0) {
		ret = -errno;
		log_err("patrol: pdsk-%08x: %s", pos->pdskid, strerror(errno));
		goto out_close;
	}
	ret = (int64_t)len;
out:
	pos->next_off += len ? len : PATROL_ALIGN;
out_close:
	close(fd);
	return ret;
}

int patrol_step(struct patrol *p)
{
	int64_t got;
	int ret;

	ret = sync_disks(p);
	if (ret || !p->npos)
		return ret;
	p->cursor %= p->npos;
	got = read_stripe(p, &p->pos[p->cursor]);
	p->cursor++;
	if (time(NULL) - p->last_save >= PATROL_SAVE_S)
		save_state(p);
	return got < 0 ? (int)got : (int)(got / SSVR_MIB);
}

static void *patrol_main(void *arg)
{
	struct patrol *p = arg;

	if (!ssvr_sleep(&p->stop, p->cfg->patrol_first_sleep_s * 1000))
		return NULL;
	log_info("patrol: started, %ld MiB/s in %ld MiB stripes",
		 p->cfg->patrol_bandwidth_mib, p->cfg->patrol_stripe_mib);
	while (!atomic_load(&p->stop)) {
		int mib = patrol_step(p);
		long ms = 1000;

		if (mib > 0)
			ms = mib * 1000L / p->cfg->patrol_bandwidth_mib;
		else if (p->npos)
			ms = 10;
		if (!ssvr_sleep(&p->stop, ms))
			break;
	}
	return NULL;
}

static void patrol_free(struct patrol *p)
{
	free(p->buf);
	free(p->pos);
	free(p);
}

int patrol_start(const struct ssvr_cfg *cfg, struct shredder *shred,
		 struct patrol **out)
{
	struct patrol *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	p->cfg = cfg;
	p->shred = shred;
	p->last_save = time(NULL);
	if (posix_memalign(&p->buf, PATROL_ALIGN,
			   (size_t)cfg->patrol_stripe_mib * SSVR_MIB)) {
		p->buf = NULL;
		patrol_free(p);
		return -ENOMEM;
	}
	load_state(p);
	if (cfg->patrol_bandwidth_mib > 0) {
		ret = -pthread_create(&p->thr, NULL, patrol_main, p);
		if (ret) {
			patrol_free(p);
			return ret;
		}
		p->started = true;
	}
	*out = p;
	return 0;
}

void patrol_stop(struct patrol *p)
{
	if (!p)
		return;
	atomic_store(&p->stop, true);
	if (p->started)
		pthread_join(p->thr, NULL);
	if (p->npos)
		save_state(p);
	patrol_free(p);
}
