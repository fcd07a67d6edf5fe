// What a settlement decides: the amounts of setlinfo and setldetail, the accumulator deltas it
// used, and the record the state keeps (by setl_id and msgid). A cancel or reversal is a record of
// its own whose amounts and deltas are the exact negation of the one it compensates.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "clearing/codes.h"
#include "clearing/money.h"
#include "clearing/status.h"
#include "clearing/time.h"

namespace medclear::clearing {

// One setldetail row.
struct FundPayment {
  Fund fund = Fund::kResidentPool;
  Money inscp_scp_amt;     // the base this fund paid on
  Money crt_payb_lmt_amt;  // what the fund could still pay this year before this settlement
  Money fund_payamt;
};

// The money of setlinfo (DOMAIN.md §2/§3). All fields are fen; pool_prop_selfpay is a ratio.
struct SettlementAmounts {
  Money medfee_sumamt;
  Money fulamt_ownpay_amt;
  Money overlmt_selfpay;
  Money preselfpay_amt;
  Money inscp_scp_amt;
  Money act_pay_dedc;
  Money hifp_pay;
  Ratio pool_prop_selfpay;
  Money cvlserv_pay;
  Money hifes_pay;
  Money hifmi_pay;
  Money hifob_pay;
  Money maf_pay;
  Money hosp_part_amt;
  Money oth_pay;
  Money fund_pay_sumamt;
  Money psn_part_amt;
  Money acct_pay;
  Money psn_cash_pay;
  Money balc;  // account balance after this settlement (not negated on a cancel)
  Money acct_mulaid_pay;
  std::vector<FundPayment> details;

  // The same amounts with every sign flipped (balc and the ratio excepted).
  SettlementAmounts negated() const;
};

// Year-to-date accumulators of one (psn_no, insutype, year). The inpatient and outpatient
// branches each keep their own per-year deductible (DOMAIN.md §3 step 1, contracts/adjudicate.md);
// the pool limit, layer and assistance are shared by both.
struct Accumulators {
  Money inpatient_deductible_paid;   // per-year deductible used by inpatient settlements
  Money outpatient_deductible_paid;  // per-year deductible used by outpatient settlements
  Money pool_paid;                   // hifp_pay so far, against pool_annual_limit
  Money layer_base;       // in-scope burden before the layer, cumulative (B0 of DOMAIN.md §3)
  Money layer_paid;       // against the layer's annual_limit
  Money assistance_paid;  // against the assistance's annual_limit

  // Every field, in the one order that the ledger, the wire and verify use (ledger/FORMAT.md).
  static constexpr size_t kFieldCount = 6;
  std::array<Money*, kFieldCount> fields() {
    return {&inpatient_deductible_paid,
            &outpatient_deductible_paid,
            &pool_paid,
            &layer_base,
            &layer_paid,
            &assistance_paid};
  }
  std::array<Money, kFieldCount> values() const {
    return {inpatient_deductible_paid,
            outpatient_deductible_paid,
            pool_paid,
            layer_base,
            layer_paid,
            assistance_paid};
  }
  // The per-year deductible of the branch `med_type` belongs to (is_inpatient, codes.h).
  Money& deductible_paid_for(std::string_view med_type) {
    return is_inpatient(med_type) ? inpatient_deductible_paid : outpatient_deductible_paid;
  }
  Money deductible_paid_for(std::string_view med_type) const {
    return is_inpatient(med_type) ? inpatient_deductible_paid : outpatient_deductible_paid;
  }
  bool operator==(const Accumulators&) const = default;
  bool is_zero() const { return *this == Accumulators{}; }
};

// Adds accumulators (or a delta to them), field by field.
Accumulators operator+(const Accumulators& a, const Accumulators& b);

// Exactly what one settlement moved. A compensating record carries the negation.
struct AccumulatorDelta {
  Accumulators year;   // added to the (psn, insutype, year) accumulators
  Money account_used;  // taken from the person's personal account
  AccumulatorDelta negated() const;
  bool operator==(const AccumulatorDelta&) const = default;
};

// kAdjustment: an entry the nightly reconciliation appends on the treating side to bring its
// booking of a claim to the insured side's (ledger/adjust.h); never produced by the engine.
enum class RecordKind : uint8_t { kSettlement, kCancel, kReversal, kAdjustment };

// What the state keeps of every settlement, cancel and reversal.
struct SettlementRecord {
  std::string setl_id;
  std::string msgid;
  Transaction infno = Transaction::kOutpatientSettle;
  RecordKind kind = RecordKind::kSettlement;
  std::string fingerprint;
  std::string compensates;  // setl_id of the record this one negates (cancels and reversals)
  std::string insuplc_admdvs;
  std::string mdtrtarea_admvs;
  std::string fixmedins_code;
  std::string psn_no;
  std::string insutype;
  std::string psn_type;
  std::string med_type;
  std::string mdtrt_id;
  int year = 0;  // accumulator year (of inf_time)
  DateTime setl_time;
  SettlementAmounts amounts;
  AccumulatorDelta delta;
};

// The identities of DOMAIN.md §3, for a settlement (all amounts ≥ 0) or a compensating record
// (all amounts ≤ 0). kInvalid naming the identity that fails, when one does.
Status check_identities(const SettlementAmounts& amounts, bool compensating);

}  // namespace medclear::clearing
