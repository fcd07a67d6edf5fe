// What one region's ledger says about a region pair on one business day, as the items of
// clearing/reconcile.h: per settlement id, the amount booked between the two regions (payable on
// the insured side, receivable on the treating side) and whether a cancel or reversal of it is
// booked that day.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "clearing/reconcile.h"
#include "clearing/time.h"
#include "ledger/ledger.h"

namespace medclear::ledger {

// Keyed by (insured region, treating region); one pass over the day's entries.
using PairItems = std::map<std::pair<std::string, std::string>, std::vector<clearing::ReconItem>>;
Result<PairItems> recon_items(const Ledger& ledger, clearing::Date day);

}  // namespace medclear::ledger
