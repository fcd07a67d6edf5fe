// What one region's ledger says about a clearing period: its payables to each treating region
// and its receivables from each insured region, over the entries the period takes — every entry
// of a business day up to the period's last day that no earlier clearing took. So an entry that
// arrives after its period was cleared (a late cancel, a claim written on one side late) lands
// in the next period, and an entry is never cleared twice.
//
// A clearing leaves a mark in each region's ledger (document "clearing/YYYY-MM", FORMAT.md): the
// period, its last day, the last journal seq it saw, and the accounts between regions whose
// totals did not agree (held: their entries stay for a later period).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "clearing/money.h"
#include "clearing/status.h"
#include "clearing/time.h"
#include "ledger/ledger.h"

namespace medclear::ledger {

struct ClearingMark {
  std::string period;        // YYYY-MM
  clearing::Date last_day;   // of the period
  uint64_t through_seq = 0;  // the last journal entry the clearing saw
  std::set<std::string>
      held;  // accounts not cleared ("payable:R", "receivable:R"): totals differed
  bool operator==(const ClearingMark&) const = default;
};

std::string encode_clearing_mark(const ClearingMark& mark);
Result<ClearingMark> decode_clearing_mark(std::string_view bytes);
// Every mark of a ledger in period order (the name of one: ledger/documents.h clearing_mark).
Result<std::vector<ClearingMark>> clearing_marks(const Ledger& ledger);

// "YYYY-MM" → its last day; nullopt when malformed.
std::optional<clearing::Date> last_day_of_period(std::string_view period);

struct Counted {
  clearing::Money amount;
  uint64_t entries = 0;  // settlements, cancels and reversals; adjustments are not counted
  bool operator==(const Counted&) const = default;
};

struct SideTotals {
  std::map<std::string, Counted> payable;     // by treating region (this ledger insured)
  std::map<std::string, Counted> receivable;  // by insured region (this ledger treated)
  uint64_t through_seq = 0;
};

// The totals of the entries the period `last_day` takes, given the ledger's earlier marks.
Result<SideTotals> period_side_totals(const Ledger& ledger, clearing::Date last_day,
                                      const std::vector<ClearingMark>& earlier);

}  // namespace medclear::ledger
