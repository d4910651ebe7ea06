// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/marking.h"

struct dscp_name {
	const char *name;
	uint8_t value;
};

/* RFC 2474 (CS), RFC 2597 (AF), RFC 3246 (EF), RFC 5865 (VA), RFC 8622
 * (LE). The first name of a value is the one printed. */
static const struct dscp_name dscp_names[] = {
	{ "CS0", 0 },   { "DF", 0 },    { "BE", 0 },    { "LE", 1 },
	{ "CS1", 8 },   { "AF11", 10 }, { "AF12", 12 }, { "AF13", 14 },
	{ "CS2", 16 },  { "AF21", 18 }, { "AF22", 20 }, { "AF23", 22 },
	{ "CS3", 24 },  { "AF31", 26 }, { "AF32", 28 }, { "AF33", 30 },
	{ "CS4", 32 },  { "AF41", 34 }, { "AF42", 36 }, { "AF43", 38 },
	{ "CS5", 40 },  { "VA", 44 },   { "EF", 46 },   { "CS6", 48 },
	{ "CS7", 56 },
};

#define DSCP_NAMES (sizeof(dscp_names) / sizeof(dscp_names[0]))

/* A whole unsigned number in [0, max]: decimal, or hex with 0x. */
static int parse_small(const char *text, unsigned long max,
		       unsigned long *out)
{
	unsigned long v;
	char *end;

	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 0);
	if (errno || *end || v > max)
		return -EINVAL;
	/* strtoul's base 0 reads a leading 0 as octal: "010" is not 8. */
	if (text[0] == '0' && text[1] && text[1] != 'x' && text[1] != 'X')
		return -EINVAL;
	*out = v;
	return 0;
}

/* One of the names (any case), or a number in [0, max]. */
static int parse_named(const char *text, const struct dscp_name *names,
		       size_t count, unsigned long max, uint8_t *out)
{
	unsigned long v;

	if (!text)
		return -EINVAL;
	for (size_t i = 0; i < count; i++) {
		if (!strcasecmp(text, names[i].name)) {
			*out = names[i].value;
			return 0;
		}
	}
	if (parse_small(text, max, &v))
		return -EINVAL;
	*out = (uint8_t)v;
	return 0;
}

int marking_parse_dscp(const char *text, uint8_t *dscp)
{
	return parse_named(text, dscp_names, DSCP_NAMES, MARKING_DSCP_MAX,
			   dscp);
}

int marking_parse_ecn(const char *text, uint8_t *ecn)
{
	static const struct dscp_name ecn_names[] = {
		{"not-ect", MARKING_ECN_NOT_ECT}, {"ect1", MARKING_ECN_ECT1},
		{"ect(1)", MARKING_ECN_ECT1},	  {"ect0", MARKING_ECN_ECT0},
		{"ect(0)", MARKING_ECN_ECT0},	  {"ce", MARKING_ECN_CE},
	};

	return parse_named(text, ecn_names,
			   sizeof(ecn_names) / sizeof(ecn_names[0]),
			   MARKING_ECN_MAX, ecn);
}

int marking_parse_tos(const char *text, uint8_t *tos)
{
	unsigned long v;

	if (parse_small(text, 255, &v))
		return -EINVAL;
	*tos = (uint8_t)v;
	return 0;
}

int marking_parse_vlan(const char *text, uint16_t *vlan_id, uint8_t *pcp)
{
	char id_text[8];
	const char *colon;
	unsigned long id, prio = 0;
	size_t len;

	if (!text)
		return -EINVAL;
	colon = strchr(text, ':');
	len = colon ? (size_t)(colon - text) : strlen(text);
	if (!len || len >= sizeof(id_text))
		return -EINVAL;
	memcpy(id_text, text, len);
	id_text[len] = '\0';
	if (parse_small(id_text, MARKING_VLAN_ID_MAX, &id) || id < 1)
		return -EINVAL;
	if (colon && parse_small(colon + 1, MARKING_PCP_MAX, &prio))
		return -EINVAL;
	*vlan_id = (uint16_t)id;
	*pcp = (uint8_t)prio;
	return 0;
}

int marking_parse_vlans(const char *text, struct marking_vlans *out)
{
	struct marking_vlans v = {0};
	const char *comma;
	char outer[16];
	size_t len;

	if (!text)
		return -EINVAL;
	comma = strchr(text, ',');
	if (!comma) {
		if (marking_parse_vlan(text, &v.id, &v.pcp))
			return -EINVAL;
		*out = v;
		return 0;
	}
	len = (size_t)(comma - text);
	if (len >= sizeof(outer))
		return -EINVAL;
	memcpy(outer, text, len);
	outer[len] = '\0';
	if (marking_parse_vlan(outer, &v.id, &v.pcp) ||
	    marking_parse_vlan(comma + 1, &v.inner_id, &v.inner_pcp))
		return -EINVAL;
	*out = v;
	return 0;
}

const char *marking_vlans_format(const struct marking_vlans *v, char *buf,
				 size_t len)
{
	if (!v->id)
		snprintf(buf, len, "none");
	else if (v->inner_id)
		snprintf(buf, len, "%u:%u,%u:%u", v->id, v->pcp, v->inner_id,
			 v->inner_pcp);
	else
		snprintf(buf, len, "%u:%u", v->id, v->pcp);
	return buf;
}

const char *marking_dscp_name(uint8_t dscp, char *buf, size_t len)
{
	for (size_t i = 0; i < DSCP_NAMES; i++) {
		if (dscp_names[i].value == dscp) {
			snprintf(buf, len, "%s", dscp_names[i].name);
			return buf;
		}
	}
	snprintf(buf, len, "%u", dscp);
	return buf;
}

const char *marking_ecn_name(uint8_t ecn)
{
	static const char *const names[] = { "not-ect", "ect1", "ect0", "ce" };

	return names[ecn & 3];
}
