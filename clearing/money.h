// Exact amounts: money in integer fen, ratios in 1/10000, quantities in 1/10000, prices in
// 1/1000000 yuan. None of these types can be built from a floating-point value, every arithmetic
// step is overflow-checked, and every rounding is explicit and named (half-up, once, where the
// domain says the product is computed).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include "clearing/check.h"

namespace medclear::clearing {

// 128-bit intermediate for exact products (fen × basis points, price × quantity).
__extension__ typedef __int128 WideInt;

// Money: a signed number of fen. Negative values exist only on compensating entries.
class Money {
 public:
  // decimal(16,2) of the national interface: at most 16 digits, so below 10^16 fen.
  static constexpr int64_t kMaxFen = 9'999'999'999'999'999;

  constexpr Money() = default;
  template <typename T>
  requires std::is_floating_point_v<T> Money(T)
  = delete;  // money never passes through a binary floating-point value

  static constexpr Money from_fen(int64_t fen) {
    MC_CHECK(fen >= -kMaxFen && fen <= kMaxFen, "money out of range");
    return Money(fen, 0);
  }
  static constexpr Money zero() { return Money(); }

  constexpr int64_t fen() const { return fen_; }
  constexpr bool is_zero() const { return fen_ == 0; }
  constexpr bool is_negative() const { return fen_ < 0; }

  constexpr Money operator+(Money other) const { return from_fen(checked_add(fen_, other.fen_)); }
  constexpr Money operator-(Money other) const { return from_fen(checked_add(fen_, -other.fen_)); }
  constexpr Money operator-() const { return Money(-fen_, 0); }
  constexpr Money& operator+=(Money other) { return *this = *this + other; }
  constexpr Money& operator-=(Money other) { return *this = *this - other; }
  constexpr auto operator<=>(const Money&) const = default;

  // "12345.60" style: always two decimals, a leading '-' when negative.
  std::string to_string() const;

 private:
  constexpr Money(int64_t fen, int) : fen_(fen) {}
  static constexpr int64_t checked_add(int64_t a, int64_t b) {
    int64_t sum = 0;
    MC_CHECK(!__builtin_add_overflow(a, b, &sum), "money overflow");
    return sum;
  }
  int64_t fen_ = 0;
};

// For test failure messages and debugging output: "12.34".
inline std::ostream& operator<<(std::ostream& out, Money money) { return out << money.to_string(); }

constexpr Money min(Money a, Money b) { return a < b ? a : b; }
constexpr Money max(Money a, Money b) { return a < b ? b : a; }

// Ratio: basis points of 1/10000, numeric(5,4) of the interface, always within [0, 10000].
class Ratio {
 public:
  static constexpr int32_t kOne = 10000;
  constexpr Ratio() = default;
  template <typename T>
  requires std::is_floating_point_v<T> Ratio(T)
  = delete;
  static constexpr Ratio from_basis_points(int32_t bp) {
    MC_CHECK(bp >= 0 && bp <= kOne, "ratio out of [0, 1]");
    return Ratio(bp);
  }
  // Clamps into [0, 10000]: used where the domain clamps (ratio after uplift and filing cut).
  static constexpr Ratio clamped(int64_t bp) {
    return Ratio(static_cast<int32_t>(bp < 0 ? 0 : (bp > kOne ? kOne : bp)));
  }
  constexpr int32_t basis_points() const { return bp_; }
  constexpr auto operator<=>(const Ratio&) const = default;
  std::string to_string() const;  // "0.7000"

 private:
  constexpr explicit Ratio(int32_t bp) : bp_(bp) {}
  int32_t bp_ = 0;
};

// A quantity (cnt) in 1/10000 units, numeric(16,4) of the interface.
struct Quantity {
  int64_t ten_thousandths = 0;
  constexpr auto operator<=>(const Quantity&) const = default;
};

// A unit price (pric) in 1/1,000,000 yuan, numeric(16,6) of the interface.
struct Price {
  int64_t micro_yuan = 0;
  constexpr auto operator<=>(const Price&) const = default;
};

// Rounds a non-negative or negative exact quotient numerator/denominator half-up (half away from
// zero), the one rounding rule of DOMAIN.md §3.
constexpr int64_t divide_half_up(WideInt numerator, WideInt denominator) {
  MC_CHECK(denominator > 0, "rounding by a non-positive denominator");
  const bool negative = numerator < 0;
  const WideInt magnitude = negative ? -numerator : numerator;
  const WideInt rounded = (magnitude + denominator / 2) / denominator;
  MC_CHECK(rounded <= Money::kMaxFen, "rounded amount out of range");
  return static_cast<int64_t>(negative ? -rounded : rounded);
}

// amount × ratio, rounded half-up to the fen.
constexpr Money multiply_half_up(Money amount, Ratio ratio) {
  return Money::from_fen(
      divide_half_up(static_cast<WideInt>(amount.fen()) * ratio.basis_points(), Ratio::kOne));
}

// The largest amount one claim or fee line may carry: 1,000,000,000.00 yuan. Far above any real
// bill, and low enough that no sum the engine forms (lines of a claim, a person's year) can reach
// Money::kMaxFen, so outside input can never trip an overflow check. (assumption)
inline constexpr int64_t kClaimAmountMaxFen = 100'000'000'000;
// At most this many fee lines in one claim.
inline constexpr size_t kClaimLinesMax = 10'000;

// (price × quantity) in fen, rounded half-up, exactly and without a range limit: price and
// quantity come from outside (16 digits each), so the product may exceed any amount.
// Price in 1e-6 yuan = 1e-4 fen; quantity in 1e-4.
constexpr WideInt price_times_quantity_fen(Price price, Quantity quantity) {
  const WideInt product = static_cast<WideInt>(price.micro_yuan) * quantity.ten_thousandths;
  return (product + 50'000'000) / 100'000'000;  // both factors are non-negative
}

// Exact decimal text parsing, shared by the interface adapter and the reference-data loader.
enum class DecimalError {
  kEmpty,
  kNotANumber,       // letters, NaN, Infinity, stray characters
  kExponent,         // 1e3, 1E-2
  kTooManyDecimals,  // more digits after the point than the field allows
  kTooManyDigits,  // more than numeric(16, scale) holds: 16 digits in all, 16 − scale before the
                   // point
  kNegative,       // a sign on a field that must not be negative
  kOutOfRange,     // a ratio above 1
};
std::string_view describe(DecimalError error);

struct DecimalParse {
  int64_t scaled = 0;  // the value × 10^decimals_max
  std::optional<DecimalError> error;
};

// Parses "-?digits(.digits)?" into an integer scaled by 10^decimals_max, within the interface's
// numeric(16, decimals_max): at most 16 significant digits in all and 16 − decimals_max before the
// point, so the scaled value is below 10^16 whatever the text (money within Money::kMaxFen,
// quantity below 10^12 units, price below 10^10 yuan). No exponent, no leading '+', no spaces.
DecimalParse parse_decimal(std::string_view text, int decimals_max, bool allow_negative);

std::optional<Money> parse_money(std::string_view text, DecimalError* error = nullptr);
// The same with a leading '-' allowed: balances, positions and differences we wrote ourselves.
std::optional<Money> parse_signed_money(std::string_view text, DecimalError* error = nullptr);
std::optional<Ratio> parse_ratio(std::string_view text, DecimalError* error = nullptr);
std::optional<Quantity> parse_quantity(std::string_view text, DecimalError* error = nullptr);
std::optional<Price> parse_price(std::string_view text, DecimalError* error = nullptr);

}  // namespace medclear::clearing
