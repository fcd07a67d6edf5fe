#include "clearing/settlement.h"

namespace medclear::clearing {

Accumulators operator+(const Accumulators& a, const Accumulators& b) {
  Accumulators sum = a;
  const auto add = b.values();
  const auto fields = sum.fields();
  for (size_t i = 0; i < Accumulators::kFieldCount; ++i) *fields[i] += add[i];
  return sum;
}

SettlementAmounts SettlementAmounts::negated() const {
  SettlementAmounts n = *this;
  for (Money* field :
       {&n.medfee_sumamt, &n.fulamt_ownpay_amt, &n.overlmt_selfpay, &n.preselfpay_amt,
        &n.inscp_scp_amt, &n.act_pay_dedc, &n.hifp_pay, &n.cvlserv_pay, &n.hifes_pay, &n.hifmi_pay,
        &n.hifob_pay, &n.maf_pay, &n.hosp_part_amt, &n.oth_pay, &n.fund_pay_sumamt, &n.psn_part_amt,
        &n.acct_pay, &n.psn_cash_pay, &n.acct_mulaid_pay}) {
    *field = -*field;
  }
  for (FundPayment& detail : n.details) {
    detail.inscp_scp_amt = -detail.inscp_scp_amt;
    detail.fund_payamt = -detail.fund_payamt;
  }
  return n;
}

AccumulatorDelta AccumulatorDelta::negated() const {
  AccumulatorDelta n = *this;
  for (Money* field : n.year.fields()) *field = -*field;
  n.account_used = -account_used;
  return n;
}

Status check_identities(const SettlementAmounts& a, bool compensating) {
  const SettlementAmounts positive = compensating ? a.negated() : a;
  const SettlementAmounts& p = positive;
  for (Money field : {p.medfee_sumamt, p.fulamt_ownpay_amt, p.overlmt_selfpay, p.preselfpay_amt,
                      p.inscp_scp_amt, p.act_pay_dedc, p.hifp_pay, p.cvlserv_pay, p.hifes_pay,
                      p.hifmi_pay, p.hifob_pay, p.maf_pay, p.hosp_part_amt, p.oth_pay,
                      p.fund_pay_sumamt, p.psn_part_amt, p.acct_pay, p.psn_cash_pay, p.balc}) {
    if (field.is_negative()) {
      return Status::invalid(compensating ? "an amount of a compensating entry is positive"
                                          : "an amount is negative");
    }
  }
  if (p.medfee_sumamt !=
      p.fulamt_ownpay_amt + p.overlmt_selfpay + p.preselfpay_amt + p.inscp_scp_amt) {
    return Status::invalid(
        "medfee_sumamt != fulamt_ownpay_amt + overlmt_selfpay + preselfpay_amt + inscp_scp_amt");
  }
  if (p.medfee_sumamt != p.fund_pay_sumamt + p.psn_part_amt + p.hosp_part_amt) {
    return Status::invalid("medfee_sumamt != fund_pay_sumamt + psn_part_amt + hosp_part_amt");
  }
  if (p.psn_part_amt != p.acct_pay + p.psn_cash_pay) {
    return Status::invalid("psn_part_amt != acct_pay + psn_cash_pay");
  }
  if (p.fund_pay_sumamt != p.hifp_pay + p.cvlserv_pay + p.hifes_pay + p.hifmi_pay + p.hifob_pay +
                               p.maf_pay + p.oth_pay) {
    return Status::invalid("fund_pay_sumamt != sum of the seven fund fields");
  }
  Money detail_sum;
  for (const FundPayment& detail : p.details) {
    detail_sum += detail.fund_payamt;
  }
  if (detail_sum != p.fund_pay_sumamt) {
    return Status::invalid("fund_pay_sumamt != sum of setldetail.fund_payamt");
  }
  if (p.act_pay_dedc > p.inscp_scp_amt || p.hifp_pay > p.inscp_scp_amt - p.act_pay_dedc) {
    return Status::invalid("deductible or pool payment exceeds the in-scope amount");
  }
  return Status::ok();
}

}  // namespace medclear::clearing
