// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/clock.h"
#include "lib/units.h"

#define MAX_DURATION_NS (30ULL * 24 * 3600 * NSEC_PER_SEC)

/* Parse a finite, non-negative decimal number; *end points after it. */
static int parse_number(const char *text, double *value, const char **end)
{
	char *stop;
	double v;

	if (!isdigit((unsigned char)text[0]) && text[0] != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(text, &stop);
	if (stop == text || errno || !isfinite(v) || v < 0)
		return -EINVAL;
	/* strtod takes hex and exponents; people don't mean those here */
	for (const char *p = text; p < stop; p++)
		if (!isdigit((unsigned char)*p) && *p != '.')
			return -EINVAL;
	*value = v;
	*end = stop;
	return 0;
}

static double si_multiplier(char c)
{
	switch (c) {
	case 'k':
	case 'K':
		return 1e3;
	case 'M':
		return 1e6;
	case 'G':
	case 'g':
		return 1e9;
	case 'T':
		return 1e12;
	default:
		return 0;
	}
}

int parse_rate(const char *text, struct rate *out)
{
	const char *unit;
	double value, mult = 1;
	struct rate r;

	if (!text || !*text)
		return -EINVAL;
	if (!strcasecmp(text, "max") || !strcasecmp(text, "line")) {
		out->kind = RATE_MAX;
		out->value = 0;
		return 0;
	}
	if (parse_number(text, &value, &unit))
		return -EINVAL;
	if (!strcmp(unit, "%")) {
		if (value <= 0 || value > 100)
			return -ERANGE;
		out->kind = RATE_PERCENT;
		out->value = value;
		return 0;
	}
	if (si_multiplier(*unit)) {
		mult = si_multiplier(*unit);
		unit++;
	}
	if (!strcmp(unit, "pps")) {
		r.kind = RATE_PPS;
	} else if (!strcmp(unit, "bps") || !strcasecmp(unit, "bps-l1")) {
		r.kind = RATE_BPS_L1;
	} else if (!strcasecmp(unit, "bps-l2")) {
		r.kind = RATE_BPS_L2;
	} else {
		return -EINVAL;
	}
	r.value = value * mult;
	if (r.value <= 0)
		return -ERANGE;
	/* Beyond 1 Tbit/s or 2 Gpps nothing here can keep up; a typo. */
	if ((r.kind == RATE_PPS && r.value > 2e9) ||
	    (r.kind != RATE_PPS && r.value > 1.6e12))
		return -ERANGE;
	*out = r;
	return 0;
}

double rate_to_pps(const struct rate *rate, uint32_t frame_size,
		   uint64_t line_rate_bps)
{
	switch (rate->kind) {
	case RATE_PPS:
		return rate->value;
	case RATE_BPS_L1:
		return rate->value / ((frame_size + FRAME_L1_OVERHEAD) * 8.0);
	case RATE_BPS_L2:
		return rate->value / (frame_size * 8.0);
	case RATE_PERCENT:
		return (double)line_rate_bps * rate->value / 100.0 /
		       ((frame_size + FRAME_L1_OVERHEAD) * 8.0);
	case RATE_MAX:
	default:
		return 0;
	}
}

const char *format_si(double v, const char *unit, bool aligned, char *buf,
		      size_t len)
{
	static const struct {
		double scale;
		const char *prefix;
	} steps[] = { { 1e9, "G" }, { 1e6, "M" }, { 1e3, "k" }, { 1, "" } };
	size_t i = 0;

	while (i < 3 && v < steps[i].scale)
		i++;
	if (aligned)
		snprintf(buf, len, "%7.3f %s%s", v / steps[i].scale,
			 steps[i].prefix, unit);
	else
		snprintf(buf, len, "%.3g %s%s", v / steps[i].scale,
			 steps[i].prefix, unit);
	return buf;
}

const char *rate_format(const struct rate *rate, char *buf, size_t len)
{
	switch (rate->kind) {
	case RATE_PPS:
		return format_si(rate->value, "pps", false, buf, len);
	case RATE_BPS_L1:
		return format_si(rate->value, "bps (L1)", false, buf, len);
	case RATE_BPS_L2:
		return format_si(rate->value, "bps (L2)", false, buf, len);
	case RATE_PERCENT:
		snprintf(buf, len, "%g%% of line rate", rate->value);
		return buf;
	case RATE_MAX:
	default:
		snprintf(buf, len, "max");
		return buf;
	}
}

int parse_bitrate(const char *text, uint64_t *bps)
{
	const char *unit;
	double value, mult = 1;

	if (!text || parse_number(text, &value, &unit))
		return -EINVAL;
	if (si_multiplier(*unit)) {
		mult = si_multiplier(*unit);
		unit++;
	}
	if (*unit && strcmp(unit, "bps") && strcmp(unit, "bit"))
		return -EINVAL;
	value *= mult;
	if (value < 1e3 || value > 1.6e12)
		return -ERANGE;
	*bps = (uint64_t)value;
	return 0;
}

int parse_duration(const char *text, uint64_t *ns)
{
	const char *unit;
	double value, scale;

	if (!text || parse_number(text, &value, &unit))
		return -EINVAL;
	if (!*unit || !strcmp(unit, "s"))
		scale = 1e9;
	else if (!strcmp(unit, "ms"))
		scale = 1e6;
	else if (!strcmp(unit, "us"))
		scale = 1e3;
	else if (!strcmp(unit, "ns"))
		scale = 1;
	else if (!strcmp(unit, "m") || !strcmp(unit, "min"))
		scale = 60e9;
	else if (!strcmp(unit, "h"))
		scale = 3600e9;
	else
		return -EINVAL;
	value *= scale;
	if (value < 1 || value > (double)MAX_DURATION_NS)
		return -ERANGE;
	/* 1.001 * 1e9 is 1000999999.9999999 in binary: round, don't truncate */
	*ns = (uint64_t)(value + 0.5);
	return 0;
}

int parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *unit;
	double value, mult = 1;

	if (!text)
		return -EINVAL;
	/* Plain integers exactly: a double would round above 2^53. */
	if (*text && strspn(text, "0123456789") == strlen(text)) {
		unsigned long long v;
		char *end;

		errno = 0;
		v = strtoull(text, &end, 10);
		if (errno == ERANGE || v < min || v > max)
			return -ERANGE;
		*out = v;
		return 0;
	}
	if (parse_number(text, &value, &unit))
		return -EINVAL;
	if (*unit) {
		mult = si_multiplier(*unit);
		if (!mult || unit[1])
			return -EINVAL;
	}
	value *= mult;
	/* 1.005 * 1000 is 1004.9999999999999 in binary: snap what is an
	 * integer up to rounding, reject what is really a fraction. */
	if (fabs(value - nearbyint(value)) > value * 1e-12)
		return -EINVAL;
	value = nearbyint(value);
	/* Compare as integers: min and max above 2^53 round as doubles. */
	if (value > 1.8e19 || (uint64_t)value < min || (uint64_t)value > max)
		return -ERANGE;
	*out = (uint64_t)value;
	return 0;
}

int parse_endpoint(const char *text, bool port_optional, struct ip_addr *ip,
		   uint16_t *port, bool *has_port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port_text = NULL;
	struct ip_addr addr;
	uint64_t p = 0;
	size_t n;

	if (!text || !*text)
		return -EINVAL;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close)
			return -EINVAL;
		n = (size_t)(close - text - 1);
		if (close[1] == ':')
			port_text = close + 2;
		else if (close[1])
			return -EINVAL;
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, text + 1, n);
		host[n] = '\0';
	} else {
		const char *colon = strchr(text, ':');

		/* A second colon means a bare IPv6 address without a port. */
		if (colon && !strchr(colon + 1, ':')) {
			n = (size_t)(colon - text);
			port_text = colon + 1;
		} else {
			n = strlen(text);
		}
		if (n >= sizeof(host))
			return -EINVAL;
		memcpy(host, text, n);
		host[n] = '\0';
	}
	if (ip_addr_parse(host, &addr))
		return -EINVAL;
	if (port_text) {
		if (parse_u64(port_text, 1, 65535, &p) || strpbrk(port_text, "kMG"))
			return -EINVAL;
	} else if (!port_optional) {
		return -EINVAL;
	}
	*ip = addr;
	if (port)
		*port = (uint16_t)p;
	if (has_port)
		*has_port = port_text != NULL;
	return 0;
}
