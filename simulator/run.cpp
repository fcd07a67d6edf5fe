#include "simulator/run.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "clearing/reconcile.h"
#include "gateway/audit_report.h"
#include "gateway/clearing_house.h"
#include "gateway/recon_statement.h"
#include "gateway/region_set.h"
#include "ledger/directory.h"
#include "ledger/entry.h"
#include "ledger/recon_items.h"
#include "ledger/verify.h"
#include "simulator/nation.h"
#include "simulator/report.h"

namespace medclear::simulator {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
namespace gw = medclear::gateway;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The amounts a hospital reads in an answer, as one comparable string.
std::string amounts_of(const cl::SettlementAmounts& a) {
  std::string text;
  for (const cl::Money m : {a.medfee_sumamt, a.fulamt_ownpay_amt, a.overlmt_selfpay, a.preselfpay_amt,
                            a.inscp_scp_amt, a.act_pay_dedc, a.hifp_pay, a.cvlserv_pay, a.hifes_pay,
                            a.hifmi_pay, a.hifob_pay, a.maf_pay, a.hosp_part_amt, a.oth_pay,
                            a.fund_pay_sumamt, a.psn_part_amt, a.acct_pay, a.psn_cash_pay, a.balc}) {
    text += m.to_string() + ' ';
  }
  return text;
}

struct Answer {
  bool accepted = false;
  std::string err_code;
  std::optional<cl::SettlementRecord> record;
  bool replayed = false;
};

struct Settled {
  std::string json;  // as the hospital sent it
  cl::Request request;
  std::string node_setl_id;
  std::string oracle_setl_id;
  bool compensated = false;
};

class Simulation {
 public:
  Simulation(const RunOptions& options, Nation& nation, gw::RegionSet& set)
      : options_(options), nation_(nation), set_(set), random_(options.seed ^ 0x5eed),
        oracle_(nation.reference) {
    for (int32_t p : nation.population) population_total_ += p;
  }

  // One business day: claims in waves, no person twice in a wave, so every person's claims reach
  // its insured region in the order the auditor applies them.
  void day(int index) {
    date_ = cl::Date::from_days(cl::Date::from_ymd(2026, 3, 1)->days() + index);
    int remaining = options_.claims_per_day;
    int wave_number = 0;
    while (remaining > 0) {
      const int size = std::min(remaining, 2000);
      // Faults: on the second day, a broker goes down during the first wave and comes back
      // 1.5 s later, and produce requests fail; the claims must still settle exactly once.
      std::thread outage;
      if (options_.faults && index == std::min(1, options_.days - 1) && wave_number == 0) {
        inject_broker_faults(true);
        outage = std::thread([this] {
          std::this_thread::sleep_for(std::chrono::milliseconds(1500));
          inject_broker_faults(false);
        });
      }
      // Faults: on the first day one region's node is stopped and started again while claims
      // insured there are in flight; it resumes from its ledger and the committed offsets.
      std::string restart;
      if (options_.faults && index == 0 && wave_number == 0) {
        restart = nation_.regions[random_() % nation_.regions.size()];
      }
      wave(size, restart);
      if (outage.joinable()) outage.join();
      remaining -= size;
      ++wave_number;
      if (options_.progress) {
        const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
        std::fprintf(stderr, "\rday %d/%d  claims %lu  settled %lu  refused %lu  %.0f claims/s   ",
                     index + 1, options_.days, static_cast<unsigned long>(submitted_),
                     static_cast<unsigned long>(settled_count_),
                     static_cast<unsigned long>(refused_total()),
                     static_cast<double>(submitted_) / std::max(seconds, 0.001));
      }
    }
  }

  uint64_t refused_total() const {
    uint64_t n = 0;
    for (const auto& [code, count] : refused_) n += count;
    return n;
  }

  Clock::time_point started_ = Clock::now();
  uint64_t submitted_ = 0;
  uint64_t settled_count_ = 0;
  uint64_t mismatches_ = 0;
  std::map<std::string, uint64_t> refused_;
  std::map<std::string, cl::Money> amounts_;  // fund field → Σ over answers
  std::vector<cl::SettlementRecord> oracle_records_;  // what the ledgers must hold
  std::vector<std::string> mismatch_lines_;
  std::vector<std::string> restarted_;  // regions whose node was restarted (faults)

 private:
  struct Item {
    std::string node_json;
    std::string oracle_json;  // differs only for a cancel (the auditor's own setl_id)
    std::string psn_no;
    std::string treating;
    int settled_index = -1;  // the settled claim a cancel, reversal or retry refers to
    bool retry = false;
  };

  void inject_broker_faults(bool down) {
    rd_kafka_mock_cluster_s* mock = set_.broker() ? set_.broker()->mock() : nullptr;
    if (mock == nullptr) return;
    if (down) {
      rd_kafka_mock_broker_set_down(mock, 2);
      rd_kafka_mock_push_request_errors(mock, 0 /* Produce */, 3,
                                        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS);
    } else {
      rd_kafka_mock_broker_set_up(mock, 2);
    }
  }

  int64_t between(int64_t low, int64_t high) {
    return low + static_cast<int64_t>(random_() % static_cast<uint64_t>(high - low + 1));
  }

  const std::string& weighted_region() {
    int64_t pick = between(0, population_total_ - 1);
    for (size_t i = 0; i < nation_.regions.size(); ++i) {
      pick -= nation_.population[i];
      if (pick < 0) return nation_.regions[i];
    }
    return nation_.regions.back();
  }

  std::string next_msgid(const std::string& hospital, int32_t* second_of_day) {
    const uint64_t n = msgid_serial_[hospital]++;
    const uint64_t second = n / 10000 % 86400;
    *second_of_day = static_cast<int32_t>(second);
    char text[48];
    std::snprintf(text, sizeof text, "%s%s%02u%02u%02u%04u", hospital.c_str(),
                  date_.to_string().substr(0, 4).append(date_.to_string().substr(5, 2))
                      .append(date_.to_string().substr(8, 2)).c_str(),
                  static_cast<unsigned>(second / 3600), static_cast<unsigned>(second / 60 % 60),
                  static_cast<unsigned>(second % 60), static_cast<unsigned>(n % 10000));
    return text;
  }

  cl::Envelope envelope(cl::Transaction infno, const Hospital& hospital, const std::string& insured_pool) {
    cl::Envelope e;
    e.infno = infno;
    int32_t second = 0;
    e.msgid = next_msgid(hospital.code, &second);
    e.mdtrtarea_admvs = hospital.admdvs;
    e.insuplc_admdvs = insured_pool;
    e.fixmedins_code = hospital.code;
    e.fixmedins_name = "Hospital " + hospital.code;
    e.inf_time = {date_, second};
    return e;
  }

  const Hospital& hospital_in(const std::string& region) {
    const std::vector<Hospital>& list = nation_.hospitals.at(region);
    if (random_() % 25 == 0) return list.back();  // the tier-1 hospital off the network
    return list[random_() % (list.size() - 1)];
  }

  // A new claim: an insured person by population, treated where their filing says (mostly),
  // else elsewhere — often at a referral centre.
  Item new_claim(const std::set<std::string>& busy) {
    const cl::Person* person = nullptr;
    for (int attempt = 0; attempt < 20 && person == nullptr; ++attempt) {
      const std::string& region = weighted_region();
      const auto& people = nation_.persons.at(region);
      const cl::Person* candidate = nation_.reference.person(people[random_() % people.size()]);
      // Most people treated away from home have filed; some have not.
      if (candidate->filings.empty() && random_() % 5 != 0) continue;
      if (!busy.contains(candidate->psn_no)) person = candidate;
    }
    if (person == nullptr) return {};
    const std::string insured = lg::region_of(person->insuplc_admdvs);
    std::string treating;
    if (!person->filings.empty() && random_() % 10 < 8) treating = lg::region_of(person->filings[0].area);
    while (treating.empty() || treating == insured) {
      treating = random_() % 3 == 0 && insured != "110000" ? "110000" : nation_.regions[random_() % nation_.regions.size()];
      if (std::find(nation_.regions.begin(), nation_.regions.end(), treating) == nation_.regions.end()) {
        treating.clear();
      }
    }
    const Hospital& hospital = hospital_in(treating);
    const bool inpatient = random_() % 10 < 3;
    cl::Request request;
    request.envelope = envelope(inpatient ? cl::Transaction::kInpatientSettle
                                          : cl::Transaction::kOutpatientSettle,
                                hospital, person->insuplc_admdvs);
    cl::SettlementInput in;
    in.psn_no = person->psn_no;
    in.mdtrt_cert_type = "02";
    in.mdtrt_cert_no = "C" + person->psn_no;
    in.med_type = inpatient ? "21" : "11";
    in.psn_setlway = "01";
    in.mdtrt_id = "MD" + request.envelope.msgid.substr(12);
    in.chrg_bchno = "CB" + request.envelope.msgid.substr(12);
    in.insutype = person->insutype;
    in.acct_used_flag = person->insutype == "310" && random_() % 2 == 0;
    if (inpatient) in.mid_setl_flag = "0";
    in.psn_cert_type = "01";
    in.certno = "C" + person->psn_no;
    in.psn_type = person->psn_type;
    in.psn_name = "Simulated";
    const int lines = static_cast<int>(between(1, inpatient ? 8 : 4));
    for (int l = 0; l < lines; ++l) {
      cl::FeeLine line;
      line.feedetl_sn = std::to_string(l + 1);
      line.fee_ocur_time = request.envelope.inf_time;
      line.med_list_codg = nation_.item_codes[random_() % nation_.item_codes.size()];
      const int64_t price_fen = inpatient ? between(2'000, 300'000) : between(500, 20'000);
      const int64_t count = between(1, 5);
      line.pric = cl::Price{price_fen * 10'000};
      line.cnt = cl::Quantity{count * 10'000};
      line.amount = cl::Money::from_fen(price_fen * count);
      in.medfee_sumamt = in.medfee_sumamt + line.amount;
      in.lines.push_back(line);
    }
    // A share of bad requests of every kind, each refused with its own err_code.
    if (random_() % 100 < 3) {
      switch (random_() % 4) {
        case 0: request.envelope.msgid = "BAD" + request.envelope.msgid.substr(0, 20); break;
        case 1: in.medfee_sumamt = in.medfee_sumamt + cl::Money::from_fen(1); break;
        case 2: in.psn_no = person->psn_no.substr(0, 2) + "999999999999999999"; break;
        default: in.med_type = "99"; break;
      }
    }
    request.input = std::move(in);
    Item item;
    item.node_json = item.oracle_json = adapters::build_nhsa_request(request);
    item.psn_no = person->psn_no;
    item.treating = treating;
    return item;
  }

  // A cancel (or 2601 reversal) of an earlier settled claim, or the same request again.
  std::optional<Item> follow_up(const std::set<std::string>& busy) {
    if (settled_.empty()) return std::nullopt;
    const int index = static_cast<int>(random_() % settled_.size());
    Settled& original = settled_[static_cast<size_t>(index)];
    const auto& claim = std::get<cl::SettlementInput>(original.request.input);
    if (original.compensated || busy.contains(claim.psn_no)) return std::nullopt;
    Item item;
    item.psn_no = claim.psn_no;
    item.treating = lg::region_of(original.request.envelope.mdtrtarea_admvs);
    item.settled_index = index;
    const uint64_t roll = random_() % 10;
    if (roll < 4 || (options_.faults && roll < 6)) {  // a retry: the same bytes again
      item.node_json = item.oracle_json = original.json;
      item.retry = true;
      return item;
    }
    const Hospital hospital{original.request.envelope.fixmedins_code,
                            original.request.envelope.mdtrtarea_admvs, item.treating, 3, true};
    cl::Request request;
    if (roll < 8) {
      const bool inpatient = original.request.envelope.infno == cl::Transaction::kInpatientSettle;
      request.envelope = envelope(inpatient ? cl::Transaction::kInpatientCancel
                                            : cl::Transaction::kOutpatientCancel,
                                  hospital, original.request.envelope.insuplc_admdvs);
      request.input = cl::CancelInput{original.node_setl_id, claim.mdtrt_id, claim.psn_no};
      item.node_json = adapters::build_nhsa_request(request);
      request.input = cl::CancelInput{original.oracle_setl_id, claim.mdtrt_id, claim.psn_no};
      item.oracle_json = adapters::build_nhsa_request(request);
    } else {
      request.envelope = envelope(cl::Transaction::kReversal, hospital,
                                  original.request.envelope.insuplc_admdvs);
      request.input = cl::ReversalInput{claim.psn_no, original.request.envelope.msgid,
                                        std::string(cl::to_string(original.request.envelope.infno))};
      item.node_json = item.oracle_json = adapters::build_nhsa_request(request);
    }
    return item;
  }

  void wave(int size, const std::string& restart = {}) {
    std::set<std::string> busy;
    std::vector<Item> items;
    while (static_cast<int>(items.size()) < size) {
      std::optional<Item> item;
      if (random_() % 100 < 6) item = follow_up(busy);
      if (!item) item = new_claim(busy);
      if (item->psn_no.empty()) break;
      busy.insert(item->psn_no);
      items.push_back(std::move(*item));
    }
    struct Pending {
      size_t item;
      std::optional<cl::Request> node_request;
      cl::Decision expected;
      std::future<gw::NodeAnswer> answer;
    };
    std::vector<Pending> pending;
    std::vector<size_t> deferred;
    for (size_t i = 0; i < items.size(); ++i) {
      const Item& item = items[i];
      ++submitted_;
      const adapters::NhsaParse node_parse =
          adapters::parse_nhsa_request(item.node_json, nation_.reference.codes);
      const adapters::NhsaParse oracle_parse =
          adapters::parse_nhsa_request(item.oracle_json, nation_.reference.codes);
      if (!node_parse.request || !oracle_parse.request) {  // refused by the adapter, as a gateway would
        ++refused_[std::string(cl::name(node_parse.rejection.reason))];
        if (node_parse.request.has_value() != oracle_parse.request.has_value()) ++mismatches_;
        continue;
      }
      Pending p{i, node_parse.request, oracle_.decide(*oracle_parse.request, oracle_state_), {}};
      if (p.expected.append) {
        oracle_state_.apply(p.expected.result);
        oracle_records_.push_back(p.expected.result);
      }
      if (!restart.empty() && item.treating == restart) {
        deferred.push_back(pending.size());  // its own hospitals wait until it is back
      } else {
        p.answer = set_.node(item.treating)->submit(*node_parse.request);
      }
      pending.push_back(std::move(p));
    }
    if (!restart.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // claims to it in flight
      if (Status restarted = set_.restart_node(restart); !restarted.is_ok()) {
        ++mismatches_;
        mismatch_lines_.push_back(restarted.message());
        return;
      }
      restarted_.push_back(restart);
      for (const size_t index : deferred) {
        pending[index].answer = set_.node(restart)->submit(*pending[index].node_request);
      }
    }
    for (Pending& p : pending) {
      const gw::NodeAnswer answer = p.answer.get();
      const Item& item = items[p.item];
      const bool accepted = !answer.pending && answer.rejection.reason == cl::Reject::kOk;
      const std::string err_code =
          answer.pending ? "pending" : std::string(cl::name(answer.rejection.reason));
      bool same = accepted == p.expected.accepted() &&
                  err_code == std::string(cl::name(p.expected.rejection.reason));
      if (same && accepted) {
        same = answer.record && amounts_of(answer.record->amounts) == amounts_of(p.expected.result.amounts) &&
               answer.record->kind == p.expected.result.kind;
      }
      if (!same) {
        ++mismatches_;
        if (mismatch_lines_.size() < 5) {
          mismatch_lines_.push_back("msgid " + p.node_request->envelope.msgid + ": node " + err_code +
                                    " auditor " + std::string(cl::name(p.expected.rejection.reason)));
        }
      }
      if (!accepted) {
        ++refused_[err_code];
        continue;
      }
      const cl::SettlementRecord& record = *answer.record;
      const bool replayed = p.expected.replayed;
      if (replayed) continue;
      ++settled_count_;
      const cl::SettlementAmounts& a = record.amounts;
      const std::pair<const char*, cl::Money> funds[] = {
          {"medfee_sumamt", a.medfee_sumamt}, {"fund_pay_sumamt", a.fund_pay_sumamt},
          {"hifp_pay", a.hifp_pay}, {"cvlserv_pay", a.cvlserv_pay}, {"hifes_pay", a.hifes_pay},
          {"hifmi_pay", a.hifmi_pay}, {"hifob_pay", a.hifob_pay}, {"maf_pay", a.maf_pay},
          {"oth_pay", a.oth_pay}, {"acct_pay", a.acct_pay}, {"psn_cash_pay", a.psn_cash_pay},
          {"hosp_part_amt", a.hosp_part_amt}};
      for (const auto& [field, amount] : funds) amounts_[field] = amounts_[field] + amount;
      if (record.kind == cl::RecordKind::kSettlement && !record.setl_id.empty()) {
        settled_.push_back({item.node_json, *p.node_request, record.setl_id,
                            p.expected.result.setl_id, false});
      } else if (item.settled_index >= 0) {
        settled_[static_cast<size_t>(item.settled_index)].compensated = true;
      }
    }
  }

  const RunOptions& options_;
  Nation& nation_;
  gw::RegionSet& set_;
  std::mt19937_64 random_;
  int64_t population_total_ = 0;
  cl::Date date_ = cl::Date::from_days(0);
  std::map<std::string, uint64_t> msgid_serial_;
  cl::Engine oracle_;
  cl::MemoryState oracle_state_;
  std::vector<Settled> settled_;
};

}  // namespace

int run_simulation(const RunOptions& options) {
  const auto started = Clock::now();
  std::cerr << "medclear demo: seed " << options.seed << ", " << options.regions.size()
            << " regions, " << options.days << " days × " << options.claims_per_day
            << " claims" << (options.faults ? ", faults on" : "") << "\n";
  Nation nation = make_nation({options.regions, options.persons, options.seed});
  const fs::path out = options.out_dir;
  fs::remove_all(out / "ledgers");
  fs::create_directories(out);
  gw::RegionSetOptions set_options;
  set_options.regions = nation.regions;
  set_options.ledgers_dir = (out / "ledgers").string();
  set_options.partitions = 2;
  set_options.node.resend_after_ms = 2000;
  // Injected broker faults make librdkafka log every reconnect; the summary says what matters.
  set_options.kafka.properties["log_level"] = "2";
  Result<std::unique_ptr<gw::RegionSet>> set = gw::RegionSet::start(set_options, nation.reference);
  if (!set.is_ok()) {
    std::cerr << "medclear demo: " << set.status().message() << "\n";
    return 1;
  }
  Simulation simulation(options, nation, **set);
  for (int day = 0; day < options.days; ++day) simulation.day(day);
  const double seconds = std::chrono::duration<double>(Clock::now() - simulation.started_).count();
  (*set)->stop();
  set->reset();  // closes every ledger, so they can be sealed and verified from their files
  if (options.progress) std::cerr << "\n";

  // Seal and verify every ledger; read its balances for reconciliation and clearing.
  Report report;
  report.seed = options.seed;
  report.period = "2026-03";
  report.regions = nation.regions;
  report.claims_submitted = simulation.submitted_;
  report.claims_settled = simulation.settled_count_;
  report.claims_refused = simulation.refused_;
  report.amounts = simulation.amounts_;
  report.throughput_claims_per_s = static_cast<double>(simulation.submitted_) / std::max(seconds, 0.001);
  report.auditor_mismatches = simulation.mismatches_;
  report.mismatch_lines = simulation.mismatch_lines_;
  report.node_restarts = simulation.restarted_;
  const int32_t first_day = cl::Date::from_ymd(2026, 3, 1)->days();
  const cl::Date last_day = cl::Date::from_days(first_day + options.days - 1);
  std::map<std::string, lg::LedgerDirectory> ledgers;
  for (const std::string& region : nation.regions) {
    Result<lg::LedgerDirectory> directory =
        lg::open_directory((out / "ledgers" / region).string(), {}, false);
    if (!directory.is_ok()) {
      report.ledger_problems.push_back(region + ": " + directory.status().message());
      continue;
    }
    ledgers.emplace(region, std::move(*directory));
  }
  // Divergences (--faults): settlements booked on a treating side only, as a lost message or a
  // hand-made entry would leave them; the nightly reconciliation must find exactly these.
  std::set<std::string> injected_ids;
  if (options.faults) {
    std::mt19937_64 random(options.seed ^ 0xd1ff);
    for (int pair = 0; pair < 2 && !ledgers.empty(); ++pair) {
      auto it = std::next(ledgers.begin(), static_cast<long>(random() % ledgers.size()));
      lg::Ledger& ledger = *it->second.ledger;
      if (ledger.last_seq() == 0) continue;
      for (int n = 0; n < 12 && injected_ids.size() < 3u * static_cast<size_t>(pair + 1); ++n) {
        Result<lg::DecodedEntry> sample = ledger.entry(1 + random() % ledger.last_seq());
        // Of the last day: an entry for an earlier day appended after later ones makes the
        // seal and the verifier disagree today (noted for the ledger).
        if (!sample.is_ok() || sample->entry.side != lg::Side::kTreating ||
            sample->entry.record.kind != cl::RecordKind::kSettlement || sample->entry.day != last_day) {
          continue;
        }
        cl::SettlementRecord record = sample->entry.record;
        record.setl_id = record.setl_id.substr(0, 14) + "9" + record.setl_id.substr(15);
        record.msgid = record.msgid.substr(0, 26) + std::to_string(9000 + n);
        if (ledger.seq_by_setl_id(record.setl_id) || ledger.seq_by_msgid(record.msgid)) continue;
        if (!ledger.stage(record, lg::Side::kTreating).is_ok()) continue;
        injected_ids.insert(record.setl_id);
      }
      if (Status committed = ledger.commit(); !committed.is_ok()) {
        report.ledger_problems.push_back(it->first + ": " + committed.message());
      }
    }
  }
  report.differences_injected = injected_ids.size();
  // Nightly reconciliation, claim by claim, every day and every pair with business: each
  // statement signed by both regions and kept in both ledgers, its differences resolved by
  // adjustment entries on the treating side that reference it.
  std::map<std::string, lg::Ledger*> open_ledgers;
  for (auto& [region, directory] : ledgers) open_ledgers[region] = directory.ledger.get();
  std::set<std::pair<std::string, std::string>> unbalanced_pairs;
  for (int d = 0; d < options.days; ++d) {
    const cl::Date day = cl::Date::from_days(first_day + d);
    Result<std::vector<gw::PairStatement>> statements = gw::reconcile_day(open_ledgers, day);
    if (!statements.is_ok()) {
      report.ledger_problems.push_back("reconcile " + day.to_string() + ": " + statements.status().message());
      continue;
    }
    for (const gw::PairStatement& statement : *statements) {
      ++report.statements;
      report.recon_bytes += statement.result.bytes_exchanged;
      report.recon_full_bytes += statement.result.bytes_full_transfer;
      for (const cl::ReconDifference& difference : statement.result.differences) {
        ++report.differences_found;
        if (!injected_ids.contains(difference.setl_id)) ++report.auditor_mismatches;
        unbalanced_pairs.insert({statement.insured, statement.treating});
      }
      size_t adjustments = 0;
      Result<std::string> recorded = gw::record_statement(
          ledgers.at(statement.insured), ledgers.at(statement.treating), statement, last_day, &adjustments);
      if (!recorded.is_ok()) {
        report.ledger_problems.push_back(statement.id() + ": " + recorded.status().message());
      }
      report.adjustments += adjustments;
    }
  }
  if (report.differences_found != report.differences_injected) ++report.auditor_mismatches;
  // Each injected settlement is taken back by exactly one adjustment.
  if (report.adjustments != report.differences_injected) ++report.auditor_mismatches;
  // Seal and verify every ledger; keep its balances for the totals.
  std::map<std::string, std::map<std::string, cl::Money>> balances;
  for (auto& [region, directory] : ledgers) {
    Result<lg::SigningKey> key = directory.seal_key();
    if (key.is_ok() && directory.ledger->last_seq() > 0) {
      Result<lg::Seal> seal = directory.ledger->seal_through(last_day, *key);
      if (!seal.is_ok()) report.ledger_problems.push_back(region + ": seal: " + seal.status().message());
    }
    const lg::VerifyReport verified = lg::verify_ledger(*directory.ledger, nullptr);
    if (!verified.ok) report.ledger_problems.push_back(region + ": " + verified.problem);
    report.ledger_entries += verified.entries;
    balances[region] = directory.ledger->balances();
  }
  // The monthly clearing over the reconciled ledgers, each region's prepayment sized by its
  // population (floor a third of it), statements into OUT/clearing.
  std::map<std::string, cl::Prepayment> prepayments;
  for (size_t i = 0; i < nation.regions.size(); ++i) {
    const int64_t fen = static_cast<int64_t>(nation.population[i]) * 40'000 * options.claims_per_day / 1000;
    prepayments[nation.regions[i]] = {cl::Money::from_fen(fen), cl::Money::from_fen(fen / 3)};
  }
  Result<gw::PeriodClearing> cleared = gw::clear_period(open_ledgers, report.period, prepayments, true);
  if (!cleared.is_ok()) {
    report.ledger_problems.push_back("clearing " + report.period + ": " + cleared.status().message());
  } else {
    if (Status written = gw::write_clearing_files(*cleared, (out / "clearing").string()); !written.is_ok()) {
      report.ledger_problems.push_back(written.message());
    }
    report.held_pairs = cleared->held.size();
    report.clearing_gross = cleared->result.gross;
    report.clearing_pay_in = cleared->result.total_pay_in;
    for (const cl::RegionPosition& p : cleared->result.positions) {
      report.positions[p.region] = p.net;
      if (p.below_floor()) report.clearing_flags.push_back(p.region + " below_floor");
      if (p.overdrawn()) report.clearing_flags.push_back(p.region + " prepayment_overdrawn");
    }
  }
  // The regulators' audit report over the same ledgers; it must agree with what the run saw.
  std::string audit_json, audit_html;
  Result<gw::AuditReport> audit =
      gw::build_audit_report(open_ledgers, cl::Date::from_days(first_day), last_day, &nation.reference);
  if (!audit.is_ok()) {
    report.ledger_problems.push_back("audit report: " + audit.status().message());
  } else {
    if (!audit->intact() || audit->statements != report.statements ||
        audit->adjustments != report.adjustments || audit->positions != report.positions) {
      ++report.auditor_mismatches;
      report.mismatch_lines.push_back("the audit report disagrees with the run (statements, adjustments, "
                                      "positions or integrity)");
    }
    report.anomalies = audit->anomalies.size();
    audit_json = gw::audit_json(*audit);
  }
  open_ledgers.clear();
  ledgers.clear();
  // What the ledgers must say, from the auditor's own records and the posting rules: every pair's
  // payable and receivable (the injected divergences taken back by their adjustments), and the
  // clearing's positions and no held pair.
  std::map<std::pair<std::string, std::string>, cl::Money> expected;  // (insured, treating)
  for (const cl::SettlementRecord& record : simulation.oracle_records_) {
    const std::string insured = lg::region_of(record.insuplc_admdvs);
    const std::string treating = lg::region_of(record.mdtrtarea_admvs);
    for (const lg::Leg& leg : lg::legs_for(record, lg::Side::kInsured)) {
      if (leg.account == "payable:" + treating) {
        expected[{insured, treating}] = expected[{insured, treating}] +
            (leg.direction == lg::Direction::kCredit ? leg.amount : -leg.amount);
      }
    }
  }
  auto balance = [&](const std::string& region, const std::string& account) {
    const auto& accounts = balances[region];
    const auto it = accounts.find(account);
    return it == accounts.end() ? cl::Money() : it->second;
  };
  std::map<std::string, cl::Money> expected_positions;
  for (const std::string& insured : nation.regions) {
    for (const std::string& treating : nation.regions) {
      if (insured == treating) continue;
      const cl::Money payable = -balance(insured, "payable:" + treating);
      const cl::Money receivable = balance(treating, "receivable:" + insured);
      const cl::Money want = expected[{insured, treating}];
      if (payable.is_zero() && receivable.is_zero() && want.is_zero()) continue;
      ++report.pairs;
      if (!unbalanced_pairs.contains({insured, treating})) ++report.pairs_balanced;
      if (payable != want || receivable != want) ++report.auditor_mismatches;
      report.flows[{insured, treating}] = receivable;
      expected_positions[treating] += want;
      expected_positions[insured] -= want;
    }
  }
  if (report.held_pairs != 0) ++report.auditor_mismatches;
  for (const auto& [region, net] : expected_positions) {
    const auto it = report.positions.find(region);
    if (it == report.positions.end() ? !net.is_zero() : it->second != net) ++report.auditor_mismatches;
  }
  report.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  if (audit.is_ok()) audit_html = gw::audit_html(*audit, demo_preface_html(report));
  if (Status written = write_reports(report, out.string(), audit_json, audit_html); !written.is_ok()) {
    std::cerr << "medclear demo: " << written.message() << "\n";
    return 1;
  }
  std::cout << summary_text(report, out.string());
  return report.auditor_mismatches == 0 && report.ledger_problems.empty() ? 0 : 1;
}

}  // namespace medclear::simulator
