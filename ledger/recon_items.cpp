#include "ledger/recon_items.h"

#include <rocksdb/db.h>

#include <algorithm>
#include <map>

#include "ledger/accounts.h"
#include "ledger/keys.h"

namespace medclear::ledger {

namespace cl = medclear::clearing;

namespace {

// The amount an entry books between its two regions: payable on the insured side (credited),
// receivable on the treating side (debited).
cl::Money amount_between_regions(const Entry& entry) {
  const cl::SettlementRecord& record = entry.record;
  const bool insured_side = entry.side == Side::kInsured;
  const std::string account = accounts::between_regions(
      insured_side, region_of(insured_side ? record.mdtrtarea_admvs : record.insuplc_admdvs));
  const Direction booked = insured_side ? Direction::kCredit : Direction::kDebit;
  cl::Money amount;
  for (const Leg& leg : entry.legs) {
    if (leg.account == account)
      amount = amount + (leg.direction == booked ? leg.amount : -leg.amount);
  }
  return amount;
}

constexpr size_t kPairOffset = 5;                  // after 'X' and the day
constexpr size_t kIdOffset = kPairOffset + 4 + 8;  // after the pair and the spread

}  // namespace

std::optional<std::pair<std::string, std::string>> recon_item_key(const Entry& entry) {
  const cl::SettlementRecord& record = entry.record;
  if (record.kind == cl::RecordKind::kAdjustment) return std::nullopt;
  const bool settlement = record.kind == cl::RecordKind::kSettlement;
  const std::string& id = settlement ? record.setl_id : record.compensates;
  std::string key = keys::day(keys::kReconItem, entry.day.days());
  key.append(cl::province_of(record.insuplc_admdvs));
  key.append(cl::province_of(record.mdtrtarea_admvs));
  put_big_endian(key, cl::recon_spread(id), 8);
  key.append(id);
  if (!settlement) {
    key.push_back('\0');
    return std::pair{std::move(key), std::string()};
  }
  return std::pair{std::move(key), encode_i64(amount_between_regions(entry).fen())};
}

namespace {

// Visits the day's X keys in order: on_pair(insured, treating) when the pair changes, then
// on_item(setl_id, amount) for a settlement and on_cancel(setl_id) for a cancel or reversal (of
// the settlement just visited, or of one booked on another day).
template <typename OnPair, typename OnItem, typename OnCancel>
Status scan_day(const Ledger& ledger, cl::Date day, OnPair on_pair, OnItem on_item,
                OnCancel on_cancel) {
  const std::string prefix = keys::day(keys::kReconItem, day.days());
  // One long forward scan: bounded, read ahead, and not worth keeping in the block cache.
  std::string end = keys::day(keys::kReconItem, day.days() + 1);
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions read = ledger.read_options();
  read.iterate_upper_bound = &upper;
  read.fill_cache = false;
  read.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator(read));
  std::string pair;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (key.size() <= kIdOffset) return Status::corruption("corrupt reconciliation item key");
    if (key.substr(kPairOffset, 4) != pair) {
      pair.assign(key.substr(kPairOffset, 4));
      on_pair(pair.substr(0, 2) + "0000", pair.substr(2, 2) + "0000");
    }
    std::string_view id = key.substr(kIdOffset);
    if (id.back() == '\0') {
      if (!it->value().empty()) return Status::corruption("corrupt reconciliation item");
      id.remove_suffix(1);
      on_cancel(id);
      continue;
    }
    Result<int64_t> fen = decode_i64(it->value().ToStringView());
    if (!fen.is_ok()) return Status::corruption("reconciliation item: " + fen.status().message());
    on_item(id, cl::Money::from_fen(*fen));
  }
  if (!it->status().ok()) return Status::error("reconciliation items: " + it->status().ToString());
  return Status::ok();
}

}  // namespace

Result<PairItems> recon_items(const Ledger& ledger, cl::Date day) {
  PairItems out;
  std::vector<cl::ReconItem>* list = nullptr;
  const Status scanned = scan_day(
      ledger, day,
      [&](std::string insured, std::string treating) {
        list = &out[{std::move(insured), std::move(treating)}];
      },
      [&](std::string_view id, cl::Money amount) {
        list->push_back({std::string(id), amount, false});
      },
      [&](std::string_view id) {
        if (list->empty() || list->back().setl_id != id)
          list->push_back({std::string(id), {}, false});
        list->back().cancelled = true;
      });
  if (!scanned.is_ok()) return scanned;
  return out;
}

Result<PairBuilders> recon_builders(const Ledger& ledger, cl::Date day) {
  PairBuilders out;
  cl::ReconSide::Builder* side = nullptr;
  const Status scanned = scan_day(
      ledger, day,
      [&](std::string insured, std::string treating) {
        side = &out[{std::move(insured), std::move(treating)}];
      },
      [&](std::string_view id, cl::Money amount) { side->add(id, amount, false); },
      [&](std::string_view id) {
        if (side->size() == 0 || side->last_id() != id) side->add(id, {}, false);
        side->cancel_last();
      });
  if (!scanned.is_ok()) return scanned;
  return out;
}

Result<PairItems> recon_items_from_journal(const Ledger& ledger, cl::Date day) {
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
    auto& items = pairs[{region_of(record.insuplc_admdvs), region_of(record.mdtrtarea_admvs)}];
    if (record.kind == cl::RecordKind::kSettlement) {
      cl::ReconItem& item = items[record.setl_id];
      item.setl_id = record.setl_id;
      item.amount = amount_between_regions(entry);
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
    std::sort(list.begin(), list.end(), cl::recon_order_less);
  }
  return out;
}

namespace {

bool of_hospital(const Entry& entry, cl::Date day, std::string_view fixmedins_code) {
  return entry.side == Side::kTreating && entry.day == day &&
         entry.record.fixmedins_code == fixmedins_code &&
         entry.record.kind != cl::RecordKind::kAdjustment;
}

}  // namespace

std::optional<std::string> hospital_day_key(const Entry& entry) {
  if (entry.side != Side::kTreating || entry.record.kind == cl::RecordKind::kAdjustment) {
    return std::nullopt;
  }
  return keys::hospital_entry(entry.day.days(), entry.record.fixmedins_code, entry.seq);
}

Result<std::vector<Entry>> hospital_entries_from_journal(const Ledger& ledger, cl::Date day,
                                                         std::string_view fixmedins_code) {
  Result<std::vector<uint64_t>> seqs =
      ledger.entries_of_days(cl::Date::from_days(day.days() - 1), day);
  if (!seqs.is_ok()) return seqs.status();
  std::vector<Entry> out;
  for (const uint64_t seq : *seqs) {
    Result<DecodedEntry> decoded = ledger.entry(seq);
    if (!decoded.is_ok()) return decoded.status();
    if (of_hospital(decoded->entry, day, fixmedins_code)) out.push_back(std::move(decoded->entry));
  }
  return out;
}

Result<std::vector<Entry>> hospital_entries(const Ledger& ledger, cl::Date day,
                                            std::string_view fixmedins_code) {
  if (fixmedins_code.find('\0') != std::string_view::npos) return std::vector<Entry>{};
  const std::string prefix = keys::hospital_day(day.days(), fixmedins_code);
  std::string end = prefix;
  end.back() = '\1';  // just past every key of the prefix (it ends with the NUL)
  const rocksdb::Slice upper(end);
  rocksdb::ReadOptions read = ledger.read_options();
  read.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(ledger.db()->NewIterator(read));
  std::vector<Entry> out;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    if (key.size() != prefix.size() + 8 || !it->value().empty()) {
      return Status::corruption("corrupt hospital day key");
    }
    const uint64_t seq = get_big_endian(key.substr(prefix.size()), 8);
    Result<DecodedEntry> decoded = ledger.entry(seq);
    if (!decoded.is_ok()) return decoded.status();
    if (!of_hospital(decoded->entry, day, fixmedins_code)) {
      return Status::corruption("hospital day key of entry " + std::to_string(seq) +
                                " names another hospital or day");
    }
    out.push_back(std::move(decoded->entry));
  }
  if (!it->status().ok()) return Status::error("hospital day: " + it->status().ToString());
  return out;
}

}  // namespace medclear::ledger
