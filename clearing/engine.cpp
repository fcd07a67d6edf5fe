#include "clearing/engine.h"

#include <algorithm>

#include "clearing/admission.h"
#include "clearing/split.h"

namespace medclear::clearing {

namespace {

Decision reject(Reject reason, std::string message) {
  Decision decision;
  decision.rejection = {reason, std::move(message)};
  return decision;
}

Decision reject(const Rejection& rejection) { return reject(rejection.reason, rejection.message); }

// The record fields every answer carries, from the request.
SettlementRecord base_record(const Request& request, const SettlementInput& input,
                             const Person& person) {
  const Envelope& envelope = request.envelope;
  SettlementRecord record;
  record.msgid = envelope.msgid;
  record.infno = envelope.infno;
  record.kind = RecordKind::kSettlement;
  record.fingerprint = request.fingerprint;
  record.insuplc_admdvs = person.insuplc_admdvs;
  record.mdtrtarea_admvs = envelope.mdtrtarea_admvs;
  record.fixmedins_code = envelope.fixmedins_code;
  record.psn_no = input.psn_no;
  record.insutype = input.insutype;
  record.psn_type = person.psn_type;
  record.med_type = input.med_type;
  record.mdtrt_id = input.mdtrt_id;
  record.year = envelope.inf_time.date.year();
  record.setl_time = envelope.inf_time;
  return record;
}

Decision replay(const SettlementRecord& existing) {
  Decision decision;
  decision.result = existing;
  decision.replayed = true;
  return decision;
}

// A msgid seen before: its answer again when the payload is the same (an idempotent retry),
// msgid_reused_with_different_payload when not; nullopt for a new msgid.
std::optional<Decision> seen_msgid(const Request& request, const StateView& state) {
  const SettlementRecord* existing = state.by_msgid(request.envelope.msgid);
  if (existing == nullptr) return std::nullopt;
  if (existing->fingerprint != request.fingerprint) {
    return reject(Reject::kMsgidReusedWithDifferentPayload,
                  "msgid " + request.envelope.msgid +
                      " was already used for a different request (infno " +
                      std::string(to_string(existing->infno)) + ")");
  }
  return replay(*existing);
}

}  // namespace

std::string make_setl_id(std::string_view insuplc_admdvs, Date date, uint64_t sequence) {
  MC_CHECK(insuplc_admdvs.size() == 6, "setl_id needs a 6-digit division");
  const std::string day = date.to_string();  // yyyy-MM-dd
  std::string id(24, '0');
  insuplc_admdvs.copy(id.data(), 6);
  day.copy(id.data() + 6, 4, 0);
  day.copy(id.data() + 10, 2, 5);
  day.copy(id.data() + 12, 2, 8);
  for (int i = 23; i >= 14 && sequence != 0; --i, sequence /= 10) {
    id[i] = static_cast<char>('0' + sequence % 10);
  }
  return id;
}

Result<bool> in_effect(std::string_view setl_id, const CompensatorOf& compensator_of) {
  bool effect = true;
  std::string current(setl_id);
  for (int depth = 0; depth <= kCompensationChainMax; ++depth) {
    Result<std::optional<std::string>> compensator = compensator_of(current);
    if (!compensator.is_ok()) return compensator.status();
    if (!compensator->has_value()) return effect;
    effect = !effect;
    current = std::move(**compensator);
  }
  return Status::corruption("the compensations of " + std::string(setl_id) + " chain beyond " +
                            std::to_string(kCompensationChainMax) + " records");
}

bool StateView::in_effect(const SettlementRecord& record) const {
  const Result<bool> effect = clearing::in_effect(
      record.setl_id, [this](std::string_view setl_id) -> Result<std::optional<std::string>> {
        const SettlementRecord* compensation = compensation_of(setl_id);
        if (compensation == nullptr) return std::optional<std::string>();
        return std::optional<std::string>(compensation->setl_id);
      });
  // A state in memory cannot fail a read; a cycle of compensations is a bug of whoever applied it.
  MC_CHECK(effect.is_ok(), effect.status().message().c_str());
  return *effect;
}

Decision Engine::decide(const Request& request, const StateView& state) const {
  // Every transaction opens the same way, in the precedence table's order: a msgid seen before,
  // then the stateless checks every path shares (admission.h).
  if (std::optional<Decision> seen = seen_msgid(request, state)) return std::move(*seen);
  const Admission admission = admit(request, reference_);
  if (!admission.admitted()) return reject(*admission.rejection);
  if (const auto* claim = std::get_if<SettlementInput>(&request.input)) {
    return decide_claim(request, *claim, admission, state);
  }
  if (const auto* cancel = std::get_if<CancelInput>(&request.input)) {
    return decide_cancel(request, *cancel, state);
  }
  return decide_reversal(request, std::get<ReversalInput>(request.input), state);
}

Decision Engine::decide_claim(const Request& request, const SettlementInput& input,
                              const Admission& admission, const StateView& state) const {
  const Envelope& envelope = request.envelope;
  const Date date = envelope.inf_time.date;
  const Person* person = admission.person;
  const Facility* facility = admission.facility;
  const Policy* policy = reference_.policy_for(person->insuplc_admdvs, input.insutype, date);
  if (policy == nullptr) {
    return reject(Reject::kNoPolicy, "no policy of " + person->insuplc_admdvs + " insutype " +
                                         input.insutype + " in force on " + date.to_string());
  }
  const std::optional<SplitTerms> terms =
      claim_terms(*policy, *person, *facility, input.med_type, date, input.acct_used_flag);
  if (!terms) {
    return reject(Reject::kNoValidFiling, "no filing of psn_no " + input.psn_no + " valid on " +
                                              date.to_string() + " for " + facility->admdvs);
  }

  const ClaimTotals totals = classify_claim(input.lines, reference_, facility->admdvs);
  const Accumulators before = state.accumulators(input.psn_no, input.insutype, date.year());
  const Money balance = person->account_balance - state.account_used(input.psn_no);
  SplitResult split = split_claim(totals, *terms, before, balance);
  const Status identities = check_identities(split.amounts, false);
  MC_CHECK(identities.is_ok(), identities.message().c_str());

  Decision decision;
  decision.result = base_record(request, input, *person);
  decision.result.amounts = std::move(split.amounts);
  decision.result.delta = split.delta;
  if (is_settlement(envelope.infno)) {
    decision.result.setl_id =
        make_setl_id(person->insuplc_admdvs, date, state.record_count(person->insuplc_admdvs) + 1);
    decision.append = true;
  }
  return decision;
}

Decision Engine::decide_cancel(const Request& request, const CancelInput& input,
                               const StateView& state) const {
  const SettlementRecord* original = state.by_setl_id(input.setl_id);
  const Transaction cancelled = settlement_cancelled_by(request.envelope.infno);
  if (original == nullptr || original->kind != RecordKind::kSettlement ||
      original->infno != cancelled || original->psn_no != input.psn_no ||
      original->mdtrt_id != input.mdtrt_id ||
      original->fixmedins_code != request.envelope.fixmedins_code) {
    return reject(Reject::kUnknownSettlement, "no " + std::string(to_string(cancelled)) +
                                                  " settlement " + input.setl_id + " of psn_no " +
                                                  input.psn_no + " and mdtrt_id " + input.mdtrt_id +
                                                  " at this facility");
  }
  return compensate(request, *original, RecordKind::kCancel, state);
}

Decision Engine::decide_reversal(const Request& request, const ReversalInput& input,
                                 const StateView& state) const {
  const std::optional<Transaction> oinfno = parse_transaction(input.oinfno);
  if (!oinfno || !reversal_allowed_of(*oinfno)) {
    return reject(Reject::kReversalNotAllowed, "oinfno " + input.oinfno + " cannot be reversed");
  }
  const SettlementRecord* original = state.by_msgid(input.omsgid);
  if (original == nullptr || original->infno != *oinfno || original->psn_no != input.psn_no ||
      original->fixmedins_code != request.envelope.fixmedins_code) {
    return reject(Reject::kUnknownSettlement, "no " + input.oinfno + " transaction with msgid " +
                                                  input.omsgid + " of psn_no " + input.psn_no +
                                                  " at this facility");
  }
  return compensate(request, *original, RecordKind::kReversal, state);
}

Decision Engine::compensate(const Request& request, const SettlementRecord& original,
                            RecordKind kind, const StateView& state) const {
  const Person* person = reference_.person(original.psn_no);
  MC_CHECK(person != nullptr, "a settled person vanished from the reference data");
  const Envelope& envelope = request.envelope;
  Decision decision;
  SettlementRecord& record = decision.result;
  record = original;
  record.msgid = envelope.msgid;
  record.infno = envelope.infno;
  record.kind = kind;
  record.fingerprint = request.fingerprint;
  record.compensates = original.setl_id;
  record.setl_time = envelope.inf_time;
  record.amounts = original.amounts.negated();
  record.delta = original.delta.negated();
  const Money balance_before = person->account_balance - state.account_used(original.psn_no);
  record.amounts.balc = balance_before - record.delta.account_used;
  // In the order of the precedence table: reversal_not_allowed (18) before already_cancelled (20).
  if (record.amounts.balc.is_negative()) {  // reinstating a payment the account lost since
    return reject(Reject::kReversalNotAllowed, "the personal account no longer holds the " +
                                                   record.delta.account_used.to_string() +
                                                   " this reversal would take back");
  }
  if (!state.in_effect(original)) {
    return reject(Reject::kAlreadyCancelled,
                  "setl_id " + original.setl_id + " is already cancelled or reversed");
  }
  record.setl_id = make_setl_id(original.insuplc_admdvs, envelope.inf_time.date,
                                state.record_count(original.insuplc_admdvs) + 1);
  const bool compensating = record.amounts.medfee_sumamt.is_negative();
  const Status identities = check_identities(record.amounts, compensating);
  MC_CHECK(identities.is_ok(), identities.message().c_str());
  decision.append = true;
  return decision;
}

}  // namespace medclear::clearing
