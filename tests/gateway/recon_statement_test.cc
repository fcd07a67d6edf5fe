// The nightly reconciliation's statements over real ledgers: divergences of every kind are found
// exactly, the statement is signed by both regions and kept in both ledgers, its differences are
// resolved by adjustment entries that reference it (never by editing), both ledgers still verify,
// the money then agrees, and the month clears without a held pair.
#include "gateway/recon/recon_statement.h"

#include <gtest/gtest.h>

#include "gateway/backoffice/clearing_house.h"
#include "ledger/verify.h"
#include "tests/support/ledger_fixture.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

TEST(ReconStatement, EveryKindFoundSignedAndResolvedByAdjustments) {
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  const std::string root = testing::fresh_directory("recon-statement");
  auto dirs = testing::write_ledgers(root, records);
  const cl::SettlementRecord& base = records.front();
  const std::string insured = lg::region_of(base.insuplc_admdvs);
  const std::string treating = lg::region_of(base.mdtrtarea_admvs);
  lg::Ledger& ins = *dirs.at(insured).ledger;
  lg::Ledger& trt = *dirs.at(treating).ledger;
  const cl::SettlementRecord* other = nullptr;  // another settlement, for a different amount
  for (const cl::SettlementRecord& r : records) {
    if (r.kind == cl::RecordKind::kSettlement &&
        r.amounts.medfee_sumamt != base.amounts.medfee_sumamt)
      other = &r;
  }
  ASSERT_NE(other, nullptr);
  // missing on the insured side, missing on the treating side, amount differs, cancel on one side.
  const cl::SettlementRecord only_treating = testing::renamed(base, "00001");
  const cl::SettlementRecord only_insured = testing::renamed(base, "00002");
  const cl::SettlementRecord differs = testing::renamed(base, "00003");
  cl::SettlementRecord differs_treating = differs;
  differs_treating.amounts = other->amounts;
  const cl::SettlementRecord cancelled = testing::renamed(base, "00004");
  cl::SettlementRecord cancel = testing::renamed(base, "00005");
  cancel.kind = cl::RecordKind::kCancel;
  cancel.compensates = cancelled.setl_id;
  cancel.amounts = base.amounts.negated();
  cancel.delta = base.delta.negated();
  ASSERT_TRUE(trt.stage(only_treating, lg::Side::kTreating).is_ok());
  ASSERT_TRUE(ins.stage(only_insured, lg::Side::kInsured).is_ok());
  ASSERT_TRUE(ins.stage(differs, lg::Side::kInsured).is_ok());
  ASSERT_TRUE(trt.stage(differs_treating, lg::Side::kTreating).is_ok());
  ASSERT_TRUE(ins.stage(cancelled, lg::Side::kInsured).is_ok());
  ASSERT_TRUE(trt.stage(cancelled, lg::Side::kTreating).is_ok());
  Result<lg::Ledger::Staged> staged_cancel = ins.stage(cancel, lg::Side::kInsured);
  ASSERT_TRUE(staged_cancel.is_ok()) << staged_cancel.status().message();
  ASSERT_TRUE(ins.commit().is_ok());
  ASSERT_TRUE(trt.commit().is_ok());

  std::map<std::string, lg::Ledger*> ledgers{{insured, &ins}, {treating, &trt}};
  Result<std::vector<PairStatement>> day =
      reconcile_day(ledgers, base.setl_time.date, std::pair{insured, treating});
  ASSERT_TRUE(day.is_ok()) << day.status().message();
  ASSERT_EQ(day->size(), 1u);
  const PairStatement& statement = day->front();
  std::map<std::string, cl::DiffKind> found;
  for (const cl::ReconDifference& d : statement.result.differences) found[d.setl_id] = d.kind;
  const std::map<std::string, cl::DiffKind> injected{
      {only_treating.setl_id, cl::DiffKind::kMissingOnInsured},
      {only_insured.setl_id, cl::DiffKind::kMissingOnTreating},
      {differs.setl_id, cl::DiffKind::kAmountDiffers},
      {cancelled.setl_id, cl::DiffKind::kCancelOnOneSide}};
  EXPECT_EQ(found, injected);

  size_t adjustments = 0;
  Result<std::string> recorded = record_statement(dirs.at(insured), dirs.at(treating), statement,
                                                  base.setl_time.date, &adjustments);
  ASSERT_TRUE(recorded.is_ok()) << recorded.status().message();
  // Take back, book, replace (two), take back the cancelled one.
  EXPECT_EQ(adjustments, 5u);
  EXPECT_NE(recorded->find("\"adjustments\":5"), std::string::npos);
  // Both ledgers keep the same signed statement, both signatures verify, a changed byte does not.
  EXPECT_EQ(*recorded_statements(ins, base.setl_time.date.to_string()),
            std::vector<std::string>{*recorded});
  EXPECT_EQ(*recorded_statements(trt, base.setl_time.date.to_string()),
            std::vector<std::string>{*recorded});
  std::map<std::string, std::string> keys;
  for (const std::string& region : {insured, treating}) {
    keys[region] = dirs.at(region).seal_key()->public_key_raw();
  }
  EXPECT_TRUE(verify_statement(*recorded, keys).is_ok())
      << verify_statement(*recorded, keys).message();
  std::string tampered = *recorded;
  tampered.replace(tampered.find("\"balanced\":false"), 16, "\"balanced\":true ");
  EXPECT_FALSE(verify_statement(tampered, keys).is_ok());
  std::map<std::string, std::string> one_key{{insured, keys[insured]}};
  EXPECT_FALSE(verify_statement(*recorded, one_key).is_ok());

  // Nothing was edited: both ledgers verify; the treating side now books what the insured did.
  for (lg::Ledger* ledger : {&ins, &trt}) {
    const lg::VerifyReport report = lg::verify_ledger(*ledger, nullptr);
    EXPECT_TRUE(report.ok) << ledger->region() << ": " << report.problem;
  }
  EXPECT_EQ(trt.balance("receivable:" + insured), -ins.balance("payable:" + treating));
  // Recording it again changes nothing.
  const uint64_t seq = trt.last_seq();
  ASSERT_TRUE(record_statement(dirs.at(insured), dirs.at(treating), statement, base.setl_time.date)
                  .is_ok());
  EXPECT_EQ(trt.last_seq(), seq);
  // The month clears with no held pair.
  Result<PeriodClearing> month = clear_period(testing::ledger_pointers(dirs), "2026-03", {}, false);
  ASSERT_TRUE(month.is_ok()) << month.status().message();
  EXPECT_TRUE(month->held.empty());
}

}  // namespace
}  // namespace medclear::gateway
