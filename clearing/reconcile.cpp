#include "clearing/reconcile.h"

#include <algorithm>

#include "clearing/check.h"

namespace medclear::clearing {

// Bucketing needs a well-spread, stable 64-bit value of the id, not a cryptographic one (the
// digests are): FNV-1a 64 with the SplitMix64 finalizer, fixed here for every version (ledgers
// keep their items in this order: FORMAT.md key space X).
uint64_t recon_spread(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}

bool recon_order_less(const ReconItem& a, const ReconItem& b) {
  const uint64_t pa = recon_spread(a.setl_id);
  const uint64_t pb = recon_spread(b.setl_id);
  return pa != pb ? pa < pb : a.setl_id < b.setl_id;
}

namespace {

// An item as it is hashed and sent: setl_id, NUL, amount in fen (big-endian i64), cancel flag.
// The id and the amount of an item's bytes (append_item).
std::string_view id_of(std::string_view bytes) { return bytes.substr(0, bytes.size() - 10); }

Money amount_of(std::string_view bytes) {
  uint64_t fen = 0;
  for (size_t b = bytes.size() - 9; b < bytes.size() - 1; ++b) {
    fen = (fen << 8) | static_cast<unsigned char>(bytes[b]);
  }
  return Money::from_fen(static_cast<int64_t>(fen));
}

void append_item(std::string& out, std::string_view setl_id, Money amount, bool cancelled) {
  char tail[10];
  tail[0] = '\0';
  const uint64_t fen = static_cast<uint64_t>(amount.fen());
  for (int i = 0; i < 8; ++i) tail[1 + i] = static_cast<char>((fen >> (56 - 8 * i)) & 0xff);
  tail[9] = cancelled ? '\1' : '\0';
  out.append(setl_id);
  out.append(tail, sizeof tail);
}

constexpr int kFanout = 16;
constexpr uint64_t kDigestBytes = 32;
// Below the root (compared whole), a node's digest travels truncated to 128 bits: between two
// honest ledgers a collision is a 2^-128 event, and the descent costs half the bytes.
constexpr size_t kChildDigestBytes = 16;
constexpr uint64_t kNodeIdBytes = 8;
constexpr uint64_t kTotalsBytes = 8 + 8 + kDigestBytes + 4;
constexpr uint64_t kSummaryBytes = 8 + 8;  // the peer's size and full-transfer size

}  // namespace

std::string_view to_string(DiffKind kind) {
  switch (kind) {
    case DiffKind::kMissingOnInsured:
      return "missing_on_insured";
    case DiffKind::kMissingOnTreating:
      return "missing_on_treating";
    case DiffKind::kAmountDiffers:
      return "amount_differs";
    case DiffKind::kCancelOnOneSide:
      return "cancel_on_one_side";
  }
  return "unknown";
}

std::optional<DiffKind> parse_diff_kind(std::string_view name) {
  for (DiffKind kind : {DiffKind::kMissingOnInsured, DiffKind::kMissingOnTreating,
                        DiffKind::kAmountDiffers, DiffKind::kCancelOnOneSide}) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

uint64_t recon_item_bytes(const ReconItem& item) { return item.setl_id.size() + 1 + 8 + 1; }

int recon_depth(uint64_t items) {
  int depth = 0;
  uint64_t buckets = 1;
  while (buckets * kFanout < items && depth < 6) {
    buckets *= kFanout;
    ++depth;
  }
  return depth;
}

int recon_depth_allowed(uint64_t own_items) { return std::min(6, recon_depth(own_items) + 2); }

void ReconSide::Builder::reserve(size_t items, size_t id_bytes) {
  flat_.reserve(id_bytes + items * 10);
  offset_.reserve(items + 1);
  prefix_.reserve(items);
}

void ReconSide::Builder::add(std::string_view setl_id, Money amount, bool cancelled) {
  const uint64_t prefix = recon_spread(setl_id);
  if (ordered_ && !prefix_.empty()) {
    ordered_ = prefix_.back() != prefix ? prefix_.back() < prefix : last_id() < setl_id;
  }
  offset_.push_back(flat_.size());
  prefix_.push_back(prefix);
  append_item(flat_, setl_id, amount, cancelled);
}

std::string_view ReconSide::Builder::last_id() const {
  if (offset_.empty()) return {};
  return std::string_view(flat_).substr(offset_.back(), flat_.size() - offset_.back() - 10);
}

void ReconSide::Builder::cancel_last() {
  MC_CHECK(!offset_.empty(), "cancel of no item");
  flat_.back() = '\1';
}

ReconSide ReconSide::Builder::build(const ReconHash& hash) && {
  return ReconSide(FromBuilder{}, std::move(*this), hash);
}

ReconSide::ReconSide(const std::vector<ReconItem>& items, const ReconHash& hash)
    : ReconSide(
          FromBuilder{},
          [&] {
            Builder builder;
            uint64_t id_bytes = 0;
            for (const ReconItem& item : items) id_bytes += item.setl_id.size();
            builder.reserve(items.size(), id_bytes);
            for (const ReconItem& item : items)
              builder.add(item.setl_id, item.amount, item.cancelled);
            return builder;
          }(),
          hash) {}

ReconSide::ReconSide(FromBuilder, Builder&& built, const ReconHash& hash) : hash_(hash) {
  built.offset_.push_back(built.flat_.size());
  auto built_id = [&](size_t i) {
    return std::string_view(built.flat_)
        .substr(built.offset_[i], built.offset_[i + 1] - built.offset_[i] - 10);
  };
  if (built.ordered_) {
    flat_ = std::move(built.flat_);
    flat_offset_ = std::move(built.offset_);
    item_prefix_ = std::move(built.prefix_);
  } else {  // sort (prefix, index) pairs — 16 bytes each, compared as integers — then copy once
    std::vector<std::pair<uint64_t, size_t>> order(built.prefix_.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = {built.prefix_[i], i};
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : built_id(a.second) < built_id(b.second);
    });
    flat_.reserve(built.flat_.size());
    flat_offset_.reserve(order.size() + 1);
    item_prefix_.reserve(order.size());
    for (const auto& [prefix, i] : order) {
      flat_offset_.push_back(flat_.size());
      item_prefix_.push_back(prefix);
      flat_.append(built.flat_, built.offset_[i], built.offset_[i + 1] - built.offset_[i]);
    }
    flat_offset_.push_back(flat_.size());
  }
  // Equal ids have equal prefixes, and sit side by side.
  for (size_t i = 0; i < item_prefix_.size(); ++i) {
    const std::string_view bytes = item_bytes(i);
    if (bytes.back() == '\0') amount_ = amount_ + amount_of(bytes);
    MC_CHECK(i == 0 || item_prefix_[i] != item_prefix_[i - 1] ||
                 id_of(bytes) != id_of(item_bytes(i - 1)),
             "a settlement id twice on one side of a reconciliation");
  }
}

std::string_view ReconSide::item_bytes(size_t i) const {
  return std::string_view(flat_).substr(flat_offset_[i], flat_offset_[i + 1] - flat_offset_[i]);
}

ReconItem ReconSide::item(size_t i) const {
  const std::string_view bytes = item_bytes(i);
  return {std::string(id_of(bytes)), amount_of(bytes), bytes.back() != '\0'};
}

std::vector<ReconItem> ReconSide::items() const {
  std::vector<ReconItem> out;
  out.reserve(size());
  for (size_t i = 0; i < size(); ++i) out.push_back(item(i));
  return out;
}

std::optional<ReconItem> ReconSide::find(std::string_view setl_id) const {
  const uint64_t prefix = recon_spread(setl_id);
  auto it = std::lower_bound(item_prefix_.begin(), item_prefix_.end(), prefix);
  for (; it != item_prefix_.end() && *it == prefix; ++it) {
    ReconItem candidate = item(static_cast<size_t>(it - item_prefix_.begin()));
    if (candidate.setl_id == setl_id) return candidate;
  }
  return std::nullopt;
}

void ReconSide::build(int depth) {
  depth_ = depth;
  const uint64_t buckets = uint64_t{1} << (4 * depth);
  bucket_begin_.assign(buckets + 1, size());
  size_t next = 0;
  for (uint64_t b = 0; b < buckets; ++b) {
    bucket_begin_[b] = next;
    while (next < size() && (depth == 0 ? 0 : item_prefix_[next] >> (64 - 4 * depth)) == b) {
      ++next;
    }
  }
  bucket_begin_[buckets] = size();
  levels_.assign(static_cast<size_t>(depth) + 1, {});
  std::vector<ReconDigest>& leaves = levels_[static_cast<size_t>(depth)];
  leaves.resize(buckets);
  const std::string_view flat(flat_);
  for (uint64_t b = 0; b < buckets; ++b) {
    const uint64_t begin = flat_offset_[bucket_begin_[b]];
    leaves[b] = hash_(flat.substr(begin, flat_offset_[bucket_begin_[b + 1]] - begin));
  }
  std::string bytes;
  for (int level = depth - 1; level >= 0; --level) {
    const auto& below = levels_[static_cast<size_t>(level) + 1];
    auto& here = levels_[static_cast<size_t>(level)];
    here.resize(below.size() / kFanout);
    for (size_t n = 0; n < here.size(); ++n) {
      bytes.assign(reinterpret_cast<const char*>(below[n * kFanout].data()),
                   kDigestBytes * kFanout);
      here[n] = hash_(bytes);
    }
  }
}

ReconSide::Totals ReconSide::totals(int depth) {
  if (depth != depth_) build(depth);
  Totals totals;
  totals.count = size();
  totals.amount = amount_;
  totals.root = levels_[0][0];
  totals.depth = depth;
  return totals;
}

std::vector<ReconDigest> ReconSide::children(int level, const std::vector<uint64_t>& nodes) {
  MC_CHECK(level >= 0 && level < depth_, "children below the leaves");
  const auto& below = levels_[static_cast<size_t>(level) + 1];
  std::vector<ReconDigest> out;
  out.reserve(nodes.size() * kFanout);
  for (uint64_t node : nodes) {
    for (int c = 0; c < kFanout; ++c)
      out.push_back(below[node * kFanout + static_cast<uint64_t>(c)]);
  }
  return out;
}

std::vector<ReconItem> ReconSide::bucket_items(const std::vector<uint64_t>& buckets) const {
  std::vector<ReconItem> out;
  for (uint64_t b : buckets) {
    for (size_t i = bucket_begin_[b]; i < bucket_begin_[b + 1]; ++i) out.push_back(item(i));
  }
  return out;
}

std::optional<ReconResult> reconcile(ReconSide& insured, ReconPeer& treating) {
  ReconResult result;
  const std::optional<ReconPeer::Summary> summary = treating.summary();
  if (!summary) return std::nullopt;
  const int depth = recon_depth(std::max<uint64_t>(insured.size(), summary->size));
  if (depth > recon_depth_allowed(insured.size()))
    return std::nullopt;  // a peer's claim past reason
  const ReconSide::Totals mine = insured.totals(depth);
  const std::optional<ReconSide::Totals> theirs = treating.totals(depth);
  if (!theirs) return std::nullopt;
  result.bytes_exchanged += kSummaryBytes + 2 * kTotalsBytes;
  result.rounds = 1;
  result.bytes_full_transfer = summary->wire_bytes;
  if (mine.root == theirs->root) {
    result.balanced = true;
    return result;
  }
  // Descend: the insured side asks for the treating side's children of every differing node.
  std::vector<uint64_t> differing = {0};
  for (int level = 0; level < depth && !differing.empty(); ++level) {
    const std::vector<ReconDigest> own = insured.children(level, differing);
    const std::optional<std::vector<ReconDigest>> answered = treating.children(level, differing);
    if (!answered || answered->size() != own.size()) return std::nullopt;
    const std::vector<ReconDigest>& other = *answered;
    result.bytes_exchanged += kNodeIdBytes * differing.size() + kChildDigestBytes * other.size();
    ++result.rounds;
    std::vector<uint64_t> next;
    for (size_t i = 0; i < own.size(); ++i) {
      if (!std::equal(own[i].begin(), own[i].begin() + kChildDigestBytes, other[i].begin())) {
        next.push_back(differing[i / kFanout] * kFanout + i % kFanout);
      }
    }
    differing = std::move(next);
  }
  // The differing buckets' items, compared claim by claim.
  const std::vector<ReconItem> own = insured.bucket_items(differing);
  const std::optional<std::vector<ReconItem>> answered = treating.bucket_items(differing);
  if (!answered) return std::nullopt;
  const std::vector<ReconItem>& other = *answered;
  result.bytes_exchanged += kNodeIdBytes * differing.size();
  for (const ReconItem& item : other) result.bytes_exchanged += recon_item_bytes(item);
  ++result.rounds;
  std::map<std::string, const ReconItem*> insured_items;
  for (const ReconItem& item : own) insured_items[item.setl_id] = &item;
  std::map<std::string, const ReconItem*> treating_items;
  for (const ReconItem& item : other) treating_items[item.setl_id] = &item;
  for (const auto& [id, item] : insured_items) {
    const auto it = treating_items.find(id);
    if (it == treating_items.end()) {
      result.differences.push_back({id, DiffKind::kMissingOnTreating, item->amount, Money()});
    } else if (item->amount != it->second->amount) {
      result.differences.push_back(
          {id, DiffKind::kAmountDiffers, item->amount, it->second->amount});
    } else if (item->cancelled != it->second->cancelled) {
      result.differences.push_back(
          {id, DiffKind::kCancelOnOneSide, item->amount, it->second->amount});
    }
  }
  for (const auto& [id, item] : treating_items) {
    if (!insured_items.contains(id)) {
      result.differences.push_back({id, DiffKind::kMissingOnInsured, Money(), item->amount});
    }
  }
  std::sort(
      result.differences.begin(), result.differences.end(),
      [](const ReconDifference& a, const ReconDifference& b) { return a.setl_id < b.setl_id; });
  result.balanced = result.differences.empty();
  return result;
}

ReconResult reconcile(ReconSide& insured, ReconSide& treating) {
  LocalReconPeer peer(treating);
  std::optional<ReconResult> result = reconcile(insured, peer);
  MC_CHECK(result.has_value(), "an in-process peer always answers");
  return std::move(*result);
}

bool ReconSide::valid_nodes(int level, const std::vector<uint64_t>& nodes) const {
  if (level < 0 || level > depth_) return false;
  const uint64_t count = levels_[static_cast<size_t>(level)].size();
  for (uint64_t node : nodes) {
    if (node >= count) return false;
  }
  return true;
}

}  // namespace medclear::clearing
