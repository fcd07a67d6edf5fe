#include "ledger/state.h"

namespace medclear::ledger {

const clearing::SettlementRecord* LedgerState::record_at(std::optional<uint64_t> seq) const {
  if (!seq) return nullptr;
  auto it = cache_.find(*seq);
  if (it == cache_.end()) {
    Result<DecodedEntry> entry = ledger_.entry(*seq);
    MC_CHECK(entry.is_ok(), "an indexed ledger entry cannot be read");  // disk fault: stop
    it = cache_.emplace(*seq, std::move(entry->entry.record)).first;
  }
  return &it->second;
}

const clearing::SettlementRecord* LedgerState::by_msgid(std::string_view msgid) const {
  return record_at(ledger_.seq_by_msgid(msgid));
}

const clearing::SettlementRecord* LedgerState::by_setl_id(std::string_view setl_id) const {
  return record_at(ledger_.seq_by_setl_id(setl_id));
}

const clearing::SettlementRecord* LedgerState::compensation_of(std::string_view setl_id) const {
  return record_at(ledger_.compensation_of(setl_id));
}

clearing::Accumulators LedgerState::accumulators(std::string_view psn_no, std::string_view insutype,
                                                 int year) const {
  return ledger_.accumulators(psn_no, insutype, year);
}

clearing::Money LedgerState::account_used(std::string_view psn_no) const {
  return ledger_.account_used(psn_no);
}

uint64_t LedgerState::record_count(std::string_view insuplc_admdvs) const {
  return ledger_.region_count(insuplc_admdvs);
}

Status LedgerState::apply(const clearing::SettlementRecord& record) {
  Result<Ledger::Staged> staged = ledger_.stage(record, Side::kInsured);
  return staged.is_ok() ? Status::ok() : staged.status();
}

}  // namespace medclear::ledger
