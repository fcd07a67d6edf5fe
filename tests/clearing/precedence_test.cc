// The rejection ladder of the engine against the precedence table (clearing/reject.cpp): for every
// pair of faults the engine (and admit(), for region_not_served) can meet on one request, a
// request with both faults is answered with the one the table ranks first, whatever order the
// faults were made in. Each fault alone gives its own reason, so a pair really carries two
// faults; the table's order of each pair is written out by hand, so neither can drift alone.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "clearing/admission.h"
#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

using clearing::Reject;

// One fault of a claim (worked example A: a 2304 of resident 61000000000000000001 insured in
// 610100, long-term filing for 310000 in 2026, at H31010400001 in 310104, networked, tier 3).
struct Fault {
  const char* name;
  Reject reason;
  std::function<void(adapters::Json&, clearing::ReferenceData&)> edit;
  bool reuse_msgid = false;  // the msgid was booked before, with another payload
};

const Fault kReuse{"msgid reused", Reject::kMsgidReusedWithDifferentPayload,
                   [](adapters::Json&, clearing::ReferenceData&) {}, true};
const Fault kAmount{"medfee_sumamt one fen above the lines", Reject::kAmountMismatch,
                    [](adapters::Json& j, clearing::ReferenceData&) {
                      set_number(data_of(j), "medfee_sumamt", "50000.01");
                    }};
const Fault kDuplicate{"two lines numbered 1", Reject::kDuplicateFeeLine,
                       [](adapters::Json& j, clearing::ReferenceData&) {
                         set_string(line_of(j, 1), "feedetl_sn", "1");
                       }};
// The person exists but is insured in 610100, not in the 620100 the envelope names.
const Fault kInsuredElsewhere{
    "insured elsewhere", Reject::kUnknownPerson,
    [](adapters::Json& j, clearing::ReferenceData&) { set_string(j, "insuplc_admdvs", "620100"); }};
const Fault kNoSuchPerson{"no such psn_no", Reject::kUnknownPerson,
                          [](adapters::Json& j, clearing::ReferenceData&) {
                            set_string(data_of(j), "psn_no", "61000000000000009999");
                          }};
const Fault kInsutype{
    "insutype 310 of a 390 person", Reject::kInsutypeMismatch,
    [](adapters::Json& j, clearing::ReferenceData&) { set_string(data_of(j), "insutype", "310"); }};
const Fault kLocal{
    "no insured division (local business)", Reject::kNotCrossProvince,
    [](adapters::Json& j, clearing::ReferenceData&) { set_string(j, "insuplc_admdvs", ""); }};
const Fault kUnknownFacility{"unknown hospital", Reject::kUnknownFacility,
                             [](adapters::Json& j, clearing::ReferenceData&) {
                               set_string(j, "fixmedins_code", "H31010400099");
                             }};
const Fault kNotNetworked{"hospital not networked", Reject::kFacilityNotNetworked,
                          [](adapters::Json& j, clearing::ReferenceData& r) {
                            r.add_facility({"H31010400002", "310104", 3, false});
                            set_string(j, "fixmedins_code", "H31010400002");
                          }};
// A hospital of 440104 that is not networked, named by a claim treated in 310104: unknown in
// the treating area and not networked at once.
const Fault kForeignUnnetworked{"another province's unnetworked hospital", Reject::kUnknownFacility,
                                [](adapters::Json& j, clearing::ReferenceData& r) {
                                  r.add_facility({"H44010400002", "440104", 3, false});
                                  set_string(j, "fixmedins_code", "H44010400002");
                                }};
// The policy starts 2026-01-01; so does the only filing: on 2025-12-31 there is neither.
const Fault kNoPolicy{"before the policy (and the filing)", Reject::kNoPolicy,
                      [](adapters::Json& j, clearing::ReferenceData&) {
                        set_string(j, "inf_time", "2025-12-31 10:00:00");
                      }};
// The filing ends 2026-12-31; the policy has no end.
const Fault kNoFiling{"after the filing", Reject::kNoValidFiling,
                      [](adapters::Json& j, clearing::ReferenceData&) {
                        set_string(j, "inf_time", "2027-01-02 10:00:00");
                      }};

struct Answer {
  std::string err_code;
  std::string message;
  size_t records = 0;  // what the state holds after the answer
};

// Claim A with `faults` made in order, decided by the engine (or only admitted, with 610000 not
// served, when `unserved`).
Answer claim_with(const std::vector<const Fault*>& faults, bool unserved = false) {
  adapters::Scenario scenario = worked_examples();
  adapters::Json claim = scenario.requests[0];
  bool reuse = false;
  for (const Fault* fault : faults) {
    fault->edit(claim, scenario.reference);
    reuse |= fault->reuse_msgid;
  }
  // A msgid is its hospital's: it begins with whatever fixmedins_code the claim sends.
  const std::string msgid = claim.find("msgid")->text;
  set_string(claim, "msgid", claim.find("fixmedins_code")->text + msgid.substr(12));
  clearing::MemoryState state;
  if (reuse) {
    clearing::SettlementRecord earlier;
    earlier.msgid = claim.find("msgid")->text;
    earlier.setl_id = "610100202603150000000777";
    earlier.fingerprint = "the fingerprint of another payload";
    earlier.insuplc_admdvs = "610100";
    state.apply(earlier);
  }
  if (unserved) {
    const adapters::NhsaParse parse =
        adapters::parse_nhsa_request(to_text(claim), scenario.reference.codes);
    if (!parse.request) return {std::string(clearing::name(parse.rejection.reason)), "parse"};
    const clearing::Admission admission =
        clearing::admit(*parse.request, scenario.reference,
                        [](std::string_view region) { return region != "610000"; });
    if (admission.admitted()) return {"", "", state.size()};
    return {std::string(clearing::name(admission.rejection->reason)), admission.rejection->message,
            state.size()};
  }
  const clearing::Engine engine(scenario.reference);
  const Outcome outcome = submit(engine, state, claim);
  return {outcome.err_code(), outcome.rejection.message, state.size()};
}

std::string name_of(Reject reason) { return std::string(clearing::name(reason)); }

// `first` ranks before `second` in the table, and the engine agrees, in either order of making.
void expect_pair(const Fault& first, const Fault& second) {
  SCOPED_TRACE(std::string(first.name) + " + " + second.name);
  ASSERT_LT(clearing::precedence(first.reason), clearing::precedence(second.reason))
      << "the table no longer ranks " << name_of(first.reason) << " before "
      << name_of(second.reason) << ": update the engine's order and this test together";
  const size_t before = first.reuse_msgid || second.reuse_msgid ? size_t{1} : size_t{0};
  EXPECT_EQ(claim_with({&first}).err_code, name_of(first.reason));
  EXPECT_EQ(claim_with({&second}).err_code, name_of(second.reason));
  for (const auto& faults :
       {std::vector<const Fault*>{&first, &second}, std::vector<const Fault*>{&second, &first}}) {
    const Answer answer = claim_with(faults);
    EXPECT_EQ(answer.err_code, name_of(first.reason)) << answer.message;
    EXPECT_EQ(answer.records, before) << "a refused claim changed the state";
  }
}

// Every pair of the claim's faults, in the table's order (reuse 7 … no_valid_filing 17).
TEST(Precedence, EveryPairOfClaimFaultsGivesTheTablesFirst) {
  const std::vector<const Fault*> ladder = {
      &kReuse, &kAmount,          &kDuplicate,    &kInsuredElsewhere, &kInsutype,
      &kLocal, &kUnknownFacility, &kNotNetworked, &kNoPolicy,         &kNoFiling};
  int pairs = 0;
  for (size_t i = 0; i < ladder.size(); ++i) {
    for (size_t j = i + 1; j < ladder.size(); ++j) {
      const Fault* first = ladder[i];
      const Fault* second = ladder[j];
      // Faults that edit the same field cannot both be made; their pairs follow below.
      if (first == &kUnknownFacility && second == &kNotNetworked) continue;
      if (first == &kNoPolicy && second == &kNoFiling) continue;
      // "Insured elsewhere" names an insured division; "local" removes it: use an unknown psn_no.
      if (first == &kInsuredElsewhere && second == &kLocal) first = &kNoSuchPerson;
      expect_pair(*first, *second);
      ++pairs;
    }
  }
  EXPECT_EQ(pairs, 10 * 9 / 2 - 2);
}

TEST(Precedence, FaultsOfOneFieldAtOnce) {
  // A known hospital of another province that is not networked: unknown_facility (14) before
  // facility_not_networked (15).
  ASSERT_LT(clearing::precedence(Reject::kUnknownFacility),
            clearing::precedence(Reject::kFacilityNotNetworked));
  EXPECT_EQ(claim_with({&kForeignUnnetworked}).err_code, "unknown_facility");
  // Neither policy nor filing on 2025-12-31: no_policy (16) before no_valid_filing (17).
  ASSERT_LT(clearing::precedence(Reject::kNoPolicy), clearing::precedence(Reject::kNoValidFiling));
  EXPECT_EQ(claim_with({&kNoPolicy}).err_code, "no_policy");
  // An unknown psn_no leaves no insurance type to mismatch: insured elsewhere does (10 before 11).
  EXPECT_EQ(claim_with({&kNoSuchPerson}).err_code, "unknown_person");
  // Every amount fault before the line numbers: a line whose pric × cnt is off, with a duplicate.
  const Fault price{"pric x cnt off", Reject::kAmountMismatch,
                    [](adapters::Json& j, clearing::ReferenceData&) {
                      set_number(line_of(j, 0), "pric", "2999.00");
                    }};
  expect_pair(price, kDuplicate);
}

// region_not_served (13) is admit()'s, with the deployment's regions: after the claim's own
// faults, the person and the province, before the hospital.
TEST(Precedence, RegionNotServedSitsBetweenTheProvinceAndTheHospital) {
  EXPECT_EQ(claim_with({}, true).err_code, "region_not_served");
  EXPECT_EQ(claim_with({}).err_code, "") << "claim A settles where every region is served";
  for (const Fault* before : {&kAmount, &kDuplicate, &kInsuredElsewhere, &kInsutype, &kLocal}) {
    SCOPED_TRACE(before->name);
    ASSERT_LT(clearing::precedence(before->reason), clearing::precedence(Reject::kRegionNotServed));
    EXPECT_EQ(claim_with({before}, true).err_code, name_of(before->reason));
  }
  for (const Fault* after : {&kUnknownFacility, &kNotNetworked}) {
    SCOPED_TRACE(after->name);
    ASSERT_LT(clearing::precedence(Reject::kRegionNotServed), clearing::precedence(after->reason));
    EXPECT_EQ(claim_with({after}).err_code, name_of(after->reason));
    EXPECT_EQ(claim_with({after}, true).err_code, "region_not_served");
  }
}

// Cancels and reversals: msgid reuse (7), the province (12), reversal_not_allowed (18),
// unknown_settlement (19), already_cancelled (20). Example D: a 2304 of employee retiree
// 44000000000000000005 (account 1,500.00, all of it used by the settlement).
class CompensationPrecedence : public ::testing::Test {
 protected:
  CompensationPrecedence() : scenario_(worked_examples()), engine_(scenario_.reference) {}

  void SetUp() override {
    const Outcome settled = submit(engine_, state_, claim_d());
    ASSERT_TRUE(settled.accepted()) << settled.rejection.message;
    setl_id_ = settled.result.setl_id;
  }
  adapters::Json claim_d() const { return scenario_.requests[4]; }
  static std::string msgid(int serial) {
    char text[40];
    std::snprintf(text, sizeof text, "H3101040000120260316100000%04d", serial);
    return text;
  }
  // The settlement cancelled (and the cancel kept for reversals).
  adapters::Json cancel_settlement() {
    cancel_ = cancel_of(claim_d(), setl_id_, msgid(1));
    const Outcome cancelled = submit(engine_, state_, cancel_);
    EXPECT_TRUE(cancelled.accepted()) << cancelled.rejection.message;
    return cancel_;
  }
  // `msgid` booked before with another payload.
  void book_msgid(const std::string& id) {
    clearing::SettlementRecord earlier;
    earlier.msgid = id;
    earlier.setl_id = "440100202603160000000777";
    earlier.fingerprint = "the fingerprint of another payload";
    earlier.insuplc_admdvs = "440100";
    state_.apply(earlier);
  }
  std::string answer(const adapters::Json& request) {
    const size_t before = state_.size();
    const Outcome outcome = submit(engine_, state_, request);
    EXPECT_EQ(state_.size(), before) << outcome.err_code() << " changed the state";
    return outcome.err_code();
  }

  adapters::Scenario scenario_;
  clearing::Engine engine_;
  clearing::MemoryState state_;
  std::string setl_id_;
  adapters::Json cancel_;
};

TEST_F(CompensationPrecedence, CancelOfAnUnknownOrCancelledSettlement) {
  ASSERT_LT(clearing::precedence(Reject::kMsgidReusedWithDifferentPayload),
            clearing::precedence(Reject::kNotCrossProvince));
  ASSERT_LT(clearing::precedence(Reject::kNotCrossProvince),
            clearing::precedence(Reject::kUnknownSettlement));
  ASSERT_LT(clearing::precedence(Reject::kUnknownSettlement),
            clearing::precedence(Reject::kAlreadyCancelled));
  cancel_settlement();
  adapters::Json again = cancel_of(claim_d(), setl_id_, msgid(2));  // already cancelled (20)
  EXPECT_EQ(answer(again), "already_cancelled");
  adapters::Json unknown = cancel_of(claim_d(), "440100202603159999999999", msgid(2));  // 19
  EXPECT_EQ(answer(unknown), "unknown_settlement");
  // 19 + 20: the cancelled settlement, named with another mdtrt_id.
  adapters::Json other_admission = again;
  set_string(data_of(other_admission), "mdtrt_id", "MD9999");
  EXPECT_EQ(answer(other_admission), "unknown_settlement");
  // 12 + 19 and 12 + 20: without an insured division.
  for (adapters::Json request : {again, unknown}) {
    set_string(request, "insuplc_admdvs", "");
    EXPECT_EQ(answer(request), "not_cross_province");
  }
  // 7 + 12, 7 + 19, 7 + 20: the msgid was booked before with another payload.
  book_msgid(msgid(2));
  adapters::Json local = again;
  set_string(local, "insuplc_admdvs", "");
  for (const adapters::Json& request : {again, unknown, local}) {
    EXPECT_EQ(answer(request), "msgid_reused_with_different_payload");
  }
}

TEST_F(CompensationPrecedence, ReversalOfWhatCannotBeReversed) {
  ASSERT_LT(clearing::precedence(Reject::kNotCrossProvince),
            clearing::precedence(Reject::kReversalNotAllowed));
  ASSERT_LT(clearing::precedence(Reject::kReversalNotAllowed),
            clearing::precedence(Reject::kUnknownSettlement));
  cancel_settlement();
  // 18 + 19 + 20: the cancelled settlement named as a 2303 (pre-settlement, not reversible,
  // and not what that msgid was).
  adapters::Json as_pre = reversal_of(claim_d(), msgid(3));
  set_string(data_of(as_pre), "oinfno", "2303");
  EXPECT_EQ(answer(as_pre), "reversal_not_allowed");
  // 18 + 19: a 2303 that was never booked.
  adapters::Json unknown_pre = as_pre;
  set_string(data_of(unknown_pre), "omsgid", "H31010400001202603159999999999");
  EXPECT_EQ(answer(unknown_pre), "reversal_not_allowed");
  // 19 + 20: the cancelled settlement, reversed for another person.
  adapters::Json other_person = reversal_of(claim_d(), msgid(3));
  EXPECT_EQ(answer(other_person), "already_cancelled");  // alone: 20
  set_string(data_of(other_person), "psn_no", "44000000000000000006");
  EXPECT_EQ(answer(other_person), "unknown_settlement");
  // 12 + 18: without an insured division.
  adapters::Json local = as_pre;
  set_string(local, "insuplc_admdvs", "");
  EXPECT_EQ(answer(local), "not_cross_province");
  // 7 + 18: the msgid was booked before with another payload.
  book_msgid(msgid(3));
  EXPECT_EQ(answer(as_pre), "msgid_reused_with_different_payload");
}

// A reversal that both finds its original no longer in effect (20) and would take back money the
// account no longer holds (18) gets the table's first: 18.
TEST_F(CompensationPrecedence, AccountShortAndAlreadyReversedGivesTheTablesFirst) {
  ASSERT_LT(clearing::precedence(Reject::kReversalNotAllowed),
            clearing::precedence(Reject::kAlreadyCancelled));
  const adapters::Json cancel = cancel_settlement();  // the account holds its 1,500.00 again
  // Alone, 18: a second settlement of the same person spends the 1,500.00; reversing the cancel
  // would take it back from an empty account.
  {
    clearing::MemoryState spent = state_;
    adapters::Json second = claim_d();
    set_string(second, "msgid", "H31010400001202603151000000099");
    set_string(data_of(second), "mdtrt_id", "MD0099");
    const Outcome settled = submit(engine_, spent, second);
    ASSERT_TRUE(settled.accepted()) << settled.rejection.message;
    ASSERT_EQ(settled.result.amounts.acct_pay, clearing::Money::from_fen(150000));
    EXPECT_EQ(submit(engine_, spent, reversal_of(cancel, msgid(5))).err_code(),
              "reversal_not_allowed");
  }
  // Reversing the cancel reinstates the settlement and takes the 1,500.00 again (balance 0).
  const Outcome reinstated = submit(engine_, state_, reversal_of(cancel, msgid(4)));
  ASSERT_TRUE(reinstated.accepted()) << reinstated.rejection.message;
  // 18 + 20: the cancel again: no longer in effect (20), and its reversal would take 1,500.00
  // from an account holding 0 (18): balance 1,500.00 − used 1,500.00 − 1,500.00 = −1,500.00.
  EXPECT_EQ(answer(reversal_of(cancel, msgid(5))), "reversal_not_allowed");
}

}  // namespace
}  // namespace medclear::testing
