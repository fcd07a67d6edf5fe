// For hospitals (issue 17) over real HTTPS with the development PKI, against in-process regions:
// `medclear batch submit` interrupted halfway and resumed settles every claim exactly once with
// complete results; refused claims and malformed files get their exit codes; a hospital on the
// Guangdong dialect gets the same settlement as the national request; a node refuses a bad
// dialect file at start naming its key path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <regex>
#include <set>

#include "adapters/batch.h"
#include "adapters/dialect.h"
#include "gateway/app/region_set.h"
#include "gateway/cli/batch_command.h"
#include "gateway/tls/pki.h"
#include "ledger/ledger.h"
#include "tests/support/batch_file.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace fs = std::filesystem;
constexpr const char* kHospital = "H31010400001";  // worked examples' hospital, in 310000
constexpr const char* kTreating = "310000";
constexpr const char* kInsured = "610000";

class ForHospitals : public ::testing::Test {
 protected:
  void start(std::shared_ptr<const adapters::Dialects> dialects = nullptr) {
    dir_ = testing::fresh_directory("for-hospitals");
    pki_ = dir_ + "/pki";
    scenario_ = std::make_unique<adapters::Scenario>(testing::worked_examples());
    const auto& reference = scenario_->reference;
    ASSERT_TRUE(write_dev_pki(pki_, regions_of(reference), {{kHospital, kTreating, 3}}).is_ok());
    RegionSetOptions options;
    options.regions = regions_of(reference);
    options.ledgers_dir = dir_ + "/ledgers";
    options.pki_dir = pki_;
    options.partitions = 2;
    options.gateway.threads = 1;
    options.dialects = std::move(dialects);
    auto set = RegionSet::start(options, reference);
    ASSERT_TRUE(set.is_ok()) << set.status().message();
    set_ = std::move(*set);
  }
  void TearDown() override {
    if (set_) set_->stop();
  }

  // `medclear batch submit` in this process against the treating region's gateway.
  int submit(const std::string& file, const std::string& results, int concurrency = 4) {
    std::vector<std::string> args = {
        "batch",         "submit",
        "--file",        file,
        "--results",     results,
        "--gateway",     "https://127.0.0.1:" + std::to_string(set_->gateway(kTreating)->port()),
        "--cert",        pki_ + "/hospital-" + kHospital + ".pem",
        "--key",         pki_ + "/hospital-" + kHospital + ".key",
        "--ca",          pki_ + "/ca.pem",
        "--concurrency", std::to_string(concurrency)};
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    return batch_main(static_cast<int>(argv.size()), argv.data());
  }

  uint64_t last_seq(const std::string& region) {
    std::promise<uint64_t> seq;
    set_->node(region)->read(
        [&](const ledger::Ledger* l) { seq.set_value(l ? l->last_seq() : 0); });
    return seq.get_future().get();
  }

  // Whether `msgid` has an entry in the region's ledger.
  bool booked(const std::string& region, const std::string& msgid) {
    std::promise<bool> found;
    set_->node(region)->read([&](const ledger::Ledger* l) {
      const auto seq = l ? l->find_msgid(msgid) : Result<std::optional<uint64_t>>(std::nullopt);
      found.set_value(seq.is_ok() && seq->has_value());
    });
    return found.get_future().get();
  }

  std::string write(const std::string& name, const std::string& text) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::string dir_;
  std::string pki_;
  std::unique_ptr<adapters::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
};

adapters::BatchResults read_results(const std::string& path) {
  Result<adapters::BatchResults> read = adapters::read_batch_results(testing::read_file(path));
  EXPECT_TRUE(read.is_ok()) << read.status().message();
  return read.is_ok() ? std::move(*read) : adapters::BatchResults{};
}

// The run is interrupted after 24 claims were settled but only 20 recorded, the 21st torn
// mid-line; the resumed run sends the other 20, every claim is settled once, the 4 sent again
// keep their setl_id, and the results hold each claim once.
TEST_F(ForHospitals, BatchInterruptedHalfwayResumesAndSettlesEveryClaimOnce) {
  start();
  constexpr int kClaims = 40;
  const std::string first = write("first.tsv", testing::example_batch_file(1, 24));
  ASSERT_EQ(submit(first, dir_ + "/first.results.tsv"), 0);
  const uint64_t insured_after_24 = last_seq(kInsured);
  const uint64_t treating_after_24 = last_seq(kTreating);
  ASSERT_EQ(insured_after_24 % 24, 0u);
  ASSERT_EQ(treating_after_24 % 24, 0u);
  const std::string first_results = testing::read_file(dir_ + "/first.results.tsv");
  std::map<std::string, std::string> first_setl_id;
  for (const auto& r : read_results(dir_ + "/first.results.tsv").results) {
    first_setl_id[r.msgid] = r.setl_id;
  }
  ASSERT_EQ(first_setl_id.size(), 24u);
  size_t cut = 0;  // after the header and 20 lines, then half of the 21st
  for (int i = 0; i < 21; ++i) cut = first_results.find('\n', cut) + 1;
  const std::string results = dir_ + "/claims.tsv.results.tsv";
  write("claims.tsv.results.tsv", first_results.substr(0, cut + 15));
  const std::string claims = write("claims.tsv", testing::example_batch_file(1, kClaims));

  ASSERT_EQ(submit(claims, results, 3), 0);

  const adapters::BatchResults done = read_results(results);
  ASSERT_EQ(done.complete_bytes, testing::read_file(results).size());
  ASSERT_EQ(done.results.size(), static_cast<size_t>(kClaims));
  std::set<std::string> msgids;
  std::set<std::string> setl_ids;
  for (const adapters::BatchResult& r : done.results) {
    EXPECT_TRUE(r.settled) << r.msgid << " " << r.err_code << " " << r.err_msg;
    EXPECT_FALSE(r.setl_id.empty());
    msgids.insert(r.msgid);
    setl_ids.insert(r.setl_id);
    if (first_setl_id.contains(r.msgid)) {
      EXPECT_EQ(r.setl_id, first_setl_id[r.msgid]) << r.msgid;
    }
    EXPECT_TRUE(booked(kInsured, r.msgid)) << r.msgid;
    EXPECT_TRUE(booked(kTreating, r.msgid)) << r.msgid;
  }
  EXPECT_EQ(msgids.size(), static_cast<size_t>(kClaims));
  EXPECT_EQ(setl_ids.size(), static_cast<size_t>(kClaims));
  // Exactly once: as many entries per claim as the first 24 made, for 40 claims.
  EXPECT_EQ(last_seq(kInsured), insured_after_24 / 24 * kClaims);
  EXPECT_EQ(last_seq(kTreating), treating_after_24 / 24 * kClaims);
  // A third run has nothing to send and says so.
  EXPECT_EQ(submit(claims, results), 0);
  EXPECT_EQ(read_results(results).results.size(), static_cast<size_t>(kClaims));
}

TEST_F(ForHospitals, RefusedClaimsExitOneAndMalformedFilesSendNothing) {
  start();
  std::string unknown_person = testing::example_batch_line(2);
  unknown_person.replace(unknown_person.find("61000000000000000001"), 20, "61000000000000000999");
  const std::string claims =
      write("claims.tsv", testing::example_batch_file(1, 1) + unknown_person + "\n");
  const std::string results = dir_ + "/results.tsv";
  EXPECT_EQ(submit(claims, results), 1);
  const adapters::BatchResults done = read_results(results);
  ASSERT_EQ(done.results.size(), 2u);
  for (const adapters::BatchResult& r : done.results) {
    EXPECT_EQ(r.settled, r.line == 2) << r.msgid;
    if (r.line == 3) {
      EXPECT_FALSE(r.err_code.empty());
    }
  }
  const uint64_t before = last_seq(kInsured);
  EXPECT_EQ(submit(claims, results), 1);  // answered already: nothing sent, still refused
  EXPECT_EQ(last_seq(kInsured), before);
  EXPECT_EQ(read_results(results).results.size(), 2u);

  const std::string bad = write("bad.tsv", testing::example_batch_file(3, 3) + "2304\tx\n");
  EXPECT_EQ(submit(bad, dir_ + "/bad.results.tsv"), 2);
  EXPECT_FALSE(fs::exists(dir_ + "/bad.results.tsv"));
  EXPECT_FALSE(booked(kInsured, "H31010400001202603151000000003"));
  // Another batch's results file is refused, and nothing is sent.
  const std::string other = write("other.tsv", testing::example_batch_file(4, 4));
  EXPECT_EQ(submit(other, results), 2);
  EXPECT_FALSE(booked(kInsured, "H31010400001202603151000000004"));
}

// The Guangdong variant of worked example A (ops/dialects/440000.json), sent by a hospital keyed
// to that dialect, settles; the national request under the same msgid is then the same request
// (its fingerprint: otherwise msgid_reused_with_different_payload) and gets the same settlement.
TEST_F(ForHospitals, TheDialectRequestGetsTheNationalSettlement) {
  auto dialects = std::make_shared<adapters::Dialects>();
  Result<adapters::Dialect> guangdong =
      adapters::Dialect::load(testing::source_path("ops/dialects/440000.json"));
  ASSERT_TRUE(guangdong.is_ok()) << guangdong.status().message();
  dialects->add(kHospital, std::make_shared<const adapters::Dialect>(std::move(*guangdong)));
  start(dialects);
  const adapters::Json& national = scenario_->requests.at(0);
  adapters::Json local = national;
  adapters::Json& data = testing::data_of(local);
  testing::remove_member(data, "insutype");
  testing::set_string(data, "insu_type", "391");
  testing::remove_member(data, "acct_used_flag");
  for (adapters::Json& line : testing::member(testing::member(local, "input"), "feedetail").items) {
    for (auto& [name, value] : line.members) {
      if (name == "med_list_codg") name = "hilist_code";
    }
  }
  testing::HttpsClient hospital(
      set_->gateway(kTreating)->port(), pki_ + "/ca.pem",
      {pki_ + "/hospital-" + kHospital + ".pem", pki_ + "/hospital-" + kHospital + ".key"});
  const testing::HttpAnswer first = hospital.post("/v1/nhsa", testing::to_text(local));
  ASSERT_EQ(first.status, 200) << first.body;
  const std::optional<adapters::NhsaAnswer> a = adapters::parse_nhsa_answer(first.body);
  ASSERT_TRUE(a && a->accepted && a->record) << first.body;
  const uint64_t insured = last_seq(kInsured);
  const testing::HttpAnswer again = hospital.post("/v1/nhsa", testing::to_text(national));
  ASSERT_EQ(again.status, 200) << again.body;
  const std::optional<adapters::NhsaAnswer> b = adapters::parse_nhsa_answer(again.body);
  ASSERT_TRUE(b && b->accepted && b->record) << again.body;
  EXPECT_EQ(b->record->setl_id, a->record->setl_id);
  EXPECT_EQ(b->record->amounts.fund_pay_sumamt, a->record->amounts.fund_pay_sumamt);
  EXPECT_EQ(b->record->amounts.psn_cash_pay, a->record->amounts.psn_cash_pay);
  EXPECT_EQ(last_seq(kInsured), insured) << "the national request settled a second time";
  testing::set_string(data, "insutype", "390");  // both names: the dialect cannot choose
  const testing::HttpAnswer both = hospital.post("/v1/nhsa", testing::to_text(local));
  EXPECT_EQ(both.status, 400);
  EXPECT_NE(both.body.find("insu_type and input.data.insutype"), std::string::npos) << both.body;
}

// Bad arguments: exit 2 with one line naming the argument, before the file is read.
TEST(BatchArguments, AreRefusedWithOneLineNamingThem) {
  const std::string dir = testing::fresh_directory("batch-arguments");
  const std::string file = dir + "/claims.tsv";
  std::ofstream(file) << testing::example_batch_file(1, 1);
  const std::string ok = " --cert " + file + " --key " + file + " --file " + file;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--gateway http://127.0.0.1:1" + ok, "--gateway http://127.0.0.1:1: https://HOST"},
      {"--gateway https://127.0.0.1:99999" + ok, "--gateway https://127.0.0.1:99999: https://"},
      {"--gateway https://h --concurrency 0" + ok, "--concurrency 0: a whole number from 1 to 64"},
      {"--gateway https://h --wait-s x" + ok, "--wait-s x: a whole number"},
      {"--gateway https://h --ca " + dir + "/none.pem" + ok, "--ca " + dir + "/none.pem: no such"},
      {"--gateway https://h --results " + dir + "/no/r.tsv" + ok, "its directory"},
      {"--gateway https://h --cert " + file + " --key " + file, "--file"}};
  for (const auto& [arguments, named] : cases) {
    SCOPED_TRACE(arguments);
    const auto [status, errors] =
        testing::run_medclear("batch submit " + arguments + " 2>&1 >/dev/null");
    EXPECT_EQ(status, 2) << errors;
    EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << errors;
    EXPECT_EQ(errors.rfind("medclear batch submit: ", 0), 0u) << errors;
    EXPECT_NE(errors.find(named), std::string::npos) << errors;
  }
  const auto [status, errors] = testing::run_medclear("batch frobnicate 2>&1 >/dev/null");
  EXPECT_EQ(status, 2) << errors;
}

// `medclear node` loads its dialect files before anything starts: a bad one ends it with exit 2
// and one line naming the config key, the dialect file and the key path inside it.
TEST(NodeDialects, ABadDialectFileIsRefusedAtStartWithItsKeyPath) {
  const std::string dir = testing::fresh_directory("node-dialects");
  const std::string dialect = dir + "/bad-dialect.json";
  std::ofstream(dialect) << R"({"format":"medclear.dialect.v1","province":"310000",)"
                         << R"("codes":{"input.data.insutype":{"391":390}}})";
  const std::string config = dir + "/node.json";
  std::ofstream(config) << R"({"format":"medclear.node.v1","region":"310000","ledger_dir":")" << dir
                        << R"(/ledger","reference":")"
                        << testing::source_path("tests/scenarios/worked_examples.json")
                        << R"(","dialects":{"310000":")" << dialect << R"("}})";
  const auto [status, errors] = testing::run_medclear("node --config " + config + " 2>&1");
  EXPECT_EQ(status, 2) << errors;
  EXPECT_NE(errors.find("medclear node: " + config + ": dialects.310000: " + dialect +
                        ": codes[\"input.data.insutype\"][\"391\"]: a local code maps"),
            std::string::npos)
      << errors;
  EXPECT_FALSE(fs::exists(dir + "/ledger"));
  // The example dialect itself loads; without a gateway it has nothing to apply to.
  std::ofstream(config) << R"({"format":"medclear.node.v1","region":"310000","ledger_dir":")" << dir
                        << R"(/ledger","reference":")"
                        << testing::source_path("tests/scenarios/worked_examples.json")
                        << R"(","dialects":{"310000":")"
                        << testing::source_path("ops/dialects/440000.json") << R"("}})";
  const auto [no_gateway, said] = testing::run_medclear("node --config " + config + " 2>&1");
  EXPECT_EQ(no_gateway, 2) << said;
  EXPECT_NE(said.find("dialects needs a gateway"), std::string::npos) << said;
}

}  // namespace
}  // namespace medclear::gateway
