#include "ledger/adjust.h"

#include "clearing/engine.h"
#include "clearing/settlement.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

Result<std::optional<cl::SettlementRecord>> booking_in_effect(const Ledger& ledger,
                                                              const std::string& setl_id) {
  Result<std::optional<uint64_t>> seq = ledger.find_setl_id(setl_id);
  if (!seq.is_ok()) return seq.status();
  if (!seq->has_value()) return std::optional<cl::SettlementRecord>();
  // The clearing core's rule, over this ledger's compensation index.
  Result<bool> effect = cl::in_effect(
      setl_id, [&ledger](std::string_view current) -> Result<std::optional<std::string>> {
        Result<std::optional<uint64_t>> compensation = ledger.compensation_of(current);
        if (!compensation.is_ok()) return compensation.status();
        if (!compensation->has_value()) return std::optional<std::string>();
        Result<DecodedEntry> entry = ledger.entry(**compensation);
        if (!entry.is_ok()) return entry.status();
        return std::optional<std::string>(std::move(entry->entry.record.setl_id));
      });
  if (!effect.is_ok()) return effect.status();
  if (!*effect) return std::optional<cl::SettlementRecord>();
  Result<DecodedEntry> entry = ledger.entry(**seq);
  if (!entry.is_ok()) return entry.status();
  return std::optional<cl::SettlementRecord>(std::move(entry->entry.record));
}

Result<std::map<std::string, cl::SettlementRecord>> bookings_in_effect(
    const Ledger& ledger, const std::vector<std::string>& setl_ids) {
  std::map<std::string, cl::SettlementRecord> out;
  for (const std::string& setl_id : setl_ids) {
    Result<std::optional<cl::SettlementRecord>> booking = booking_in_effect(ledger, setl_id);
    if (!booking.is_ok()) return booking.status();
    if (booking->has_value()) out.emplace(setl_id, std::move(**booking));
  }
  return out;
}

Result<size_t> stage_adjustments(Ledger& treating, const Ledger& insured,
                                 const std::string& statement_id,
                                 const std::vector<std::string>& setl_ids, cl::Date day) {
  Result<std::map<std::string, cl::SettlementRecord>> theirs =
      bookings_in_effect(insured, setl_ids);
  if (!theirs.is_ok()) return theirs.status();
  return stage_adjustments(treating, *theirs, statement_id, setl_ids, day);
}

std::string statement_id(cl::Date day, std::string_view insured, std::string_view treating) {
  return day.to_string() + "/" + std::string(insured) + "-" + std::string(treating);
}

std::string adjustment_msgid(std::string_view statement_id, std::string_view setl_id, int n) {
  return "adj:" + std::string(statement_id) + ":" + std::string(setl_id) + ":" + std::to_string(n);
}

Result<bool> booked_by_adjustment(const Ledger& treating, const cl::SettlementRecord& record) {
  if (record.setl_id.empty()) return false;
  // The claim's statement is its business day's: what the treating side lacked was copied as
  // the first adjustment of that claim.
  const std::string id =
      statement_id(record.setl_time.date, region_of(record.insuplc_admdvs), treating.region());
  Result<std::optional<uint64_t>> seq =
      treating.find_msgid(adjustment_msgid(id, record.setl_id, 1));
  if (!seq.is_ok()) return seq.status();
  return seq->has_value();
}

Result<size_t> stage_adjustments(
    Ledger& treating, const std::map<std::string, cl::SettlementRecord>& insured_in_effect,
    const std::string& statement_id, const std::vector<std::string>& setl_ids, cl::Date day) {
  size_t staged = 0;
  for (const std::string& setl_id : setl_ids) {
    int n = 0;
    auto append = [&](const cl::SettlementRecord& booked, bool negate) -> Status {
      cl::SettlementRecord record = booked;
      record.kind = cl::RecordKind::kAdjustment;
      record.msgid = adjustment_msgid(statement_id, setl_id, ++n);
      record.setl_id = record.msgid;
      record.compensates.clear();
      record.setl_time = {day, 0};
      if (negate) {
        record.amounts = booked.amounts.negated();
        record.delta = booked.delta.negated();
      }
      const Status identities =
          cl::check_identities(record.amounts, record.amounts.medfee_sumamt.is_negative());
      if (!identities.is_ok()) {
        return Status::invalid("adjustment of " + setl_id + ": " + identities.message());
      }
      if (region_of(record.mdtrtarea_admvs) != treating.region()) {
        return Status::error("adjustment of " + setl_id + ": not treated in " + treating.region());
      }
      Result<Ledger::Staged> result = treating.stage(record, Side::kTreating);
      if (!result.is_ok()) return result.status();
      if (*result == Ledger::Staged::kAppended) ++staged;
      return Status::ok();
    };
    Result<std::optional<cl::SettlementRecord>> own = booking_in_effect(treating, setl_id);
    if (!own.is_ok()) return own.status();
    if (own->has_value()) {
      if (Status s = append(**own, true); !s.is_ok()) return s;
    }
    if (auto it = insured_in_effect.find(setl_id); it != insured_in_effect.end()) {
      if (it->second.setl_id != setl_id)
        return Status::error("booking of " + setl_id + " names another claim");
      if (Status s = append(it->second, false); !s.is_ok()) return s;
    }
  }
  return staged;
}

}  // namespace medclear::ledger
