// The auditor's own posting rules (DOMAIN.md §5): which accounts a settlement, cancel or reversal
// debits and credits in the insured region's ledger and in the treating region's. Independent of
// ledger/: it reads only the model's Expected answer and writes its own account names, so the
// ledgers can be checked against it rather than against themselves.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "simulator/oracle/model.h"

namespace medclear::oracle {

enum class Side { kInsured, kTreating };

struct Posting {
  bool debit = true;
  std::string account;  // "fund:390100", "payable:310000", "receivable:610000", "hospital:H…"
  Money amount;         // negative on a compensation (red ink: same side, negated amount)
  bool operator==(const Posting&) const = default;
};

// The postings of an accepted answer on one side; a zero amount is not posted. Insured region R:
// debit each paying fund ("fund:<fund_pay_type>") and the personal account ("fund:310200") by
// what it paid, credit "payable:<T>" by their sum. Treating region T: debit "receivable:<R>",
// credit "hospital:<fixmedins_code>", both by that sum. R and T are the provinces ("PP0000") of
// the person's division and of the envelope's treating division.
std::vector<Posting> postings(const Expected& answer, Side side);

// Σ debits − Σ credits per account: what the postings add to each balance. Compare ledgers by
// these sums, which do not depend on the order of the legs.
std::map<std::string, Money> balance_moves(const std::vector<Posting>& postings);

}  // namespace medclear::oracle
