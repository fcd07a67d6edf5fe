// The clearing engine: decides one canonical request against reference data and the current state,
// and says what to append. It never changes state itself — the caller applies an accepted decision
// (MemoryState in memory, the ledger on disk), so deciding is pure and replayable.
//
// Lifecycle (DOMAIN.md §4): pre-settlement decides and appends nothing; settlement is idempotent by
// msgid (same fingerprint → the first answer again, different →
// msgid_reused_with_different_payload); cancel and reversal append a compensating record that
// negates the original exactly.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "clearing/admission.h"
#include "clearing/reference.h"
#include "clearing/reject.h"
#include "clearing/request.h"
#include "clearing/settlement.h"
#include "clearing/status.h"

namespace medclear::clearing {

// The one rule of whether a booked settlement is in effect: a record is in effect unless a
// compensation that is itself in effect negates it, so it is in effect exactly when the chain of
// compensations that starts at it has even length. `compensator_of(setl_id)` names the setl_id of
// the record that last compensated `setl_id` (nullopt: none), or fails — a ledger's read error —
// and that failure is returned. A chain longer than kCompensationChainMax (a cycle) is corruption.
inline constexpr int kCompensationChainMax = 64;
using CompensatorOf = std::function<Result<std::optional<std::string>>(std::string_view setl_id)>;
Result<bool> in_effect(std::string_view setl_id, const CompensatorOf& compensator_of);

// Read access to what the engine needs of the state. Implementations: MemoryState, the ledger.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual const SettlementRecord* by_msgid(std::string_view msgid) const = 0;
  virtual const SettlementRecord* by_setl_id(std::string_view setl_id) const = 0;
  // The record that last compensated `setl_id` (a cancel, or a reversal), if any. Whether the
  // original is still cancelled depends on whether that compensation is itself in effect.
  virtual const SettlementRecord* compensation_of(std::string_view setl_id) const = 0;
  virtual Accumulators accumulators(std::string_view psn_no, std::string_view insutype,
                                    int year) const = 0;
  // Total taken from the person's personal account so far (net of cancels).
  virtual Money account_used(std::string_view psn_no) const = 0;
  // How many records the insured region has appended so far (the next setl_id's sequence).
  virtual uint64_t record_count(std::string_view insuplc_admdvs) const = 0;

  // A record is in effect unless a compensation that is itself in effect negates it.
  bool in_effect(const SettlementRecord& record) const;
};

struct Decision {
  Rejection rejection;  // reason kOk when accepted
  // The answer: the new record, the stored one on a retry, or a pre-settlement's (setl_id "").
  SettlementRecord result;
  bool append = false;  // true: the caller must apply `result` to the state before answering
  bool replayed = false;
  bool accepted() const { return rejection.reason == Reject::kOk; }
};

class Engine {
 public:
  explicit Engine(const ReferenceData& reference) : reference_(reference) {}

  Decision decide(const Request& request, const StateView& state) const;

  const ReferenceData& reference() const { return reference_; }

 private:
  Decision decide_claim(const Request& request, const SettlementInput& input,
                        const Admission& admission, const StateView& state) const;
  Decision decide_cancel(const Request& request, const CancelInput& input,
                         const StateView& state) const;
  Decision decide_reversal(const Request& request, const ReversalInput& input,
                           const StateView& state) const;
  Decision compensate(const Request& request, const SettlementRecord& original, RecordKind kind,
                      const StateView& state) const;

  const ReferenceData& reference_;
};

// setl_id of the n-th record (1-based) of an insured region on a settlement date:
// admdvs(6) + yyyyMMdd(8) + n(10 digits), 24 characters.
std::string make_setl_id(std::string_view insuplc_admdvs, Date date, uint64_t sequence);

}  // namespace medclear::clearing
