#include "ledger/entry.h"

#include <algorithm>

#include "ledger/codec.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

namespace {

constexpr char kMagic[] = "ML";

// The money fields of setlinfo in their fixed FORMAT.md order.
std::array<cl::Money*, 20> amount_fields(cl::SettlementAmounts& a) {
  return {&a.medfee_sumamt, &a.fulamt_ownpay_amt, &a.overlmt_selfpay, &a.preselfpay_amt,
          &a.inscp_scp_amt, &a.act_pay_dedc,      &a.hifp_pay,        &a.cvlserv_pay,
          &a.hifes_pay,     &a.hifmi_pay,         &a.hifob_pay,       &a.maf_pay,
          &a.hosp_part_amt, &a.oth_pay,           &a.fund_pay_sumamt, &a.psn_part_amt,
          &a.acct_pay,      &a.psn_cash_pay,      &a.balc,            &a.acct_mulaid_pay};
}

std::array<cl::Money*, 6> delta_fields(cl::AccumulatorDelta& d) {
  return {&d.year.deductible_paid, &d.year.pool_paid,       &d.year.layer_base,
          &d.year.layer_paid,      &d.year.assistance_paid, &d.account_used};
}

std::array<std::string*, 12> string_fields(cl::SettlementRecord& r) {
  return {&r.setl_id,        &r.msgid,   &r.compensates, &r.insuplc_admdvs,
          &r.mdtrtarea_admvs, &r.fixmedins_code, &r.psn_no, &r.insutype,
          &r.psn_type,       &r.med_type, &r.mdtrt_id,   &r.fingerprint};
}

bool read_money(ByteReader& in, cl::Money& out) {
  int64_t fen = 0;
  if (!in.i64(fen) || fen < -cl::Money::kMaxFen || fen > cl::Money::kMaxFen) return false;
  out = cl::Money::from_fen(fen);
  return true;
}

void add_leg(std::vector<Leg>& legs, Direction direction, std::string account, cl::Money amount) {
  if (!amount.is_zero()) legs.push_back({direction, std::move(account), amount});
}

}  // namespace

std::string region_of(std::string_view admdvs) {
  return std::string(admdvs.substr(0, 2)) + "0000";
}

std::vector<Leg> legs_for(const cl::SettlementRecord& record, Side side) {
  const cl::SettlementAmounts& a = record.amounts;
  const cl::Money total = a.fund_pay_sumamt + a.acct_pay;  // what the treating region advances
  std::vector<Leg> legs;
  if (side == Side::kInsured) {
    for (const cl::FundPayment& detail : a.details) {
      add_leg(legs, Direction::kDebit, "fund:" + std::string(cl::fund_code(detail.fund)),
              detail.fund_payamt);
    }
    add_leg(legs, Direction::kDebit,
            "fund:" + std::string(cl::fund_code(cl::Fund::kEmployeeAccount)), a.acct_pay);
    add_leg(legs, Direction::kCredit, "payable:" + region_of(record.mdtrtarea_admvs), total);
  } else {
    add_leg(legs, Direction::kDebit, "receivable:" + region_of(record.insuplc_admdvs), total);
    add_leg(legs, Direction::kCredit, "hospital:" + record.fixmedins_code, total);
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
  cl::SettlementRecord record = entry.record;  // the field arrays need mutable pointers
  ByteWriter out;
  out.raw(std::string_view(kMagic, 2));
  out.u8(kEntryFormatVersion);
  out.u8(static_cast<uint8_t>(algorithm));
  out.u64(entry.seq);
  out.i32(entry.day.days());
  out.u8(static_cast<uint8_t>(entry.side));
  out.u8(static_cast<uint8_t>(record.kind));
  out.u16(static_cast<uint16_t>(record.infno));
  out.raw(std::string_view(reinterpret_cast<const char*>(entry.prev_hash.data()), 32));
  for (std::string* field : string_fields(record)) out.str(*field);
  out.i32(record.year);
  out.i32(record.setl_time.date.days());
  out.i32(record.setl_time.seconds_of_day);
  for (cl::Money* field : amount_fields(record.amounts)) out.i64(field->fen());
  out.i64(record.amounts.pool_prop_selfpay.basis_points());
  MC_CHECK(record.amounts.details.size() <= 255, "too many fund details");
  out.u8(static_cast<uint8_t>(record.amounts.details.size()));
  for (const cl::FundPayment& d : record.amounts.details) {
    out.u8(static_cast<uint8_t>(d.fund));
    out.i64(d.inscp_scp_amt.fen());
    out.i64(d.crt_payb_lmt_amt.fen());
    out.i64(d.fund_payamt.fen());
  }
  for (cl::Money* field : delta_fields(record.delta)) out.i64(field->fen());
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
  auto corrupt = [](const std::string& what) { return Status::error("corrupt entry: " + what); };
  if (bytes.size() < 2 + 2 + 32 || bytes.substr(0, 2) != std::string_view(kMagic, 2)) {
    return corrupt("bad magic");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 32);
  const std::string_view stored = bytes.substr(bytes.size() - 32);
  if (bytes.size() < 4 || (bytes[3] != 1 && bytes[3] != 2)) return corrupt("unknown hash algorithm");
  DecodedEntry decoded;
  decoded.algorithm = static_cast<HashAlgorithm>(bytes[3]);
  decoded.hash = hash_bytes(decoded.algorithm, body);
  if (std::string_view(reinterpret_cast<const char*>(decoded.hash.data()), 32) != stored) {
    return corrupt("hash does not match the bytes");
  }
  ByteReader in(body);
  Entry& e = decoded.entry;
  cl::SettlementRecord& r = e.record;
  std::string_view magic;
  uint8_t version = 0, algorithm = 0, side = 0, kind = 0;
  uint16_t infno = 0;
  int32_t day = 0;
  std::string_view prev;
  if (!in.raw(2, magic) || !in.u8(version) || !in.u8(algorithm) || !in.u64(e.seq) ||
      !in.i32(day) || !in.u8(side) || !in.u8(kind) || !in.u16(infno) || !in.raw(32, prev)) {
    return corrupt("short header");
  }
  if (version != kEntryFormatVersion) return corrupt("unknown version " + std::to_string(version));
  if (side != 1 && side != 2) return corrupt("unknown side");
  if (kind > 2) return corrupt("unknown kind");
  const auto transaction = cl::parse_transaction(std::to_string(infno));
  if (!transaction) return corrupt("unknown infno");
  e.day = cl::Date::from_days(day);
  e.side = static_cast<Side>(side);
  r.kind = static_cast<cl::RecordKind>(kind);
  r.infno = *transaction;
  std::copy(prev.begin(), prev.end(), e.prev_hash.begin());
  for (std::string* field : string_fields(r)) {
    if (!in.str(*field)) return corrupt("short string");
  }
  int32_t setl_days = 0;
  int64_t ratio = 0;
  uint8_t details = 0;
  if (!in.i32(r.year) || !in.i32(setl_days) || !in.i32(r.setl_time.seconds_of_day)) {
    return corrupt("short time");
  }
  r.setl_time.date = cl::Date::from_days(setl_days);
  for (cl::Money* field : amount_fields(r.amounts)) {
    if (!read_money(in, *field)) return corrupt("bad amount");
  }
  if (!in.i64(ratio) || ratio < 0 || ratio > cl::Ratio::kOne || !in.u8(details)) {
    return corrupt("bad ratio");
  }
  r.amounts.pool_prop_selfpay = cl::Ratio::from_basis_points(static_cast<int32_t>(ratio));
  for (int i = 0; i < details; ++i) {
    cl::FundPayment d;
    uint8_t fund = 0;
    if (!in.u8(fund) || fund > 5 || !read_money(in, d.inscp_scp_amt) ||
        !read_money(in, d.crt_payb_lmt_amt) || !read_money(in, d.fund_payamt)) {
      return corrupt("bad fund detail");
    }
    d.fund = static_cast<cl::Fund>(fund);
    r.amounts.details.push_back(d);
  }
  for (cl::Money* field : delta_fields(r.delta)) {
    if (!read_money(in, *field)) return corrupt("bad accumulator delta");
  }
  uint16_t legs = 0;
  if (!in.u16(legs)) return corrupt("short legs");
  for (int i = 0; i < legs; ++i) {
    Leg leg;
    uint8_t direction = 0;
    if (!in.u8(direction) || (direction != 1 && direction != 2) || !in.str(leg.account) ||
        !read_money(in, leg.amount)) {
      return corrupt("bad leg");
    }
    leg.direction = static_cast<Direction>(direction);
    e.legs.push_back(std::move(leg));
  }
  if (in.remaining() != 0) return corrupt("trailing bytes");
  cl::WideInt debits_minus_credits = 0;  // wide: corrupt amounts must not trip a range check
  for (const Leg& leg : e.legs) {
    debits_minus_credits += leg.direction == Direction::kDebit ? leg.amount.fen() : -leg.amount.fen();
  }
  if (debits_minus_credits != 0) return corrupt("debits and credits differ");
  return decoded;
}

}  // namespace medclear::ledger
