// The form of a message kept in a ledger's outbox (`Q`) and intake (`T`) until it is sent
// (ledger/FORMAT.md "Outbox messages"): where it goes and what it says, as topic NUL key NUL
// message. Topic and key hold no NUL; the message is any bytes. A stored message that does not
// split into the three parts is corruption: the reader gets a Status, never an abort.
#pragma once

#include <string>
#include <string_view>

#include "clearing/status.h"

namespace medclear::ledger {

struct OutboxMessage {
  std::string topic;
  std::string key;
  std::string message;
  bool operator==(const OutboxMessage&) const = default;
};

// The stored form. `topic` and `key` must not contain NUL (checked: a bug otherwise).
std::string encode_outbox(std::string_view topic, std::string_view key, std::string_view message);
// Status::corruption when `payload` lacks either separator.
Result<OutboxMessage> decode_outbox(std::string_view payload);

}  // namespace medclear::ledger
