// Claim-by-claim reconciliation of one business day between an insured region's payables and a
// treating region's receivables (DOMAIN.md §5), exchanging bytes in proportion to the number of
// differences, not to the size of the day.
//
// Each side holds, per settlement id, what it booked: the amount and whether a cancel (or
// reversal) is known. Items fall into 16^depth buckets by a digest of their settlement id; a
// bucket's digest covers its items in id order, an inner node's digest its 16 children's. The two
// sides compare totals first (like 3201), then digests from the root down, only below nodes that
// differ, and finally exchange the items of differing buckets. The hash is given by the caller
// (SHA-256 in the nodes), so this file stays pure.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/money.h"

namespace medclear::clearing {

using ReconDigest = std::array<uint8_t, 32>;
using ReconHash = std::function<ReconDigest(std::string_view)>;

struct ReconItem {
  std::string setl_id;
  Money amount;            // the settlement's amount between the two regions
  bool cancelled = false;  // a cancel or reversal of it is booked
};

enum class DiffKind : uint8_t {
  kMissingOnInsured = 1,   // the treating side has it, the insured side does not
  kMissingOnTreating = 2,  // the insured side has it, the treating side does not
  kAmountDiffers = 3,
  kCancelOnOneSide = 4,
};
std::string_view to_string(DiffKind kind);
// The kind a name of to_string names; nullopt for any other text.
std::optional<DiffKind> parse_diff_kind(std::string_view name);

struct ReconDifference {
  std::string setl_id;
  DiffKind kind = DiffKind::kAmountDiffers;
  Money insured_amount;
  Money treating_amount;
};

// The order a side's items are indexed in: by recon_spread(setl_id), then by setl_id (bytes).
// A side given its items in that order takes them without sorting; a ledger keeps them so.
uint64_t recon_spread(std::string_view setl_id);
bool recon_order_less(const ReconItem& a, const ReconItem& b);

// One side's view of the day, indexed for the protocol. Items are kept as the bytes they are
// hashed as, in one flat string (no string per item): about 50 bytes an item.
class ReconSide {
 public:
  // Items in any order: taken as they are when in reconciliation order, sorted otherwise.
  ReconSide(const std::vector<ReconItem>& items, const ReconHash& hash);

  // Adds items one by one (a ledger reading its X keys), then builds the side. Items added in
  // reconciliation order are taken as they are; any other order is sorted by build().
  class Builder {
   public:
    void reserve(size_t items, size_t id_bytes);
    void add(std::string_view setl_id, Money amount, bool cancelled);
    size_t size() const { return prefix_.size(); }
    std::string_view last_id() const;  // the id last added ("" before any)
    void cancel_last();                // marks the item last added cancelled
    ReconSide build(const ReconHash& hash) &&;

   private:
    friend class ReconSide;
    std::string flat_;
    std::vector<uint64_t> offset_;  // item i: [offset_[i], offset_[i + 1]), the last one open
    std::vector<uint64_t> prefix_;
    bool ordered_ = true;
  };

  struct Totals {
    uint64_t count = 0;
    Money amount;  // of items not cancelled
    ReconDigest root{};
    int depth = 0;
  };
  // Totals and the root digest for a tree of `depth` levels below the root (16^depth buckets).
  Totals totals(int depth);
  // The 16 child digests of each node of `level` (0 = root) given by index.
  std::vector<ReconDigest> children(int level, const std::vector<uint64_t>& nodes);
  // The items of the given buckets, in id order.
  std::vector<ReconItem> bucket_items(const std::vector<uint64_t>& buckets) const;
  size_t size() const { return item_prefix_.size(); }
  // What sending every item of this side would take.
  uint64_t wire_bytes() const { return flat_.size(); }
  // The depth last built (-1 before totals()), and whether a request names nodes of this tree:
  // `level` below the leaves and every node index within it (the network side checks first).
  int depth() const { return depth_; }
  // Every item, in reconciliation order (decoded: a copy), and one item by id.
  std::vector<ReconItem> items() const;
  std::optional<ReconItem> find(std::string_view setl_id) const;
  bool valid_nodes(int level, const std::vector<uint64_t>& nodes) const;

 private:
  struct FromBuilder {};
  ReconSide(FromBuilder, Builder&& built, const ReconHash& hash);
  ReconItem item(size_t i) const;
  std::string_view item_bytes(size_t i) const;  // as hashed: setl_id NUL amount(8) cancelled
  void build(int depth);
  ReconHash hash_;    // a copy: a side may outlive the function object it was given
  std::string flat_;  // every item's bytes as hashed, sorted by (bucket at max depth, setl_id)
  std::vector<uint64_t> flat_offset_;  // item i's bytes: [flat_offset_[i], flat_offset_[i+1])
  std::vector<uint64_t> item_prefix_;  // recon_spread(setl_id), per item
  Money amount_;                       // of items not cancelled
  int depth_ = -1;
  std::vector<std::vector<ReconDigest>> levels_;  // levels_[l][i]: digest of node i at level l
  std::vector<size_t> bucket_begin_;  // items of bucket b: [bucket_begin_[b], bucket_begin_[b+1])
};

struct ReconResult {
  bool balanced = false;
  std::vector<ReconDifference> differences;  // by setl_id
  uint64_t bytes_exchanged = 0;              // what crossed between the sides, both directions
  uint64_t bytes_full_transfer = 0;          // what sending one side's whole day would take
  int rounds = 0;
};

// The depth both sides use for a day of `items` items: about 16 items per bucket.
int recon_depth(uint64_t items);
// The deepest tree a side builds when the other asks, holding `own_items` itself: two levels
// (256×) beyond its own day's depth. A peer cannot make a side of a small day hash 16^6 leaves
// (hundreds of MB, seconds) by claiming a huge day; a day whose sides differ more than 256× in
// size is refused (the statement then fails and says so) rather than served at any cost.
int recon_depth_allowed(uint64_t own_items);

// The treating side as the insured side asks it during the protocol: a ReconSide in process
// (LocalReconPeer), the treating region's node over HTTPS (gateway/recon/recon_peer.h). Each call
// is one round trip; nullopt when the peer could not answer (the reconciliation then has no
// result).
class ReconPeer {
 public:
  virtual ~ReconPeer() = default;
  struct Summary {
    uint64_t size = 0;        // items
    uint64_t wire_bytes = 0;  // what sending them all would take
  };
  virtual std::optional<Summary> summary() = 0;
  virtual std::optional<ReconSide::Totals> totals(int depth) = 0;
  virtual std::optional<std::vector<ReconDigest>> children(int level,
                                                           const std::vector<uint64_t>& nodes) = 0;
  virtual std::optional<std::vector<ReconItem>> bucket_items(
      const std::vector<uint64_t>& buckets) = 0;
};

class LocalReconPeer final : public ReconPeer {
 public:
  explicit LocalReconPeer(ReconSide& side) : side_(side) {}
  std::optional<Summary> summary() override { return Summary{side_.size(), side_.wire_bytes()}; }
  std::optional<ReconSide::Totals> totals(int depth) override { return side_.totals(depth); }
  std::optional<std::vector<ReconDigest>> children(int level,
                                                   const std::vector<uint64_t>& nodes) override {
    return side_.children(level, nodes);
  }
  std::optional<std::vector<ReconItem>> bucket_items(
      const std::vector<uint64_t>& buckets) override {
    return side_.bucket_items(buckets);
  }

 private:
  ReconSide& side_;
};

// Runs the protocol from the insured side against the treating side; nullopt when the peer
// failed to answer a round (or answered something malformed: digests of the wrong count).
std::optional<ReconResult> reconcile(ReconSide& insured, ReconPeer& treating);
// Both sides in process.
ReconResult reconcile(ReconSide& insured, ReconSide& treating);

// The wire size of one item (setl_id, amount, cancel flag), used for the byte counts.
uint64_t recon_item_bytes(const ReconItem& item);

}  // namespace medclear::clearing
