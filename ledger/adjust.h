// Resolving a reconciliation difference without editing anything: adjustment entries appended on
// the treating side that bring its booking of a claim to what the insured side booked (the
// insured region decided the claim, so its ledger is the reference). For each differing
// settlement id: the negation of the treating side's booking when one is in effect, and a copy of
// the insured side's booking when one is in effect there — so a claim missing on the insured side
// is taken back, a claim missing on the treating side is booked, an amount that differs is
// replaced, and a cancel known on one side only is followed.
//
// An adjustment is a record of kind kAdjustment with msgid and setl_id
// "adj:<statement id>:<setl_id>:<n>" (the statement it resolves, the claim, 1 or 2) and no
// `compensates` (it leaves the claim's own cancel chain alone). Reconciliation items skip
// adjustments (a statement stays what it was); period totals and balances include them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "clearing/status.h"
#include "clearing/time.h"
#include "ledger/ledger.h"

namespace medclear::ledger {

// The id of a reconciliation statement: "<yyyy-MM-dd>/<insured>-<treating>".
std::string statement_id(clearing::Date day, std::string_view insured, std::string_view treating);
// The msgid (and setl_id) of the n-th adjustment entry resolving `setl_id` under a statement.
std::string adjustment_msgid(std::string_view statement_id, std::string_view setl_id, int n);
// Whether a reconciliation already booked the insured side's `record` in this treating ledger
// (a claim that expired from the intake, was booked by the insured side, and was brought in by
// an adjustment): the settlement itself must then not be booked again.
// A failed read of the ledger is returned.
Result<bool> booked_by_adjustment(const Ledger& treating, const clearing::SettlementRecord& record);

// The booking of settlement `setl_id` in this ledger when it is in effect (clearing::in_effect:
// booked and not compensated, or its compensation compensated in turn), else nullopt. A failed
// read or a corrupt index is returned, never taken for "not in effect".
Result<std::optional<clearing::SettlementRecord>> booking_in_effect(const Ledger& ledger,
                                                                    const std::string& setl_id);

// Stages the adjustments of `setl_ids` in `treating` (nothing is committed); returns how many
// entries were staged. `day` is the business day of the adjustments.
Result<size_t> stage_adjustments(Ledger& treating, const Ledger& insured,
                                 const std::string& statement_id,
                                 const std::vector<std::string>& setl_ids, clearing::Date day);
// The same with the insured side's bookings in effect given (by setl_id; absent: none), as the
// insured node sends them over the network.
Result<size_t> stage_adjustments(
    Ledger& treating, const std::map<std::string, clearing::SettlementRecord>& insured_in_effect,
    const std::string& statement_id, const std::vector<std::string>& setl_ids, clearing::Date day);
// The insured side's bookings in effect of `setl_ids`, read from its ledger.
Result<std::map<std::string, clearing::SettlementRecord>> bookings_in_effect(
    const Ledger& ledger, const std::vector<std::string>& setl_ids);

}  // namespace medclear::ledger
