// Monthly clearing (清算, DOMAIN.md §5): from the reconciled bilateral totals of a period, each
// region's net position (receivables − payables; all positions sum to zero), ONE pay-in or
// pay-out per region instead of one payment per pair, the pay-in drawn on the region's
// prepayment (预付金, "prepay first, clear later"), and the flags a clearing house raises: a
// prepayment left below its floor, a pay-in the prepayment did not cover. Pure: no I/O.
//
// Identities (checked, an error if broken): Σ net = 0; Σ pay-in = Σ pay-out; per region
// net = Σ its receivables − Σ its payables; pay-in = drawn + shortfall; a prepayment never goes
// below zero (what it cannot cover is a shortfall, flagged, never a silent negative balance).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clearing/money.h"
#include "clearing/status.h"

namespace medclear::clearing {

// What `insured` owes `treating` for the period: Σ of the settlements, cancels and reversals
// both regions' ledgers agree on (a cancel is a negative amount, so a total may be negative).
struct BilateralTotal {
  std::string insured;   // PP0000
  std::string treating;  // PP0000
  Money amount;
  uint64_t entries = 0;
};

struct Prepayment {
  Money balance;  // held by the clearing house before this clearing
  Money floor;    // the least it must keep; below it the region is asked for a top-up
};

struct ClearingInput {
  std::string period;  // YYYY-MM
  std::vector<BilateralTotal> totals;
  std::map<std::string, Prepayment> prepayments;  // regions without one hold none (floor 0)
};

struct RegionPosition {
  std::string region;
  Money receivable;  // Σ what the insured regions owe it (its hospitals treated their people)
  Money payable;     // Σ what it owes the treating regions
  Money net;         // receivable − payable: > 0 it is paid, < 0 it pays
  Money pay_in;      // −net when net < 0, else 0
  Money pay_out;     // net when net > 0, else 0
  Money prepayment_before;
  Money prepayment_drawn;  // min(pay_in, prepayment_before), never more than the balance
  Money prepayment_after;
  Money prepayment_floor;
  Money shortfall;  // pay_in − drawn: to be wired; > 0 is flagged `prepayment_overdrawn`
  Money top_up;     // floor − after when below the floor; > 0 is flagged `below_floor`
  bool below_floor() const { return top_up > Money::zero(); }
  bool overdrawn() const { return shortfall > Money::zero(); }
};

struct ClearingResult {
  std::string period;
  std::vector<RegionPosition> positions;  // by region code
  Money total_pay_in;                     // = total_pay_out
  Money total_pay_out;
  Money gross;         // Σ |bilateral totals|: what one payment per pair would move
  uint64_t pairs = 0;  // bilateral totals netted
};

// How a clearing house sizes prepayments (预付金): `months` of the region's average outflow —
// what its funds owed the treating regions per day over `days` observed days, times 30 days a
// month — and the floor `floor_months` of it, so the flags speak only of a region that paid out
// far more than it used to. Rounded down to the fen; a region that owed nothing holds none.
struct PrepaymentRule {
  int64_t months = 2;
  int64_t floor_months = 1;
};

// The prepayments of every insured region of `totals` (a total's negative amount, cancels
// exceeding settlements, counts as no outflow). Errors: `days` < 1, negative months, a floor
// above the balance.
Result<std::map<std::string, Prepayment>> prepayments_by_outflow(
    const std::vector<BilateralTotal>& totals, int64_t days, const PrepaymentRule& rule);

// Errors: a malformed period or region, a pair given twice, a region paired with itself, a
// negative prepayment or floor. An identity that does not hold is a bug (MC_CHECK).
Result<ClearingResult> net_positions(const ClearingInput& input);

}  // namespace medclear::clearing
