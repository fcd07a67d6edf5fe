#include "clearing/memory_state.h"

namespace medclear::clearing {

std::string MemoryState::accumulator_key(std::string_view psn_no, std::string_view insutype,
                                         int year) {
  std::string key;
  key.reserve(psn_no.size() + insutype.size() + 6);
  key.append(psn_no).append("|").append(insutype).append("|").append(std::to_string(year));
  return key;
}

const SettlementRecord* MemoryState::by_msgid(std::string_view msgid) const {
  const auto it = msgid_index_.find(std::string(msgid));
  return it == msgid_index_.end() ? nullptr : by_setl_id(it->second);
}

const SettlementRecord* MemoryState::by_setl_id(std::string_view setl_id) const {
  const auto it = records_.find(std::string(setl_id));
  return it == records_.end() ? nullptr : &it->second;
}

const SettlementRecord* MemoryState::compensation_of(std::string_view setl_id) const {
  const auto it = compensated_by_.find(std::string(setl_id));
  return it == compensated_by_.end() ? nullptr : by_setl_id(it->second);
}

Accumulators MemoryState::accumulators(std::string_view psn_no, std::string_view insutype,
                                       int year) const {
  const auto it = accumulators_.find(accumulator_key(psn_no, insutype, year));
  return it == accumulators_.end() ? Accumulators{} : it->second;
}

Money MemoryState::account_used(std::string_view psn_no) const {
  const auto it = accounts_.find(std::string(psn_no));
  return it == accounts_.end() ? Money::zero() : it->second;
}

uint64_t MemoryState::record_count(std::string_view insuplc_admdvs) const {
  const auto it = region_counts_.find(std::string(insuplc_admdvs));
  return it == region_counts_.end() ? 0 : it->second;
}

void MemoryState::apply(const SettlementRecord& record) {
  MC_CHECK(!record.setl_id.empty(), "appending a record without setl_id");
  MC_CHECK(!records_.contains(record.setl_id), "setl_id appended twice");
  MC_CHECK(!msgid_index_.contains(record.msgid), "msgid appended twice");
  Accumulators& year = accumulators_[accumulator_key(record.psn_no, record.insutype, record.year)];
  year = year + record.delta.year;
  for (Money field : year.values()) {
    MC_CHECK(!field.is_negative(), "an accumulator went negative");
  }
  Money& account = accounts_[record.psn_no];
  account += record.delta.account_used;
  MC_CHECK(!account.is_negative(), "personal account use went negative");
  if (!record.compensates.empty()) {
    compensated_by_[record.compensates] = record.setl_id;
  }
  ++region_counts_[record.insuplc_admdvs];
  msgid_index_.emplace(record.msgid, record.setl_id);
  records_.emplace(record.setl_id, record);
}

}  // namespace medclear::clearing
