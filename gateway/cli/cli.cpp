// The argument checks every subcommand shares (cli.h): one line naming the argument and what is
// allowed, exit 2, before the command does anything.
#include "gateway/cli/cli.h"

#include <unistd.h>
#include <algorithm>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <set>

namespace medclear::gateway {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

// Where positional arguments land, so the refusal can name the first one.
constexpr const char* kPositional = "medclear-positional-arguments";

bool is_province(std::string_view code) { return clearing::find_province(code) != nullptr; }

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "1,000,000" for the messages.
std::string grouped(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int at = static_cast<int>(digits.size()) - 3; at > 0; at -= 3) digits.insert(at, ",");
  return (value < 0 ? "-" : "") + digits;
}

std::string list_of(std::initializer_list<std::string_view> allowed) {
  std::string text;
  size_t i = 0;
  for (std::string_view item : allowed) {
    text += i == 0 ? "" : (i + 1 == allowed.size() ? " or " : ", ");
    text += item;
    ++i;
  }
  return text;
}

}  // namespace

std::optional<po::variables_map> parse_options(int argc, char** argv,
                                               po::options_description& options,
                                               std::string_view usage, std::string_view command,
                                               int* exit_code) {
  options.add_options()("help,h", "show this help");
  po::options_description hidden;
  hidden.add_options()(kPositional, po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add(kPositional, -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << usage << (usage.empty() ? "" : "\n") << options << "\n";
      *exit_code = 0;
      return std::nullopt;
    }
    if (vm.count(kPositional)) {
      std::cerr << command << ": unexpected argument '"
                << vm[kPositional].as<std::vector<std::string>>().front()
                << "': only options are taken (" << command << " --help lists them)\n";
      *exit_code = 2;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& error) {
    std::cerr << command << ": " << error.what() << " (" << command
              << " --help lists the options)\n";
    *exit_code = 2;
    return std::nullopt;
  }
  return vm;
}

ArgumentChecks::ArgumentChecks(std::string command, const po::variables_map& options)
    : command_(std::move(command)), options_(options) {}

bool ArgumentChecks::given(std::string_view name) const {
  const auto found = options_.find(std::string(name));
  return found != options_.end() && !found->second.defaulted();
}

std::string ArgumentChecks::text(std::string_view name) const {
  const auto found = options_.find(std::string(name));
  if (found == options_.end() || found->second.empty()) return {};
  const std::string* value = boost::any_cast<std::string>(&found->second.value());
  return value != nullptr ? *value : std::string();
}

std::string ArgumentChecks::quoted(std::string_view name) const {
  const std::string value = text(name);
  return "--" + std::string(name) + (value.empty() ? "" : " " + value);
}

void ArgumentChecks::fail(std::string_view name, std::string_view what) {
  if (ok()) refusal_ = quoted(name) + ": " + std::string(what);
}

int ArgumentChecks::refuse() const {
  std::cerr << command_ << ": " << refusal_ << "\n";
  return 2;
}

int64_t ArgumentChecks::integer(std::string_view name, int64_t min, int64_t max,
                                std::string_view note) {
  if (!active(name)) return min;
  const std::string value = text(name);
  const bool negative = !value.empty() && value[0] == '-' && min < 0;
  int64_t parsed = 0;
  const char* end = value.data() + value.size();
  const bool digits = all_digits(std::string_view(value).substr(negative ? 1 : 0));
  const auto [stop, error] = std::from_chars(value.data(), end, parsed);
  if (!digits || error != std::errc() || stop != end || parsed < min || parsed > max) {
    fail(name, "a whole number from " + grouped(min) + " to " + grouped(max) +
                   (note.empty() ? "" : " " + std::string(note)));
    return min;
  }
  return parsed;
}

uint64_t ArgumentChecks::unsigned_integer(std::string_view name, uint64_t min) {
  if (!active(name)) return min;
  const std::string value = text(name);
  uint64_t parsed = 0;
  const char* end = value.data() + value.size();
  const auto [stop, error] = std::from_chars(value.data(), end, parsed);
  if (!all_digits(value) || error != std::errc() || stop != end || parsed < min) {
    fail(name, "a whole number from " + std::to_string(min) + " to " + std::to_string(UINT64_MAX));
    return min;
  }
  return parsed;
}

clearing::Date ArgumentChecks::date(std::string_view name) {
  if (!active(name)) return {};
  const std::optional<clearing::Date> day = clearing::parse_date(text(name));
  if (!day) {
    fail(name, "a calendar day as YYYY-MM-DD, such as 2026-03-15");
    return {};
  }
  return *day;
}

std::string ArgumentChecks::period(std::string_view name) {
  if (!active(name)) return {};
  const std::string value = text(name);
  const bool shaped = value.size() == 7 && value[4] == '-' && all_digits(value.substr(0, 4)) &&
                      all_digits(value.substr(5, 2));
  const int month = shaped ? std::stoi(value.substr(5, 2)) : 0;
  if (!shaped || month < 1 || month > 12) {
    fail(name, "a month as YYYY-MM, such as 2026-03");
    return {};
  }
  return value;
}

void ArgumentChecks::ordered(std::string_view from, clearing::Date from_day, std::string_view to,
                             clearing::Date to_day) {
  if (!ok() || !options_.count(std::string(from)) || !options_.count(std::string(to))) return;
  if (from_day > to_day) {
    fail(to, "must not be before --" + std::string(from) + " " + text(from));
  }
}

std::string ArgumentChecks::choice(std::string_view name,
                                   std::initializer_list<std::string_view> allowed) {
  if (!active(name)) return {};
  const std::string value = text(name);
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    fail(name, "one of " + list_of(allowed));
    return {};
  }
  return value;
}

std::string ArgumentChecks::non_empty(std::string_view name) {
  if (!active(name)) return {};
  if (text(name).empty()) fail(name, "must not be empty");
  return text(name);
}

std::string ArgumentChecks::existing_file(std::string_view name) {
  if (!active(name)) return {};
  const std::string path = text(name);
  std::error_code error;
  if (path.empty()) {
    fail(name, "a file name, not empty");
  } else if (!fs::exists(path, error)) {
    fail(name, "no such file");
  } else if (!fs::is_regular_file(path, error)) {
    fail(name, "not a regular file");
  } else if (access(path.c_str(), R_OK) != 0) {
    fail(name, "cannot be read");
  }
  return path;
}

std::string ArgumentChecks::existing_directory(std::string_view name) {
  if (!active(name)) return {};
  const std::string path = text(name);
  std::error_code error;
  if (path.empty()) {
    fail(name, "a directory, not empty");
  } else if (!fs::exists(path, error)) {
    fail(name, "no such directory");
  } else if (!fs::is_directory(path, error)) {
    fail(name, "not a directory");
  }
  return path;
}

std::string ArgumentChecks::ledger_directory(std::string_view name) {
  const std::string path = existing_directory(name);
  std::error_code error;
  if (ok() && options_.count(std::string(name)) &&
      !fs::is_directory(fs::path(path) / "db", error)) {
    fail(name, "not a ledger directory (it has no db/)");
  }
  return path;
}

std::string ArgumentChecks::output_directory(std::string_view name) {
  if (!active(name)) return {};
  const std::string path = text(name);
  std::error_code error;
  if (path.empty()) {
    fail(name, "a directory to write into, not empty");
  } else if (fs::exists(path, error) && !fs::is_directory(path, error)) {
    fail(name, "exists and is not a directory");
  }
  return path;
}

std::string ArgumentChecks::output_file(std::string_view name) {
  if (!active(name)) return {};
  const std::string path = text(name);
  std::error_code error;
  const fs::path parent = fs::path(path).parent_path();
  if (path.empty()) {
    fail(name, "a file to write, not empty");
  } else if (fs::is_directory(path, error)) {
    fail(name, "is a directory; give a file name");
  } else if (!parent.empty() && !fs::is_directory(parent, error)) {
    fail(name, "its directory " + parent.string() + " does not exist");
  }
  return path;
}

std::vector<std::string> ArgumentChecks::provinces(std::string_view name, bool all_allowed,
                                                   size_t min_count, size_t max_count) {
  if (!active(name)) return {};
  const std::string value = text(name);
  if (all_allowed && value == "all") return parse_regions(value);
  std::vector<std::string> codes = parse_regions(value);
  if (!value.empty() && value.back() == ',') codes.push_back("");  // getline drops a last ""
  const std::set<std::string> distinct(codes.begin(), codes.end());
  const bool known = std::all_of(codes.begin(), codes.end(), is_province);
  const std::string count = min_count == max_count
                                ? std::to_string(min_count)
                                : std::to_string(min_count) + " to " + std::to_string(max_count);
  if (!known || distinct.size() != codes.size() || codes.size() < min_count ||
      codes.size() > max_count) {
    fail(name, std::string(all_allowed ? "all, or " : "") + count +
                   " distinct province codes, comma-separated, such as 110000,310000 "
                   "(PP0000 of shared/data/provinces.tsv)");
    return {};
  }
  return codes;
}

std::string ArgumentChecks::region_count_or_list(std::string_view name, int min_count) {
  if (!active(name)) return {};
  const std::string value = text(name);
  const std::string allowed =
      "a count from " + std::to_string(min_count) + " to " + std::to_string(kProvinceCount) +
      ", all, or a comma-separated list of at least " + std::to_string(min_count) +
      " distinct province codes such as 110000,310000";
  if (value == "all") return value;
  if (all_digits(value) && value.size() <= 2) {
    const int count = std::stoi(value);
    if (count < min_count || count > kProvinceCount) fail(name, allowed);
    return value;
  }
  provinces(name, false, static_cast<size_t>(min_count), kProvinceCount);
  if (!ok()) refusal_ = quoted(name) + ": " + allowed;
  return value;
}

void ArgumentChecks::only_with(std::string_view name, std::string_view other) {
  if (ok() && given(name) && !given(other)) {
    fail(name, "only with --" + std::string(other));
  }
}

void ArgumentChecks::not_with(std::string_view name, std::string_view other, std::string_view why) {
  if (ok() && given(name) && given(other)) {
    fail(name,
         "not with --" + std::string(other) + (why.empty() ? "" : " (" + std::string(why) + ")"));
  }
}

}  // namespace medclear::gateway
