/* Unit conversions, volume-name rules and printed id formats. */
#include "vas/units.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int64_t units_round_up(int64_t cap_gib, int64_t unit)
{
	if (unit <= 0)
		return cap_gib;
	return (cap_gib + unit - 1) / unit * unit;
}

int64_t units_cow_gib(int64_t origin_gib, int64_t unit)
{
	/* Closed form of the original's calc_cow_size (its errors cancel). */
	return units_round_up(origin_gib + origin_gib / 1024 + 1, unit);
}

void units_disk_vb(int64_t sectors, int64_t *vb, int64_t *rest_sectors)
{
	*vb = sectors / VAS_SECTORS_PER_VB;
	*rest_sectors = sectors % VAS_SECTORS_PER_VB;
	if (*rest_sectors == 0) {
		/* The SUPER extent always keeps at least one sector. */
		*vb -= 1;
		*rest_sectors = VAS_SECTORS_PER_VB;
	}
	if (*vb < 0) {
		*vb = 0;
		*rest_sectors = sectors;
	}
}

static bool valid_name_char(unsigned char c)
{
	return isalnum(c) || c == '.' || c == '-' || c == '_';
}

int names_check_lvolname(const char *name)
{
	size_t len = strlen(name), i;
	bool id_like;

	if (len == 0 || len > VAS_LVOLNAME_MAX)
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++)
		if (!valid_name_char((unsigned char)name[i]))
			return -EINVAL;
	/* ^lvol-[0-f]+$ with the ASCII range '0'..'f' of the original. */
	if (strncmp(name, "lvol-", 5) || len == 5)
		return 0;
	id_like = true;
	for (i = 5; i < len; i++)
		if ((unsigned char)name[i] < '0' ||
		    (unsigned char)name[i] > 'f')
			id_like = false;
	return id_like ? -EINVAL : 0;
}

bool names_valid_ipv4(const char *s)
{
	struct in_addr a;
	const char *p;
	int dots = 0;

	for (p = s; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!isdigit((unsigned char)*p))
			return false;
	}
	return dots == 3 && inet_pton(AF_INET, s, &a) == 1;
}

void ids_format(char *buf, size_t len, const char *prefix, uint32_t id)
{
	snprintf(buf, len, "%s%08x", prefix, id);
}

int ids_parse(const char *text, const char *prefix, int64_t *out)
{
	size_t plen = strlen(prefix);
	const char *hex = text;
	int64_t v = 0;
	int i;

	if (plen && !strncmp(text, prefix, plen))
		hex = text + plen;
	if (strlen(hex) != 8)
		return -EINVAL;
	for (i = 0; i < 8; i++) {
		int c = tolower((unsigned char)hex[i]);

		if (!isxdigit(c))
			return -EINVAL;
		v = v * 16 + (isdigit(c) ? c - '0' : c - 'a' + 10);
	}
	*out = v;
	return 0;
}
