/*
 * Userspace iSCSI initiator for the storage-server tests (libiscsi):
 *   iscsi_rw URL serial             prints the unit serial number
 *   iscsi_rw URL write LBA N BYTE   fills N 512-byte blocks with BYTE
 *   iscsi_rw URL read LBA N         copies N blocks to stdout
 * URL is iscsi://<host>/<iqn>/<lun>. Exit 0 on success.
 */
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLK 512

static int do_serial(struct iscsi_context *s, int lun)
{
	struct scsi_task *t = iscsi_inquiry_sync(
	    s, lun, 1, SCSI_INQUIRY_PAGECODE_UNIT_SERIAL_NUMBER, 255);
	struct scsi_inquiry_unit_serial_number *usn;
	int ret = 1;

	if (t && t->status == SCSI_STATUS_GOOD) {
		usn = scsi_datain_unmarshall(t);
		if (usn) {
			printf("%s\n", usn->usn);
			ret = 0;
		}
	}
	if (t)
		scsi_free_scsi_task(t);
	return ret;
}

static int do_rw(struct iscsi_context *s, int lun, int write, uint64_t lba,
		 uint32_t n, int byte)
{
	unsigned char *buf = calloc(n, BLK);
	struct scsi_task *t;
	int ret = 1;

	if (!buf)
		return 1;
	memset(buf, byte, (size_t)n * BLK);
	t = write ? iscsi_write16_sync(s, lun, lba, buf, n * BLK, BLK, 0, 0, 0,
				       0, 0)
		  : iscsi_read16_sync(s, lun, lba, n * BLK, BLK, 0, 0, 0, 0, 0);
	if (t && t->status == SCSI_STATUS_GOOD) {
		ret = 0;
		if (!write && fwrite(t->datain.data, 1, (size_t)n * BLK,
				     stdout) != (size_t)n * BLK)
			ret = 1;
	}
	if (t)
		scsi_free_scsi_task(t);
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	struct iscsi_context *s;
	struct iscsi_url *url;
	int ret = 1;

	if (argc < 3)
		return 2;
	s = iscsi_create_context("iqn.2000-11.test:initiator");
	if (!s)
		return 1;
	url = iscsi_parse_full_url(s, argv[1]);
	if (!url)
		goto out;
	iscsi_set_targetname(s, url->target);
	iscsi_set_session_type(s, ISCSI_SESSION_NORMAL);
	iscsi_set_header_digest(s, ISCSI_HEADER_DIGEST_NONE);
	if (iscsi_full_connect_sync(s, url->portal, url->lun)) {
		fprintf(stderr, "connect: %s\n", iscsi_get_error(s));
		goto out_url;
	}
	if (!strcmp(argv[2], "serial"))
		ret = do_serial(s, url->lun);
	else if (!strcmp(argv[2], "write") && argc == 6)
		ret = do_rw(s, url->lun, 1, strtoull(argv[3], NULL, 0),
			    (uint32_t)strtoul(argv[4], NULL, 0),
			    (int)strtol(argv[5], NULL, 0));
	else if (!strcmp(argv[2], "read") && argc == 5)
		ret = do_rw(s, url->lun, 0, strtoull(argv[3], NULL, 0),
			    (uint32_t)strtoul(argv[4], NULL, 0), 0);
	if (ret)
		fprintf(stderr, "%s: %s\n", argv[2], iscsi_get_error(s));
	iscsi_logout_sync(s);
out_url:
	iscsi_destroy_url(url);
out:
	iscsi_destroy_context(s);
	return ret;
}
