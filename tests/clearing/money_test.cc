#include "clearing/money.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "tests/support/seed.h"

namespace medclear::clearing {
namespace {

TEST(Money, ParsesExactlyFromText) {
  EXPECT_EQ(parse_money("3043.64")->fen(), 304364);
  EXPECT_EQ(parse_money("12")->fen(), 1200);
  EXPECT_EQ(parse_money("12.5")->fen(), 1250);
  EXPECT_EQ(parse_money("0.01")->fen(), 1);
  EXPECT_EQ(parse_money("99999999999999.99")->fen(), 9999999999999999);
}

TEST(Money, RefusesWhatIsNotExact) {
  DecimalError error{};
  EXPECT_FALSE(parse_money("1.001", &error));
  EXPECT_EQ(error, DecimalError::kTooManyDecimals);
  EXPECT_FALSE(parse_money("1e3", &error));
  EXPECT_EQ(error, DecimalError::kExponent);
  EXPECT_FALSE(parse_money("-1.00", &error));
  EXPECT_EQ(error, DecimalError::kNegative);
  EXPECT_FALSE(parse_money("100000000000000000", &error));
  EXPECT_EQ(error, DecimalError::kTooManyDigits);
  for (const char* bad : {"", "NaN", "Infinity", "1,00", " 1", "+1", ".5", "5.", "-", "1.2.3"}) {
    EXPECT_FALSE(parse_money(bad)) << bad;
  }
}

// numeric(16, scale): a value whose integer part is longer than 16 − scale digits is refused before
// it is scaled, so no text reaches Money's range check or overflows int64 (issue 13, C1).
TEST(Money, EveryScaleRefusesTextPastItsNumericRange) {
  DecimalError error{};
  EXPECT_FALSE(parse_money("100000000000000", &error));  // 15 digits: 10^16 fen
  EXPECT_EQ(error, DecimalError::kTooManyDigits);
  EXPECT_FALSE(parse_signed_money("-100000000000000", &error));
  EXPECT_EQ(parse_money("99999999999999")->fen(), 9'999'999'999'999'900);
  EXPECT_FALSE(parse_price("10000000000000", &error));  // would wrap int64 at scale 6
  EXPECT_EQ(error, DecimalError::kTooManyDigits);
  EXPECT_FALSE(parse_price("10000000000"));  // 11 integer digits
  EXPECT_EQ(parse_price("9999999999.999999")->micro_yuan, 9'999'999'999'999'999);
  EXPECT_FALSE(parse_quantity("1000000000000"));  // 13 integer digits
  EXPECT_EQ(parse_quantity("999999999999")->ten_thousandths, 9'999'999'999'990'000);
  // Leading zeros are not digits of the value.
  EXPECT_EQ(parse_money("0000000000000000000001.50")->fen(), 150);
}

// Every text of digits, point and sign either fails or gives a value below 10^16 at its scale.
TEST(Money, NoTextEscapesTheRange) {
  std::mt19937_64 random(medclear::testing::test_seed("Money.NoTextEscapesTheRange"));
  for (int i = 0; i < 200'000; ++i) {
    std::string text = random() % 5 == 0 ? "-" : "";
    const int length = 1 + static_cast<int>(random() % 24);
    bool point = false;
    for (int c = 0; c < length; ++c) {
      if (!point && c > 0 && random() % 8 == 0) {
        text += '.';
        point = true;
      } else {
        text += static_cast<char>('0' + random() % 10);
      }
    }
    for (int scale : {2, 4, 6}) {
      const DecimalParse parsed = parse_decimal(text, scale, true);
      if (!parsed.error) {
        EXPECT_LT(parsed.scaled < 0 ? -parsed.scaled : parsed.scaled, 10'000'000'000'000'000)
            << text << " at scale " << scale;
      }
    }
    if (const auto money = parse_signed_money(text)) {
      EXPECT_LE(money->fen() < 0 ? -money->fen() : money->fen(), Money::kMaxFen) << text;
    }
  }
}

TEST(Money, FormatsWithTwoDecimals) {
  EXPECT_EQ(Money::from_fen(304364).to_string(), "3043.64");
  EXPECT_EQ(Money::from_fen(5).to_string(), "0.05");
  EXPECT_EQ(Money::from_fen(-120).to_string(), "-1.20");
  EXPECT_EQ(Money().to_string(), "0.00");
  EXPECT_EQ(Ratio::from_basis_points(7000).to_string(), "0.7000");
}

TEST(Money, RoundsHalfUpOnce) {
  // 333.33 × 10% = 33.333 → 33.33; 0.05 × 50% = 0.025 → 0.03; negative mirrors positive.
  EXPECT_EQ(multiply_half_up(Money::from_fen(33333), Ratio::from_basis_points(1000)).fen(), 3333);
  EXPECT_EQ(multiply_half_up(Money::from_fen(5), Ratio::from_basis_points(5000)).fen(), 3);
  EXPECT_EQ(multiply_half_up(Money::from_fen(-5), Ratio::from_basis_points(5000)).fen(), -3);
  EXPECT_EQ(multiply_half_up(Money::from_fen(116667), Ratio::from_basis_points(8800)).fen(),
            102667);
}

TEST(Money, RatiosStayWithinOne) {
  EXPECT_EQ(parse_ratio("0.7")->basis_points(), 7000);
  EXPECT_EQ(parse_ratio("1")->basis_points(), 10000);
  EXPECT_FALSE(parse_ratio("1.0001"));
  EXPECT_FALSE(parse_ratio("0.12345"));
  EXPECT_EQ(Ratio::clamped(-50).basis_points(), 0);
  EXPECT_EQ(Ratio::clamped(10300).basis_points(), 10000);
}

TEST(Money, PriceTimesQuantityIsExact) {
  // 12.345678 yuan × 2.5 = 30.864195 → 30.86
  EXPECT_EQ(price_times_quantity_fen(*parse_price("12.345678"), *parse_quantity("2.5")), 3086);
  // 16-digit price × 16-digit quantity: exact, far beyond any amount, and no overflow.
  const WideInt huge = price_times_quantity_fen(*parse_price("9999999999.999999"),
                                                *parse_quantity("999999999999.9999"));
  EXPECT_GT(huge, static_cast<WideInt>(Money::kMaxFen));
  EXPECT_FALSE(parse_price("1.1234567"));
  EXPECT_FALSE(parse_quantity("1.12345"));
}

TEST(MoneyDeathTest, OverflowStopsTheProcess) {
  const Money big = Money::from_fen(Money::kMaxFen);
  EXPECT_DEATH({ [[maybe_unused]] Money sum = big + Money::from_fen(1); }, "money out of range");
}

}  // namespace
}  // namespace medclear::clearing
