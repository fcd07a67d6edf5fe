#include "clearing/time.h"

#include <chrono>
#include <cstdio>

namespace medclear::clearing {

namespace {

std::optional<int> digits(std::string_view text, size_t offset, size_t count) {
  if (offset + count > text.size()) {
    return std::nullopt;
  }
  int value = 0;
  for (size_t i = offset; i < offset + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return std::nullopt;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<int32_t> seconds_of_day(int hour, int minute, int second) {
  if (hour > 23 || minute > 59 || second > 59) {
    return std::nullopt;
  }
  return hour * 3600 + minute * 60 + second;
}

}  // namespace

std::optional<Date> Date::from_ymd(int year, int month, int day) {
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || day > 31) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year{year},
                                        std::chrono::month{static_cast<unsigned>(month)},
                                        std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) {
    return std::nullopt;
  }
  return Date(static_cast<int32_t>(std::chrono::sys_days{ymd}.time_since_epoch().count()));
}

int Date::year() const {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days_}}};
  return static_cast<int>(ymd.year());
}

std::string Date::to_string() const {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days_}}};
  const int year = static_cast<int>(ymd.year());
  const auto month = static_cast<unsigned>(ymd.month());
  const auto day = static_cast<unsigned>(ymd.day());
  std::string text = "0000-00-00";
  text[0] = static_cast<char>('0' + year / 1000 % 10);
  text[1] = static_cast<char>('0' + year / 100 % 10);
  text[2] = static_cast<char>('0' + year / 10 % 10);
  text[3] = static_cast<char>('0' + year % 10);
  text[5] = static_cast<char>('0' + month / 10);
  text[6] = static_cast<char>('0' + month % 10);
  text[8] = static_cast<char>('0' + day / 10);
  text[9] = static_cast<char>('0' + day % 10);
  return text;
}

std::string DateTime::to_string() const {
  char text[32];
  std::snprintf(text, sizeof text, " %02d:%02d:%02d", seconds_of_day / 3600,
                seconds_of_day / 60 % 60, seconds_of_day % 60);
  return date.to_string() + text;
}

std::optional<Date> parse_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return std::nullopt;
  }
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 5, 2);
  const auto day = digits(text, 8, 2);
  if (!year || !month || !day) {
    return std::nullopt;
  }
  return Date::from_ymd(*year, *month, *day);
}

std::optional<DateTime> parse_date_time(std::string_view text) {
  if (text.size() != 19 || text[10] != ' ' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const auto date = parse_date(text.substr(0, 10));
  const auto hour = digits(text, 11, 2);
  const auto minute = digits(text, 14, 2);
  const auto second = digits(text, 17, 2);
  if (!date || !hour || !minute || !second) {
    return std::nullopt;
  }
  const auto seconds = seconds_of_day(*hour, *minute, *second);
  if (!seconds) {
    return std::nullopt;
  }
  return DateTime{*date, *seconds};
}

std::optional<DateTime> parse_compact_date_time(std::string_view text) {
  if (text.size() != 14) {
    return std::nullopt;
  }
  const auto year = digits(text, 0, 4);
  const auto month = digits(text, 4, 2);
  const auto day = digits(text, 6, 2);
  const auto hour = digits(text, 8, 2);
  const auto minute = digits(text, 10, 2);
  const auto second = digits(text, 12, 2);
  if (!year || !month || !day || !hour || !minute || !second) {
    return std::nullopt;
  }
  const auto date = Date::from_ymd(*year, *month, *day);
  const auto seconds = seconds_of_day(*hour, *minute, *second);
  if (!date || !seconds) {
    return std::nullopt;
  }
  return DateTime{*date, *seconds};
}

std::optional<int32_t> parse_time_of_day(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') {
    return std::nullopt;
  }
  const auto hour = digits(text, 0, 2);
  const auto minute = digits(text, 3, 2);
  if (!hour || !minute) {
    return std::nullopt;
  }
  return seconds_of_day(*hour, *minute, 0);
}

}  // namespace medclear::clearing
