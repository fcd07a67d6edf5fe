#include "gateway/recon/peers.h"

#include "adapters/json.h"
#include "ledger/crypto.h"
#include "ledger/directory.h"

namespace medclear::gateway {

namespace {

bool is_region(std::string_view text) {
  return text.size() == 6 && text.find_first_not_of("0123456789") == std::string_view::npos &&
         text.substr(2) == "0000";
}

}  // namespace

Result<PeerPins> read_peer_pins(const adapters::Json& peers) {
  const std::string where = "reconciliation.peers";
  if (!peers.is_object()) return Status::error(where + " must be an object");
  PeerPins pins;
  for (const auto& [region, peer] : peers.members) {
    const std::string at = where + "." + region;
    if (!is_region(region))
      return Status::error(at + ": a peer is named by its region code PP0000");
    if (!peer.is_object()) {
      return Status::error(at + " must be {\"address\": \"host:port\", \"node_cn\": \"" + region +
                           "\", \"seal_public_key\": \"<hex>\"}");
    }
    PeerPin pin;
    pin.region = region;
    bool address = false, cn = false, key = false;
    for (const auto& [name, value] : peer.members) {
      if (name != "address" && name != "node_cn" && name != "seal_public_key") {
        return Status::error("unknown key " + at + "." + name +
                             " (a peer has address, node_cn and seal_public_key)");
      }
      if (!value.is_string()) return Status::error(at + "." + name + " must be a string");
      if (name == "address") {
        const size_t colon = value.text.rfind(':');
        const std::string port = colon == std::string::npos ? "" : value.text.substr(colon + 1);
        if (colon == 0 || colon == std::string::npos || port.empty() || port.size() > 5 ||
            port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) == 0 ||
            std::stoi(port) > 65535) {
          return Status::error(at + ".address must be \"host:port\"");
        }
        pin.host = value.text.substr(0, colon);
        pin.port = static_cast<uint16_t>(std::stoi(port));
        address = true;
      } else if (name == "node_cn") {
        if (value.text != region) {
          return Status::error(at + ".node_cn must be the region, " + region +
                               " (a node certificate's CN is its region)");
        }
        pin.node_cn = value.text;
        cn = true;
      } else {
        Result<std::string> raw = ledger::bytes_from_hex(value.text);
        if (!raw.is_ok() || raw->size() != 32 ||
            !ledger::SigningKey::from_public_raw(*raw).is_ok()) {
          return Status::error(at +
                               ".seal_public_key must be an Ed25519 public key, 64 hex digits");
        }
        pin.seal_public_key = *raw;
        key = true;
      }
    }
    if (!address || !cn || !key) {
      return Status::error(at + " needs address, node_cn and seal_public_key");
    }
    pins[region] = std::move(pin);
  }
  return pins;
}

std::string peer_pins_json(const PeerPins& pins) {
  adapters::JsonWriter w;
  w.begin_object();
  for (const auto& [region, pin] : pins) {
    w.key(region).begin_object();
    w.key("address").string(pin.address());
    w.key("node_cn").string(pin.node_cn.empty() ? region : pin.node_cn);
    w.key("seal_public_key").string(ledger::to_hex(pin.seal_public_key));
    w.end_object();
  }
  w.end_object();
  return w.take();
}

Result<std::string> seal_public_key_of(const std::string& ledger_dir) {
  ledger::LedgerDirectory directory;
  directory.path = ledger_dir;
  Result<ledger::SigningKey> key = directory.seal_key();
  if (!key.is_ok()) return key.status();
  return key->public_key_raw();
}

}  // namespace medclear::gateway
