// Business rejections are data: every reason has a stable number and a stable name that programs
// read from `err_code`. Numbers and names are never reused or renamed; new reasons get new numbers.
// The enum order is NOT the precedence: precedence() gives the ladder of contracts/adjudicate.md,
// where the first failing check decides a request's err_code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medclear::clearing {

enum class Reject : uint16_t {
  kOk = 0,
  kMalformedMessage = 1,
  kUnknownTransaction = 2,
  kInvalidMsgid = 3,
  kMissingField = 4,
  kInvalidAmount = 5,
  kUnknownCode = 6,
  kAmountMismatch = 7,
  kDuplicateFeeLine = 8,
  kUnknownPerson = 9,
  kInsutypeMismatch = 10,
  kNotCrossProvince = 11,
  kUnknownFacility = 12,
  kFacilityNotNetworked = 13,
  kNoValidFiling = 14,
  kNoPolicy = 15,
  kMsgidReusedWithDifferentPayload = 16,
  kUnknownSettlement = 17,
  kAlreadyCancelled = 18,
  kReversalNotAllowed = 19,
  kRegionNotServed = 20,  // the insured region has no node in this deployment
};

// The stable err_code name, e.g. "no_valid_filing".
std::string_view name(Reject reject);
// Lower decides first when a request has several faults.
int precedence(Reject reject);
inline constexpr int kRejectCount = 21;

// A rejection with the sentence a person reads (err_msg), naming the field or record at fault.
struct Rejection {
  Reject reason = Reject::kOk;
  std::string message;
};

// Keeps the rejection of highest precedence among all faults found, so validation may check
// fields in any order and still give the contract's answer.
class RejectionLadder {
 public:
  void add(Reject reason, std::string message);
  bool empty() const { return !best_.has_value(); }
  const Rejection& best() const { return *best_; }

 private:
  std::optional<Rejection> best_;
};

}  // namespace medclear::clearing
