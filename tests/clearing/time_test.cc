// Dates and times of the national interface (clearing/time.h): every yyyy-MM-dd from 1900 to 2999
// parses exactly when the Gregorian calendar (written out here) has that day, and formats back to
// the same text; days since 1970-01-01 match hand-counted values across month, year and century
// ends; the three text forms refuse what is not a real date and time.
#include "clearing/time.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <initializer_list>
#include <string>
#include <tuple>

namespace medclear::clearing {
namespace {

// The Gregorian rule, independent of the code under test: every 4th year, except centuries not
// divisible by 400.
bool leap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }
int days_in_month(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && leap(year) ? 29 : kDays[month - 1];
}

Date ymd(int year, int month, int day) {
  const std::optional<Date> date = Date::from_ymd(year, month, day);
  EXPECT_TRUE(date.has_value()) << year << "-" << month << "-" << day;
  return date.value_or(Date{});
}

TEST(Time, DaysSinceTheEpochAreTheHandCountedOnes) {
  EXPECT_EQ(ymd(1970, 1, 1).days(), 0);
  EXPECT_EQ(ymd(1969, 12, 31).days(), -1);
  // 1900 → 1970: 70 years × 365 + 17 leap days (1904 … 1968; 1900 is not leap) = 25,567.
  EXPECT_EQ(ymd(1900, 1, 1).days(), -25567);
  // 1970 → 2000: 30 × 365 + 7 leap days (1972 … 1996) = 10,957.
  EXPECT_EQ(ymd(2000, 1, 1).days(), 10957);
  // 2000 is leap (divisible by 400): 10,957 + 31 (January) + 28 = 11,016 is February 29th.
  EXPECT_EQ(ymd(2000, 2, 29).days(), 11016);
  EXPECT_EQ(ymd(2000, 3, 1).days(), 11017);
  // 2000 → 2024: 24 × 365 + 6 leap days (2000, 2004, … 2020) = 8,766; 10,957 + 8,766 = 19,723.
  EXPECT_EQ(ymd(2024, 1, 1).days(), 19723);
  EXPECT_EQ(ymd(2024, 2, 29).days(), 19723 + 31 + 28);
  EXPECT_EQ(ymd(2024, 12, 31).days(), 19723 + 365);  // 2024 has 366 days: Dec 31 is day 365
  // 2025-01-01 = 19,723 + 366 = 20,089; 2026-01-01 = 20,089 + 365 = 20,454;
  // 2026-03-15 = 20,454 + 31 + 28 + 14 = 20,527.
  EXPECT_EQ(ymd(2026, 1, 1).days(), 20454);
  EXPECT_EQ(ymd(2026, 3, 15).days(), 20527);
  EXPECT_EQ(Date::from_days(20527), ymd(2026, 3, 15));
}

TEST(Time, LeapYearsFollowTheGregorianRule) {
  EXPECT_TRUE(Date::from_ymd(2024, 2, 29));   // divisible by 4
  EXPECT_FALSE(Date::from_ymd(2023, 2, 29));  // not divisible by 4
  EXPECT_FALSE(Date::from_ymd(2100, 2, 29));  // a century not divisible by 400
  EXPECT_FALSE(Date::from_ymd(1900, 2, 29));
  EXPECT_TRUE(Date::from_ymd(2000, 2, 29));  // divisible by 400
  EXPECT_FALSE(parse_date("2100-02-29"));
  EXPECT_TRUE(parse_date("2000-02-29"));
  EXPECT_TRUE(parse_date("2024-02-29"));
  // 2100-02-28 and 2100-03-01 are neighbours; 2000-02-28 and 2000-03-01 are two days apart.
  EXPECT_EQ(ymd(2100, 3, 1).days() - ymd(2100, 2, 28).days(), 1);
  EXPECT_EQ(ymd(2000, 3, 1).days() - ymd(2000, 2, 28).days(), 2);
}

TEST(Time, InvalidDatesAreRefused) {
  for (const auto& [y, m, d] : std::initializer_list<std::tuple<int, int, int>>{{2026, 2, 30},
                                                                                {2026, 2, 29},
                                                                                {2026, 4, 31},
                                                                                {2026, 6, 31},
                                                                                {2026, 9, 31},
                                                                                {2026, 11, 31},
                                                                                {2026, 13, 1},
                                                                                {2026, 0, 1},
                                                                                {2026, 1, 0},
                                                                                {2026, 1, 32},
                                                                                {2026, -1, 1},
                                                                                {2026, 1, -1},
                                                                                {1899, 12, 31},
                                                                                {3000, 1, 1}}) {
    EXPECT_FALSE(Date::from_ymd(y, m, d)) << y << "-" << m << "-" << d;
  }
  EXPECT_TRUE(Date::from_ymd(1900, 1, 1));  // the first and last days of the accepted range
  EXPECT_TRUE(Date::from_ymd(2999, 12, 31));
  for (const char* text :
       {"2026-02-30", "2026-13-01", "2026-00-10", "2026-01-00", "2026-04-31",  "2026-01-32",
        "",           "2026-3-15",  "26-03-15",   "2026/03/15", "2026-03-15 ", " 2026-03-15",
        "2026-03-1a", "+026-03-15", "-026-03-15", "2026-03-+5", "20260315",    "2026-03-15T00",
        "2026 03 15", "1899-12-31", "3000-01-01", "9999-99-99"}) {
    EXPECT_FALSE(parse_date(text)) << '"' << text << '"';
  }
}

// Exhaustive: every text yyyy-MM-dd with day 01–31 and month 00–13 over the accepted years.
TEST(Time, EveryDateOfTheRangeParsesExactlyWhenItExistsAndFormatsBack) {
  int32_t previous = ymd(1900, 1, 1).days() - 1;
  int valid = 0;
  for (int year = 1900; year <= 2999; ++year) {
    for (int month = 0; month <= 13; ++month) {
      for (int day = 0; day <= 31; ++day) {
        char text[16];
        std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
        const std::optional<Date> parsed = parse_date(text);
        const bool exists =
            month >= 1 && month <= 12 && day >= 1 && day <= days_in_month(year, month);
        ASSERT_EQ(parsed.has_value(), exists) << text;
        if (!exists) continue;
        ++valid;
        ASSERT_EQ(parsed->days(), previous + 1) << text << " does not follow the day before";
        ASSERT_EQ(parsed->to_string(), text);
        ASSERT_EQ(parsed->year(), year) << text;
        previous = parsed->days();
      }
    }
  }
  // 1,100 years × 365 + leap years: 1900–2999 has 275 multiples of 4 minus the 11 centuries
  // plus the 3 centuries divisible by 400 (2000, 2400, 2800) = 267 → 401,767 days.
  EXPECT_EQ(valid, 1100 * 365 + 267);
}

TEST(Time, DayArithmeticCrossesMonthYearAndLeapDay) {
  const auto next = [](Date d) { return Date::from_days(d.days() + 1); };
  const auto before = [](Date d) { return Date::from_days(d.days() - 1); };
  EXPECT_EQ(next(ymd(2026, 1, 31)).to_string(), "2026-02-01");
  EXPECT_EQ(next(ymd(2026, 2, 28)).to_string(), "2026-03-01");
  EXPECT_EQ(next(ymd(2024, 2, 28)).to_string(), "2024-02-29");
  EXPECT_EQ(next(ymd(2024, 2, 29)).to_string(), "2024-03-01");
  EXPECT_EQ(next(ymd(2026, 4, 30)).to_string(), "2026-05-01");
  EXPECT_EQ(next(ymd(2026, 12, 31)).to_string(), "2027-01-01");
  EXPECT_EQ(next(ymd(2026, 12, 31)).year(), 2027);
  EXPECT_EQ(ymd(2026, 12, 31).year(), 2026);
  EXPECT_EQ(before(ymd(2026, 1, 1)).to_string(), "2025-12-31");
  EXPECT_EQ(before(ymd(2026, 3, 1)).to_string(), "2026-02-28");
  EXPECT_EQ(before(ymd(2000, 3, 1)).to_string(), "2000-02-29");
  EXPECT_EQ(before(ymd(2100, 3, 1)).to_string(), "2100-02-28");
  EXPECT_EQ(Date::from_days(-1).to_string(), "1969-12-31");
  EXPECT_EQ(Date::from_days(-1).year(), 1969);
  // 2026-01-01 + 365 days is 2027-01-01 (2026 is not leap); 2024-01-01 + 366 is 2025-01-01.
  EXPECT_EQ(Date::from_days(ymd(2026, 1, 1).days() + 365), ymd(2027, 1, 1));
  EXPECT_EQ(Date::from_days(ymd(2024, 1, 1).days() + 366), ymd(2025, 1, 1));
  EXPECT_LT(ymd(2026, 12, 31), ymd(2027, 1, 1));
  EXPECT_EQ(Date{}, ymd(1970, 1, 1));  // a default Date is the epoch
}

TEST(Time, DateTimesParseAndFormat) {
  // 10:20:30 = 10 × 3600 + 20 × 60 + 30 = 37,230 seconds.
  const std::optional<DateTime> t = parse_date_time("2026-03-15 10:20:30");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->date, ymd(2026, 3, 15));
  EXPECT_EQ(t->seconds_of_day, 37230);
  EXPECT_EQ(t->to_string(), "2026-03-15 10:20:30");
  EXPECT_EQ(parse_date_time("2026-03-15 00:00:00")->seconds_of_day, 0);
  EXPECT_EQ(parse_date_time("2024-02-29 23:59:59")->seconds_of_day, 86399);  // 24 × 3600 − 1
  EXPECT_EQ((DateTime{ymd(2026, 1, 2), 3661}.to_string()), "2026-01-02 01:01:01");
  EXPECT_EQ((DateTime{ymd(2026, 1, 2), 0}.to_string()), "2026-01-02 00:00:00");
  // Ordered by date, then by time of day.
  EXPECT_LT(*parse_date_time("2026-03-15 23:59:59"), *parse_date_time("2026-03-16 00:00:00"));
  EXPECT_LT(*parse_date_time("2026-03-15 10:00:00"), *parse_date_time("2026-03-15 10:00:01"));
  for (const char* text :
       {"2026-03-15 24:00:00", "2026-03-15 23:60:00", "2026-03-15 23:59:60", "2026-02-30 10:00:00",
        "2026-13-01 10:00:00", "2100-02-29 10:00:00", "2026-03-15T10:20:30", "2026-03-15 10:20",
        "2026-03-15 1:20:30", "2026-03-15 10:2a:30", "2026-03-15  10:20:3", "2026-03-15 10-20-30",
        "2026-03-15 10:20:30 ", "2026-03-15", "", "2026-03-15 -1:20:30"}) {
    EXPECT_FALSE(parse_date_time(text)) << '"' << text << '"';
  }
}

TEST(Time, TimesOfDayOfASchedule) {
  EXPECT_EQ(parse_time_of_day("02:30"), 9000);
  EXPECT_EQ(parse_time_of_day("00:00"), 0);
  EXPECT_EQ(parse_time_of_day("23:59"), 86340);
  for (const char* bad : {"24:00", "2:30", "02:60", "02-30", "0a:30", "02:30:00", ""}) {
    EXPECT_FALSE(parse_time_of_day(bad).has_value()) << bad;
  }
}

TEST(Time, CompactDateTimesOfMsgids) {
  const std::optional<DateTime> t = parse_compact_date_time("20260315102030");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->date, ymd(2026, 3, 15));
  EXPECT_EQ(t->seconds_of_day, 37230);  // 10:20:30, as above
  EXPECT_EQ(parse_compact_date_time("20000229235959")->seconds_of_day, 86399);
  for (const char* text :
       {"20260230102030", "21000229102030", "20261315102030", "20260015102030", "20260100102030",
        "20260315240000", "20260315236000", "20260315235960", "2026031510203", "202603151020300",
        "2026031510203a", "2026-03-151020", "", "18991231235959", "30000101000000"}) {
    EXPECT_FALSE(parse_compact_date_time(text)) << '"' << text << '"';
  }
}

}  // namespace
}  // namespace medclear::clearing
