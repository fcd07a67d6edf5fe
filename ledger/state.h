// The engine's state kept in the insured region's ledger: clearing::StateView over a Ledger, so
// the clearing core decides against exactly what is durable (plus what it staged in the open
// batch), and applies a decision by staging it. Decoded records are cached by seq; entries never
// change, so the cache never goes stale.
//
// The clearing core's StateView cannot fail, a disk can: the first failed read (or corrupt value)
// is kept and the view answers as if nothing were stored; whoever decides checks read_failure()
// before it uses the decision, and apply() refuses while there is one.
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
  // The first read of the ledger that failed since this view was made (ok when none did).
  const Status& read_failure() const { return failure_; }

 private:
  const clearing::SettlementRecord* record_at(const Result<std::optional<uint64_t>>& seq) const;
  // Keeps the first failure; returns `fallback` for a failed read.
  template <class T>
  T or_fallback(Result<T> read, T fallback) const {
    if (read.is_ok()) return std::move(*read);
    if (failure_.is_ok()) failure_ = read.status();
    return fallback;
  }

  Ledger& ledger_;
  mutable std::unordered_map<uint64_t, clearing::SettlementRecord> cache_;
  mutable Status failure_ = Status::ok();
};

}  // namespace medclear::ledger
