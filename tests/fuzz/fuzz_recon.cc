// Fuzzes the reconciliation protocol (clearing/reconcile.h) from both ends of a hostile peer.
//   mode 0  the treating side serving an insured node's rounds: totals at any depth the gateway
//           accepts, children and bucket items for node ids it lets through (the same checks as
//           gateway/http/server.cpp: level below the depth built, valid_nodes) — answers must be
//           consistent (16 digests per node, each bucket's items in that bucket, all buckets
//           together give every item once);
//   mode 1  the insured side running reconcile() against a peer that answers anything: sizes,
//           roots, digests of any count, items with repeated ids and any amount — the result is
//           nullopt or differences sorted by id, never a crash;
//   mode 2  two honest sides built from the input: reconcile() finds exactly the differences a
//           brute-force comparison finds.
// Items come from the input: ids of up to 24 bytes, unique per side (a ledger keys them by id),
// amounts within a claim's range.
#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/sha.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clearing/reconcile.h"

namespace cl = medclear::clearing;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_recon: property violated: %s\n", what);
  std::abort();
}

// SHA-256, as the nodes use: with a weaker hash the fuzzer could craft collisions that hide a
// difference by design.
cl::ReconDigest sha256(std::string_view bytes) {
  cl::ReconDigest digest{};
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest.data());
  return digest;
}
const cl::ReconHash kHash = sha256;

cl::ReconItem item_from(FuzzedDataProvider& in, int64_t amount_max_fen) {
  cl::ReconItem item;
  item.setl_id = in.ConsumeRandomLengthString(24);
  item.amount =
      cl::Money::from_fen(in.ConsumeIntegralInRange<int64_t>(-amount_max_fen, amount_max_fen));
  item.cancelled = in.ConsumeBool();
  return item;
}

std::vector<cl::ReconItem> side_from(FuzzedDataProvider& in) {
  std::vector<cl::ReconItem> items;
  std::set<std::string> ids;
  const size_t count = in.ConsumeIntegralInRange<size_t>(0, 300);
  for (size_t i = 0; i < count && in.remaining_bytes() > 0; ++i) {
    cl::ReconItem item = item_from(in, cl::kClaimAmountMaxFen);
    if (ids.insert(item.setl_id).second) items.push_back(std::move(item));
  }
  return items;
}

std::vector<uint64_t> node_ids(FuzzedDataProvider& in) {
  std::vector<uint64_t> nodes(in.ConsumeIntegralInRange<size_t>(0, 40));
  for (uint64_t& node : nodes) {
    node = in.ConsumeBool() ? in.ConsumeIntegralInRange<uint64_t>(0, 300)
                            : in.ConsumeIntegral<uint64_t>();
  }
  return nodes;
}

// Depths 0..2 here, for speed (each new depth rebuilds the tree); the gateway accepts up to 6,
// the same code with 16^6 buckets.
constexpr int kDepthMax = 2;

void serve_rounds(FuzzedDataProvider& in) {
  cl::ReconSide side(side_from(in), kHash);
  for (int round = 0; round < 16 && in.remaining_bytes() > 0; ++round) {
    switch (in.ConsumeIntegralInRange<int>(0, 2)) {
      case 0: {
        const int depth = in.ConsumeIntegralInRange<int>(0, kDepthMax);
        const cl::ReconSide::Totals totals = side.totals(depth);
        if (totals.count != side.size() || totals.depth != depth) fail("totals miscount");
        break;
      }
      case 1: {
        const int level = in.ConsumeIntegralInRange<int>(0, 6);
        const std::vector<uint64_t> nodes = node_ids(in);
        if (side.depth() < 0 || level >= side.depth() || !side.valid_nodes(level, nodes)) break;
        if (side.children(level, nodes).size() != 16 * nodes.size()) fail("children miscount");
        break;
      }
      default: {
        const std::vector<uint64_t> buckets = node_ids(in);
        if (side.depth() < 0 || !side.valid_nodes(side.depth(), buckets)) break;
        (void)side.bucket_items(buckets);
        break;
      }
    }
  }
  if (side.depth() >= 0) {  // every bucket once gives every item once
    std::vector<uint64_t> all(uint64_t{1} << (4 * side.depth()));
    for (uint64_t b = 0; b < all.size(); ++b) all[b] = b;
    if (!side.valid_nodes(side.depth(), all)) fail("a bucket of the tree is not valid");
    if (side.bucket_items(all).size() != side.size()) fail("buckets do not hold every item once");
  }
}

class HostilePeer final : public cl::ReconPeer {
 public:
  explicit HostilePeer(FuzzedDataProvider& in) : in_(in) {}
  std::optional<Summary> summary() override {
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) return std::nullopt;
    return Summary{in_.ConsumeIntegralInRange<uint64_t>(0, uint64_t{16} << (4 * kDepthMax)),
                   in_.ConsumeIntegral<uint64_t>()};
  }
  std::optional<cl::ReconSide::Totals> totals(int depth) override {
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) return std::nullopt;
    cl::ReconSide::Totals totals;
    totals.count = in_.ConsumeIntegral<uint64_t>();
    totals.amount = cl::Money::from_fen(
        in_.ConsumeIntegralInRange<int64_t>(-cl::Money::kMaxFen, cl::Money::kMaxFen));
    totals.root = digest();
    totals.depth = in_.ConsumeBool() ? depth : in_.ConsumeIntegral<int>();
    return totals;
  }
  std::optional<std::vector<cl::ReconDigest>> children(
      int, const std::vector<uint64_t>& nodes) override {
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) return std::nullopt;
    const size_t count =
        in_.ConsumeBool() ? 16 * nodes.size() : in_.ConsumeIntegralInRange<size_t>(0, 64);
    std::vector<cl::ReconDigest> out(count);
    for (cl::ReconDigest& d : out) d = digest();
    return out;
  }
  std::optional<std::vector<cl::ReconItem>> bucket_items(const std::vector<uint64_t>&) override {
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) return std::nullopt;
    std::vector<cl::ReconItem> out(in_.ConsumeIntegralInRange<size_t>(0, 64));
    for (cl::ReconItem& item : out) item = item_from(in_, cl::Money::kMaxFen);
    return out;
  }

 private:
  cl::ReconDigest digest() {  // mostly zeros, so equal and differing digests both occur
    cl::ReconDigest d{};
    if (in_.ConsumeBool()) d[0] = in_.ConsumeIntegral<uint8_t>();
    return d;
  }
  FuzzedDataProvider& in_;
};

void check_sorted(const cl::ReconResult& result) {
  for (size_t i = 1; i < result.differences.size(); ++i) {
    if (result.differences[i - 1].setl_id > result.differences[i].setl_id)
      fail("differences unsorted");
  }
}

void against_hostile_peer(FuzzedDataProvider& in) {
  cl::ReconSide insured(side_from(in), kHash);
  HostilePeer peer(in);
  const std::optional<cl::ReconResult> result = cl::reconcile(insured, peer);
  if (result) check_sorted(*result);
}

void honest_sides(FuzzedDataProvider& in) {
  std::vector<cl::ReconItem> insured_items = side_from(in);
  std::vector<cl::ReconItem> treating_items = side_from(in);
  std::map<std::string, std::pair<const cl::ReconItem*, const cl::ReconItem*>> by_id;
  for (const cl::ReconItem& item : insured_items) by_id[item.setl_id].first = &item;
  for (const cl::ReconItem& item : treating_items) by_id[item.setl_id].second = &item;
  std::vector<std::pair<std::string, cl::DiffKind>> expected;
  for (const auto& [id, pair] : by_id) {
    const auto [mine, theirs] = pair;
    if (theirs == nullptr) {
      expected.emplace_back(id, cl::DiffKind::kMissingOnTreating);
    } else if (mine == nullptr) {
      expected.emplace_back(id, cl::DiffKind::kMissingOnInsured);
    } else if (mine->amount != theirs->amount) {
      expected.emplace_back(id, cl::DiffKind::kAmountDiffers);
    } else if (mine->cancelled != theirs->cancelled) {
      expected.emplace_back(id, cl::DiffKind::kCancelOnOneSide);
    }
  }
  cl::ReconSide insured(insured_items, kHash);
  cl::ReconSide treating(treating_items, kHash);
  const cl::ReconResult result = cl::reconcile(insured, treating);
  std::vector<std::pair<std::string, cl::DiffKind>> found;
  for (const cl::ReconDifference& d : result.differences) found.emplace_back(d.setl_id, d.kind);
  if (found != expected) fail("reconcile differs from a brute-force comparison");
  if (result.balanced != expected.empty()) fail("balanced but with differences");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      serve_rounds(in);
      break;
    case 1:
      against_hostile_peer(in);
      break;
    default:
      honest_sides(in);
      break;
  }
  return 0;
}
