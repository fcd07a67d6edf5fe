// Always-on invariant checks: a failed MC_CHECK is a bug in medclear, never bad input.
// It survives release builds (like Redpanda's vassert or Bitcoin's Assert) and stops the process
// with the file, line and condition, because continuing with broken money invariants is worse.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace medclear {

[[noreturn]] inline void check_failed(const char* file, int line, const char* condition,
                                      const char* message) {
  std::fprintf(stderr, "medclear: invariant violated at %s:%d: %s (%s)\n", file, line, condition,
               message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace medclear

#define MC_CHECK(condition, message)                                     \
  do {                                                                   \
    if (!(condition)) [[unlikely]] {                                     \
      ::medclear::check_failed(__FILE__, __LINE__, #condition, message); \
    }                                                                    \
  } while (false)
