#include "clearing/money.h"

#include <array>

namespace medclear::clearing {

namespace {

std::string format_scaled(int64_t value, int decimals) {
  const bool negative = value < 0;
  uint64_t magnitude = negative ? static_cast<uint64_t>(-(value + 1)) + 1 : value;
  std::array<char, 32> digits{};
  int length = 0;
  do {
    digits[length++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0 || length <= decimals);
  std::string text;
  text.reserve(length + 2);
  if (negative) {
    text.push_back('-');
  }
  for (int i = length - 1; i >= 0; --i) {
    text.push_back(digits[i]);
    if (i == decimals && decimals > 0) {
      text.push_back('.');
    }
  }
  return text;
}

template <typename T, typename Make>
std::optional<T> parse_as(std::string_view text, int decimals, bool allow_negative,
                          DecimalError* error, Make make) {
  const DecimalParse parsed = parse_decimal(text, decimals, allow_negative);
  if (parsed.error) {
    if (error != nullptr) {
      *error = *parsed.error;
    }
    return std::nullopt;
  }
  return make(parsed.scaled);
}

}  // namespace

std::string Money::to_string() const { return format_scaled(fen_, 2); }
std::string Ratio::to_string() const { return format_scaled(bp_, 4); }

std::string_view describe(DecimalError error) {
  switch (error) {
    case DecimalError::kEmpty:
      return "empty number";
    case DecimalError::kNotANumber:
      return "not a decimal number";
    case DecimalError::kExponent:
      return "exponent notation is not allowed";
    case DecimalError::kTooManyDecimals:
      return "too many decimals";
    case DecimalError::kTooManyDigits:
      return "more digits than numeric(16, scale) holds";
    case DecimalError::kNegative:
      return "must not be negative";
    case DecimalError::kOutOfRange:
      return "out of range";
  }
  return "invalid number";
}

DecimalParse parse_decimal(std::string_view text, int decimals_max, bool allow_negative) {
  MC_CHECK(decimals_max >= 0 && decimals_max <= 8, "unsupported scale");
  DecimalParse result;
  auto fail = [&](DecimalError error) {
    result.error = error;
    return result;
  };
  if (text.empty()) {
    return fail(DecimalError::kEmpty);
  }
  bool negative = false;
  size_t i = 0;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  int64_t value = 0;
  int digits = 0;          // significant digits in all
  int integer_digits = 0;  // significant digits before the point
  int decimals = -1;       // -1 until the point is seen
  bool any_integer_digit = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      if (decimals >= 0) {
        if (++decimals > decimals_max) {
          return fail(DecimalError::kTooManyDecimals);
        }
      } else {
        any_integer_digit = true;
      }
      // Leading zeros do not count towards the 16 digits.
      if (value != 0 || c != '0' || decimals >= 0) {
        ++digits;
        if (decimals < 0) ++integer_digits;
      }
      if (digits > 16) {
        return fail(DecimalError::kTooManyDigits);
      }
      value = value * 10 + (c - '0');
    } else if (c == '.' && decimals < 0) {
      decimals = 0;
    } else if (c == 'e' || c == 'E') {
      return fail(DecimalError::kExponent);
    } else {
      return fail(DecimalError::kNotANumber);
    }
  }
  if (!any_integer_digit || decimals == 0) {
    return fail(DecimalError::kNotANumber);  // ".5", "5.", "-"
  }
  // numeric(16, scale): the scaled value has at most 16 digits, so it is below 10^16 and no
  // scaling below can overflow (a money amount stays within Money::kMaxFen).
  if (integer_digits > 16 - decimals_max) {
    return fail(DecimalError::kTooManyDigits);
  }
  for (int d = decimals < 0 ? 0 : decimals; d < decimals_max; ++d) {
    value *= 10;
  }
  if (negative && value != 0 && !allow_negative) {
    return fail(DecimalError::kNegative);
  }
  result.scaled = negative ? -value : value;
  return result;
}

std::optional<Money> parse_money(std::string_view text, DecimalError* error) {
  return parse_as<Money>(text, 2, false, error, [](int64_t fen) { return Money::from_fen(fen); });
}

std::optional<Money> parse_signed_money(std::string_view text, DecimalError* error) {
  return parse_as<Money>(text, 2, true, error, [](int64_t fen) { return Money::from_fen(fen); });
}

std::optional<Ratio> parse_ratio(std::string_view text, DecimalError* error) {
  const auto ratio = parse_as<int64_t>(text, 4, false, error, [](int64_t bp) { return bp; });
  if (!ratio) {
    return std::nullopt;
  }
  if (*ratio > Ratio::kOne) {
    if (error != nullptr) {
      *error = DecimalError::kOutOfRange;
    }
    return std::nullopt;
  }
  return Ratio::from_basis_points(static_cast<int32_t>(*ratio));
}

std::optional<Quantity> parse_quantity(std::string_view text, DecimalError* error) {
  return parse_as<Quantity>(text, 4, false, error, [](int64_t q) { return Quantity{q}; });
}

std::optional<Price> parse_price(std::string_view text, DecimalError* error) {
  return parse_as<Price>(text, 6, false, error, [](int64_t p) { return Price{p}; });
}

}  // namespace medclear::clearing
