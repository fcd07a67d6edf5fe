// The treating side of the node-to-node reconciliation protocol (POST /v1/recon; the asking side
// is recon_peer.h, the protocol clearing/reconcile.h): JSON in, JSON out, no HTTP. The transport
// authenticates the caller (its certificate names the insured region) and maps the Status code
// of a refusal to its answer (kInvalid 400, kForbidden 403, kNotFound 404, kConflict 409,
// kUnavailable 503).
//
// Requests: {"day", "insured", "treating", "op", …}; op summary | totals (depth) | children
// (level, nodes) | items (buckets) | countersign (statement, signature, records). A protocol run
// starts with "summary", which reads this side of the pair's day afresh on the node's reader;
// the few most recent sides are kept for the rounds that follow.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "clearing/reconcile.h"
#include "clearing/status.h"
#include "clearing/time.h"
#include "gateway/node/node.h"
#include "gateway/recon/peers.h"

namespace medclear::gateway {

// Reads what `node`'s ledger booked for the pair (insured, treating) on `day` from a snapshot on
// the node's reader; `done` gets the items (kUnavailable when the node is not running). The one
// way either side of the protocol reads its own side.
void read_pair_side(RegionNode& node, clearing::Date day, const std::string& insured,
                    const std::string& treating,
                    std::function<void(Result<std::vector<clearing::ReconItem>>)> done);

struct ReconRequest;  // one parsed request (responder.cpp)

struct ReconResponderOptions {
  std::string region;         // this node's region: the treating side it answers for
  std::string seal_key_file;  // its Ed25519 key (PEM): countersigns statements
  // The insured regions' nodes, pinned: a statement is countersigned only when the insured
  // region's signature verifies with its pinned seal key; a region without a pin is refused.
  PeerPins peers;
  size_t sides_kept_max = 8;  // protocol runs answered at once
};

class ReconResponder : public std::enable_shared_from_this<ReconResponder> {
 public:
  using Done = std::function<void(Result<std::string>)>;

  // Shared: a request in flight keeps it alive until its answer.
  static std::shared_ptr<ReconResponder> create(RegionNode* node, ReconResponderOptions options);

  // Answers one request of the node whose certificate names region `caller`. `done` is called
  // exactly once, on this thread or the node's, with the JSON answer or why not.
  void answer(std::string_view body, const std::string& caller, Done done);

  struct Side;  // one pair's day as this side holds it (defined in responder.cpp)

 private:
  ReconResponder(RegionNode* node, ReconResponderOptions options);
  std::shared_ptr<Side> side_of(const std::string& statement_id);
  void respond(const std::shared_ptr<Side>& side, const ReconRequest& request, const Done& done);
  void countersign(const std::shared_ptr<Side>& side, const ReconRequest& request,
                   const Done& done);

  RegionNode* node_;
  ReconResponderOptions options_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Side>> sides_;  // by statement id
};

}  // namespace medclear::gateway
