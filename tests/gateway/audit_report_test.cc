// The regulators' audit report over real ledgers: totals by pair and fund equal the records' own
// sums, statuses are counted, the statements and the clearing appear, an injected duplicate
// claim is flagged, an altered ledger shows as not intact; and the HTML page renders in headless
// Chromium (Debian's `chromium`) to a screenshot of the expected size with its charts and the
// provinces' names in the DOM, and prints as a PDF.
#include "gateway/backoffice/audit_report.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "adapters/json.h"
#include "clearing/provinces.h"
#include "gateway/backoffice/clearing_house.h"
#include "gateway/recon/recon_statement.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

struct AuditFixture {
  std::string root;
  std::vector<cl::SettlementRecord> records;
  std::map<std::string, lg::LedgerDirectory> dirs;
  std::map<std::string, lg::Ledger*> ledgers;
  cl::SettlementRecord duplicate;
};

// The worked examples' ledgers, one claim billed again the same day at another hospital, the
// statements of every day recorded and March cleared.
AuditFixture make_fixture(const std::string& name) {
  AuditFixture f;
  f.root = testing::fresh_directory(name);
  f.records = testing::scenario_records();
  f.duplicate = f.records.at(1);
  f.duplicate.setl_id = f.duplicate.setl_id.substr(0, 14) + "9999999999";
  f.duplicate.msgid = f.duplicate.msgid.substr(0, 26) + "9999";
  f.duplicate.fixmedins_code = "H99999999999";
  f.records.push_back(f.duplicate);
  f.dirs = testing::write_ledgers(f.root, f.records);
  f.ledgers = testing::ledger_pointers(f.dirs);
  for (const std::string day : {"2026-03-15", "2026-03-16"}) {
    Result<std::vector<PairStatement>> statements = reconcile_day(f.ledgers, *cl::parse_date(day));
    EXPECT_TRUE(statements.is_ok());
    for (const PairStatement& s : *statements) {
      EXPECT_TRUE(record_statement(f.dirs.at(s.insured), f.dirs.at(s.treating), s, s.day).is_ok());
    }
  }
  EXPECT_TRUE(clear_period(f.ledgers, "2026-03", {}, true).is_ok());
  return f;
}

TEST(AuditReport, TotalsStatusesStatementsAnomaliesIntegrity) {
  AuditFixture f = make_fixture("audit");
  const cl::Date from = *cl::parse_date("2026-03-01");
  const cl::Date to = *cl::parse_date("2026-03-31");
  const adapters::Scenario scenario = testing::worked_examples();
  Result<AuditReport> report = build_audit_report(f.ledgers, from, to, &scenario.reference);
  ASSERT_TRUE(report.is_ok()) << report.status().message();

  // Totals by pair and fund: the records' own sums (cancels and reversals negative).
  std::map<std::pair<std::string, std::string>, cl::Money> medfee, funds, cash;
  std::map<std::string, uint64_t> kinds;
  for (const cl::SettlementRecord& r : f.records) {
    const auto pair = std::pair{lg::region_of(r.insuplc_admdvs), lg::region_of(r.mdtrtarea_admvs)};
    medfee[pair] += r.amounts.medfee_sumamt;
    funds[pair] += r.amounts.fund_pay_sumamt;
    cash[pair] += r.amounts.psn_cash_pay;
    ++kinds[r.kind == cl::RecordKind::kSettlement ? "settled"
            : r.kind == cl::RecordKind::kCancel   ? "cancelled"
                                                  : "reversed"];
  }
  ASSERT_EQ(report->pairs.size(), medfee.size());
  for (const auto& [pair, totals] : report->pairs) {
    EXPECT_EQ(totals.medfee, medfee[pair]) << pair.first << "→" << pair.second;
    EXPECT_EQ(totals.funds, funds[pair]);
    EXPECT_EQ(totals.cash, cash[pair]);
  }
  EXPECT_EQ(report->by_status, kinds);
  // The statements of both days, the clearing's positions, the duplicate flagged, all intact.
  EXPECT_GT(report->statements, 0u);
  EXPECT_EQ(report->statements, report->statements_balanced);
  EXPECT_EQ(report->positions_basis, "clearing 2026-03");
  cl::Money sum;
  for (const auto& [region, net] : report->positions) sum += net;
  EXPECT_EQ(sum, cl::Money::zero());
  bool flagged = false;
  for (const Anomaly& a : report->anomalies) {
    if (a.kind != "same_claim_two_hospitals" || a.subject != f.duplicate.psn_no) continue;
    flagged = a.detail.find("H99999999999") != std::string::npos;
    // The claims behind the flag: the original and its duplicate, and why it is flagged.
    std::set<std::string> claims(a.claims.begin(), a.claims.end());
    EXPECT_EQ(claims, (std::set<std::string>{f.records.at(1).setl_id, f.duplicate.setl_id}));
    EXPECT_FALSE(anomaly_explanation(a.kind).empty());
  }
  EXPECT_TRUE(flagged) << audit_json(*report);
  // The daily trend: every settlement, cancel and reversal on one day, the amounts adding up.
  uint64_t settled = 0, compensated = 0;
  cl::Money day_funds;
  for (const auto& [day, t] : report->days) {
    settled += t.settlements;
    compensated += t.compensations;
    day_funds += t.funds;
  }
  EXPECT_EQ(settled, kinds["settled"]);
  EXPECT_EQ(compensated, kinds["cancelled"] + kinds["reversed"]);
  cl::Money all_funds;
  for (const auto& [pair, f_total] : funds) all_funds += f_total;
  EXPECT_EQ(day_funds, all_funds);
  EXPECT_TRUE(report->filings_checked);
  EXPECT_TRUE(report->intact());

  // The three formats.
  Result<adapters::Json> json = adapters::parse_json(audit_json(*report));
  ASSERT_TRUE(json.is_ok()) << json.status().message();
  EXPECT_EQ(json->find("format")->text, "medclear.audit-report.v1");
  EXPECT_TRUE(json->find("integrity")->find("intact")->boolean);
  // Province names beside the codes (shared/data/provinces.tsv).
  const std::map<std::string, std::pair<std::string, std::string>> names = {
      {"110000", {"北京市", "Beijing"}},
      {"130000", {"河北省", "Hebei"}},
      {"310000", {"上海市", "Shanghai"}},
      {"440000", {"广东省", "Guangdong"}}};
  for (const std::string& region : report->regions) {
    const adapters::Json* named = json->find("provinces")->find(region);
    ASSERT_NE(named, nullptr) << region;
    if (!names.contains(region)) continue;
    EXPECT_EQ(named->find("name_zh")->text, names.at(region).first);
    EXPECT_EQ(named->find("name_en")->text, names.at(region).second);
    EXPECT_NE(audit_html(*report).find(region + " " + names.at(region).first + " " +
                                       names.at(region).second),
              std::string::npos);
  }
  const std::string csv = audit_csv(*report);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "section,region,counterpart,name,value");
  EXPECT_NE(csv.find("anomaly,"), std::string::npos);
  EXPECT_NE(csv.find("integrity,"), std::string::npos);

  // A changed byte in a derived key: the report says the ledger is not intact.
  lg::Ledger& altered = *f.dirs.begin()->second.ledger;
  ASSERT_TRUE(
      altered.db()->Put(rocksdb::WriteOptions(), "Bpayable:999999", std::string(8, '\1')).ok());
  Result<AuditReport> after = build_audit_report(f.ledgers, from, to, nullptr);
  ASSERT_TRUE(after.is_ok());
  EXPECT_FALSE(after->intact());
  EXPECT_FALSE(after->filings_checked);
  EXPECT_NE(audit_html(*after).find("ALTERED"), std::string::npos);
  // Bad range.
  EXPECT_FALSE(build_audit_report(f.ledgers, to, from, nullptr).is_ok());
}

// Width and height from a PNG's IHDR chunk (0, 0 when it is no PNG).
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) << 24) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

std::string run(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST(AuditReport, PageRendersInHeadlessChromium) {
  AuditFixture f = make_fixture("audit-page");
  Result<AuditReport> report = build_audit_report(f.ledgers, *cl::parse_date("2026-03-01"),
                                                  *cl::parse_date("2026-03-31"), nullptr);
  ASSERT_TRUE(report.is_ok());
  const std::string page = f.root + "/report.html";
  std::ofstream(page) << audit_html(*report);
  const std::string shot = f.root + "/report.png";
  const std::string chromium =
      "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" + f.root +
      "/chromium ";
  run(chromium + "--window-size=1000,1400 --screenshot=" + shot + " file://" + page +
      " 2>/dev/null");
  const std::string png = testing::read_file(shot);
  const auto [width, height] = png_size(png);
  EXPECT_EQ(width, 1000u) << "no screenshot from chromium at " << shot;
  EXPECT_EQ(height, 1400u);
  EXPECT_GT(png.size(), 20'000u) << "a blank page compresses to a few kilobytes";
  std::cout << "[ screenshot ] " << shot << " (" << png.size() << " bytes)" << std::endl;
  // The DOM Chromium built: the positions chart with one bar per region and the flow matrix.
  const std::string dom = run(chromium + "--dump-dom file://" + page + " 2>/dev/null");
  ASSERT_NE(dom.find("<svg id=\"positions\""), std::string::npos) << dom.substr(0, 400);
  const size_t chart = dom.find("<svg id=\"positions\"");
  const std::string svg = dom.substr(chart, dom.find("</svg>", chart) - chart);
  size_t bars = 0;
  for (size_t at = svg.find("<rect"); at != std::string::npos; at = svg.find("<rect", at + 1))
    ++bars;
  EXPECT_EQ(bars, report->positions.size());
  EXPECT_NE(dom.find("<table id=\"flows\">"), std::string::npos);
  EXPECT_NE(dom.find("<svg id=\"trend\""), std::string::npos);
  // The PDF for filing, as ops/report-pdf.sh prints it.
  const std::string pdf = f.root + "/report.pdf";
  run(chromium + "--no-pdf-header-footer --print-to-pdf=" + pdf + " file://" + page +
      " 2>/dev/null");
  const std::string printed = testing::read_file(pdf);
  EXPECT_EQ(printed.substr(0, 5), "%PDF-") << "no PDF from chromium at " << pdf;
  EXPECT_GT(printed.size(), 10'000u);
  for (const std::string& region : report->regions) {
    EXPECT_NE(dom.find(clearing::province_label(region)), std::string::npos) << region;
  }
}

}  // namespace
}  // namespace medclear::gateway
