#include "ledger/recon_items.h"

#include <map>

#include "ledger/accounts.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

Result<PairItems> recon_items(const Ledger& ledger, cl::Date day) {
  Result<std::vector<uint64_t>> seqs =
      ledger.entries_of_days(cl::Date::from_days(day.days() - 1), day);
  if (!seqs.is_ok()) return seqs.status();
  std::map<std::pair<std::string, std::string>, std::map<std::string, cl::ReconItem>> pairs;
  for (const uint64_t seq : *seqs) {
    Result<DecodedEntry> decoded = ledger.entry(seq);
    if (!decoded.is_ok()) return decoded.status();
    const Entry& entry = decoded->entry;
    const cl::SettlementRecord& record = entry.record;
    if (record.kind == cl::RecordKind::kAdjustment) continue;  // resolves a statement already made
    const std::string insured = region_of(record.insuplc_admdvs);
    const std::string treating = region_of(record.mdtrtarea_admvs);
    auto& items = pairs[{insured, treating}];
    const bool insured_side = entry.side == Side::kInsured;
    const std::string account =
        accounts::between_regions(insured_side, insured_side ? treating : insured);
    const Direction booked = insured_side ? Direction::kCredit : Direction::kDebit;
    cl::Money amount;
    for (const Leg& leg : entry.legs) {
      if (leg.account == account)
        amount = amount + (leg.direction == booked ? leg.amount : -leg.amount);
    }
    if (record.kind == cl::RecordKind::kSettlement) {
      cl::ReconItem& item = items[record.setl_id];
      item.setl_id = record.setl_id;
      item.amount = amount;
    } else {
      cl::ReconItem& item = items[record.compensates];
      item.setl_id = record.compensates;
      item.cancelled = true;
    }
  }
  PairItems out;
  for (auto& [pair, items] : pairs) {
    std::vector<cl::ReconItem>& list = out[pair];
    for (auto& [id, item] : items) list.push_back(std::move(item));
  }
  return out;
}

}  // namespace medclear::ledger
