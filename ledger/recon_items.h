// What one region's ledger says about a region pair on one business day, as the items of
// clearing/reconcile.h: per settlement id, the amount booked between the two regions (payable on
// the insured side, receivable on the treating side) and whether a cancel or reversal of it is
// booked that day.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "clearing/reconcile.h"
#include "clearing/time.h"
#include "ledger/ledger.h"

namespace medclear::ledger {

// Keyed by (insured region, treating region), each list in reconciliation order
// (clearing::recon_order_less): read from the day's X keys in key order, nothing sorted.
using PairItems = std::map<std::pair<std::string, std::string>, std::vector<clearing::ReconItem>>;
Result<PairItems> recon_items(const Ledger& ledger, clearing::Date day);

// The same, each pair's items added to a builder of its side (no string per item): what the
// reconciliation indexes.
using PairBuilders = std::map<std::pair<std::string, std::string>, clearing::ReconSide::Builder>;
Result<PairBuilders> recon_builders(const Ledger& ledger, clearing::Date day);

// The same items gathered from the day's journal entries and sorted: what the X keys must say
// (format version 2 had no X keys; tests compare the two).
Result<PairItems> recon_items_from_journal(const Ledger& ledger, clearing::Date day);

// The X key an entry writes in the batch that appends it, with its value (FORMAT.md): a
// settlement's key holds its amount between the two regions; a cancel or reversal writes the
// compensated id's key followed by a NUL, with an empty value. Nullopt for an adjustment, which
// resolves a statement already made. Needs ids without NUL (Ledger::stage refuses them).
std::optional<std::pair<std::string, std::string>> recon_item_key(const Entry& entry);

// The W key (FORMAT.md) an entry writes in the batch that appends it: a hospital's entry on the
// treating side, not an adjustment (those resolve statements between regions). Nullopt otherwise.
// Needs a fixmedins_code without NUL (Ledger::stage refuses one).
std::optional<std::string> hospital_day_key(const Entry& entry);

// A hospital's day on the treating side of this ledger: the entries of `fixmedins_code` booked on
// `day` — its settlements of that day, and the cancels and reversals booked that day (of
// settlements of that day or earlier) — in journal order. Read from the day's W keys of that
// hospital alone (Ledger::open builds them for entries written without them), so it costs the
// hospital's day, not its region's.
Result<std::vector<Entry>> hospital_entries(const Ledger& ledger, clearing::Date day,
                                            std::string_view fixmedins_code);

// The same read from the journal of the days around `day`: what the W keys must say (tests).
Result<std::vector<Entry>> hospital_entries_from_journal(const Ledger& ledger, clearing::Date day,
                                                         std::string_view fixmedins_code);

}  // namespace medclear::ledger
