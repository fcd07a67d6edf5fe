#include "clearing/record_codec.h"

#include <algorithm>
#include <array>

namespace medclear::clearing {

namespace {

std::array<Money*, 20> amount_fields(SettlementAmounts& a) {
  return {&a.medfee_sumamt,  &a.fulamt_ownpay_amt, &a.overlmt_selfpay,
          &a.preselfpay_amt, &a.inscp_scp_amt,     &a.act_pay_dedc,
          &a.hifp_pay,       &a.cvlserv_pay,       &a.hifes_pay,
          &a.hifmi_pay,      &a.hifob_pay,         &a.maf_pay,
          &a.hosp_part_amt,  &a.oth_pay,           &a.fund_pay_sumamt,
          &a.psn_part_amt,   &a.acct_pay,          &a.psn_cash_pay,
          &a.balc,           &a.acct_mulaid_pay};
}

// The year's fields in Accumulators::fields() order (inpatient deductible, outpatient
// deductible, pool, layer base, layer paid, assistance), then the account used.
std::array<Money*, Accumulators::kFieldCount + 1> delta_fields(AccumulatorDelta& d) {
  std::array<Money*, Accumulators::kFieldCount + 1> out{};
  const auto year = d.year.fields();
  std::copy(year.begin(), year.end(), out.begin());
  out.back() = &d.account_used;
  return out;
}

std::array<std::string*, 12> string_fields(SettlementRecord& r) {
  return {&r.setl_id,         &r.msgid,          &r.compensates, &r.insuplc_admdvs,
          &r.mdtrtarea_admvs, &r.fixmedins_code, &r.psn_no,      &r.insutype,
          &r.psn_type,        &r.med_type,       &r.mdtrt_id,    &r.fingerprint};
}

// A record's amount: within ±kRecordAmountMaxFen.
bool decode_record_money(ByteReader& in, Money& out) {
  return decode_money(in, out) && out.fen() >= -kRecordAmountMaxFen &&
         out.fen() <= kRecordAmountMaxFen;
}

}  // namespace

bool decode_money(ByteReader& in, Money& out) {
  int64_t fen = 0;
  if (!in.i64(fen) || fen < -Money::kMaxFen || fen > Money::kMaxFen) return false;
  out = Money::from_fen(fen);
  return true;
}

void encode_record(ByteWriter& out, const SettlementRecord& original) {
  SettlementRecord record = original;  // the field tables hand out mutable pointers
  out.u8(static_cast<uint8_t>(record.kind));
  out.u16(static_cast<uint16_t>(record.infno));
  for (std::string* field : string_fields(record)) out.str(*field);
  out.i32(record.year);
  out.i32(record.setl_time.date.days());
  out.i32(record.setl_time.seconds_of_day);
  for (Money* field : amount_fields(record.amounts)) out.i64(field->fen());
  out.i64(record.amounts.pool_prop_selfpay.basis_points());
  MC_CHECK(record.amounts.details.size() <= 255, "too many fund details");
  out.u8(static_cast<uint8_t>(record.amounts.details.size()));
  for (const FundPayment& d : record.amounts.details) {
    out.u8(static_cast<uint8_t>(d.fund));
    out.i64(d.inscp_scp_amt.fen());
    out.i64(d.crt_payb_lmt_amt.fen());
    out.i64(d.fund_payamt.fen());
  }
  for (Money* field : delta_fields(record.delta)) out.i64(field->fen());
}

Status decode_record(ByteReader& in, SettlementRecord& r) {
  uint8_t kind = 0;
  uint16_t infno = 0;
  if (!in.u8(kind) || kind > 3 || !in.u16(infno)) return Status::invalid("bad kind or infno");
  const auto transaction = parse_transaction(std::to_string(infno));
  if (!transaction) return Status::invalid("unknown infno");
  r.kind = static_cast<RecordKind>(kind);
  r.infno = *transaction;
  for (std::string* field : string_fields(r)) {
    if (!in.str(*field)) return Status::invalid("short string");
  }
  int32_t setl_days = 0;
  if (!in.i32(r.year) || !in.i32(setl_days) || !in.i32(r.setl_time.seconds_of_day)) {
    return Status::invalid("short time");
  }
  r.setl_time.date = Date::from_days(setl_days);
  for (Money* field : amount_fields(r.amounts)) {
    if (!decode_record_money(in, *field)) return Status::invalid("bad amount");
  }
  int64_t ratio = 0;
  uint8_t details = 0;
  if (!in.i64(ratio) || ratio < 0 || ratio > Ratio::kOne || !in.u8(details))
    return Status::invalid("bad ratio");
  r.amounts.pool_prop_selfpay = Ratio::from_basis_points(static_cast<int32_t>(ratio));
  r.amounts.details.clear();
  for (int i = 0; i < details; ++i) {
    FundPayment d;
    uint8_t fund = 0;
    if (!in.u8(fund) || fund > 5 || !decode_record_money(in, d.inscp_scp_amt) ||
        !decode_record_money(in, d.crt_payb_lmt_amt) || !decode_record_money(in, d.fund_payamt)) {
      return Status::invalid("bad fund detail");
    }
    d.fund = static_cast<Fund>(fund);
    r.amounts.details.push_back(d);
  }
  for (Money* field : delta_fields(r.delta)) {
    if (!decode_record_money(in, *field)) return Status::invalid("bad accumulator delta");
  }
  return Status::ok();
}

}  // namespace medclear::clearing
