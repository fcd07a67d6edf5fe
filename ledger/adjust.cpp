#include "ledger/adjust.h"

#include "clearing/settlement.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

bool in_effect(const Ledger& ledger, const std::string& setl_id) {
  if (!ledger.seq_by_setl_id(setl_id)) return false;
  bool effect = true;
  std::string current = setl_id;
  for (int depth = 0; depth < 64; ++depth) {  // a chain of cancels and reversals is short
    const std::optional<uint64_t> compensation = ledger.compensation_of(current);
    if (!compensation) break;
    Result<DecodedEntry> entry = ledger.entry(*compensation);
    if (!entry.is_ok()) break;
    effect = !effect;
    current = entry->entry.record.setl_id;
  }
  return effect;
}

Result<size_t> stage_adjustments(Ledger& treating, const Ledger& insured,
                                 const std::string& statement_id,
                                 const std::vector<std::string>& setl_ids, cl::Date day) {
  size_t staged = 0;
  for (const std::string& setl_id : setl_ids) {
    int n = 0;
    auto append = [&](const cl::SettlementRecord& booked, bool negate) -> Status {
      cl::SettlementRecord record = booked;
      record.kind = cl::RecordKind::kAdjustment;
      record.msgid = "adj:" + statement_id + ":" + setl_id + ":" + std::to_string(++n);
      record.setl_id = record.msgid;
      record.compensates.clear();
      record.setl_time = {day, 0};
      if (negate) {
        record.amounts = booked.amounts.negated();
        record.delta = booked.delta.negated();
      }
      const std::string broken =
          cl::check_identities(record.amounts, record.amounts.medfee_sumamt.is_negative());
      if (!broken.empty()) return Status::error("adjustment of " + setl_id + ": " + broken);
      Result<Ledger::Staged> result = treating.stage(record, Side::kTreating);
      if (!result.is_ok()) return result.status();
      if (*result == Ledger::Staged::kAppended) ++staged;
      return Status::ok();
    };
    if (in_effect(treating, setl_id)) {
      Result<DecodedEntry> own = treating.entry(*treating.seq_by_setl_id(setl_id));
      if (!own.is_ok()) return own.status();
      if (Status s = append(own->entry.record, true); !s.is_ok()) return s;
    }
    if (in_effect(insured, setl_id)) {
      Result<DecodedEntry> theirs = insured.entry(*insured.seq_by_setl_id(setl_id));
      if (!theirs.is_ok()) return theirs.status();
      if (Status s = append(theirs->entry.record, false); !s.is_ok()) return s;
    }
  }
  return staged;
}

}  // namespace medclear::ledger
