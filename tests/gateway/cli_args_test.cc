// Every command refuses what it cannot do (issue 13), as a new user meets it: the real binary with
// a bad argument exits 2 before any banner or work, with ONE line on standard error that names the
// command and the argument; the demo writes nothing to its --out directory. One cheap valid run
// of each kind still works.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

namespace fs = std::filesystem;

struct Refusal {
  std::string arguments;  // after `medclear`
  std::string named;      // the line must contain this (the argument and its value)
};

// Runs medclear with standard output discarded; returns the exit status and standard error.
std::pair<int, std::string> run_for_errors(const std::string& arguments) {
  return run_medclear(arguments + " 2>&1 >/dev/null");
}

void expect_refused(const std::string& command, const std::vector<Refusal>& cases) {
  for (const Refusal& refusal : cases) {
    SCOPED_TRACE("medclear " + refusal.arguments);
    const auto [status, errors] = run_for_errors(refusal.arguments);
    EXPECT_EQ(status, 2) << errors;
    EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << errors;
    EXPECT_EQ(errors.rfind(command + ": ", 0), 0u) << errors;
    EXPECT_NE(errors.find(refusal.named), std::string::npos) << errors;
  }
}

class CliArgs : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_directory("cli-args");
    fs::create_directories(dir_ + "/ledger/db");  // enough to pass --dir; never opened
    std::ofstream(dir_ + "/file.txt") << "not a directory\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(CliArgs, DemoRefusesBeforeWritingAnything) {
  const std::string out = dir_ + "/demo-out";
  const std::string o = " --out " + out;
  expect_refused(
      "medclear demo",
      {{"demo --regions 99" + o, "--regions 99: a count from 2 to 31"},
       {"demo --regions 0" + o, "--regions 0:"},
       {"demo --regions 1" + o, "--regions 1:"},
       {"demo --regions 110000,999999" + o, "--regions 110000,999999: a count from 2 to 31"},
       {"demo --regions 110000,110000" + o, "--regions 110000,110000:"},
       {"demo --regions 110000" + o, "--regions 110000:"},
       {"demo --regions 110000,,310000" + o, "--regions 110000,,310000:"},
       {"demo --days 0" + o, "--days 0: a whole number from 1 to 31"},
       {"demo --days 32" + o, "--days 32:"},
       {"demo --days -1" + o, "--days -1:"},
       {"demo --days 2x" + o, "--days 2x:"},
       {"demo --claims-per-day -5" + o, "--claims-per-day -5: a whole number from 1 to 100,000"},
       {"demo --claims-per-day 0" + o, "--claims-per-day 0:"},
       {"demo --claims-per-day 100001" + o, "--claims-per-day 100001:"},
       {"demo --persons 10" + o, "--persons 10: a whole number from 1,000 to 10,000,000"},
       {"demo --seed -1" + o, "--seed -1: a whole number from 0 to 18446744073709551615"},
       {"demo --seed 18446744073709551616" + o, "--seed 18446744073709551616:"},
       {"demo --via pigeon" + o, "--via pigeon: one of kafka or https"},
       {"demo --colour red" + o, "--colour"},
       {"demo stray" + o, "'stray'"},
       {"demo" + o + " --days", "--days"},
       {"demo --scenario " + dir_ + "/file.txt" + o,
        "--scenario " + dir_ + "/file.txt: only with --serve"},
       {"demo --pki-dir " + dir_ + o, "--pki-dir " + dir_ + ": only with --serve"},
       {"demo --serve --days 2" + o, "--days 2: not with --serve"},
       {"demo --bench --faults" + o, "--faults: not with --bench"},
       {"demo --serve --scenario " + dir_ + "/missing.json" + o,
        "--scenario " + dir_ + "/missing.json: no such file"},
       {"demo --serve --scenario " + dir_ + "/file.txt --regions 2" + o,
        "--regions 2: not with --scenario"},
       {"demo --out " + dir_ + "/file.txt",
        "--out " + dir_ + "/file.txt: exists and is not a directory"}});
  EXPECT_FALSE(fs::exists(out)) << "a refused demo wrote to --out";
}

TEST_F(CliArgs, AdjudicateRefusesBadArguments) {
  const std::string scenario = source_path("tests/scenarios/worked_examples.json");
  expect_refused(
      "medclear adjudicate",
      {{"adjudicate", "--scenario"},
       {"adjudicate --scenario " + dir_ + "/missing.json",
        "--scenario " + dir_ + "/missing.json: no such file"},
       {"adjudicate --scenario " + dir_, "--scenario " + dir_ + ": not a regular file"},
       {"adjudicate --scenario " + scenario + " --hash md5 --ledger " + dir_ + "/l",
        "--hash md5: one of sha256 or sm3"},
       {"adjudicate --scenario " + scenario + " --hash sm3", "--hash sm3: only with --ledger"},
       {"adjudicate --scenario " + scenario + " --ledger " + dir_ + "/file.txt",
        "--ledger " + dir_ + "/file.txt: exists"},
       {"adjudicate --scenario " + scenario + " extra", "'extra'"}});
  EXPECT_FALSE(fs::exists(dir_ + "/l"));
}

TEST_F(CliArgs, LedgerRefusesBadArguments) {
  const std::string d = " --dir " + dir_ + "/ledger";
  expect_refused("medclear ledger", {{"ledger", "a verb is required"}, {"ledger sign", "'sign'"}});
  expect_refused("medclear ledger verify",
                 {{"ledger verify --dir " + dir_ + "/nowhere",
                   "--dir " + dir_ + "/nowhere: no such directory"},
                  {"ledger verify --dir " + dir_, "--dir " + dir_ + ": not a ledger directory"},
                  {"ledger verify" + d + " --pubkey " + dir_ + "/none.pem",
                   "--pubkey " + dir_ + "/none.pem: no such file"},
                  {"ledger verify" + d + " now", "'now'"}});
  expect_refused("medclear ledger dump",
                 {{"ledger dump" + d + " --from 0", "--from 0: a whole number from 1"},
                  {"ledger dump" + d + " --limit -1", "--limit -1:"},
                  {"ledger dump" + d + " --from ten", "--from ten:"}});
  expect_refused(
      "medclear ledger seal",
      {{"ledger seal" + d + " --day 2026-02-30", "--day 2026-02-30: a calendar day as YYYY-MM-DD"},
       {"ledger seal" + d + " --day 2026-3-1", "--day 2026-3-1:"},
       {"ledger seal" + d, "--day"},
       {"ledger seal" + d + " --day 2026-03-01 --key " + dir_ + "/k.pem",
        "--key " + dir_ + "/k.pem: no such file"}});
  expect_refused(
      "medclear ledger proof",
      {{"ledger proof" + d, "--settlement: required"},
       {"ledger proof" + d + " --settlement 1 --from-seal 2026-03-01 --to-seal 2026-03-02",
        "--settlement 1: not with --from-seal"},
       {"ledger proof" + d + " --from-seal 2026-03-01",
        "--from-seal 2026-03-01: only with --to-seal"},
       {"ledger proof" + d + " --from-seal 2026-03-02 --to-seal 2026-03-01",
        "--to-seal 2026-03-01: must not be before --from-seal 2026-03-02"}});
  expect_refused("medclear ledger verify-proof",
                 {{"ledger verify-proof --proof " + dir_ + "/p.json",
                   "--proof " + dir_ + "/p.json: no such file"},
                  {"ledger verify-proof --proof " + dir_ + "/file.txt --pubkey " + dir_,
                   "--pubkey " + dir_ + ": not a regular file"}});
}

TEST_F(CliArgs, ReconcileClearAndAuditRefuseBadArguments) {
  const std::string l = " --ledgers " + dir_;
  expect_refused(
      "medclear reconcile",
      {{"reconcile --day 2026-13-01" + l, "--day 2026-13-01: a calendar day"},
       {"reconcile" + l, "--day"},
       {"reconcile --day 2026-03-01 --pair 110000" + l, "--pair 110000: 2 distinct province codes"},
       {"reconcile --day 2026-03-01 --pair 110000,999999" + l, "--pair 110000,999999:"},
       {"reconcile --day 2026-03-01 --pair 110000,110000" + l, "--pair 110000,110000:"},
       {"reconcile --day 2026-03-01 --ledgers " + dir_ + "/nowhere",
        "--ledgers " + dir_ + "/nowhere: no such directory"}});
  expect_refused("medclear clear",
                 {{"clear --period 2026-13" + l, "--period 2026-13: a month as YYYY-MM"},
                  {"clear --period 2026-3" + l, "--period 2026-3:"},
                  {"clear --period 2026-03-01" + l, "--period 2026-03-01:"},
                  {"clear --period 2026-03 --ledgers " + dir_ + "/file.txt",
                   "--ledgers " + dir_ + "/file.txt: not a directory"},
                  {"clear --period 2026-03 --prepayments " + dir_ + "/pre.json" + l,
                   "--prepayments " + dir_ + "/pre.json: no such file"},
                  {"clear --period 2026-03 --out " + dir_ + "/file.txt" + l,
                   "--out " + dir_ + "/file.txt: exists and is not a directory"}});
  expect_refused("medclear audit",
                 {{"audit", "a report is required"}, {"audit summary", "'summary'"}});
  const std::string r = "audit report --from 2026-03-01 --to 2026-03-31" + l;
  expect_refused(
      "medclear audit report",
      {{"audit report --from 2026-03-05 --to 2026-03-01" + l,
        "--to 2026-03-01: must not be before --from 2026-03-05"},
       {"audit report --from 2026-03-32 --to 2026-04-01" + l, "--from 2026-03-32: a calendar day"},
       {r + " --format pdf", "--format pdf: one of json, csv or html"},
       {r + " --out " + dir_ + "/nowhere/report.json",
        "--out " + dir_ + "/nowhere/report.json: its directory"},
       {r + " --out " + dir_, "--out " + dir_ + ": is a directory"},
       {r + " --scenario " + dir_ + "/s.json", "--scenario " + dir_ + "/s.json: no such file"},
       {"audit report --to 2026-03-31" + l, "--from"}});
}

TEST_F(CliArgs, BrokerAndNodeRefuseBadArguments) {
  expect_refused(
      "medclear broker",
      {{"broker --regions 999999", "--regions 999999: all, or 1 to 31 distinct province codes"},
       {"broker --regions 110000,", "--regions 110000,:"},
       {"broker --partitions 0", "--partitions 0: a whole number from 1 to 256"},
       {"broker --brokers -1", "--brokers -1: a whole number from 1 to 16"},
       {"broker now", "'now'"}});
  expect_refused("medclear node", {{"node", "--config"},
                                   {"node --config " + dir_ + "/node.json",
                                    "--config " + dir_ + "/node.json: no such file"},
                                   {"node --config " + dir_ + "/file.txt extra", "'extra'"}});
}

// A number of the node config that is no whole number in its bounds is refused naming its key,
// exit 2 (never std::stoll's exception out of main, never "1.5" read as 1), before anything runs.
TEST_F(CliArgs, NodeConfigRefusesBadNumbers) {
  const std::string reference = source_path("tests/scenarios/worked_examples.json");
  const std::string head =
      "{\"format\":\"medclear.node.v1\",\"region\":\"310000\",\"ledger_dir\":\"" + dir_ +
      "/node-ledger\",\"reference\":\"" + reference + "\",";
  const std::string gateway =
      "\"gateway\":{\"certificate_file\":\"c.pem\",\"key_file\":\"k.pem\",\"client_ca_file\":"
      "\"ca.pem\",";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"\"partitions\":1.5}", "partitions: a whole number from 1 to 256"},
      {"\"batch_claims_max\":99999999999999999999}", "batch_claims_max: a whole number from 1"},
      {"\"pending_claims_max\":-1}", "pending_claims_max: a whole number from 1"},
      {"\"resend_after_ms\":\"3000\"}", "resend_after_ms: a whole number from 1 to 86400000"},
      {"\"pending_deadline_ms\":1e3}", "pending_deadline_ms: a whole number from 1"},
      {"\"partitions\":0}", "partitions: a whole number from 1 to 256"},
      {gateway + "\"threads\":1.5}}", "gateway.threads: a whole number from 1 to 1024"},
      {gateway + "\"port\":99999999999999999999}}", "gateway.port: a whole number from 0 to 65535"},
      {gateway + "\"body_bytes_max\":-1}}", "gateway.body_bytes_max: a whole number from 1"},
      {gateway + "\"read_timeout_ms\":\"ten\"}}", "gateway.read_timeout_ms: a whole number"}};
  int written = 0;
  for (const auto& [members, named] : cases) {
    const std::string path = dir_ + "/node-" + std::to_string(written++) + ".json";
    std::ofstream(path) << head << members;
    SCOPED_TRACE(members);
    const auto [status, errors] = run_for_errors("node --config " + path);
    EXPECT_EQ(status, 2) << errors;
    EXPECT_EQ(std::count(errors.begin(), errors.end(), '\n'), 1) << errors;
    EXPECT_EQ(errors.rfind("medclear node: " + path + ": ", 0), 0u) << errors;
    EXPECT_NE(errors.find(named), std::string::npos) << errors;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/node-ledger")) << "a refused config opened a ledger";
}

// What the refusals must not touch: valid invocations run as before.
TEST_F(CliArgs, ValidInvocationsStillRun) {
  const std::string out = dir_ + "/demo";
  const auto [demo_status, demo_output] =
      run_medclear("demo --regions 2 --days 1 --claims-per-day 20 --persons 1000 --seed 3 --out " +
                   out + " 2>&1");
  EXPECT_EQ(demo_status, 0) << demo_output;
  EXPECT_TRUE(fs::exists(out + "/summary.json")) << demo_output;
  const std::string ledgers = dir_ + "/ledgers";
  const auto [adjudicated, answers] =
      run_medclear("adjudicate --scenario " + source_path("tests/scenarios/worked_examples.json") +
                   " --ledger " + ledgers + " --hash sm3");
  EXPECT_EQ(adjudicated, 0) << answers;
  const auto [dumped, entries] =
      run_medclear("ledger dump --dir " + ledgers + "/310000 --from 1 --limit 2");
  EXPECT_EQ(dumped, 0) << entries;
  EXPECT_EQ(std::count(entries.begin(), entries.end(), '\n'), 2) << entries;
  const auto [audited, report] = run_medclear(
      "audit report --from 2026-03-01 --to 2026-03-31 --format csv --ledgers " + ledgers);
  EXPECT_EQ(audited, 0) << report;
}

}  // namespace
}  // namespace medclear::testing
