// The pinned peers of a region node: for each other region whose node it reconciles with, where
// that node's gateway listens, the identity its node certificate must carry (OU=node, CN=<region>)
// and the Ed25519 public key it seals and signs statements with. One home for both directions:
// the insured side's nightly client (gateway/recon/nightly.h, gateway/recon/recon_peer.h) checks
// the peer's certificate and countersignature against it; the treating side's gateway (countersign
// in gateway/http/server.cpp) verifies the insured side's signature with the pinned key only —
// never with a key a request names.
//
// Configuration (the node config's reconciliation.peers, ops/node.example.json):
//   "peers": {"440000": {"address": "host:port", "node_cn": "440000",
//                        "seal_public_key": "<64 hex digits: Ed25519 raw public key>"}, …}
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clearing/status.h"

namespace medclear::adapters {
class Json;
}

namespace medclear::gateway {

struct PeerPin {
  std::string region;  // PP0000
  std::string host;    // of its node's gateway; empty when not reached from here
  uint16_t port = 0;
  std::string node_cn;          // its node certificate's CN (its region); OU is always "node"
  std::string seal_public_key;  // Ed25519 raw public key, 32 bytes
  std::string address() const { return host + ":" + std::to_string(port); }
};

using PeerPins = std::map<std::string, PeerPin>;  // by region

// Reads a `peers` object; errors name the key (reconciliation.peers.<region>.<key>). Only the three
// keys above are accepted, each required; node_cn must be the region (the server side authorizes a
// node by its CN).
Result<PeerPins> read_peer_pins(const adapters::Json& peers);

// The `peers` object for a node configuration (the development configurations).
std::string peer_pins_json(const PeerPins& pins);

// The raw Ed25519 public key of a ledger directory's seal key (DIR/seal-key.pem, created with its
// public half when missing, as the ledger does).
Result<std::string> seal_public_key_of(const std::string& ledger_dir);

}  // namespace medclear::gateway
