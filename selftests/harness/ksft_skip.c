// SPDX-License-Identifier: GPL-2.0
/*
 * Planted fault for make check-harness: a kselftest_harness binary with
 * one passing and one skipped TEST.  It exits 0, so only its TAP output
 * tells that a subtest skipped; the proving ground must report a SKIP that
 * names the subtest and its reason.
 */
#include "kselftest_harness.h"

TEST(passes)
{
	ASSERT_EQ(2, 1 + 1);
}

TEST(skips)
{
	SKIP(return, "planted: a capability this test pretends to lack");
}

TEST_HARNESS_MAIN
