// The engine's state kept in the insured region's ledger: clearing::StateView over a Ledger, so
// the clearing core decides against exactly what is durable (plus what it staged in the open
// batch), and applies a decision by staging it. Decoded records are cached by seq; entries never
// change, so the cache never goes stale.
#pragma once

#include <unordered_map>

#include "clearing/engine.h"
#include "ledger/ledger.h"

namespace medclear::ledger {

class LedgerState final : public clearing::StateView {
 public:
  explicit LedgerState(Ledger& ledger) : ledger_(ledger) {}

  const clearing::SettlementRecord* by_msgid(std::string_view msgid) const override;
  const clearing::SettlementRecord* by_setl_id(std::string_view setl_id) const override;
  const clearing::SettlementRecord* compensation_of(std::string_view setl_id) const override;
  clearing::Accumulators accumulators(std::string_view psn_no, std::string_view insutype,
                                      int year) const override;
  clearing::Money account_used(std::string_view psn_no) const override;
  uint64_t record_count(std::string_view insuplc_admdvs) const override;

  // Stages an accepted decision's record as the insured side's entry.
  Status apply(const clearing::SettlementRecord& record);

 private:
  const clearing::SettlementRecord* record_at(std::optional<uint64_t> seq) const;

  Ledger& ledger_;
  mutable std::unordered_map<uint64_t, clearing::SettlementRecord> cache_;
};

}  // namespace medclear::ledger
