// Calendar dates and times of the national interface, without any clock: the core never asks what
// time it is, it is told (inf_time of a request, fee_ocur_time of a fee line).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medclear::clearing {

// A civil date as days since 1970-01-01 (proleptic Gregorian).
class Date {
 public:
  constexpr Date() = default;
  static std::optional<Date> from_ymd(int year, int month, int day);
  static constexpr Date from_days(int32_t days) { return Date(days); }
  constexpr int32_t days() const { return days_; }
  int year() const;
  constexpr auto operator<=>(const Date&) const = default;
  std::string to_string() const;  // yyyy-MM-dd

 private:
  constexpr explicit Date(int32_t days) : days_(days) {}
  int32_t days_ = 0;
};

struct DateTime {
  Date date;
  int32_t seconds_of_day = 0;
  constexpr auto operator<=>(const DateTime&) const = default;
  std::string to_string() const;  // yyyy-MM-dd HH:mm:ss
};

// yyyy-MM-dd
std::optional<Date> parse_date(std::string_view text);
// yyyy-MM-dd HH:mm:ss (the interface's inf_time and fee_ocur_time)
std::optional<DateTime> parse_date_time(std::string_view text);
// yyyyMMddHHmmss (inside a msgid)
std::optional<DateTime> parse_compact_date_time(std::string_view text);
// HH:MM (a daily schedule's time) → seconds after midnight
std::optional<int32_t> parse_time_of_day(std::string_view text);

}  // namespace medclear::clearing
