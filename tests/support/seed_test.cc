// The seed helper (tests/support/seed.h): MEDCLEAR_SEED is read as a whole number or not at all
// (a typo must not silently run another seed), and a set seed is the one returned.
#include "tests/support/seed.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <stdexcept>
#include <string>

namespace medclear::testing {
namespace {

TEST(Seed, ParsesWholeNumbersUpTo64Bits) {
  EXPECT_EQ(parse_seed("0"), 0u);
  EXPECT_EQ(parse_seed("42"), 42u);
  EXPECT_EQ(parse_seed("007"), 7u);
  EXPECT_EQ(parse_seed("18446744073709551615"), UINT64_MAX);  // 2^64 − 1
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "0x10", "1e3", "12a", "1.0",
                          "18446744073709551616", "99999999999999999999"}) {
    EXPECT_FALSE(parse_seed(bad).has_value()) << '"' << bad << '"';
  }
}

// Restores MEDCLEAR_SEED as it was, so the other tests of this process keep their seed.
class EnvironmentSeed : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* value = std::getenv("MEDCLEAR_SEED")) saved_ = value;
  }
  void TearDown() override {
    if (saved_) {
      setenv("MEDCLEAR_SEED", saved_->c_str(), 1);
    } else {
      unsetenv("MEDCLEAR_SEED");
    }
  }
  std::optional<std::string> saved_;
};

TEST_F(EnvironmentSeed, ASetSeedIsReturnedAndABadOneFailsLoudly) {
  setenv("MEDCLEAR_SEED", "123456789012345", 1);
  EXPECT_EQ(test_seed("EnvironmentSeed.Set"), 123456789012345u);
  setenv("MEDCLEAR_SEED", "12x", 1);
  EXPECT_THROW(test_seed("EnvironmentSeed.Bad"), std::invalid_argument);
  setenv("MEDCLEAR_SEED", "", 1);
  EXPECT_THROW(test_seed("EnvironmentSeed.Empty"), std::invalid_argument);
}

}  // namespace
}  // namespace medclear::testing
