#include "ledger/state.h"

namespace medclear::ledger {

const clearing::SettlementRecord* LedgerState::record_at(
    const Result<std::optional<uint64_t>>& seq) const {
  if (!seq.is_ok()) {
    if (failure_.is_ok()) failure_ = seq.status();
    return nullptr;
  }
  if (!seq->has_value()) return nullptr;
  auto it = cache_.find(**seq);
  if (it == cache_.end()) {
    Result<DecodedEntry> entry = ledger_.entry(**seq);
    if (!entry.is_ok()) {  // an index names an entry that cannot be read
      if (failure_.is_ok()) failure_ = entry.status();
      return nullptr;
    }
    it = cache_.emplace(**seq, std::move(entry->entry.record)).first;
  }
  return &it->second;
}

const clearing::SettlementRecord* LedgerState::by_msgid(std::string_view msgid) const {
  return record_at(ledger_.find_msgid(msgid));
}

const clearing::SettlementRecord* LedgerState::by_setl_id(std::string_view setl_id) const {
  return record_at(ledger_.find_setl_id(setl_id));
}

const clearing::SettlementRecord* LedgerState::compensation_of(std::string_view setl_id) const {
  return record_at(ledger_.compensation_of(setl_id));
}

clearing::Accumulators LedgerState::accumulators(std::string_view psn_no, std::string_view insutype,
                                                 int year) const {
  return or_fallback(ledger_.accumulators(psn_no, insutype, year), clearing::Accumulators{});
}

clearing::Money LedgerState::account_used(std::string_view psn_no) const {
  return or_fallback(ledger_.account_used(psn_no), clearing::Money{});
}

uint64_t LedgerState::record_count(std::string_view insuplc_admdvs) const {
  return or_fallback(ledger_.region_count(insuplc_admdvs), uint64_t{0});
}

Status LedgerState::apply(const clearing::SettlementRecord& record) {
  if (!failure_.is_ok()) return failure_;  // the decision was made on a failed read
  Result<Ledger::Staged> staged = ledger_.stage(record, Side::kInsured);
  return staged.is_ok() ? Status::ok() : staged.status();
}

}  // namespace medclear::ledger
