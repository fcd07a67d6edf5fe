#include "clearing/item_split.h"

#include <algorithm>
#include <numeric>

namespace medclear::clearing {

std::optional<std::vector<Money>> allocate_pro_rata(Money total,
                                                    const std::vector<Money>& weights) {
  if (total.is_negative()) return std::nullopt;
  WideInt sum = 0;
  for (const Money weight : weights) {
    if (weight.is_negative()) return std::nullopt;
    sum += weight.fen();
  }
  std::vector<Money> shares(weights.size());
  if (total.is_zero()) return shares;
  if (sum == 0) return std::nullopt;
  std::vector<WideInt> remainders(weights.size());
  WideInt given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const WideInt exact = static_cast<WideInt>(total.fen()) * weights[i].fen();
    shares[i] = Money::from_fen(static_cast<int64_t>(exact / sum));
    remainders[i] = exact % sum;
    given += shares[i].fen();
  }
  // Σ remainders = (total − given) × sum and each is below sum: fewer fen left than lines with
  // a remainder, so a line of weight 0 (remainder 0) never gets one.
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return remainders[a] > remainders[b]; });
  const auto left = static_cast<size_t>(total.fen() - given);
  MC_CHECK(left < weights.size() || left == 0, "largest remainder: more fen left than lines");
  for (size_t k = 0; k < left; ++k) shares[order[k]] += Money::from_fen(1);
  return shares;
}

std::optional<std::vector<ItemSplit>> split_items(const std::vector<Money>& submitted,
                                                  const std::vector<Money>& eligible,
                                                  const SettlementAmounts& claim) {
  if (submitted.size() != eligible.size() || !claim.hosp_part_amt.is_zero()) return std::nullopt;
  Money submitted_sum, eligible_sum;
  for (size_t i = 0; i < submitted.size(); ++i) {
    if (eligible[i].is_negative() || eligible[i] > submitted[i]) return std::nullopt;
    submitted_sum += submitted[i];
    eligible_sum += eligible[i];
  }
  if (submitted_sum != claim.medfee_sumamt || eligible_sum != claim.inscp_scp_amt ||
      claim.act_pay_dedc > eligible_sum || claim.fund_pay_sumamt > eligible_sum) {
    return std::nullopt;
  }
  const std::optional<std::vector<Money>> deductible =
      allocate_pro_rata(claim.act_pay_dedc, eligible);
  const std::optional<std::vector<Money>> benefit =
      allocate_pro_rata(claim.fund_pay_sumamt, eligible);
  if (!deductible || !benefit) return std::nullopt;
  std::vector<ItemSplit> items(submitted.size());
  for (size_t i = 0; i < items.size(); ++i) {
    items[i] = {submitted[i], eligible[i], (*deductible)[i], (*benefit)[i],
                submitted[i] - (*benefit)[i]};
  }
  return items;
}

std::optional<Ratio> effective_ratio(Money benefit, Money eligible) {
  if (eligible.is_negative() || eligible.is_zero() || benefit.is_negative() || benefit > eligible)
    return std::nullopt;
  return Ratio::from_basis_points(static_cast<int32_t>(
      divide_half_up(static_cast<WideInt>(benefit.fen()) * Ratio::kOne, eligible.fen())));
}

}  // namespace medclear::clearing
