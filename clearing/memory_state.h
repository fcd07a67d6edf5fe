// The engine's state held in memory: records by msgid and setl_id, compensations, accumulators and
// personal accounts. Used by `medclear adjudicate` without a ledger and by tests; the ledger keeps
// the same state on disk. apply() is the only mutation and checks that no accumulator goes
// negative.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "clearing/engine.h"

namespace medclear::clearing {

class MemoryState final : public StateView {
 public:
  const SettlementRecord* by_msgid(std::string_view msgid) const override;
  const SettlementRecord* by_setl_id(std::string_view setl_id) const override;
  const SettlementRecord* compensation_of(std::string_view setl_id) const override;
  Accumulators accumulators(std::string_view psn_no, std::string_view insutype,
                            int year) const override;
  Money account_used(std::string_view psn_no) const override;
  uint64_t record_count(std::string_view insuplc_admdvs) const override;

  // Appends an accepted decision's record. Precondition: decision.append.
  void apply(const SettlementRecord& record);

  size_t size() const { return records_.size(); }
  // Every accumulator and account, for tests that check they return to zero.
  const std::unordered_map<std::string, Accumulators>& all_accumulators() const {
    return accumulators_;
  }
  const std::unordered_map<std::string, Money>& all_accounts() const { return accounts_; }

 private:
  static std::string accumulator_key(std::string_view psn_no, std::string_view insutype, int year);

  std::unordered_map<std::string, SettlementRecord> records_;    // by setl_id
  std::unordered_map<std::string, std::string> msgid_index_;     // msgid → setl_id
  std::unordered_map<std::string, std::string> compensated_by_;  // setl_id → setl_id
  std::unordered_map<std::string, Accumulators> accumulators_;
  std::unordered_map<std::string, Money> accounts_;
  std::unordered_map<std::string, uint64_t> region_counts_;
};

}  // namespace medclear::clearing
