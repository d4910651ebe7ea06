// SPDX-License-Identifier: MIT
/*
 * RFC 2544 rows that are size mixes: the --sizes list, and the driver
 * over a scripted trial runner whose device forwards up to a fixed L1
 * bit rate. The rates the search tries, the line rate and the bit rates
 * in the report must all be over the mix's mean size: for IMIX
 * (64:7,594:4,1518:1) 4342 bytes a period of 12, 361.83 bytes a frame,
 * 381.83 on the wire with preamble, SFD and gap.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "search/rfc2544.h"

#define LINE_BPS 10000000000ULL
#define DEVICE_BPS_L1 1e9 /* what the scripted device forwards */
#define IMIX_MEAN (4342.0 / 12)

struct fake_runner {
	struct trial_runner base;
	unsigned int trials, bursts, with_mix;
	double first_pps;
	uint32_t last_frame_size;
	uint32_t mix_count;
	double mix_mean;
};

static int fake_line_rate(struct trial_runner *r, uint64_t *bps, char *source,
			  size_t source_len)
{
	(void)r;
	*bps = LINE_BPS;
	snprintf(source, source_len, "test");
	return 0;
}

/* The device: loses what exceeds DEVICE_BPS_L1 on the wire. */
static void device(double pps, double mean, struct trial_result *out)
{
	double offered = pps * (mean + 20) * 8;
	double share = offered > DEVICE_BPS_L1 ? DEVICE_BPS_L1 / offered : 1;

	memset(out, 0, sizeof(*out));
	out->duration_s = 1;
	out->sent = (uint64_t)llround(pps);
	out->received = (uint64_t)floor((double)out->sent * share);
	out->tx_pps = pps;
	trial_result_finish(out);
}

static double params_mean(struct fake_runner *fr, uint32_t frame_size,
			  const struct size_mix *mix)
{
	fr->last_frame_size = frame_size;
	fr->mix_count = mix ? mix->count : 0;
	if (!mix || !mix->count)
		return frame_size;
	fr->with_mix++;
	fr->mix_mean = sizemix_mean(mix);
	return fr->mix_mean;
}

static int fake_trial(struct trial_runner *r, const struct trial_params *p,
		      struct trial_result *out, struct lr_err *err)
{
	struct fake_runner *fr = (struct fake_runner *)r;

	(void)err;
	if (!fr->trials++)
		fr->first_pps = p->rate_pps;
	device(p->rate_pps, params_mean(fr, p->frame_size, p->mix), out);
	return 0;
}

static int fake_burst(struct trial_runner *r, const struct burst_params *p,
		      struct trial_result *out, struct lr_err *err)
{
	struct fake_runner *fr = (struct fake_runner *)r;

	(void)err;
	fr->bursts++;
	params_mean(fr, p->frame_size, p->mix);
	/* A buffer of 100 frames of whatever size. */
	memset(out, 0, sizeof(*out));
	out->sent = p->frames;
	out->received = p->frames > 100 ? 100 : p->frames;
	out->duration_s = 0.01;
	out->tx_pps = p->rate_pps;
	trial_result_finish(out);
	return 0;
}

static void fake_destroy(struct trial_runner *r)
{
	(void)r;
}

static const struct trial_runner_ops fake_ops = {
	.name = "fake",
	.line_rate = fake_line_rate,
	.run_trial = fake_trial,
	.run_burst = fake_burst,
	.destroy = fake_destroy,
};

/* trial_lab.c's, which this test does not link. */
void trial_result_finish(struct trial_result *res)
{
	res->lost = res->sent > res->received ? res->sent - res->received : 0;
	res->loss_ratio = res->sent ? (double)res->lost / (double)res->sent : 0;
	res->rx_pps = res->duration_s > 0 ?
			      (double)res->received / res->duration_s :
			      0;
}

static void test_sizes_parse(void **state)
{
	struct rfc2544_config c;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* Today's form still works, sorted ascending. */
	assert_int_equal(rfc2544_sizes_parse("512,64", &c), 0);
	assert_int_equal(c.nsizes, 2);
	assert_int_equal(c.sizes[0].frame_size, 64);
	assert_int_equal(c.sizes[0].mix.count, 0);
	assert_int_equal(c.sizes[1].frame_size, 512);

	/* imix is one row, placed by its mean size (361.83). */
	assert_int_equal(rfc2544_sizes_parse("64,512,1518,imix", &c), 0);
	assert_int_equal(c.nsizes, 4);
	assert_int_equal(c.sizes[0].frame_size, 64);
	assert_int_equal(c.sizes[1].mix.count, 3);
	assert_string_equal(c.sizes[1].mix.text, "imix");
	assert_int_equal(c.sizes[1].frame_size, 1518); /* its largest */
	assert_int_equal(c.sizes[2].frame_size, 512);
	assert_int_equal(c.sizes[3].frame_size, 1518);
	assert_int_equal(c.sizes[3].mix.count, 0);

	/* A custom mix has commas: ';' separates the rows. */
	assert_int_equal(rfc2544_sizes_parse("1518;128:1,1024:3;64", &c), 0);
	assert_int_equal(c.nsizes, 3);
	assert_int_equal(c.sizes[0].frame_size, 64);
	assert_int_equal(c.sizes[1].mix.count, 2);
	assert_int_equal(c.sizes[1].mix.weights[1], 3);
	assert_true(fabs(rfc2544_row_mean(&c.sizes[1]) - 800) < 1e-9);
	assert_int_equal(c.sizes[2].frame_size, 1518);

	/* Without ';', a list with a ':' is one mix; a sweep too. */
	assert_int_equal(rfc2544_sizes_parse("64:7,594:4,1518:1", &c), 0);
	assert_int_equal(c.nsizes, 1);
	assert_int_equal(c.sizes[0].mix.period, 12);
	assert_int_equal(rfc2544_sizes_parse("100..400/100", &c), 0);
	assert_int_equal(c.nsizes, 1);
	assert_int_equal(c.sizes[0].mix.count, 4);

	/* Refused, and c left as it was. */
	assert_int_equal(rfc2544_sizes_parse("64,64", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("imix;imix", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("imix;64:7,594:4,1518:1", &c),
			 -EINVAL); /* the same mix by two names */
	assert_int_equal(rfc2544_sizes_parse("63", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("64,", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse(";imix", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("64;;128", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("mix", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("64:0", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse("", &c), -EINVAL);
	assert_int_equal(rfc2544_sizes_parse(
				 "64,65,66,67,68,69,70,71,72,73,74,75,76,77,"
				 "78,79,80",
				 &c),
			 -EINVAL); /* 17 rows */
	assert_int_equal(c.nsizes, 1);
	assert_int_equal(c.sizes[0].mix.count, 4);
}

static void run_config(struct rfc2544_run *run, struct fake_runner *fr,
		       const char *sizes, unsigned int tests)
{
	struct rfc2544_config *c = &run->cfg;

	memset(run, 0, sizeof(*run));
	memset(fr, 0, sizeof(*fr));
	fr->base.ops = &fake_ops;
	assert_int_equal(rfc2544_sizes_parse(sizes, c), 0);
	c->tests = tests;
	c->trial_ns = 1000000000ULL;
	c->resolution = 0.005;
	c->pdr_loss = 0.005;
	c->min_rate.kind = RATE_PPS;
	c->min_rate.value = 1000;
	c->max_trials = 40;
	c->b2b_trials = 1;
	c->b2b_max_ns = 100000000ULL;
	run->runner = &fr->base;
}

static void test_imix_throughput(void **state)
{
	struct rfc2544_run run;
	struct fake_runner fr;
	const struct rfc2544_size_result *sr = &run.sizes[0];
	double want_ndr = DEVICE_BPS_L1 / ((IMIX_MEAN + 20) * 8); /* 327368 */
	double line = 1e10 / ((IMIX_MEAN + 20) * 8); /* 3273680 */
	char name[SIZEMIX_TEXT_LEN];
	json_t *doc, *row, *ndr;

	(void)state;
	run_config(&run, &fr, "imix", RFC2544_THROUGHPUT | RFC2544_B2B);
	assert_int_equal(rfc2544_execute(&run), 0);
	/* Every trial carried the mix; the runner saw its largest size. */
	assert_int_equal(fr.with_mix, fr.trials + fr.bursts);
	assert_int_equal(fr.mix_count, 3);
	assert_int_equal(fr.last_frame_size, 1518);
	assert_true(fabs(fr.mix_mean - IMIX_MEAN) < 1e-9);
	/* Line rate over the mean size, and the search starts there. */
	assert_true(fabs(sr->line_pps - line) < 1e-3);
	assert_true(fabs(sr->mean_size - IMIX_MEAN) < 1e-9);
	assert_true(fabs(fr.first_pps - floor(line)) < 1e-9);
	/* The NDR within the resolution below the device's rate. */
	assert_true(sr->goal[SEARCH_NDR].found);
	assert_true(sr->goal[SEARCH_NDR].result <= want_ndr);
	assert_true(sr->goal[SEARCH_NDR].result >= want_ndr * (1 - 0.005));
	/* Its bit rates, over the mix: the device's 1 Gbit/s on the wire. */
	assert_true(fabs(rfc2544_bps_l1(sr, sr->goal[SEARCH_NDR].result) -
			 sr->goal[SEARCH_NDR].result * 381.8333333333333 * 8) <
		    1);
	assert_true(rfc2544_bps_l1(sr, sr->goal[SEARCH_NDR].result) <=
		    DEVICE_BPS_L1);
	assert_true(rfc2544_bps_l1(sr, sr->goal[SEARCH_NDR].result) >=
		    DEVICE_BPS_L1 * 0.995);
	assert_true(fabs(rfc2544_bps_l2(sr, 1000) - 1000 * IMIX_MEAN * 8) <
		    1e-6);
	assert_string_equal(rfc2544_row_name(sr, name, sizeof(name)), "imix");
	/* Back-to-back: the scripted buffer of 100 frames, in frames. */
	assert_int_equal(sr->nb2b, 1);
	assert_true(fabs(sr->b2b_frames[0] - 100) < 1e-9);

	/* The JSON row names the mix and has no single frame size. */
	doc = rfc2544_json(&run);
	row = json_array_get(json_object_get(doc, "results"), 0);
	assert_true(json_is_null(json_object_get(row, "frame_size")));
	assert_string_equal(json_string_value(json_object_get(row, "name")),
			    "imix");
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(row, "size_mix"), "period")),
			 12);
	ndr = json_object_get(json_object_get(row, "throughput"), "ndr");
	assert_true(fabs(json_real_value(json_object_get(ndr, "mbps_l1")) -
			 rfc2544_bps_l1(sr, sr->goal[SEARCH_NDR].result) /
				 1e6) < 1e-6);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(doc,
								    "config"),
						    "frame_sizes"),
				    0)),
			    "imix");
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(doc, "trials"), 0),
			"size")),
		"imix");
	json_decref(doc);
	rfc2544_release(&run);
}

/* A single size next to a mix: each row converts with its own size. */
static void test_size_and_mix_rows(void **state)
{
	struct rfc2544_run run;
	struct fake_runner fr;

	(void)state;
	run_config(&run, &fr, "1518;128:1,1024:3", RFC2544_THROUGHPUT);
	assert_int_equal(rfc2544_execute(&run), 0);
	assert_int_equal(run.cfg.nsizes, 2);
	/* 128:1,1024:3: mean 800 bytes. */
	assert_true(fabs(run.sizes[0].mean_size - 800) < 1e-9);
	assert_true(fabs(run.sizes[0].line_pps - 1e10 / (820 * 8)) < 1e-3);
	assert_true(fabs(run.sizes[1].line_pps - 1e10 / (1538 * 8)) < 1e-3);
	assert_int_equal(run.sizes[1].mix.count, 0);
	for (unsigned int i = 0; i < 2; i++) {
		double ndr = run.sizes[i].goal[SEARCH_NDR].result;

		assert_true(rfc2544_bps_l1(&run.sizes[i], ndr) <= DEVICE_BPS_L1);
		assert_true(rfc2544_bps_l1(&run.sizes[i], ndr) >=
			    DEVICE_BPS_L1 * 0.995);
	}
	/* The single size's trials came without a mix. */
	assert_int_equal(fr.mix_count, 0);
	assert_int_equal(fr.last_frame_size, 1518);
	rfc2544_release(&run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_parse),
		cmocka_unit_test(test_imix_throughput),
		cmocka_unit_test(test_size_and_mix_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
