// The command line of every subcommand, in one place, so each refuses what it cannot do the same
// way: before any banner, file or thread, exit 2 with ONE line on standard error that names the
// argument and what is allowed — "medclear demo: --days 0: a whole number from 1 to 31 …".
// --help prints the usage and the options and exits 0. Numbers are parsed strictly here (never
// through program_options' lexical_cast, which takes "-5" for an unsigned 2^64-5).
#pragma once

#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/provinces.h"
#include "clearing/time.h"

namespace medclear::gateway {

// Parses `options` (adding --help) for `command` ("medclear ledger seal"). Returns nullopt, with
// `exit_code` set, when the command should end now: 0 after --help; 2 after one line naming an
// unknown, repeated, missing or value-less option, or any positional argument.
std::optional<boost::program_options::variables_map> parse_options(
    int argc, char** argv, boost::program_options::options_description& options,
    std::string_view usage, std::string_view command, int* exit_code);

// The 31 provincial divisions (clearing/provinces.h).
using clearing::kProvinceCount;

// "all", or a comma-separated list of division codes (checked by ArgumentChecks::provinces).
inline std::vector<std::string> parse_regions(const std::string& text) {
  std::vector<std::string> regions;
  if (text == "all") {
    for (const clearing::Province& p : clearing::kProvinces) regions.emplace_back(p.admdvs);
    return regions;
  }
  std::stringstream list(text);
  for (std::string code; std::getline(list, code, ',');) regions.push_back(code);
  return regions;
}

// The checks of one command's options. Each reads one option (its value as a string), returns
// what it parsed, and keeps the first refusal; after a refusal the later checks do nothing and
// return empty values. A command runs all its checks, then asks ok() once before it does anything:
//
//   ArgumentChecks check("medclear demo", vm);
//   const int64_t days = check.integer("days", 1, 31, "(the days of March 2026)");
//   if (!check.ok()) return check.refuse();
class ArgumentChecks {
 public:
  ArgumentChecks(std::string command, const boost::program_options::variables_map& options);

  // The option is on the command line (not only its default).
  bool given(std::string_view name) const;
  // Its text ("" when absent).
  std::string text(std::string_view name) const;

  // A whole number from min to max: decimal digits, a leading '-' only when min < 0.
  int64_t integer(std::string_view name, int64_t min, int64_t max, std::string_view note = {});
  // A whole number from 0 to 2^64-1 (seeds, sequence numbers), or from `min`.
  uint64_t unsigned_integer(std::string_view name, uint64_t min = 0);
  // YYYY-MM-DD, a day of the calendar.
  clearing::Date date(std::string_view name);
  // YYYY-MM, month 01 to 12.
  std::string period(std::string_view name);
  // The day named `from` is no later than the day named `to`.
  void ordered(std::string_view from, clearing::Date from_day, std::string_view to,
               clearing::Date to_day);
  // One of `allowed`.
  std::string choice(std::string_view name, std::initializer_list<std::string_view> allowed);
  // Not empty (an identifier such as a setl_id).
  std::string non_empty(std::string_view name);
  // A regular file that exists and can be read.
  std::string existing_file(std::string_view name);
  // A directory that exists.
  std::string existing_directory(std::string_view name);
  // A ledger directory (`ledger/directory.h`): a directory holding db/.
  std::string ledger_directory(std::string_view name);
  // A directory to write into: not empty, not an existing file (created when missing).
  std::string output_directory(std::string_view name);
  // A file to write: not empty, not a directory, in a directory that exists.
  std::string output_file(std::string_view name);
  // Comma-separated distinct province codes (kProvinces), from `min_count` to `max_count` of
  // them; "all" too when `all_allowed`.
  std::vector<std::string> provinces(std::string_view name, bool all_allowed, size_t min_count,
                                     size_t max_count);
  // A count of regions from `min_count` to 31, or a list as provinces() takes (demo --regions).
  std::string region_count_or_list(std::string_view name, int min_count);
  // Refused when `name` is given and `other` is not, or when both are given (conflicts).
  void only_with(std::string_view name, std::string_view other);
  void not_with(std::string_view name, std::string_view other, std::string_view why = {});
  // The command's own refusal of `name`: "--NAME VALUE: what".
  void fail(std::string_view name, std::string_view what);

  bool ok() const { return refusal_.empty(); }
  // Prints "COMMAND: REFUSAL" on standard error; returns 2, the exit code of invalid input.
  int refuse() const;

 private:
  // "--NAME VALUE" (or "--NAME" for a flag or an empty value).
  std::string quoted(std::string_view name) const;
  bool active(std::string_view name) const { return ok() && options_.count(std::string(name)); }

  std::string command_;
  const boost::program_options::variables_map& options_;
  std::string refusal_;
};

// Blocks SIGINT and SIGTERM (and SIGHUP, with `reload`) in this thread and every thread started
// after it, so one sigwait() sees them.
inline sigset_t block_stop_signals(bool reload = false) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  if (reload) sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace medclear::gateway
