#include "ledger/period_totals.h"

#include "clearing/codec.h"
#include "clearing/settlement.h"
#include "ledger/accounts.h"
#include "ledger/documents.h"
#include "ledger/entry.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

namespace {

constexpr char kMarkMagic[] = "CM";
constexpr uint8_t kMarkVersion = 1;

// Whether an earlier clearing took this entry (of `day`, booked on `account`).
bool taken(const std::vector<ClearingMark>& earlier, uint64_t seq, cl::Date day,
           const std::string& account) {
  for (const ClearingMark& mark : earlier) {
    if (seq <= mark.through_seq && day <= mark.last_day && !mark.held.contains(account)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string encode_clearing_mark(const ClearingMark& mark) {
  cl::ByteWriter out;
  out.raw(std::string_view(kMarkMagic, 2));
  out.u8(kMarkVersion);
  out.str(mark.period);
  out.i32(mark.last_day.days());
  out.u64(mark.through_seq);
  MC_CHECK(mark.held.size() <= 0xFFFF, "too many held counterparts");
  out.u16(static_cast<uint16_t>(mark.held.size()));
  for (const std::string& region : mark.held) out.str(region);
  return std::move(out.bytes());
}

Result<ClearingMark> decode_clearing_mark(std::string_view bytes) {
  cl::ByteReader in(bytes);
  std::string_view magic;
  uint8_t version = 0;
  int32_t day = 0;
  uint16_t held = 0;
  ClearingMark mark;
  if (!in.raw(2, magic) || magic != std::string_view(kMarkMagic, 2) || !in.u8(version)) {
    return Status::error("not a clearing mark");
  }
  if (version != kMarkVersion) return Status::error("clearing mark version unknown");
  if (!in.str(mark.period) || !in.i32(day) || !in.u64(mark.through_seq) || !in.u16(held)) {
    return Status::error("clearing mark truncated");
  }
  mark.last_day = cl::Date::from_days(day);
  for (uint16_t i = 0; i < held; ++i) {
    std::string region;
    if (!in.str(region)) return Status::error("clearing mark truncated");
    mark.held.insert(std::move(region));
  }
  if (in.remaining() != 0) return Status::error("clearing mark has trailing bytes");
  return mark;
}

Result<std::vector<ClearingMark>> clearing_marks(const Ledger& ledger) {
  std::vector<ClearingMark> marks;
  Result<std::vector<std::pair<std::string, std::string>>> kept =
      ledger.documents(std::string(documents::kClearingMarkPrefix));
  if (!kept.is_ok()) return kept.status();
  for (const auto& [name, bytes] : *kept) {
    Result<ClearingMark> mark = decode_clearing_mark(bytes);
    if (!mark.is_ok()) return Status::error(name + ": " + mark.status().message());
    marks.push_back(std::move(*mark));
  }
  return marks;  // names sort by period
}

std::optional<cl::Date> last_day_of_period(std::string_view period) {
  if (period.size() != 7 || period[4] != '-') return std::nullopt;
  int year = 0, month = 0;
  for (size_t i : {0u, 1u, 2u, 3u}) {
    if (period[i] < '0' || period[i] > '9') return std::nullopt;
    year = year * 10 + (period[i] - '0');
  }
  for (size_t i : {5u, 6u}) {
    if (period[i] < '0' || period[i] > '9') return std::nullopt;
    month = month * 10 + (period[i] - '0');
  }
  if (month < 1 || month > 12) return std::nullopt;
  // The month's last day is the first of 28..31 past which from_ymd refuses: no day after it,
  // so December 2999, the last month of the date range, has one too.
  for (int day = 31; day >= 28; --day) {
    if (const std::optional<cl::Date> last = cl::Date::from_ymd(year, month, day)) return last;
  }
  return std::nullopt;
}

Result<SideTotals> period_side_totals(const Ledger& ledger, cl::Date last_day,
                                      const std::vector<ClearingMark>& earlier) {
  SideTotals totals;
  totals.through_seq = ledger.last_seq();
  Result<std::vector<uint64_t>> seqs = ledger.entries_of_days(std::nullopt, last_day);
  if (!seqs.is_ok()) return seqs.status();
  for (const uint64_t seq : *seqs) {
    Result<DecodedEntry> decoded = ledger.entry(seq);
    if (!decoded.is_ok()) return decoded.status();
    const Entry& entry = decoded->entry;
    const bool insured_side = entry.side == Side::kInsured;
    const std::string counterpart =
        region_of(insured_side ? entry.record.mdtrtarea_admvs : entry.record.insuplc_admdvs);
    const std::string account = accounts::between_regions(insured_side, counterpart);
    if (counterpart == ledger.region() || taken(earlier, seq, entry.day, account)) continue;
    const Direction booked = insured_side ? Direction::kCredit : Direction::kDebit;
    Counted& counted = (insured_side ? totals.payable : totals.receivable)[counterpart];
    for (const Leg& leg : entry.legs) {
      if (leg.account == account)
        counted.amount += leg.direction == booked ? leg.amount : -leg.amount;
    }
    if (entry.record.kind != cl::RecordKind::kAdjustment) ++counted.entries;
  }
  return totals;
}

}  // namespace medclear::ledger
