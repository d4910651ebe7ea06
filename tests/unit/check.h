/* SPDX-License-Identifier: MIT */
#ifndef LINERATE_TEST_CHECK_H
#define LINERATE_TEST_CHECK_H

/* Checks the unit tests share, beside cmocka's (include cmocka.h first). */

#include <math.h>

/* cmocka 1.1 compares only floats; rates need doubles. */
#define assert_close(a, b, eps)                                                \
	do {                                                                   \
		double a_ = (a), b_ = (b), e_ = (eps);                         \
		if (!(fabs(a_ - b_) <= e_))                                    \
			fail_msg("%s = %.17g, expected %.17g +- %g", #a, a_,   \
				 b_, e_);                                      \
	} while (0)

#endif
