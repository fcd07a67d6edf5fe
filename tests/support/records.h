// Hand-made settlement records with round amounts, for ledger tests that compute their expected
// totals by hand: a patient insured in 610100 (region 610000) treated at H31010400001 in 310104
// (region 310000), every fen in scope, so a record's amounts are only medfee, fund and account.
// The records keep every identity of DOMAIN.md §3, as the engine's do.
#pragma once

#include <cstdint>
#include <string>

#include "clearing/settlement.h"

namespace medclear::testing {

// A settlement on `day` of a bill of `medfee_fen`: the resident pool pays `fund_fen`, the
// personal account `account_fen`, and the patient the rest in cash. What the treating region
// advances (its receivable) is fund + account.
inline clearing::SettlementRecord settlement_record(const std::string& setl_id,
                                                    const std::string& msgid, clearing::Date day,
                                                    int64_t medfee_fen, int64_t fund_fen,
                                                    int64_t account_fen = 0) {
  using clearing::Money;
  clearing::SettlementRecord r;
  r.setl_id = setl_id;
  r.msgid = msgid;
  r.infno = clearing::Transaction::kInpatientSettle;
  r.kind = clearing::RecordKind::kSettlement;
  r.fingerprint = "fingerprint of " + msgid;
  r.insuplc_admdvs = "610100";
  r.mdtrtarea_admvs = "310104";
  r.fixmedins_code = "H31010400001";
  r.psn_no = "61000000000000000001";
  r.insutype = "390";
  r.psn_type = "1701";
  r.med_type = "21";
  r.mdtrt_id = "MD-" + setl_id;
  r.year = day.year();
  r.setl_time = {day, 10 * 3600};
  clearing::SettlementAmounts& a = r.amounts;
  a.medfee_sumamt = Money::from_fen(medfee_fen);
  a.inscp_scp_amt = Money::from_fen(medfee_fen);
  a.hifp_pay = Money::from_fen(fund_fen);
  a.pool_prop_selfpay = clearing::Ratio::from_basis_points(7000);
  a.fund_pay_sumamt = Money::from_fen(fund_fen);
  a.psn_part_amt = Money::from_fen(medfee_fen - fund_fen);
  a.acct_pay = Money::from_fen(account_fen);
  a.psn_cash_pay = Money::from_fen(medfee_fen - fund_fen - account_fen);
  a.details = {{clearing::Fund::kResidentPool, Money::from_fen(medfee_fen), Money{},
                Money::from_fen(fund_fen)}};
  r.delta.year.pool_paid = Money::from_fen(fund_fen);
  r.delta.account_used = Money::from_fen(account_fen);
  return r;
}

// A cancel (2305) of `original` on `day`: its amounts and deltas negated, as the engine makes one.
inline clearing::SettlementRecord cancel_record(const clearing::SettlementRecord& original,
                                                const std::string& setl_id,
                                                const std::string& msgid, clearing::Date day) {
  clearing::SettlementRecord r = original;
  r.setl_id = setl_id;
  r.msgid = msgid;
  r.infno = clearing::Transaction::kInpatientCancel;
  r.kind = clearing::RecordKind::kCancel;
  r.fingerprint = "fingerprint of " + msgid;
  r.compensates = original.setl_id;
  r.setl_time = {day, 11 * 3600};
  r.amounts = original.amounts.negated();
  r.delta = original.delta.negated();
  return r;
}

}  // namespace medclear::testing
