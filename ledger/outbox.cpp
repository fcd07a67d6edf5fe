#include "ledger/outbox.h"

namespace medclear::ledger {

namespace {
constexpr char kSeparator = '\0';
}  // namespace

std::string encode_outbox(std::string_view topic, std::string_view key, std::string_view message) {
  MC_CHECK(topic.find(kSeparator) == std::string_view::npos, "an outbox topic holds a NUL");
  MC_CHECK(key.find(kSeparator) == std::string_view::npos, "an outbox key holds a NUL");
  std::string out;
  out.reserve(topic.size() + key.size() + message.size() + 2);
  out.append(topic).push_back(kSeparator);
  out.append(key).push_back(kSeparator);
  out.append(message);
  return out;
}

Result<OutboxMessage> decode_outbox(std::string_view payload) {
  const size_t first = payload.find(kSeparator);
  if (first == std::string_view::npos) {
    return Status::corruption("outbox message without the NUL after its topic");
  }
  const size_t second = payload.find(kSeparator, first + 1);
  if (second == std::string_view::npos) {
    return Status::corruption("outbox message without the NUL after its key");
  }
  return OutboxMessage{std::string(payload.substr(0, first)),
                       std::string(payload.substr(first + 1, second - first - 1)),
                       std::string(payload.substr(second + 1))};
}

}  // namespace medclear::ledger
