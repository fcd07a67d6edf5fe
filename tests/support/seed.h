// The one seed of every randomized test: MEDCLEAR_SEED=<n> replays a run, otherwise a fresh random
// seed. The seed is printed once at the start with the line that replays it, so any failure of
// the run can be replayed from its output. A MEDCLEAR_SEED that is not a whole number from 0 to
// 2^64 − 1 stops the test loudly instead of running some other seed.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace medclear::testing {

// Decimal digits only (no sign, space or other character), at most 2^64 − 1; nullopt otherwise.
inline std::optional<uint64_t> parse_seed(std::string_view text) {
  if (text.empty()) return std::nullopt;
  uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// MEDCLEAR_SEED when set (strictly parsed: an unparsable value throws, which fails the test
// `test_name` with the reason), else a random seed; prints "[ seed ] <n> (replay:
// MEDCLEAR_SEED=<n>)" to stdout either way.
inline uint64_t test_seed(const char* test_name) {
  uint64_t seed = 0;
  if (const char* env = std::getenv("MEDCLEAR_SEED")) {
    const std::optional<uint64_t> parsed = parse_seed(env);
    if (!parsed) {
      const std::string reason = std::string(test_name) + ": MEDCLEAR_SEED=\"" + env +
                                 "\" is not a whole number from 0 to 18446744073709551615";
      std::cerr << "[ seed ] " << reason << std::endl;
      throw std::invalid_argument(reason);
    }
    seed = *parsed;
  } else {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) ^ device();
  }
  std::cout << "[ seed ] " << seed << " (replay: MEDCLEAR_SEED=" << seed << ")" << std::endl;
  return seed;
}

}  // namespace medclear::testing
