#include "clearing/reject.h"

#include <array>

#include "clearing/check.h"

namespace medclear::clearing {

namespace {

struct RejectInfo {
  Reject reject;
  std::string_view name;
  int precedence;
};

// One row per reason: number (enum), stable name, precedence of contracts/adjudicate.md.
constexpr std::array<RejectInfo, kRejectCount> kRejects{{
    {Reject::kOk, "", 0},
    {Reject::kMalformedMessage, "malformed_message", 1},
    {Reject::kUnknownTransaction, "unknown_transaction", 2},
    {Reject::kInvalidMsgid, "invalid_msgid", 3},
    {Reject::kMissingField, "missing_field", 4},
    {Reject::kInvalidAmount, "invalid_amount", 5},
    {Reject::kUnknownCode, "unknown_code", 6},
    {Reject::kAmountMismatch, "amount_mismatch", 8},
    {Reject::kDuplicateFeeLine, "duplicate_fee_line", 9},
    {Reject::kUnknownPerson, "unknown_person", 10},
    {Reject::kInsutypeMismatch, "insutype_mismatch", 11},
    {Reject::kNotCrossProvince, "not_cross_province", 12},
    {Reject::kUnknownFacility, "unknown_facility", 14},
    {Reject::kFacilityNotNetworked, "facility_not_networked", 15},
    {Reject::kNoValidFiling, "no_valid_filing", 17},
    {Reject::kNoPolicy, "no_policy", 16},
    {Reject::kMsgidReusedWithDifferentPayload, "msgid_reused_with_different_payload", 7},
    {Reject::kUnknownSettlement, "unknown_settlement", 19},
    {Reject::kAlreadyCancelled, "already_cancelled", 20},
    {Reject::kReversalNotAllowed, "reversal_not_allowed", 18},
    {Reject::kRegionNotServed, "region_not_served", 13},  // a region fault, after the province
}};

const RejectInfo& info(Reject reject) {
  const auto index = static_cast<size_t>(reject);
  MC_CHECK(index < kRejects.size() && kRejects[index].reject == reject,
           "reject table out of order");
  return kRejects[index];
}

}  // namespace

std::string_view name(Reject reject) { return info(reject).name; }

int precedence(Reject reject) { return info(reject).precedence; }

void RejectionLadder::add(Reject reason, std::string message) {
  MC_CHECK(reason != Reject::kOk, "ok is not a rejection");
  if (!best_ || precedence(reason) < precedence(best_->reason)) {
    best_ = Rejection{reason, std::move(message)};
  }
}

}  // namespace medclear::clearing
