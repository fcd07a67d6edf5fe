// The canonical messages between regions on Kafka (adapters/WIRE.md): a claim from the treating
// region to the insured region (topic claims.<insured region>, key psn_no), and its decision back
// (topic settlements.<treating region>, key msgid). Binary, versioned, decoded with bounds and
// range checks: an undecodable message is reported with its reason (for the dead-letter topic),
// never a crash.
#pragma once

#include <optional>
#include <string>

#include "clearing/engine.h"
#include "clearing/request.h"
#include "clearing/status.h"

namespace medclear::adapters {

// 2: the settlement record's accumulator delta keeps the per-year deductible per branch
// (inpatient, outpatient). Version 1 is refused (WIRE.md: no deployment ever produced it).
inline constexpr uint8_t kWireVersion = 2;

enum class MessageType : uint8_t { kClaim = 1, kSettlement = 2 };

struct ClaimMessage {
  clearing::Request request;  // validated by the treating region's adapter
};

struct SettlementMessage {
  std::string msgid;
  clearing::Rejection rejection;                     // kOk when settled
  std::optional<clearing::SettlementRecord> record;  // the answer when accepted
  bool replayed = false;                             // a retry answered from the insured ledger
};

std::string encode_claim(const ClaimMessage& message);
std::string encode_settlement(const SettlementMessage& message);

// Peeks at the type of a message; error when it is no medclear message of a known version.
Result<MessageType> message_type(std::string_view bytes);
Result<ClaimMessage> decode_claim(std::string_view bytes);
Result<SettlementMessage> decode_settlement(std::string_view bytes);

}  // namespace medclear::adapters
