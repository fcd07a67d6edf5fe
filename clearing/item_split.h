// A claim's split laid onto its fee lines, for answers that show it per line (FHIR ClaimResponse
// item.adjudication, adapters/FHIR.md). The engine splits a claim as a whole (the deductible,
// the pool's ratio, the layer and the annual limits act on its in-scope sum), so the national
// answer has no per-line figures; these are derived, and documented as such:
//   eligible   — the line's in-scope amount, exact: classify_line (split.h), not allocated;
//   deductible, benefit — the claim's act_pay_dedc and fund_pay_sumamt allocated to the lines
//                pro rata to their eligible amounts, largest remainder in whole fen;
//   copay      — what is left of the line for the patient: submitted − benefit, so the line's
//                self-pay parts are its patient's, and Σ copay = psn_part_amt exactly.
// Pure.
#pragma once

#include <optional>
#include <vector>

#include "clearing/money.h"
#include "clearing/settlement.h"

namespace medclear::clearing {

// Shares of `total` proportional to `weights` in whole fen, summing to `total` exactly: each line
// gets floor(total × w / Σw), and the fen left over go one each to the lines of the largest
// remainders (the earlier line on a tie). A line of weight 0 gets nothing; when total ≤ Σw no
// share exceeds its weight. Nullopt when there is no such split: a negative total or weight, or
// no weight at all for a non-zero total.
std::optional<std::vector<Money>> allocate_pro_rata(Money total, const std::vector<Money>& weights);

struct ItemSplit {
  Money submitted;   // the line's amount (det_item_fee_sumamt)
  Money eligible;    // its in-scope part (classify_line)
  Money deductible;  // its share of act_pay_dedc
  Money benefit;     // its share of fund_pay_sumamt
  Money copay;       // submitted − benefit: the patient's part of the line
};

// The per-line split of a settlement `claim` whose lines have these amounts and in-scope parts.
// Nullopt when the lines do not add up to the claim (Σ submitted ≠ medfee_sumamt, Σ eligible ≠
// inscp_scp_amt: another classification than the one that decided it), when a line's eligible
// part is negative or above its amount, when the claim has a hospital part (hosp_part_amt: no
// rule says whose line it is) or when its deductible or funds exceed its in-scope sum.
std::optional<std::vector<ItemSplit>> split_items(const std::vector<Money>& submitted,
                                                  const std::vector<Money>& eligible,
                                                  const SettlementAmounts& claim);

// The claim's effective reimbursement ratio: benefit ÷ eligible, half-up to the basis point
// (nullopt when nothing is eligible). With benefit allocated pro rata it is every line's ratio
// too, up to the rounding of its share to the fen.
std::optional<Ratio> effective_ratio(Money benefit, Money eligible);

}  // namespace medclear::clearing
