// The monthly clearing over the regions' ledgers (`medclear clear`, the demo): each region's
// period totals (ledger/period_totals.h), the pairs whose two sides agree netted by
// clearing/netting.h, the pairs that do not agree held for a later period, a clearing mark and
// the region's statement recorded in each ledger, and the statements written as files.
//
// Files (`--out DIR`): clearing.json (medclear.clearing.v1: every position, the held pairs) and
// per region statement-<region>.json (medclear.clearing-statement.v1) and statement-<region>.csv.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "clearing/netting.h"
#include "ledger/ledger.h"
#include "ledger/period_totals.h"

namespace medclear::gateway {

struct HeldPair {
  std::string insured;
  std::string treating;
  ledger::Counted insured_side;   // the insured ledger's payable (zero without that ledger)
  ledger::Counted treating_side;  // the treating ledger's receivable
};

struct PeriodClearing {
  clearing::ClearingResult result;
  std::vector<clearing::BilateralTotal> totals;  // the agreed pairs, netted
  std::vector<HeldPair> held;
  std::map<std::string, ledger::ClearingMark> marks;  // by region
};

// Clears `period` over the given ledgers. With `record`, stages each ledger's mark and statement
// (documents "clearing/P" and "statement/clearing/P") and commits them; clearing a period again
// with nothing new is a no-op that returns the same result. Errors: a malformed period, a later
// period already cleared in a ledger, this period cleared before with other content, ledger I/O.
Result<PeriodClearing> clear_period(const std::map<std::string, ledger::Ledger*>& ledgers,
                                    const std::string& period,
                                    const std::map<std::string, clearing::Prepayment>& prepayments,
                                    bool record);

std::string clearing_json(const PeriodClearing& clearing);
std::string clearing_statement_json(const PeriodClearing& clearing, const std::string& region);
std::string statement_csv(const PeriodClearing& clearing, const std::string& region);
Status write_clearing_files(const PeriodClearing& clearing, const std::string& dir);

// `medclear clear`: clears and records `period` over the ledgers under `ledgers_dir`
// (DIR/<region>) with the prepayments of the file at `prepayments_path` (none when empty), and
// writes the statements into `out_dir`. Errors: those of clear_period, an unreadable prepayments
// file or ledger, statements that cannot be written.
Result<PeriodClearing> clear_ledgers_at(const std::string& ledgers_dir, const std::string& period,
                                        const std::string& prepayments_path,
                                        const std::string& out_dir);

// medclear.prepayments.v1: {"format": …, "regions": {"110000": {"balance": "…", "floor": "…"}}}
Result<std::map<std::string, clearing::Prepayment>> parse_prepayments(std::string_view text);

}  // namespace medclear::gateway
