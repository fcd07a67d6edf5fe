#include "ledger/entry.h"

#include <algorithm>

#include "clearing/codec.h"
#include "clearing/record_codec.h"
#include "ledger/accounts.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

namespace {

constexpr char kMagic[] = "ML";

void add_leg(std::vector<Leg>& legs, Direction direction, std::string account, cl::Money amount) {
  if (!amount.is_zero()) legs.push_back({direction, std::move(account), amount});
}

}  // namespace

std::vector<Leg> legs_for(const cl::SettlementRecord& record, Side side) {
  const cl::SettlementAmounts& a = record.amounts;
  const cl::Money total = a.fund_pay_sumamt + a.acct_pay;  // what the treating region advances
  std::vector<Leg> legs;
  if (side == Side::kInsured) {
    for (const cl::FundPayment& detail : a.details) {
      add_leg(legs, Direction::kDebit, accounts::fund(cl::fund_code(detail.fund)),
              detail.fund_payamt);
    }
    add_leg(legs, Direction::kDebit, accounts::fund(cl::fund_code(cl::Fund::kEmployeeAccount)),
            a.acct_pay);
    add_leg(legs, Direction::kCredit, accounts::payable(region_of(record.mdtrtarea_admvs)), total);
  } else {
    add_leg(legs, Direction::kDebit, accounts::receivable(region_of(record.insuplc_admdvs)), total);
    add_leg(legs, Direction::kCredit, accounts::hospital(record.fixmedins_code), total);
  }
  return legs;
}

cl::Money imbalance(const std::vector<Leg>& legs) {
  cl::Money sum;
  for (const Leg& leg : legs) {
    sum += leg.direction == Direction::kDebit ? leg.amount : -leg.amount;
  }
  return sum;
}

std::string encode_entry(const Entry& entry, HashAlgorithm algorithm, Digest* hash) {
  ByteWriter out;
  out.raw(std::string_view(kMagic, 2));
  out.u8(kEntryFormatVersion);
  out.u8(static_cast<uint8_t>(algorithm));
  out.u64(entry.seq);
  out.i32(entry.day.days());
  out.u8(static_cast<uint8_t>(entry.side));
  out.raw(std::string_view(reinterpret_cast<const char*>(entry.prev_hash.data()), 32));
  cl::encode_record(out, entry.record);
  MC_CHECK(entry.legs.size() <= 0xFFFF, "too many legs");
  out.u16(static_cast<uint16_t>(entry.legs.size()));
  for (const Leg& leg : entry.legs) {
    out.u8(static_cast<uint8_t>(leg.direction));
    out.str(leg.account);
    out.i64(leg.amount.fen());
  }
  *hash = hash_bytes(algorithm, out.bytes());
  out.raw(std::string_view(reinterpret_cast<const char*>(hash->data()), 32));
  return std::move(out.bytes());
}

Result<DecodedEntry> decode_entry(std::string_view bytes) {
  auto corrupt = [](const std::string& what) {
    return Status::corruption("corrupt entry: " + what);
  };
  if (bytes.size() < 2 + 2 + 32 || bytes.substr(0, 2) != std::string_view(kMagic, 2)) {
    return corrupt("bad magic");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 32);
  const std::string_view stored = bytes.substr(bytes.size() - 32);
  const std::optional<HashAlgorithm> algorithm_byte =
      hash_algorithm_of_byte(static_cast<uint8_t>(bytes[kEntryAlgorithmOffset]));
  if (!algorithm_byte) return corrupt("unknown hash algorithm");
  DecodedEntry decoded;
  decoded.algorithm = *algorithm_byte;
  decoded.hash = hash_bytes(decoded.algorithm, body);
  if (std::string_view(reinterpret_cast<const char*>(decoded.hash.data()), 32) != stored) {
    return corrupt("hash does not match the bytes");
  }
  ByteReader in(body);
  Entry& e = decoded.entry;
  cl::SettlementRecord& r = e.record;
  std::string_view magic;
  uint8_t version = 0, algorithm = 0, side = 0;
  int32_t day = 0;
  std::string_view prev;
  if (!in.raw(2, magic) || !in.u8(version) || !in.u8(algorithm) || !in.u64(e.seq) || !in.i32(day) ||
      !in.u8(side) || !in.raw(32, prev)) {
    return corrupt("short header");
  }
  if (version != kEntryFormatVersion) return corrupt("unknown version " + std::to_string(version));
  if (side != 1 && side != 2) return corrupt("unknown side");
  e.day = cl::Date::from_days(day);
  e.side = static_cast<Side>(side);
  std::copy(prev.begin(), prev.end(), e.prev_hash.begin());
  if (Status record_read = cl::decode_record(in, r); !record_read.is_ok()) {
    return corrupt(record_read.message());
  }
  uint16_t legs = 0;
  if (!in.u16(legs)) return corrupt("short legs");
  for (int i = 0; i < legs; ++i) {
    Leg leg;
    uint8_t direction = 0;
    if (!in.u8(direction) || (direction != 1 && direction != 2) || !in.str(leg.account) ||
        !cl::decode_money(in, leg.amount)) {
      return corrupt("bad leg");
    }
    leg.direction = static_cast<Direction>(direction);
    e.legs.push_back(std::move(leg));
  }
  if (in.remaining() != 0) return corrupt("trailing bytes");
  cl::WideInt debits_minus_credits = 0;  // wide: corrupt amounts must not trip a range check
  for (const Leg& leg : e.legs) {
    debits_minus_credits +=
        leg.direction == Direction::kDebit ? leg.amount.fen() : -leg.amount.fen();
  }
  if (debits_minus_credits != 0) return corrupt("debits and credits differ");
  return decoded;
}

}  // namespace medclear::ledger
