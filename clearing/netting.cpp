#include "clearing/netting.h"

#include <algorithm>
#include <set>
#include <utility>

namespace medclear::clearing {

namespace {

bool is_region(const std::string& code) {
  return code.size() == 6 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         code.ends_with("0000");
}

bool is_period(const std::string& period) {
  if (period.size() != 7 || period[4] != '-') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u}) {
    if (period[i] < '0' || period[i] > '9') return false;
  }
  const int month = (period[5] - '0') * 10 + (period[6] - '0');
  return month >= 1 && month <= 12;
}

Money magnitude(Money m) { return m < Money::zero() ? -m : m; }

}  // namespace

Result<std::map<std::string, Prepayment>> prepayments_by_outflow(
    const std::vector<BilateralTotal>& totals, int64_t days, const PrepaymentRule& rule) {
  if (days < 1) return Status::invalid("prepayments need at least one day of outflow");
  if (rule.months < 0 || rule.floor_months < 0 || rule.floor_months > rule.months) {
    return Status::invalid("a prepayment's months must be >= its floor's, and neither negative");
  }
  std::map<std::string, Money> outflow;
  for (const BilateralTotal& t : totals) {
    if (t.amount > Money::zero()) outflow[t.insured] += t.amount;
  }
  std::map<std::string, Prepayment> prepayments;
  constexpr int64_t kDaysPerMonth = 30;
  for (const auto& [region, owed] : outflow) {
    // owed ≤ 10^15 fen (ten trillion yuan) keeps owed × 30 × months well inside 64 bits.
    if (owed.fen() > 1'000'000'000'000'000 || rule.months > 1'000) {
      return Status::invalid("the outflow of " + region + " is too large to size a prepayment");
    }
    const int64_t per_month = owed.fen() * kDaysPerMonth / days;
    prepayments[region] = {Money::from_fen(per_month * rule.months),
                           Money::from_fen(per_month * rule.floor_months)};
  }
  return prepayments;
}

Result<ClearingResult> net_positions(const ClearingInput& input) {
  if (!is_period(input.period)) return Status::error("period must be YYYY-MM: " + input.period);
  std::map<std::string, RegionPosition> by_region;
  std::set<std::pair<std::string, std::string>> seen;
  ClearingResult result;
  result.period = input.period;
  for (const BilateralTotal& total : input.totals) {
    if (!is_region(total.insured) || !is_region(total.treating)) {
      return Status::error("region must be PP0000: " + total.insured + "," + total.treating);
    }
    if (total.insured == total.treating) {
      return Status::error("a region does not clear with itself: " + total.insured);
    }
    if (!seen.insert({total.insured, total.treating}).second) {
      return Status::error("pair given twice: " + total.insured + "," + total.treating);
    }
    RegionPosition& payer = by_region[total.insured];
    RegionPosition& payee = by_region[total.treating];
    payer.payable += total.amount;
    payee.receivable += total.amount;
    result.gross += magnitude(total.amount);
    ++result.pairs;
  }
  for (const auto& [region, prepayment] : input.prepayments) {
    if (!is_region(region)) return Status::error("region must be PP0000: " + region);
    if (prepayment.balance < Money::zero() || prepayment.floor < Money::zero()) {
      return Status::error("prepayment and floor of " + region + " must not be negative");
    }
    by_region[region];  // a region with a prepayment and no business still gets a statement
  }

  Money sum_net;
  for (auto& [region, p] : by_region) {
    p.region = region;
    p.net = p.receivable - p.payable;
    p.pay_in = p.net < Money::zero() ? -p.net : Money::zero();
    p.pay_out = p.net > Money::zero() ? p.net : Money::zero();
    if (auto it = input.prepayments.find(region); it != input.prepayments.end()) {
      p.prepayment_before = it->second.balance;
      p.prepayment_floor = it->second.floor;
    }
    p.prepayment_drawn = std::min(p.pay_in, p.prepayment_before);
    p.prepayment_after = p.prepayment_before - p.prepayment_drawn;
    p.shortfall = p.pay_in - p.prepayment_drawn;
    p.top_up = p.prepayment_after < p.prepayment_floor ? p.prepayment_floor - p.prepayment_after
                                                       : Money::zero();
    MC_CHECK(p.prepayment_after >= Money::zero(), "a prepayment went negative");
    MC_CHECK(p.pay_in == p.prepayment_drawn + p.shortfall, "pay-in is not drawn + shortfall");
    sum_net += p.net;
    result.total_pay_in += p.pay_in;
    result.total_pay_out += p.pay_out;
    result.positions.push_back(p);
  }
  MC_CHECK(sum_net == Money::zero(), "net positions do not sum to zero");
  MC_CHECK(result.total_pay_in == result.total_pay_out, "pay-ins and pay-outs differ");
  return result;
}

}  // namespace medclear::clearing
