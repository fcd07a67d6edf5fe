// The monthly clearing over real ledgers: positions equal what the ledgers' balances say, late
// entries land in the next period and are never cleared twice, pairs whose sides differ are held,
// a period is recorded once, and the statements are written.
#include "gateway/backoffice/clearing_house.h"

#include <gtest/gtest.h>

#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

// Each region's receivables − payables between regions, straight from its balances.
std::map<std::string, cl::Money> nets_from_balances(
    std::map<std::string, lg::LedgerDirectory>& dirs) {
  std::map<std::string, cl::Money> out;
  for (auto& [region, directory] : dirs) {
    const auto balances = directory.ledger->balances();
    for (const auto& [account, balance] : balances.value()) {
      if (account.starts_with("receivable:") || account.starts_with("payable:"))
        out[region] += balance;
    }
  }
  return out;
}

std::map<std::string, cl::Money> nets_of(const PeriodClearing& clearing) {
  std::map<std::string, cl::Money> out;
  for (const cl::RegionPosition& p : clearing.result.positions) out[p.region] = p.net;
  return out;
}

TEST(ClearingHouse, PositionsAreTheLedgersBalances) {
  const std::string root = testing::fresh_directory("clearing");
  auto dirs = testing::write_ledgers(root, testing::scenario_records());
  Result<PeriodClearing> march = clear_period(testing::ledger_pointers(dirs), "2026-03", {}, true);
  ASSERT_TRUE(march.is_ok()) << march.status().message();
  EXPECT_TRUE(march->held.empty());
  EXPECT_GT(march->result.pairs, 0u);
  const auto expected = nets_from_balances(dirs);
  for (const auto& [region, net] : nets_of(*march)) {
    EXPECT_EQ(net, expected.contains(region) ? expected.at(region) : cl::Money::zero()) << region;
  }
  // Clearing it again with nothing new is the same clearing; the next period has nothing.
  Result<PeriodClearing> again = clear_period(testing::ledger_pointers(dirs), "2026-03", {}, true);
  ASSERT_TRUE(again.is_ok()) << again.status().message();
  EXPECT_EQ(clearing_json(*again), clearing_json(*march));
  Result<PeriodClearing> april = clear_period(testing::ledger_pointers(dirs), "2026-04", {}, true);
  ASSERT_TRUE(april.is_ok());
  EXPECT_EQ(april->result.pairs, 0u);
  // An earlier period after a later one is refused, and changes nothing.
  Result<PeriodClearing> february =
      clear_period(testing::ledger_pointers(dirs), "2026-02", {}, true);
  ASSERT_FALSE(february.is_ok());
  EXPECT_NE(february.status().message().find("already cleared the later period"),
            std::string::npos);
  for (const char* bad : {"2026-13", "2026/03", "26-03"}) {
    EXPECT_FALSE(clear_period(testing::ledger_pointers(dirs), bad, {}, true).is_ok()) << bad;
  }
}

TEST(ClearingHouse, LateEntriesLandInTheNextPeriodOnce) {
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  ASSERT_GT(records.size(), 4u);
  const std::vector<cl::SettlementRecord> first(records.begin(), records.begin() + 4);
  const std::string root = testing::fresh_directory("clearing-late");
  auto dirs = testing::write_ledgers(root, first);
  Result<PeriodClearing> march = clear_period(testing::ledger_pointers(dirs), "2026-03", {}, true);
  ASSERT_TRUE(march.is_ok()) << march.status().message();
  const auto march_nets = nets_of(*march);
  // The rest of the March business (cancels and reversals among them) is written after March
  // was cleared: April's clearing takes it, and only it.
  for (size_t i = 4; i < records.size(); ++i) {
    const cl::SettlementRecord& r = records[i];
    for (const auto& [admdvs, side] : {std::pair{r.insuplc_admdvs, lg::Side::kInsured},
                                       std::pair{r.mdtrtarea_admvs, lg::Side::kTreating}}) {
      const std::string region = lg::region_of(admdvs);
      if (!dirs.contains(region)) {
        lg::LedgerOptions options;
        options.region = region;
        dirs.emplace(region, std::move(*lg::open_directory(root + "/" + region, options, true)));
      }
      ASSERT_TRUE(dirs.at(region).ledger->stage(r, side).is_ok());
    }
  }
  for (auto& [region, directory] : dirs) ASSERT_TRUE(directory.ledger->commit().is_ok());
  Result<PeriodClearing> stale = clear_period(testing::ledger_pointers(dirs), "2026-03", {}, true);
  EXPECT_FALSE(stale.is_ok()) << "a cleared period taken again with new entries";
  Result<PeriodClearing> april = clear_period(testing::ledger_pointers(dirs), "2026-04", {}, true);
  ASSERT_TRUE(april.is_ok()) << april.status().message();
  const auto all = nets_from_balances(dirs);
  const auto april_nets = nets_of(*april);
  for (const auto& [region, net] : all) {
    const cl::Money m = march_nets.contains(region) ? march_nets.at(region) : cl::Money::zero();
    const cl::Money a = april_nets.contains(region) ? april_nets.at(region) : cl::Money::zero();
    EXPECT_EQ(m + a, net) << region;
  }
}

TEST(ClearingHouse, PairsThatDisagreeAreHeldAndClearedLater) {
  std::vector<cl::SettlementRecord> records = testing::scenario_records();
  const std::string root = testing::fresh_directory("clearing-held");
  auto dirs = testing::write_ledgers(root, records);
  // One more settlement on the treating side only: its pair's totals differ.
  cl::SettlementRecord extra = records.front();
  extra.setl_id = extra.setl_id.substr(0, 14) + "9999999999";
  extra.msgid = extra.msgid.substr(0, 26) + "9999";
  const std::string insured = lg::region_of(extra.insuplc_admdvs);
  const std::string treating = lg::region_of(extra.mdtrtarea_admvs);
  ASSERT_TRUE(dirs.at(treating).ledger->stage(extra, lg::Side::kTreating).is_ok());
  ASSERT_TRUE(dirs.at(treating).ledger->commit().is_ok());
  cl::Prepayment prepayment{cl::Money::from_fen(1'000'000), cl::Money::from_fen(500'000)};
  Result<PeriodClearing> march =
      clear_period(testing::ledger_pointers(dirs), "2026-03", {{insured, prepayment}}, true);
  ASSERT_TRUE(march.is_ok()) << march.status().message();
  ASSERT_EQ(march->held.size(), 1u);
  EXPECT_EQ(march->held[0].insured, insured);
  EXPECT_EQ(march->held[0].treating, treating);
  EXPECT_EQ(march->held[0].treating_side.entries, march->held[0].insured_side.entries + 1);
  EXPECT_EQ(march->marks.at(insured).held, std::set<std::string>{"payable:" + treating});
  EXPECT_EQ(march->marks.at(treating).held, std::set<std::string>{"receivable:" + insured});
  for (const cl::BilateralTotal& t : march->totals) {
    EXPECT_FALSE(t.insured == insured && t.treating == treating);
  }
  // The statements say so, in both formats, and the ledger keeps its statement.
  const std::string out = root + "/statements";
  ASSERT_TRUE(write_clearing_files(*march, out).is_ok());
  EXPECT_NE(testing::read_file(out + "/statement-" + treating + ".csv")
                .find("held_receivable," + insured),
            std::string::npos);
  EXPECT_NE(testing::read_file(out + "/clearing.json").find("\"held\":[{"), std::string::npos);
  EXPECT_EQ(*dirs.at(insured).ledger->document("statement/clearing/2026-03"),
            clearing_statement_json(*march, insured) + "");
  // Once the insured side books it too, April clears the held pair in full.
  ASSERT_TRUE(dirs.at(insured).ledger->stage(extra, lg::Side::kInsured).is_ok());
  ASSERT_TRUE(dirs.at(insured).ledger->commit().is_ok());
  Result<PeriodClearing> april = clear_period(testing::ledger_pointers(dirs), "2026-04", {}, true);
  ASSERT_TRUE(april.is_ok()) << april.status().message();
  EXPECT_TRUE(april->held.empty());
  // Only the held pair: the pairs cleared in March (either direction) are not taken again.
  ASSERT_EQ(april->totals.size(), 1u);
  EXPECT_EQ(april->totals[0].insured, insured);
  EXPECT_EQ(april->totals[0].treating, treating);
  const auto all = nets_from_balances(dirs);
  for (const auto& [region, net] : all) {
    cl::Money sum;
    for (const PeriodClearing* c : {&*march, &*april}) {
      for (const cl::RegionPosition& p : c->result.positions) {
        if (p.region == region) sum += p.net;
      }
    }
    EXPECT_EQ(sum, net) << region;
  }
}

TEST(ClearingHouse, PrepaymentFileIsStrict) {
  Result<std::map<std::string, cl::Prepayment>> good = parse_prepayments(
      R"({"format":"medclear.prepayments.v1","regions":{"110000":{"balance":"100.50","floor":"20"}}})");
  ASSERT_TRUE(good.is_ok()) << good.status().message();
  EXPECT_EQ(good->at("110000").balance, cl::Money::from_fen(10050));
  EXPECT_EQ(good->at("110000").floor, cl::Money::from_fen(2000));
  for (
      const char* bad :
      {R"({"regions":{}})", R"({"format":"medclear.prepayments.v1","regions":[]})",
       R"({"format":"medclear.prepayments.v1","regions":{"110000":{"balance":100,"floor":"1"}}})",
       R"({"format":"medclear.prepayments.v1","regions":{"110000":{"balance":"1.001","floor":"1"}}})",
       "not json"}) {
    EXPECT_FALSE(parse_prepayments(bad).is_ok()) << bad;
  }
}

}  // namespace
}  // namespace medclear::gateway
