// The simulated nation end to end, with faults on (a broker down and back, produce errors,
// duplicate submissions): a fixed list of seeds plus one random seed (printed; MEDCLEAR_SEED
// replays it). The run's own auditor must find no mismatch and every ledger must verify.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <regex>

#include <boost/json.hpp>
#include <map>

#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "ledger/crypto.h"
#include "ledger/directory.h"
#include "ledger/entry.h"
#include "simulator/nation.h"
#include "simulator/report.h"
#include "simulator/run.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/process.h"
#include "tests/support/scenario.h"
#include "tests/support/seed.h"

namespace medclear::simulator {
namespace {

// A small nation with every fault on.
RunOptions faulty_run(uint64_t seed, const std::string& out) {
  RunOptions options;
  options.regions = choose_regions("5");
  options.days = 2;
  options.claims_per_day = 800;
  options.persons = 5000;
  options.seed = seed;
  options.faults = true;
  options.out_dir = out;
  options.progress = false;
  return options;
}

int simulate(uint64_t seed, const std::string& out, const std::string& via = "kafka") {
  RunOptions options = faulty_run(seed, out);
  options.via = via;
  return run_simulation(options);
}

TEST(Simulator, SameSeedSameNation) {
  const Nation a = make_nation({choose_regions("4"), 3000, 99});
  const Nation b = make_nation({choose_regions("4"), 3000, 99});
  const Nation c = make_nation({choose_regions("4"), 3000, 100});
  ASSERT_EQ(a.persons, b.persons);
  size_t same_filings = 0;
  size_t persons = 0;
  for (const auto& [region, list] : a.persons) {
    for (const std::string& psn_no : list) {
      ++persons;
      const auto* pa = a.reference.person(psn_no);
      const auto* pb = b.reference.person(psn_no);
      const auto* pc = c.reference.person(psn_no);
      ASSERT_NE(pb, nullptr);
      EXPECT_EQ(pa->filings.size(), pb->filings.size());
      EXPECT_EQ(pa->insutype, pb->insutype);
      if (pc != nullptr && pa->filings.size() == pc->filings.size() &&
          pa->insutype == pc->insutype) {
        ++same_filings;
      }
    }
  }
  EXPECT_LT(same_filings, persons);  // another seed is another nation
  EXPECT_EQ(choose_regions("all").size(), 31u);
  EXPECT_EQ(choose_regions("3"), (std::vector<std::string>{"370000", "410000", "440000"}));
}

// The period a run clears is the month of its last day: a run longer than March clears April,
// which takes in March too (no earlier period was cleared).
TEST(Simulator, ClearingPeriodIsTheMonthOfTheLastDay) {
  EXPECT_EQ(business_day(0).to_string(), "2026-03-01");
  EXPECT_EQ(business_day(31).to_string(), "2026-04-01");
  EXPECT_EQ(clearing_period(1), "2026-03");
  EXPECT_EQ(clearing_period(31), "2026-03");
  EXPECT_EQ(clearing_period(32), "2026-04");
  EXPECT_EQ(clearing_period(62), "2026-05");
}

// A run into April clears April, which takes in March: the auditor's positions are the clearing's.
TEST(Simulator, RunLongerThanAMonthClearsThroughItsLastMonth) {
  RunOptions options;
  options.regions = choose_regions("2");
  options.days = 32;
  options.claims_per_day = 20;
  options.persons = 3000;
  options.seed = 11;
  options.out_dir = testing::fresh_directory("simulator-32-days");
  options.progress = false;
  ASSERT_EQ(run_simulation(options), 0) << testing::read_file(options.out_dir + "/summary.json");
  const boost::json::object summary =
      boost::json::parse(testing::read_file(options.out_dir + "/summary.json")).as_object();
  EXPECT_EQ(summary.at("clearing").at("period"), "2026-04");
  EXPECT_EQ(summary.at("auditor_mismatches"), 0);
}

// Every mismatch is counted; the reasons of the first hundred are kept, the first ten printed.
TEST(Simulator, MismatchesKeepTheirReasons) {
  Report report;
  report.seed = 7;
  for (int i = 0; i < 150; ++i) report.mismatches.record("reason " + std::to_string(i));
  EXPECT_EQ(report.mismatches.count, 150u);
  ASSERT_EQ(report.mismatches.reasons.size(), Mismatches::kReasonsKeptMax);
  EXPECT_EQ(report.mismatches.reasons.front(), "reason 0");
  EXPECT_EQ(report.mismatches.reasons.back(), "reason 99");
  const std::string text = summary_text(report, "out");
  EXPECT_NE(text.find("auditor: 150 mismatches\n    reason 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("reason 9\n    (90 more reasons in summary.json)"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("reason 10"), std::string::npos) << text;
  EXPECT_NE(text.find("replay with --seed 7"), std::string::npos) << text;
}

TEST(Simulator, SeedsWithFaultsAuditClean) {
  std::vector<uint64_t> seeds = {1, 2, 3};
  seeds.push_back(testing::test_seed("Simulator.SeedsWithFaultsAuditClean"));
  for (const uint64_t seed : seeds) {
    const std::string out = testing::fresh_directory("simulator-" + std::to_string(seed));
    EXPECT_EQ(simulate(seed, out), 0) << "replay: MEDCLEAR_SEED=" << seed;
    const std::string summary = testing::read_file(out + "/summary.json");
    EXPECT_NE(summary.find("\"auditor_mismatches\":0"), std::string::npos) << summary;
    EXPECT_NE(summary.find("\"ledgers_verified\":true"), std::string::npos) << summary;
  }
}

// What a run's ledgers hold, comparable between runs: per region, each entry's side, msgid,
// kind and amounts, sorted (setl_id numbers follow the order in which an insured node received
// its claims from the other regions, which timing decides), the count of adjustment entries
// (their ids name setl_ids) and every account balance.
std::map<std::string, std::vector<std::string>> ledger_contents(
    const std::string& out, const std::vector<std::string>& regions) {
  std::map<std::string, std::vector<std::string>> contents;
  for (const std::string& region : regions) {
    Result<ledger::LedgerDirectory> directory =
        ledger::open_directory(out + "/ledgers/" + region, {}, false);
    EXPECT_TRUE(directory.is_ok()) << region;
    if (!directory.is_ok()) continue;
    const ledger::Ledger& l = *directory->ledger;
    std::vector<std::string>& lines = contents[region];
    size_t adjustments = 0;
    for (uint64_t seq = 1; seq <= l.last_seq(); ++seq) {
      Result<ledger::DecodedEntry> entry = l.entry(seq);
      EXPECT_TRUE(entry.is_ok()) << region << " seq " << seq;
      if (!entry.is_ok()) continue;
      const clearing::SettlementRecord& r = entry->entry.record;
      if (r.kind == clearing::RecordKind::kAdjustment) {
        ++adjustments;
        continue;
      }
      lines.push_back(std::to_string(static_cast<int>(entry->entry.side)) + " " + r.msgid + " " +
                      std::to_string(static_cast<int>(r.kind)) + " " +
                      r.amounts.medfee_sumamt.to_string() + " " +
                      r.amounts.fund_pay_sumamt.to_string() + " " +
                      r.amounts.psn_cash_pay.to_string() + " " + r.amounts.acct_pay.to_string());
    }
    std::sort(lines.begin(), lines.end());
    lines.push_back("adjustments " + std::to_string(adjustments));
    const auto balances = l.balances();
    for (const auto& [account, balance] : balances.value())
      lines.push_back(account + " " + balance.to_string());
  }
  return contents;
}

// A seed replays the run: the same requests and answers, the same faults (the same region
// restarted, the same divergences injected) and the same ledgers; another seed another run.
TEST(Simulator, SameSeedSameRunAndLedgers) {
  const std::string a = testing::fresh_directory("same-seed-a");
  const std::string b = testing::fresh_directory("same-seed-b");
  const std::string c = testing::fresh_directory("same-seed-c");
  ASSERT_EQ(simulate(7, a), 0);
  ASSERT_EQ(simulate(7, b), 0);
  ASSERT_EQ(simulate(8, c), 0);
  const auto summary_of = [](const std::string& out) {
    return boost::json::parse(testing::read_file(out + "/summary.json")).as_object();
  };
  const boost::json::object sa = summary_of(a), sb = summary_of(b), sc = summary_of(c);
  for (const char* key :
       {"claims_settled", "claims_refused", "amounts", "node_restarts", "redelivered"}) {
    EXPECT_EQ(sa.at(key), sb.at(key)) << key;
  }
  EXPECT_EQ(sa.at("clearing").as_object().at("positions"),
            sb.at("clearing").as_object().at("positions"));
  EXPECT_EQ(sa.at("reconciliation").as_object().at("differences_injected"),
            sb.at("reconciliation").as_object().at("differences_injected"));
  EXPECT_NE(sa.at("amounts"), sc.at("amounts"));
  const std::vector<std::string> regions = choose_regions("5");
  const auto la = ledger_contents(a, regions);
  const auto lb = ledger_contents(b, regions);
  ASSERT_EQ(la.size(), regions.size());
  for (const std::string& region : regions) {
    EXPECT_GT(la.at(region).size(), 10u) << region;
    EXPECT_EQ(la.at(region), lb.at(region)) << region;
  }
  EXPECT_NE(la, ledger_contents(c, regions));
}

// All 31 regions, and seed 3 restarts a small one (460000): 200 of its hospitals' requests take
// longer to gather than a person's spacing, so the restart must come after a bounded count of
// requests, or a person's cancel would leave before their held settlement was answered (it did:
// missing_field on an empty setl_id).
TEST(Simulator, SmallRegionRestartedWhileItsHospitalsWait) {
  const std::string out = testing::fresh_directory("simulator-small-restart");
  RunOptions options = faulty_run(3, out);
  options.regions = choose_regions("all");
  options.days = 1;
  options.claims_per_day = 4000;
  options.persons = 60'000;
  EXPECT_EQ(run_simulation(options), 0);
  const boost::json::object summary =
      boost::json::parse(testing::read_file(out + "/summary.json")).as_object();
  EXPECT_EQ(summary.at("auditor_mismatches"), 0);
  std::cout << "restarted: " << boost::json::serialize(summary.at("node_restarts")) << "\n";
  EXPECT_EQ(summary.at("node_restarts").as_array().size(), 1u);
}

// The hospitals over HTTPS against running gateways (mutual TLS, each hospital its own
// certificate), with every fault: the node restarted with its gateway, the broker down,
// redelivered messages, divergences; the auditor agrees answer by answer.
TEST(Simulator, OverHttpsWithFaultsAuditClean) {
  const uint64_t seed = testing::test_seed("Simulator.OverHttpsWithFaultsAuditClean");
  const std::string out = testing::fresh_directory("simulator-https");
  EXPECT_EQ(simulate(seed, out, "https"), 0) << "replay: MEDCLEAR_SEED=" << seed;
  const boost::json::object summary =
      boost::json::parse(testing::read_file(out + "/summary.json")).as_object();
  EXPECT_EQ(summary.at("via"), "https");
  EXPECT_EQ(summary.at("auditor_mismatches"), 0);
  EXPECT_EQ(summary.at("ledgers_verified"), true);
  EXPECT_EQ(summary.at("node_restarts").as_array().size(), 1u);
  EXPECT_EQ(summary.at("redelivered"), 200);
  EXPECT_GT(summary.at("claims_settled").as_int64(), 1000);
}

// The command as contracts/demo.md says: exit 0, summary.json with its keys, the HTML report,
// ledgers that `medclear ledger verify` accepts.
TEST(Simulator, DemoCommandWritesItsOutputs) {
  const std::string out = testing::fresh_directory("demo-command");
  const auto [code, output] = testing::run_medclear(
      "demo --regions 110000,310000,440000 --days 1 --claims-per-day 400 --seed 5 --faults --out " +
      out);
  ASSERT_EQ(code, 0) << output;
  const std::string summary = testing::read_file(out + "/summary.json");
  for (const char* key :
       {"\"claims_settled\"", "\"claims_refused\"", "\"amounts\"", "\"reconciliation\"",
        "\"pairs\"", "\"balanced\"", "\"differences_injected\"", "\"differences_found\"",
        "\"clearing\"", "\"period\"", "\"positions\"", "\"throughput_claims_per_s\"",
        "\"auditor_mismatches\"", "\"seed\":5"}) {
    EXPECT_NE(summary.find(key), std::string::npos) << key << " missing: " << summary;
  }
  EXPECT_NE(testing::read_file(out + "/report.html").find("<svg"), std::string::npos);
  // The monthly clearing netted every pair (the divergences were resolved first) and wrote each
  // region's statement in both formats.
  EXPECT_NE(summary.find("\"held_pairs\":0"), std::string::npos) << summary;
  for (const char* region : {"110000", "310000", "440000"}) {
    EXPECT_NE(
        testing::read_file(out + "/clearing/statement-" + std::string(region) + ".csv").find("net"),
        std::string::npos)
        << region;
    EXPECT_NE(testing::read_file(out + "/clearing/statement-" + std::string(region) + ".json")
                  .find("\"format\":\"medclear.clearing-statement.v1\""),
              std::string::npos)
        << region;
  }
  EXPECT_FALSE(testing::read_file(out + "/report.json").empty());
  // OUT/reference.json (contracts/sandbox.md): the run's nation, loadable, without requests.
  const std::string reference = testing::read_file(out + "/reference.json");
  const Result<adapters::Scenario> loaded = adapters::load_scenario(reference);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().message();
  EXPECT_TRUE(loaded->requests.empty());
  EXPECT_EQ(reference,
            *adapters::write_reference(
                make_nation({choose_regions("110000,310000,440000"), 60'000, 5}).reference));
  for (const char* region : {"110000", "310000", "440000"}) {
    const auto [verify_code, verify_output] =
        testing::run_medclear("ledger verify --dir " + out + "/ledgers/" + region);
    EXPECT_EQ(verify_code, 0) << region << ": " << verify_output;
  }
  EXPECT_NE(output.find("auditor: 0 mismatches"), std::string::npos) << output;
  // The injected divergences are found, no more and no fewer.
  std::smatch injected, found;
  ASSERT_TRUE(
      std::regex_search(summary, injected, std::regex("\"differences_injected\":([0-9]+)")));
  ASSERT_TRUE(std::regex_search(summary, found, std::regex("\"differences_found\":([0-9]+)")));
  EXPECT_EQ(injected[1].str(), found[1].str()) << summary;
  // `medclear reconcile` over the same ledgers finds them too (they are on the last day).
  const auto [recon_code, statements] =
      testing::run_medclear("reconcile --day 2026-03-01 --ledgers " + out + "/ledgers");
  EXPECT_EQ(recon_code, injected[1].str() == "0" ? 0 : 1) << statements;
  size_t listed = 0;
  for (size_t at = statements.find("\"kind\":\"missing_on_insured\""); at != std::string::npos;
       at = statements.find("\"kind\":\"missing_on_insured\"", at + 1)) {
    ++listed;
  }
  EXPECT_EQ(std::to_string(listed), injected[1].str()) << statements;
}

// `demo --serve` of a simulated nation: a hospital's settlement over HTTPS gets the answer the
// engine computes from the same nation's reference data, and SIGTERM stops it cleanly.
TEST(Simulator, ServesASimulatedNationOverHttps) {
  const std::string out = testing::fresh_directory("demo-serve");
  testing::ServedMedclear served({"demo", "--serve", "--regions", "110000,310000", "--persons",
                                  "2000", "--seed", "9", "--out", out});
  std::map<std::string, uint16_t> ports;
  for (const std::string& line : served.lines_until_ready()) {
    std::smatch m;
    if (std::regex_match(line, m, std::regex("region=([0-9]{6}) url=https://127.0.0.1:([0-9]+)"))) {
      ports[m[1]] = static_cast<uint16_t>(std::stoi(m[2]));
    }
  }
  ASSERT_EQ(ports.size(), 2u);

  NationOptions nation_options;
  nation_options.regions = {"110000", "310000"};
  nation_options.persons = 2000;
  nation_options.seed = 9;
  const Nation nation = make_nation(nation_options);
  const Hospital& hospital = nation.hospitals.at("310000").front();
  // A person of 110000 with a filing for Shanghai, so the claim is paid (not refused).
  const clearing::Person* filed = nullptr;
  for (const std::string& psn_no : nation.persons.at("110000")) {
    const clearing::Person* candidate = nation.reference.person(psn_no);
    for (const clearing::Filing& filing : candidate->filings) {
      if (filing.area.starts_with("31") && filed == nullptr) filed = candidate;
    }
  }
  ASSERT_NE(filed, nullptr);
  const clearing::Person& person = *filed;
  clearing::Request request;
  clearing::Envelope& e = request.envelope;
  e.infno = clearing::Transaction::kOutpatientSettle;
  e.msgid = hospital.code + "202603151000000001";
  e.mdtrtarea_admvs = hospital.admdvs;
  e.insuplc_admdvs = person.insuplc_admdvs;
  e.fixmedins_code = hospital.code;
  e.fixmedins_name = "Hospital " + hospital.code;
  e.inf_time = {*clearing::Date::from_ymd(2026, 3, 15), 36000};
  clearing::SettlementInput in;
  in.psn_no = person.psn_no;
  in.insutype = person.insutype;
  in.psn_type = person.psn_type;
  in.med_type = "11";
  in.mdtrt_id = "MD1";
  in.mdtrt_cert_type = "02";
  in.mdtrt_cert_no = "C" + in.psn_no;
  in.psn_setlway = "01";
  in.chrg_bchno = "CB1";
  in.psn_cert_type = "01";
  in.certno = "C" + in.psn_no;
  in.psn_name = "Simulated";
  for (int l = 0; l < 3; ++l) {
    clearing::FeeLine line;
    line.feedetl_sn = std::to_string(l + 1);
    line.fee_ocur_time = e.inf_time;
    line.med_list_codg = nation.item_codes[static_cast<size_t>(l * 7) % nation.item_codes.size()];
    line.amount = clearing::Money::from_fen(12'345 * (l + 1));
    line.pric = clearing::Price{12'345 * (l + 1) * 10'000};
    line.cnt = clearing::Quantity{10'000};
    in.medfee_sumamt += line.amount;
    in.lines.push_back(line);
  }
  request.input = std::move(in);

  clearing::MemoryState state;
  const clearing::Decision expected = clearing::Engine(nation.reference).decide(request, state);
  ASSERT_TRUE(expected.accepted()) << expected.rejection.message;
  const std::string expected_envelope =
      adapters::build_nhsa_response(adapters::stamp_now("110000", 1), e.msgid, expected);

  const std::string pki = out + "/pki";
  testing::HttpsClient hospital_client(
      ports.at("310000"), pki + "/ca.pem",
      {pki + "/hospital-" + hospital.code + ".pem", pki + "/hospital-" + hospital.code + ".key"});
  const testing::HttpAnswer answer = hospital_client.request(
      boost::beast::http::verb::post, "/v1/nhsa", adapters::build_nhsa_request(request));
  ASSERT_EQ(answer.status, 200) << answer.error << answer.body;
  const boost::json::value got = boost::json::parse(answer.body);
  const boost::json::value want = boost::json::parse(expected_envelope);
  EXPECT_EQ(got.at("infcode"), want.at("infcode")) << answer.body;
  EXPECT_EQ(got.at("err_code"), want.at("err_code")) << answer.body;
  EXPECT_EQ(got.at("output"), want.at("output"))
      << answer.body << "\nexpected " << expected_envelope;

  testing::HttpsClient bureau(ports.at("110000"), pki + "/ca.pem",
                              {pki + "/bureau-110000.pem", pki + "/bureau-110000.key"});
  EXPECT_EQ(bureau.request(boost::beast::http::verb::get, "/v1/balances").status, 200);

  // Each region's node configuration: the other region pinned with its seal key, the CRL named.
  const boost::json::value config =
      boost::json::parse(testing::read_file(out + "/nodes/node-310000.json"));
  const boost::json::value& peer = config.at("reconciliation").at("peers").at("110000");
  EXPECT_EQ(peer.at("node_cn"), "110000");
  EXPECT_EQ(peer.at("address").as_string(), "127.0.0.1:" + std::to_string(ports.at("110000")));
  const Result<ledger::SigningKey> key =
      ledger::SigningKey::load_private_pem(out + "/ledgers/110000/seal-key.pem");
  ASSERT_TRUE(key.is_ok());
  EXPECT_EQ(peer.at("seal_public_key").as_string(), ledger::to_hex(key->public_key_raw()));
  EXPECT_EQ(config.at("gateway").at("crl_file").as_string(), pki + "/crl.pem");
  // The served reference data is OUT/reference.json, which the configuration names.
  EXPECT_EQ(config.at("reference").as_string(),
            std::filesystem::absolute(out + "/reference.json").string());
  EXPECT_TRUE(adapters::load_scenario(testing::read_file(out + "/reference.json")).is_ok());
  EXPECT_EQ(served.stop(), 0);
}

}  // namespace
}  // namespace medclear::simulator
