// The hospital's day (contracts/gateway.md "The hospital's day"): 3201 totals and 3202 detail
// reconciliation against the treating node's ledger. The ledger reads are checked against a
// brute-force count over the records written; the routes over real HTTPS with the development
// PKI, two hospitals in one treating region, differences of every kind injected into the
// hospital's file.
#include "gateway/http/hospital_day.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <map>
#include <regex>

#include "adapters/json.h"
#include "gateway/app/region_set.h"
#include "gateway/tls/pki.h"
#include "ledger/directory.h"
#include "ledger/recon_items.h"
#include "ledger/verify.h"
#include "tests/support/https_client.h"
#include "tests/support/ledger_fixture.h"
#include "tests/support/records.h"
#include "tests/support/scenario.h"

namespace medclear::gateway {
namespace {

namespace ad = medclear::adapters;
namespace cl = medclear::clearing;
using testing::HttpAnswer;
using testing::HttpsClient;

constexpr const char* kHospital = "H31010400001";  // the scenario's hospital, in 310000
constexpr const char* kOther = "H31010400002";     // another hospital of the same region
constexpr const char* kTreating = "310000";
const cl::Date kDay = *cl::Date::from_ymd(2026, 3, 15);

// ---- the ledger reads, against the records written --------------------------------------------

// What a 3201 must answer, counted from the records themselves: +1 a settlement, −1 a cancel or a
// reversal of a settlement, +1 a reversal of a cancel.
ad::TotalsFigures brute_totals(const std::vector<cl::SettlementRecord>& records,
                               const std::string& insutype, const std::string& clr_type,
                               const std::string& optins) {
  std::map<std::string, cl::RecordKind> kind_of;
  for (const auto& r : records) kind_of[r.setl_id] = r.kind;
  ad::TotalsFigures f;
  for (const auto& r : records) {
    if (r.fixmedins_code != kHospital || r.setl_time.date != kDay || r.insutype != insutype ||
        cl::clearing_type(r.med_type) != clr_type ||
        (!optins.empty() && r.insuplc_admdvs.substr(0, 2) != optins.substr(0, 2))) {
      continue;
    }
    f.medfee_sumamt += r.amounts.medfee_sumamt;
    f.fund_pay_sumamt += r.amounts.fund_pay_sumamt;
    f.acct_pay += r.amounts.acct_pay;
    const bool settlement = r.kind == cl::RecordKind::kSettlement;
    f.fixmedins_setl_cnt +=
        settlement ? 1 : (kind_of.at(r.compensates) == cl::RecordKind::kSettlement ? -1 : 1);
  }
  return f;
}

ad::TotalsRequest totals_request(const std::string& insutype, const std::string& clr_type,
                                 const std::string& optins) {
  ad::TotalsRequest request;
  request.envelope.fixmedins_code = kHospital;
  request.insutype = insutype;
  request.clr_type = clr_type;
  request.setl_optins = optins;
  request.stmt_begndate = kDay;
  request.stmt_enddate = kDay;
  return request;
}

TEST(HospitalDayLedger, TotalsNetCancelsAndReversalsAsTheRecordsDo) {
  const std::string root = testing::fresh_directory("hospital-day");
  // Seven settlements, a cancel, a reversal of that cancel and a reversal of a settlement.
  const std::vector<cl::SettlementRecord> records = testing::scenario_records();
  auto ledgers = testing::write_ledgers(root, records);
  const ledger::Ledger& treating = *ledgers.at(kTreating).ledger;
  for (const auto& [insutype, clr_type, optins] :
       std::vector<std::tuple<std::string, std::string, std::string>>{{"390", "21", ""},
                                                                      {"390", "21", "610000"},
                                                                      {"390", "21", "440100"},
                                                                      {"310", "21", ""},
                                                                      {"310", "11", ""},
                                                                      {"390", "11", ""}}) {
    const Result<ad::TotalsFigures> got =
        agency_totals(treating, totals_request(insutype, clr_type, optins));
    ASSERT_TRUE(got.is_ok()) << got.status().message();
    const ad::TotalsFigures want = brute_totals(records, insutype, clr_type, optins);
    EXPECT_EQ(*got, want) << insutype << "/" << clr_type << "/" << optins << ": count "
                          << got->fixmedins_setl_cnt << " want " << want.fixmedins_setl_cnt;
  }
  // Another hospital has nothing here; the insured side's ledger books no hospital's day.
  ad::TotalsRequest other = totals_request("390", "21", "");
  other.envelope.fixmedins_code = kOther;
  EXPECT_EQ(agency_totals(treating, other)->fixmedins_setl_cnt, 0);
  EXPECT_TRUE(agency_lines(*ledgers.at("610000").ledger, kDay, kHospital)->empty());

  // The day's lines: every settlement once; those a cancel or reversal negated that day are
  // cancelled, and the cancel a reversal negated is a line of its own.
  const auto lines = agency_lines(treating, kDay, kHospital);
  ASSERT_TRUE(lines.is_ok()) << lines.status().message();
  std::map<std::string, bool> want;
  for (const auto& r : records) {
    if (r.kind == cl::RecordKind::kSettlement) want.try_emplace(r.setl_id, false);
  }
  for (const auto& r : records) {
    if (r.kind != cl::RecordKind::kSettlement) want[r.compensates] = true;
  }
  std::map<std::string, bool> got;
  for (const auto& line : *lines) EXPECT_TRUE(got.emplace(line.setl_id, line.cancelled).second);
  EXPECT_EQ(got, want);
  std::filesystem::remove_all(root);
}

TEST(HospitalDayLedger, ACancelOfAnEarlierDayIsALineOfThatSettlementAndNetsThatDay) {
  const std::string root = testing::fresh_directory("hospital-day-later");
  const cl::Date next = cl::Date::from_days(kDay.days() + 1);
  const std::string msgid = std::string(kHospital) + "20260315100000";
  const cl::SettlementRecord a = testing::settlement_record("610100202603150000000001",
                                                            msgid + "0001", kDay, 10000, 7000, 500);
  const cl::SettlementRecord b =
      testing::settlement_record("610100202603150000000002", msgid + "0002", kDay, 20000, 9000);
  cl::SettlementRecord elsewhere = testing::settlement_record(
      "610100202603150000000003", "H31010400003" + msgid.substr(12) + "0003", kDay, 30000, 9000);
  elsewhere.fixmedins_code = "H31010400003";
  const std::vector<cl::SettlementRecord> records = {
      a, b, elsewhere, testing::cancel_record(b, "610100202603150000000004", msgid + "0004", kDay),
      testing::cancel_record(a, "610100202603160000000001", msgid + "0005", next)};
  auto ledgers = testing::write_ledgers(root, records);
  const ledger::Ledger& treating = *ledgers.at(kTreating).ledger;
  const auto first = agency_lines(treating, kDay, kHospital);
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  ASSERT_EQ(first->size(), 2u);
  for (const ad::HospitalReconLine& line : *first) {  // b cancelled that day, a only the next
    EXPECT_EQ(line.cancelled, line.setl_id == b.setl_id) << line.setl_id;
  }
  const auto later = agency_lines(treating, next, kHospital);
  ASSERT_TRUE(later.is_ok()) << later.status().message();
  ASSERT_EQ(later->size(), 1u);
  EXPECT_EQ((*later)[0],
            (ad::HospitalReconLine{a.setl_id, a.msgid, a.amounts.medfee_sumamt,
                                   a.amounts.fund_pay_sumamt, a.amounts.acct_pay, true}));
  ad::TotalsRequest request = totals_request("390", "21", "");
  request.stmt_begndate = request.stmt_enddate = next;
  const auto netted = agency_totals(treating, request);
  ASSERT_TRUE(netted.is_ok());
  EXPECT_EQ(netted->fixmedins_setl_cnt, -1);
  EXPECT_EQ(netted->medfee_sumamt, -a.amounts.medfee_sumamt);
  request.stmt_begndate = kDay;  // both days: b and its cancel, a and its cancel net to zero
  EXPECT_EQ(*agency_totals(treating, request), ad::TotalsFigures{});
  std::filesystem::remove_all(root);
}

// The seqs of entries, in order.
std::vector<uint64_t> seqs_of(const Result<std::vector<ledger::Entry>>& entries) {
  std::vector<uint64_t> out;
  if (!entries.is_ok()) {
    ADD_FAILURE() << entries.status().message();
    return out;
  }
  for (const ledger::Entry& entry : *entries) out.push_back(entry.seq);
  return out;
}

// The hospital+day index (W keys, ledger/FORMAT.md) gives a hospital's day alone: another
// hospital's settlements and cancels of the same day are not read, and every (hospital, day)
// reads what a scan of the journal finds. A ledger without the index (its W keys deleted, as
// one written before them) is indexed when opened, and verifies.
TEST(HospitalDayLedger, AnotherHospitalsDayIsNotReadAndTheIndexAgreesWithTheJournal) {
  const std::string root = testing::fresh_directory("hospital-day-index");
  const cl::Date next = cl::Date::from_days(kDay.days() + 1);
  std::vector<cl::SettlementRecord> records;
  for (const char* hospital : {kHospital, kOther}) {
    for (int i = 1; i <= 6; ++i) {
      cl::SettlementRecord r = testing::settlement_record(
          "6101002026031" + std::string(hospital).substr(11) + "00000000" + std::to_string(i),
          std::string(hospital) + "20260315100000000" + std::to_string(i), i <= 4 ? kDay : next,
          10000 * i, 7000 * i);
      r.fixmedins_code = hospital;
      records.push_back(r);
    }
  }
  // Each cancels its first settlement the same day and its second the next day.
  for (size_t base : {size_t{0}, size_t{6}}) {
    const cl::SettlementRecord& first = records[base];
    const cl::SettlementRecord& second = records[base + 1];
    records.push_back(testing::cancel_record(first, "C" + first.setl_id,
                                             first.msgid.substr(0, 25) + "90001", kDay));
    records.push_back(testing::cancel_record(second, "C" + second.setl_id,
                                             second.msgid.substr(0, 25) + "90002", next));
  }
  auto check = [&](const ledger::Ledger& treating) {
    for (const char* hospital : {kHospital, kOther}) {
      for (const cl::Date day : {kDay, next}) {
        const auto indexed = ledger::hospital_entries(treating, day, hospital);
        ASSERT_TRUE(indexed.is_ok()) << indexed.status().message();
        EXPECT_EQ(indexed->size(), day == kDay ? 5u : 3u) << hospital << " " << day.to_string();
        for (const ledger::Entry& entry : *indexed) {
          EXPECT_EQ(entry.record.fixmedins_code, hospital);
          EXPECT_EQ(entry.day, day);
        }
        EXPECT_EQ(seqs_of(indexed),
                  seqs_of(ledger::hospital_entries_from_journal(treating, day, hospital)));
      }
    }
    EXPECT_TRUE(ledger::hospital_entries(treating, kDay, "H31010400003")->empty());
    const ledger::VerifyReport report = ledger::verify_ledger(treating, nullptr);
    EXPECT_TRUE(report.ok) << report.problem;
  };
  {
    auto ledgers = testing::write_ledgers(root, records);
    check(*ledgers.at(kTreating).ledger);
    // Take the index away, as from a ledger written before it.
    rocksdb::DB* db = ledgers.at(kTreating).ledger->db();
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    rocksdb::WriteBatch batch;
    for (it->Seek("W"); it->Valid() && it->key().starts_with("W"); it->Next()) {
      ASSERT_TRUE(batch.Delete(it->key()).ok());
    }
    ASSERT_GT(batch.Count(), 16u);
    ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
    EXPECT_FALSE(ledger::verify_ledger(*ledgers.at(kTreating).ledger, nullptr).ok);
  }
  ledger::LedgerOptions options;
  options.region = kTreating;
  Result<ledger::LedgerDirectory> reopened =
      ledger::open_directory(root + "/" + kTreating, options, false);
  ASSERT_TRUE(reopened.is_ok()) << reopened.status().message();
  check(*reopened->ledger);
  std::filesystem::remove_all(root);
}

// ---- the routes over HTTPS ----------------------------------------------------------------------

std::string json_text(const std::string& body, const std::string& key) {
  const std::regex field("\"" + key + "\":\"([^\"]*)\"");
  std::smatch match;
  return std::regex_search(body, match, field) ? match[1].str() : std::string();
}

class HospitalDay : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_directory("hospital-day-https");
    pki_ = dir_ + "/pki";
    // The worked examples with a second hospital in the treating region.
    scenario_ = std::make_unique<ad::Scenario>(testing::worked_examples_edited([](ad::Json& root) {
      ad::Json& facilities = testing::member(root, "facilities");
      ad::Json other = facilities.items.at(0);
      testing::set_string(other, "fixmedins_code", kOther);
      facilities.items.push_back(std::move(other));
    }));
    const auto& reference = scenario_->reference;
    std::vector<DevHospital> hospitals;
    for (const auto& [code, facility] : reference.facilities()) {
      hospitals.push_back({code, ledger::region_of(facility.admdvs), facility.level});
    }
    ASSERT_TRUE(write_dev_pki(pki_, regions_of(reference), hospitals).is_ok());
    RegionSetOptions options;
    options.regions = regions_of(reference);
    options.ledgers_dir = dir_ + "/ledgers";
    options.pki_dir = pki_;
    options.partitions = 2;
    options.gateway.threads = 1;
    auto set = RegionSet::start(options, reference);
    ASSERT_TRUE(set.is_ok()) << set.status().message();
    set_ = std::move(*set);
  }
  void TearDown() override {
    if (set_) set_->stop();
    set_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpsClient client(const std::string& stem) const {
    return HttpsClient(set_->gateway(kTreating)->port(), pki_ + "/ca.pem",
                       {pki_ + "/" + stem + ".pem", pki_ + "/" + stem + ".key"});
  }

  // Settles `envelope` and returns the hospital's line of it.
  ad::HospitalReconLine settle(HttpsClient& hospital, const ad::Json& envelope) {
    const HttpAnswer answer = hospital.post("/v1/nhsa", testing::to_text(envelope));
    EXPECT_EQ(answer.status, 200) << answer.body;
    const std::optional<ad::NhsaAnswer> read = ad::parse_nhsa_answer(answer.body);
    EXPECT_TRUE(read && read->accepted && read->record) << answer.body;
    if (!read || !read->record) return {};
    const cl::SettlementAmounts& a = read->record->amounts;
    return {read->record->setl_id, read->record->msgid, a.medfee_sumamt,
            a.fund_pay_sumamt,     a.acct_pay,          false};
  }

  // The day of both hospitals: kHospital settles the seven worked examples and cancels the last;
  // kOther settles two claims of the same patients. Returns kHospital's own lines.
  std::vector<ad::HospitalReconLine> settle_the_day() {
    HttpsClient hospital = client(std::string("hospital-") + kHospital);
    std::vector<ad::HospitalReconLine> lines;
    for (const ad::Json& request : scenario_->requests) lines.push_back(settle(hospital, request));
    const ad::Json& last = scenario_->requests.back();
    const HttpAnswer cancelled = hospital.post(
        "/v1/nhsa",
        testing::to_text(testing::cancel_of(last, lines.back().setl_id,
                                            std::string(kHospital) + "202603151800000001")));
    EXPECT_NE(cancelled.body.find("\"infcode\":0"), std::string::npos) << cancelled.body;
    lines.back().cancelled = true;
    HttpsClient other = client(std::string("hospital-") + kOther);
    for (size_t i : {size_t{5}, size_t{6}}) {
      ad::Json envelope = scenario_->requests[i];
      testing::set_string(envelope, "fixmedins_code", kOther);
      testing::set_string(envelope, "msgid",
                          std::string(kOther) + "20260315120000000" + std::to_string(i));
      testing::set_string(testing::data_of(envelope), "mdtrt_id", "OTHER" + std::to_string(i));
      other_ids_.push_back(settle(other, envelope).setl_id);
    }
    return lines;
  }

  std::string totals_envelope(const ad::TotalsFigures& f, const std::string& msgid) const {
    ad::JsonWriter w;
    w.begin_object().key("infno").string("3201").key("msgid").string(msgid);
    w.key("mdtrtarea_admvs").string("310104").key("insuplc_admdvs").string("");
    w.key("inf_time").string("2026-03-16 08:00:00").key("fixmedins_code").string(kHospital);
    w.key("fixmedins_name").string("Shanghai Hospital");
    w.key("input").begin_object().key("data").begin_object();
    w.key("insutype").string("310").key("clr_type").string("11").key("setl_optins").string("");
    w.key("stmt_begndate").string("2026-03-15").key("stmt_enddate").string("2026-03-15");
    w.key("medfee_sumamt").number_text(f.medfee_sumamt.to_string());
    w.key("fund_pay_sumamt").number_text(f.fund_pay_sumamt.to_string());
    w.key("acct_pay").number_text(f.acct_pay.to_string());
    w.key("fixmedins_setl_cnt").integer(f.fixmedins_setl_cnt);
    w.end_object().end_object().end_object();
    return w.take();
  }

  std::string dir_;
  std::string pki_;
  std::unique_ptr<ad::Scenario> scenario_;
  std::unique_ptr<RegionSet> set_;
  std::vector<std::string> other_ids_;  // kOther's settlements
};

TEST_F(HospitalDay, TotalsAgreeOrDisagreeWithTheHospitalsOwnFigures) {
  const std::vector<ad::HospitalReconLine> lines = settle_the_day();
  // Outpatient (clr_type 11) employee (310) claims are the last two; the last is cancelled.
  ad::TotalsFigures own;
  own.medfee_sumamt = lines[5].medfee_sumamt;
  own.fund_pay_sumamt = lines[5].fund_pay_sumamt;
  own.acct_pay = lines[5].acct_pay;
  own.fixmedins_setl_cnt = 1;
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const HttpAnswer agreed = hospital.post(
      "/v1/nhsa", totals_envelope(own, std::string(kHospital) + "202603160800000001"));
  ASSERT_EQ(agreed.status, 200) << agreed.body;
  EXPECT_NE(agreed.body.find("\"infcode\":0"), std::string::npos) << agreed.body;
  EXPECT_EQ(json_text(agreed.body, "stmt_rslt"), "0") << agreed.body;
  EXPECT_NE(agreed.body.find("\"fixmedins_setl_cnt\":1"), std::string::npos) << agreed.body;

  ad::TotalsFigures off = own;
  off.fund_pay_sumamt += cl::Money::from_fen(1);
  const HttpAnswer differs = hospital.post(
      "/v1/nhsa", totals_envelope(off, std::string(kHospital) + "202603160800000002"));
  ASSERT_EQ(differs.status, 200) << differs.body;
  EXPECT_EQ(json_text(differs.body, "stmt_rslt"), "1") << differs.body;
  // The answer carries the agency's figures, which are the hospital's true ones.
  EXPECT_NE(differs.body.find("\"fund_pay_sumamt\":" + own.fund_pay_sumamt.to_string()),
            std::string::npos)
      << differs.body;

  // The msgid rule: a msgid that is not the sender's own is invalid_msgid.
  const HttpAnswer foreign =
      hospital.post("/v1/nhsa", totals_envelope(own, std::string(kOther) + "202603160800000003"));
  ASSERT_EQ(foreign.status, 200) << foreign.body;
  EXPECT_EQ(json_text(foreign.body, "err_code"), "invalid_msgid") << foreign.body;
  // A field at fault is named by its path.
  std::string bad = totals_envelope(own, std::string(kHospital) + "202603160800000004");
  bad.replace(bad.find("\"clr_type\":\"11\""), 15, "\"clr_type\":\"77\"");
  const HttpAnswer unknown = hospital.post("/v1/nhsa", bad);
  EXPECT_EQ(json_text(unknown.body, "err_code"), "unknown_code") << unknown.body;
  EXPECT_NE(unknown.body.find("input.data.clr_type"), std::string::npos) << unknown.body;
}

TEST_F(HospitalDay, DetailFindsExactlyTheInjectedDifferencesAndOnlyTheSendersSettlements) {
  std::vector<ad::HospitalReconLine> lines = settle_the_day();
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const std::string target = "/v1/hospital/reconciliation?day=2026-03-15";
  const HttpAnswer clean = hospital.post(target, ad::write_hospital_recon_tsv(lines));
  ASSERT_EQ(clean.status, 200) << clean.body;
  EXPECT_NE(clean.body.find("\"agreed\":7,\"differences\":[]"), std::string::npos) << clean.body;

  // One difference of each kind.
  std::map<std::string, std::string> injected;
  injected[lines[1].setl_id] = "missing_at_hospital";
  injected[lines[2].setl_id] = "amount_differs";
  lines[2].fund_pay_sumamt += cl::Money::from_fen(1);
  injected[lines[3].setl_id] = "cancel_differs";
  lines[3].cancelled = true;
  ad::HospitalReconLine phantom = lines[0];
  phantom.setl_id = "310000202603159999999999";
  phantom.msgid = std::string(kHospital) + "202603152359599999";
  injected[phantom.setl_id] = "missing_at_agency";
  lines.erase(lines.begin() + 1);
  lines.push_back(phantom);
  const HttpAnswer answer = hospital.post(target, ad::write_hospital_recon_tsv(lines));
  ASSERT_EQ(answer.status, 200) << answer.body;
  const Result<ad::Json> parsed = ad::parse_json(answer.body);
  ASSERT_TRUE(parsed.is_ok()) << answer.body;
  EXPECT_EQ(parsed->find("agreed")->text, "4") << answer.body;
  EXPECT_EQ(parsed->find("fixmedins_code")->text, kHospital);
  std::map<std::string, std::string> found;
  for (const ad::Json& difference : parsed->find("differences")->items) {
    found[difference.find("setl_id")->text] = difference.find("kind")->text;
  }
  EXPECT_EQ(found, injected) << answer.body;
  // The other hospital's settlements of the same day and region never appear.
  ASSERT_EQ(other_ids_.size(), 2u);
  for (const std::string& id : other_ids_) {
    EXPECT_FALSE(id.empty());
    EXPECT_EQ(answer.body.find(id), std::string::npos) << id << " in " << answer.body;
  }
  // …and that hospital, sending an empty day, sees only its own two.
  HttpsClient other = client(std::string("hospital-") + kOther);
  const HttpAnswer others = other.post(target, ad::write_hospital_recon_tsv({}));
  ASSERT_EQ(others.status, 200) << others.body;
  const Result<ad::Json> other_answer = ad::parse_json(others.body);
  ASSERT_TRUE(other_answer.is_ok());
  std::vector<std::string> ids;
  for (const ad::Json& difference : other_answer->find("differences")->items) {
    EXPECT_EQ(difference.find("kind")->text, "missing_at_hospital");
    ids.push_back(difference.find("setl_id")->text);
  }
  std::vector<std::string> want = other_ids_;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want) << others.body;
}

TEST_F(HospitalDay, AMalformedFileIsRefusedWholeWithItsLineNumber) {
  const std::vector<ad::HospitalReconLine> lines = settle_the_day();
  HttpsClient hospital = client(std::string("hospital-") + kHospital);
  const std::string target = "/v1/hospital/reconciliation?day=2026-03-15";
  std::string file = ad::write_hospital_recon_tsv(lines);
  // Line 4 (the third settlement) gets an amount with three decimals.
  size_t at = 0;
  for (int n = 1; n < 4; ++n) at = file.find('\n', at) + 1;
  const size_t tab = file.find('\t', file.find('\t', at) + 1);
  file.insert(file.find('\t', tab + 1), "1");
  const std::string third_decimal = file.substr(at, file.find('\n', at) - at);
  const HttpAnswer refused = hospital.post(target, file);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("\"error\":\"line 4: medfee_sumamt"), std::string::npos)
      << third_decimal << " → " << refused.body;
  EXPECT_NE(refused.body.find("\"line\":4"), std::string::npos) << refused.body;
  EXPECT_EQ(refused.body.find("differences"), std::string::npos) << refused.body;

  // A line of another sender's msgid, a wrong header, a missing day; a bureau may not ask.
  std::vector<ad::HospitalReconLine> foreign = lines;
  foreign[0].msgid = std::string(kOther) + foreign[0].msgid.substr(12);
  const HttpAnswer not_own = hospital.post(target, ad::write_hospital_recon_tsv(foreign));
  EXPECT_EQ(not_own.status, 400);
  EXPECT_NE(not_own.body.find("line 2: msgid"), std::string::npos) << not_own.body;
  EXPECT_EQ(hospital.post(target, "setl_id,msgid\n").status, 400);
  EXPECT_EQ(
      hospital.post("/v1/hospital/reconciliation", ad::write_hospital_recon_tsv(lines)).status,
      400);
  EXPECT_EQ(hospital.get(target).status, 405);
  EXPECT_EQ(client("bureau-310000").post(target, ad::write_hospital_recon_tsv({})).status, 403);
}

}  // namespace
}  // namespace medclear::gateway
