// One run of the simulated nation, in phases: start the nation → run the days (the workload, its
// faults, the auditor deciding every request first) → open the ledgers → inject divergences →
// reconcile → seal and verify → clear → audit report → check the ledgers against the auditor's
// records → report. Each phase returns what the next needs and adds its findings to the Report;
// every auditor mismatch is recorded with its reason.
#include "simulator/run.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "adapters/json.h"
#include "adapters/kafka.h"
#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "adapters/topics.h"
#include "adapters/wire.h"
#include "clearing/check.h"
#include "clearing/engine.h"
#include "clearing/memory_state.h"
#include "clearing/reconcile.h"
#include "gateway/app/region_set.h"
#include "gateway/backoffice/audit_report.h"
#include "gateway/backoffice/clearing_house.h"
#include "gateway/recon/recon_statement.h"
#include "gateway/tls/pki.h"
#include "ledger/directory.h"
#include "ledger/entry.h"
#include "ledger/recon_items.h"
#include "ledger/verify.h"
#include "simulator/channel.h"
#include "simulator/external.h"
#include "simulator/nation.h"
#include "simulator/oracle/postings.h"
#include "simulator/report.h"

namespace medclear::simulator {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
namespace gw = medclear::gateway;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

cl::Date business_day(int index) {
  static const cl::Date kFirstBusinessDay = *cl::Date::from_ymd(2026, 3, 1);
  return cl::Date::from_days(kFirstBusinessDay.days() + index);
}

std::string clearing_period(int days) { return business_day(days - 1).to_string().substr(0, 7); }

namespace {

using Fields = std::vector<std::pair<std::string_view, cl::Money>>;

// The engine's setlinfo money fields under the interface's names, in the oracle's order
// (oracle::money_fields).
Fields engine_fields(const cl::SettlementAmounts& a) {
  return {{"medfee_sumamt", a.medfee_sumamt},
          {"fulamt_ownpay_amt", a.fulamt_ownpay_amt},
          {"overlmt_selfpay", a.overlmt_selfpay},
          {"preselfpay_amt", a.preselfpay_amt},
          {"inscp_scp_amt", a.inscp_scp_amt},
          {"act_pay_dedc", a.act_pay_dedc},
          {"hifp_pay", a.hifp_pay},
          {"cvlserv_pay", a.cvlserv_pay},
          {"hifes_pay", a.hifes_pay},
          {"hifmi_pay", a.hifmi_pay},
          {"hifob_pay", a.hifob_pay},
          {"maf_pay", a.maf_pay},
          {"hosp_part_amt", a.hosp_part_amt},
          {"oth_pay", a.oth_pay},
          {"fund_pay_sumamt", a.fund_pay_sumamt},
          {"psn_part_amt", a.psn_part_amt},
          {"acct_pay", a.acct_pay},
          {"psn_cash_pay", a.psn_cash_pay},
          {"balc", a.balc},
          {"acct_mulaid_pay", a.acct_mulaid_pay}};
}

oracle::YearToDate year_of(const cl::Accumulators& a) {
  return {a.inpatient_deductible_paid,
          a.outpatient_deductible_paid,
          a.pool_paid,
          a.layer_base,
          a.layer_paid,
          a.assistance_paid};
}

void differ(std::string_view field, const std::string& engine, const std::string& model,
            std::string& out) {
  if (engine != model) {
    out.append(field).append(" engine ").append(engine).append(" oracle ").append(model) += "; ";
  }
}

// "field engine E oracle O; " for each pair of equally placed values that differ.
void differ(std::string_view what, const Fields& engine, const Fields& model, std::string& out) {
  for (size_t i = 0; i < std::max(engine.size(), model.size()); ++i) {
    const bool both = i < engine.size() && i < model.size();
    const std::string field = std::string(what).append(both ? engine[i].first : "?");
    if (!both || engine[i].first != model[i].first) {
      out += std::string(what) + "fields out of step; ";
      return;
    }
    differ(field, engine[i].second.to_string(), model[i].second.to_string(), out);
  }
}

void differ(const std::vector<cl::FundPayment>& details, const std::vector<oracle::FundRow>& rows,
            std::string& out) {
  differ("setldetail rows", std::to_string(details.size()), std::to_string(rows.size()), out);
  for (size_t i = 0; i < std::min(details.size(), rows.size()); ++i) {
    const cl::FundPayment& d = details[i];
    const oracle::FundRow& row = rows[i];
    const std::string what = "setldetail[" + std::to_string(i) + "].";
    differ(what + "fund_pay_type", std::string(cl::fund_code(d.fund)), row.fund_pay_type, out);
    differ(what,
           {{"inscp_scp_amt", d.inscp_scp_amt},
            {"crt_payb_lmt_amt", d.crt_payb_lmt_amt},
            {"fund_payamt", d.fund_payamt}},
           {{"inscp_scp_amt", row.inscp_scp_amt},
            {"crt_payb_lmt_amt", row.crt_payb_lmt_amt},
            {"fund_payamt", row.fund_payamt}},
           out);
  }
}

// Refused by the adapter or the engine before the domain: the envelope's syntax, the msgid's form,
// a msgid reused with another payload, a region this deployment does not serve. The oracle models
// none of these (model.h), so such a request is not compared.
bool before_the_domain(cl::Reject reason) {
  constexpr cl::Reject kNotTheOracles[] = {cl::Reject::kMalformedMessage,
                                           cl::Reject::kUnknownTransaction,
                                           cl::Reject::kInvalidMsgid,
                                           cl::Reject::kMissingField,
                                           cl::Reject::kInvalidAmount,
                                           cl::Reject::kUnknownCode,
                                           cl::Reject::kMsgidReusedWithDifferentPayload,
                                           cl::Reject::kRegionNotServed};
  return std::find(std::begin(kNotTheOracles), std::end(kNotTheOracles), reason) !=
         std::end(kNotTheOracles);
}

// A claim that books a settlement (not a pre-settlement), or a cancel or reversal.
bool books(const cl::Request& request) {
  const cl::Transaction infno = request.envelope.infno;
  return !std::holds_alternative<cl::SettlementInput>(request.input) ||
         infno == cl::Transaction::kOutpatientSettle || infno == cl::Transaction::kInpatientSettle;
}

oracle::Expected refused(std::string refusal) {
  oracle::Expected expected;
  expected.refusal = std::move(refusal);
  return expected;
}

std::string verdict(const std::string& refusal) { return refusal.empty() ? "accepted" : refusal; }

}  // namespace

std::string oracle_differences(const cl::Decision& engine, const oracle::Expected& oracle) {
  std::string out;
  const std::string engine_refusal =
      engine.accepted() ? "" : std::string(cl::name(engine.rejection.reason));
  differ("verdict", verdict(engine_refusal), verdict(oracle.refusal), out);
  if (!out.empty() || !engine.accepted()) return out;
  const cl::SettlementRecord& record = engine.result;
  differ("insuplc_admdvs", record.insuplc_admdvs, oracle.insuplc_admdvs, out);
  differ("mdtrtarea_admvs", record.mdtrtarea_admvs, oracle.mdtrtarea_admvs, out);
  differ("fixmedins_code", record.fixmedins_code, oracle.fixmedins_code, out);
  differ("year", std::to_string(record.year), std::to_string(oracle.year), out);
  differ("", engine_fields(record.amounts), oracle::money_fields(oracle), out);
  differ("pool_prop_selfpay", record.amounts.pool_prop_selfpay.to_string(),
         oracle.pool_prop_selfpay.to_string(), out);
  differ(record.amounts.details, oracle.setldetail, out);
  differ("delta.", oracle::year_fields(year_of(record.delta.year)),
         oracle::year_fields(oracle.moved), out);
  differ("delta.", {{"account_used", record.delta.account_used}},
         {{"account_used", oracle.account_moved}}, out);
  return out;
}

Auditor::Auditor(const cl::ReferenceData& reference, oracle::Reference lists,
                 Mismatches& mismatches)
    : engine_(reference), oracle_(std::move(lists)), mismatches_(mismatches) {}

cl::Decision Auditor::decide(const cl::Request& request) {
  cl::Decision decision = engine_.decide(request, state_);
  if (decision.append) {
    state_.apply(decision.result);
    records_.push_back(decision.result);
  }
  if (!decision.accepted() && before_the_domain(decision.rejection.reason)) {
    ++not_the_oracles_;
    return decision;
  }
  const OracleAnswer answer = ask_oracle(request);
  std::string differs = oracle_differences(decision, answer.expected);
  if (decision.replayed != answer.replayed) {
    differ("retry", decision.replayed ? "replayed" : "decided",
           answer.replayed ? "replayed" : "decided", differs);
  }
  if (!differs.empty()) {
    mismatches_.record("oracle on " + request.envelope.msgid + " (" +
                       std::string(cl::to_string(request.envelope.infno)) + "): " + differs);
  }
  remember(request, decision, answer);
  return decision;
}

// The oracle's answer: the one it gave before to the same msgid (a retry), else its decision.
Auditor::OracleAnswer Auditor::ask_oracle(const cl::Request& request) {
  if (const auto it = answered_.find(request.envelope.msgid); it != answered_.end()) {
    return {it->second, true, {}};
  }
  if (std::holds_alternative<cl::SettlementInput>(request.input)) {
    return {oracle_.settle(request), false, {}};
  }
  return compensate(request);
}

// A cancel names the settlement by setl_id, which only the engine gives, so the auditor maps it
// to the msgid the oracle booked it under; a 2601 reversal names a msgid: a settlement's (the
// oracle cancels it) or a cancel's (the oracle reinstates its settlement). Which infno, person and
// facility it names is the engine's check alone.
Auditor::OracleAnswer Auditor::compensate(const cl::Request& request) {
  std::string settlement_msgid;
  if (const auto* cancel = std::get_if<cl::CancelInput>(&request.input)) {
    const auto it = settlement_msgid_.find(cancel->setl_id);
    if (it == settlement_msgid_.end()) return {refused("unknown_settlement"), false, {}};
    settlement_msgid = it->second;
  } else {
    const std::string& omsgid = std::get<cl::ReversalInput>(request.input).omsgid;
    if (const auto it = compensated_msgid_.find(omsgid); it != compensated_msgid_.end()) {
      return {oracle_.reinstate(it->second), false, {}};
    }
    settlement_msgid = omsgid;
  }
  return {oracle_.cancel(settlement_msgid), false, settlement_msgid};
}

// Keeps what a later retry, cancel or reversal needs, and the oracle's answer for the ledgers.
void Auditor::remember(const cl::Request& request, const cl::Decision& decision,
                       const OracleAnswer& answer) {
  if (answer.replayed || !answer.expected.accepted() || !books(request)) return;
  const std::string& msgid = request.envelope.msgid;
  answered_.emplace(msgid, answer.expected);
  answers_.push_back(answer.expected);
  if (!answer.cancels.empty()) compensated_msgid_.emplace(msgid, answer.cancels);
  if (std::holds_alternative<cl::SettlementInput>(request.input) && decision.append &&
      !decision.result.setl_id.empty()) {
    settlement_msgid_.emplace(decision.result.setl_id, msgid);
  }
}

namespace {

// A draw that happens `in` times out of `of`: random() % of < in.
struct Odds {
  uint64_t in = 0;
  uint64_t of = 1;
};

struct FenRange {
  int64_t low = 0;
  int64_t high = 0;
};

// The workload's shares. Each is drawn as written here, in the order the code draws it: a seed
// replays the same claims only while both stay as they are.
struct WorkloadMix {
  Odds follow_up{6, 100};           // a request is a retry, cancel or reversal of a settled claim
  Odds unfiled_treated_away{1, 5};  // a person without a filing is treated away from home anyway
  Odds treated_where_filed{8, 10};  // a person with a filing is treated where it says
  Odds to_referral_centre{1, 3};    // otherwise: at the referral centre, else anywhere
  std::string_view referral_centre = "110000";
  Odds off_network_hospital{1, 25};  // the region's tier-1 hospital off the network
  Odds inpatient{3, 10};
  std::string_view account_insutype = "310";  // employees, who have a personal account
  Odds account_used{1, 2};                    // an employee pays from their account
  int64_t outpatient_lines_max = 4;
  int64_t inpatient_lines_max = 8;
  FenRange outpatient_price_fen{500, 20'000};
  FenRange inpatient_price_fen{2'000, 300'000};
  int64_t line_count_max = 5;
  Odds bad_request{3, 100};  // one of four kinds, each refused with its own err_code
  // A follow-up draws one roll of ten: below the retry bound a retry (the same bytes again),
  // below the cancel bound a cancel, else a 2601 reversal.
  uint64_t follow_up_roll_of = 10;
  uint64_t retry_below = 4;
  uint64_t retry_below_with_faults = 6;
  uint64_t cancel_below = 8;
};
constexpr WorkloadMix kMix{};

// Faults (--faults), placed by day and by request count.
constexpr int32_t kOutageBrokerId = 2;
constexpr auto kOutage = std::chrono::milliseconds(1500);
constexpr size_t kHeldForRestartMax = 200;  // requests waiting for the restarting node
constexpr auto kRestartPause = std::chrono::milliseconds(200);
constexpr size_t kRedeliveredMax = 200;
constexpr int kRedeliverFlushMs = 10'000;
constexpr auto kRedeliveredDecided = std::chrono::seconds(30);

// The amounts a hospital reads in an answer, as one comparable string.
std::string amounts_of(const cl::SettlementAmounts& a) {
  std::string text;
  for (const cl::Money m :
       {a.medfee_sumamt, a.fulamt_ownpay_amt, a.overlmt_selfpay, a.preselfpay_amt, a.inscp_scp_amt,
        a.act_pay_dedc, a.hifp_pay, a.cvlserv_pay, a.hifes_pay, a.hifmi_pay, a.hifob_pay, a.maf_pay,
        a.hosp_part_amt, a.oth_pay, a.fund_pay_sumamt, a.psn_part_amt, a.acct_pay, a.psn_cash_pay,
        a.balc}) {
    text += m.to_string() + ' ';
  }
  return text;
}

struct Settled {
  std::string json;  // as the hospital sent it
  cl::Request request;
  std::string node_setl_id;  // from the node's answer (empty until it came)
  std::string oracle_setl_id;
  bool compensated = false;  // by the auditor's decisions
};

// One request on its way: what the auditor decided for it, and where its answer goes.
struct Item {
  std::string node_json;
  std::string oracle_json;  // differs only for a cancel (the auditor's own setl_id)
  std::string msgid;
  std::string psn_no;
  std::string hospital;
  std::string treating;
  int settled_index = -1;  // the settled claim a cancel, reversal or retry refers to
};

// What the days leave for the phases after them.
struct WorkloadResult {
  uint64_t submitted = 0;
  uint64_t settled = 0;  // settlements, cancels and reversals written (retries not counted)
  uint64_t redelivered = 0;
  uint64_t hospital_resends = 0;
  std::map<std::string, uint64_t> refused;    // err_code → count
  std::map<std::string, cl::Money> amounts;   // fund field → Σ over answers
  std::vector<cl::SettlementRecord> records;  // the auditor's engine's, in the order decided
  std::vector<oracle::Expected> answers;      // the oracle's: what the ledgers must hold
  Mismatches mismatches;
  std::vector<std::string> restarted;  // regions whose node was restarted (faults)
  std::vector<double> day_seconds;
  std::vector<uint64_t> day_requests;
};

class Simulation {
 public:
  // `set`: the nation's nodes in this process; null for a nation of processes (no faults).
  Simulation(const RunOptions& options, Nation& nation, gw::RegionSet* set, Channel& channel)
      : options_(options),
        nation_(nation),
        set_(set),
        channel_(channel),
        random_(options.seed ^ 0x5eed),
        auditor_(nation.reference, nation.lists, result_.mismatches) {
    for (int32_t p : nation.population) population_total_ += p;
  }

  // One business day. The workload depends on the seed and the auditor's decisions only, never
  // on when answers come, so a seed replays the same claims; requests stream with up to
  // `window` in flight, and a person's request is sent only after their previous one was
  // answered, so each insured region sees a person's claims in the order the auditor applied them.
  void day(int index) {
    date_ = business_day(index);
    const auto day_started = Clock::now();
    const uint64_t day_submitted = result_.submitted;
    std::thread outage = start_outage(index);
    // Faults: on the first day one region's node (and gateway) is stopped and started again
    // while claims insured there are in flight from the other regions.
    const int restart_at = options_.faults && index == 0 ? options_.claims_per_day / 4 : -1;
    for (int n = 0; n < options_.claims_per_day; ++n) next_request(index, n, restart_at);
    if (!restarting_.empty()) restart();
    drain();
    end_outage(outage);
    if (options_.progress) progress(index);
    result_.day_seconds.push_back(
        std::chrono::duration<double>(Clock::now() - day_started).count());
    result_.day_requests.push_back(result_.submitted - day_submitted);
    // Faults: on the last day, claims already settled are delivered again, newest first (a
    // producer retrying, a partition replayed); they must change nothing.
    if (options_.faults && index == options_.days - 1) redeliver();
  }

  // The run's findings; the simulation is done with them.
  WorkloadResult take_result() {
    result_.records = std::move(auditor_.records());
    result_.answers = std::move(auditor_.answers());
    return std::move(result_);
  }

 private:
  struct InFlight {
    Item item;
    cl::Decision expected;
    std::string expected_err_code;
    size_t settled_index = SIZE_MAX;  // the Settled this request created
    bool held = false;                // waiting for its region's node to come back
  };

  void next_request(int index, int n, int restart_at) {
    if (n == restart_at) restarting_ = nation_.regions[random_() % nation_.regions.size()];
    // Back after 200 of its requests waited, or after half the spacing of a person's requests
    // (a small region may not see 200): nobody has a second request while the first waits.
    if (!restarting_.empty() &&
        (held_.size() >= kHeldForRestartMax || n >= restart_at + static_cast<int>(kSpacing / 2) ||
         n == options_.claims_per_day - 1)) {
      restart();
    }
    std::optional<Item> item;
    if (happens(kMix.follow_up)) item = follow_up();
    if (!item) item = new_claim();
    if (!item) return;  // nobody left to treat today
    issue(std::move(*item));
    if (options_.progress && result_.submitted % 250 == 0) progress(index);
  }

  uint64_t refused_total() const {
    uint64_t n = 0;
    for (const auto& [code, count] : result_.refused) n += count;
    return n;
  }

  // Requests sent and not answered yet (held ones are not sent).
  size_t outstanding() const { return in_flight_.size() - held_.size(); }

  void progress(int index) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    std::fprintf(
        stderr,
        "\rday %d/%d  requests %lu  settled %lu  refused %lu  in flight %zu  %.0f requests/s   ",
        index + 1, options_.days, static_cast<unsigned long>(result_.submitted),
        static_cast<unsigned long>(result_.settled), static_cast<unsigned long>(refused_total()),
        in_flight_.size(), static_cast<double>(result_.submitted) / std::max(seconds, 0.001));
  }

  // Faults: on the second day a broker goes down at the start and comes back 1.5 s later, and
  // produce requests fail; the claims must still settle exactly once.
  std::thread start_outage(int index) {
    if (!options_.faults || set_ == nullptr) return {};
    adapters::EmbeddedBroker* broker = set_->broker();
    if (index != std::min(1, options_.days - 1) || broker == nullptr) {
      return {};
    }
    if (Status down = broker->set_broker_down(kOutageBrokerId); !down.is_ok()) {
      result_.mismatches.record("broker fault not injected: " + down.message());
    }
    using adapters::BrokerError;
    broker->push_request_errors(adapters::KafkaRequest::kProduce,
                                {BrokerError::kNotLeaderForPartition, BrokerError::kRequestTimedOut,
                                 BrokerError::kNotEnoughReplicas});
    return std::thread([this, broker] {
      std::this_thread::sleep_for(kOutage);
      broker_back_ = broker->set_broker_up(kOutageBrokerId);
    });
  }

  void end_outage(std::thread& outage) {
    if (!outage.joinable()) return;
    outage.join();
    if (!broker_back_.is_ok()) {
      result_.mismatches.record("broker not back after the outage: " + broker_back_.message());
    }
  }

  // The restarting region's hospitals have waited (held_); once none of its requests is in
  // flight, its node stops and starts again from its ledger and committed offsets, then they send.
  void restart() {
    const std::string region = std::move(restarting_);
    restarting_.clear();
    while (std::any_of(in_flight_.begin(), in_flight_.end(), [&](const auto& entry) {
      return entry.second.item.treating == region && !entry.second.held;
    })) {
      collect(true);
    }
    std::this_thread::sleep_for(kRestartPause);  // claims insured there pile up
    if (Status restarted = set_->restart_node(region); !restarted.is_ok()) {
      result_.mismatches.record("restart of the node of " + region + ": " + restarted.message());
    } else {
      result_.restarted.push_back(region);
    }
    std::vector<uint64_t> held;
    held.swap(held_);
    for (const uint64_t ticket : held) {
      in_flight_.at(ticket).held = false;
      send(ticket);
    }
  }

  bool happens(Odds odds) { return random_() % odds.of < odds.in; }

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
                  date_.to_string()
                      .substr(0, 4)
                      .append(date_.to_string().substr(5, 2))
                      .append(date_.to_string().substr(8, 2))
                      .c_str(),
                  static_cast<unsigned>(second / 3600), static_cast<unsigned>(second / 60 % 60),
                  static_cast<unsigned>(second % 60), static_cast<unsigned>(n % 10000));
    return text;
  }

  cl::Envelope envelope(cl::Transaction infno, const Hospital& hospital,
                        const std::string& insured_pool) {
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
    if (happens(kMix.off_network_hospital)) return list.back();  // the tier-1 off the network
    return list[random_() % (list.size() - 1)];
  }

  // A person may come back only after `kSpacing` other requests: requests of different people
  // travel in parallel, so this keeps the stream wide.
  static constexpr size_t kSpacing = 2000;
  bool recent(const std::string& psn_no) const { return recent_count_.contains(psn_no); }
  void remember(const std::string& psn_no) {
    recent_.push_back(psn_no);
    ++recent_count_[psn_no];
    if (recent_.size() > kSpacing) {
      auto it = recent_count_.find(recent_.front());
      if (--it->second == 0) recent_count_.erase(it);
      recent_.pop_front();
    }
  }

  // A new claim: an insured person by population, treated where their filing says (mostly),
  // else elsewhere — often at a referral centre.
  std::optional<Item> new_claim() {
    const cl::Person* person = choose_person();
    if (person == nullptr) return std::nullopt;
    const std::string treating = treating_region(*person);
    const Hospital& hospital = hospital_in(treating);
    const bool inpatient = happens(kMix.inpatient);
    cl::Request request;
    request.envelope =
        envelope(inpatient ? cl::Transaction::kInpatientSettle : cl::Transaction::kOutpatientSettle,
                 hospital, person->insuplc_admdvs);
    cl::SettlementInput in = settlement_input(*person, request.envelope, inpatient);
    if (happens(kMix.bad_request)) spoil(request.envelope, in, *person);
    request.input = std::move(in);
    Item item;
    item.node_json = item.oracle_json = adapters::build_nhsa_request(request);
    item.msgid = request.envelope.msgid;
    item.psn_no = person->psn_no;
    item.hospital = hospital.code;
    item.treating = treating;
    return item;
  }

  // An insured person by population, not seen in the last kSpacing requests; nullptr after 20
  // tries.
  const cl::Person* choose_person() {
    for (int attempt = 0; attempt < 20; ++attempt) {
      const std::string& region = weighted_region();
      const auto& people = nation_.persons.at(region);
      const cl::Person* candidate = nation_.reference.person(people[random_() % people.size()]);
      // Most people treated away from home have filed; some have not.
      if (candidate->filings.empty() && !happens(kMix.unfiled_treated_away)) continue;
      if (!recent(candidate->psn_no)) return candidate;
    }
    return nullptr;
  }

  // A region of the nation other than the person's insured one.
  std::string treating_region(const cl::Person& person) {
    const std::string insured = lg::region_of(person.insuplc_admdvs);
    std::string treating;
    if (!person.filings.empty() && happens(kMix.treated_where_filed)) {
      treating = lg::region_of(person.filings[0].area);
    }
    while (treating.empty() || treating == insured) {
      treating = happens(kMix.to_referral_centre) && insured != kMix.referral_centre
                     ? std::string(kMix.referral_centre)
                     : nation_.regions[random_() % nation_.regions.size()];
      if (std::find(nation_.regions.begin(), nation_.regions.end(), treating) ==
          nation_.regions.end()) {
        treating.clear();
      }
    }
    return treating;
  }

  cl::SettlementInput settlement_input(const cl::Person& person, const cl::Envelope& head,
                                       bool inpatient) {
    cl::SettlementInput in;
    in.psn_no = person.psn_no;
    in.mdtrt_cert_type = "02";
    in.mdtrt_cert_no = "C" + person.psn_no;
    in.med_type = inpatient ? "21" : "11";
    in.psn_setlway = "01";
    in.mdtrt_id = "MD" + head.msgid.substr(12);
    in.chrg_bchno = "CB" + head.msgid.substr(12);
    in.insutype = person.insutype;
    in.acct_used_flag = person.insutype == kMix.account_insutype && happens(kMix.account_used);
    if (inpatient) in.mid_setl_flag = "0";
    in.psn_cert_type = "01";
    in.certno = "C" + person.psn_no;
    in.psn_type = person.psn_type;
    in.psn_name = "Simulated";
    add_fee_lines(in, head.inf_time, inpatient);
    return in;
  }

  void add_fee_lines(cl::SettlementInput& in, const cl::DateTime& time, bool inpatient) {
    const int lines = static_cast<int>(
        between(1, inpatient ? kMix.inpatient_lines_max : kMix.outpatient_lines_max));
    const FenRange prices = inpatient ? kMix.inpatient_price_fen : kMix.outpatient_price_fen;
    for (int l = 0; l < lines; ++l) {
      cl::FeeLine line;
      line.feedetl_sn = std::to_string(l + 1);
      line.fee_ocur_time = time;
      line.med_list_codg = nation_.item_codes[random_() % nation_.item_codes.size()];
      const int64_t price_fen = between(prices.low, prices.high);
      const int64_t count = between(1, kMix.line_count_max);
      line.pric = cl::Price{price_fen * 10'000};
      line.cnt = cl::Quantity{count * 10'000};
      line.amount = cl::Money::from_fen(price_fen * count);
      in.medfee_sumamt = in.medfee_sumamt + line.amount;
      in.lines.push_back(line);
    }
  }

  // A bad request of one of four kinds, each refused with its own err_code.
  void spoil(cl::Envelope& head, cl::SettlementInput& in, const cl::Person& person) {
    switch (random_() % 4) {
      case 0:
        head.msgid = "BAD" + head.msgid.substr(0, 20);
        break;
      case 1:
        in.medfee_sumamt = in.medfee_sumamt + cl::Money::from_fen(1);
        break;
      case 2:
        in.psn_no = person.psn_no.substr(0, 2) + "999999999999999999";
        break;
      default:
        in.med_type = "99";
        break;
    }
  }

  // A cancel (or 2601 reversal) of an earlier settled claim, or the same request again.
  std::optional<Item> follow_up() {
    if (settled_.empty()) return std::nullopt;
    const int index = static_cast<int>(random_() % settled_.size());
    const Settled& original = settled_[static_cast<size_t>(index)];
    const auto& claim = std::get<cl::SettlementInput>(original.request.input);
    if (original.compensated || recent(claim.psn_no)) return std::nullopt;
    Item item;
    item.psn_no = claim.psn_no;
    item.hospital = original.request.envelope.fixmedins_code;
    item.treating = lg::region_of(original.request.envelope.mdtrtarea_admvs);
    item.settled_index = index;
    const uint64_t roll = random_() % kMix.follow_up_roll_of;
    if (roll < (options_.faults ? kMix.retry_below_with_faults : kMix.retry_below)) {
      item.node_json = item.oracle_json = original.json;  // a retry: the same bytes again
      item.msgid = original.request.envelope.msgid;
      return item;
    }
    if (roll < kMix.cancel_below) {
      cancel(original, item);
    } else {
      reverse(original, item);
    }
    return item;
  }

  // The hospital cancels by the setl_id its node answered; the auditor's copy names its own.
  void cancel(const Settled& original, Item& item) {
    const cl::Envelope& settled = original.request.envelope;
    const auto& claim = std::get<cl::SettlementInput>(original.request.input);
    const bool inpatient = settled.infno == cl::Transaction::kInpatientSettle;
    cl::Request request;
    request.envelope =
        envelope(inpatient ? cl::Transaction::kInpatientCancel : cl::Transaction::kOutpatientCancel,
                 {settled.fixmedins_code, settled.mdtrtarea_admvs, item.treating, 3, true},
                 settled.insuplc_admdvs);
    while (original.node_setl_id.empty() && outstanding() > 0) collect(true);  // that answer
    request.input = cl::CancelInput{original.node_setl_id, claim.mdtrt_id, claim.psn_no};
    item.node_json = adapters::build_nhsa_request(request);
    request.input = cl::CancelInput{original.oracle_setl_id, claim.mdtrt_id, claim.psn_no};
    item.oracle_json = adapters::build_nhsa_request(request);
    item.msgid = request.envelope.msgid;
  }

  void reverse(const Settled& original, Item& item) {
    const cl::Envelope& settled = original.request.envelope;
    const auto& claim = std::get<cl::SettlementInput>(original.request.input);
    cl::Request request;
    request.envelope =
        envelope(cl::Transaction::kReversal,
                 {settled.fixmedins_code, settled.mdtrtarea_admvs, item.treating, 3, true},
                 settled.insuplc_admdvs);
    request.input =
        cl::ReversalInput{claim.psn_no, settled.msgid, std::string(cl::to_string(settled.infno))};
    item.node_json = item.oracle_json = adapters::build_nhsa_request(request);
    item.msgid = request.envelope.msgid;
  }

  // The auditor decides the request first (in the order the workload was made), then it goes.
  void issue(Item item) {
    ++result_.submitted;
    remember(item.psn_no);
    const uint64_t ticket = next_ticket_++;
    InFlight& flight = in_flight_[ticket];
    expect(item, flight);
    flight.item = std::move(item);
    const std::string& psn_no = flight.item.psn_no;
    // Their previous request first.
    for (auto last = last_ticket_.find(psn_no); last != last_ticket_.end();) {
      const auto previous = in_flight_.find(last->second);
      if (previous == in_flight_.end()) break;
      MC_CHECK(!previous->second.held,
               "a person's second request while the first waits for a restart");
      collect(true);
    }
    last_ticket_[psn_no] = ticket;
    if (flight.item.treating == restarting_) {
      flight.held = true;
      held_.push_back(ticket);
    } else {
      send(ticket);
    }
    while (outstanding() >= options_.window) collect(true);
    collect(false);
  }

  // What the answer to `item` must be, from the auditor; a settlement it accepted may be followed
  // up later, and one compensated may not.
  void expect(const Item& item, InFlight& flight) {
    const adapters::NhsaParse parsed =
        adapters::parse_nhsa_request(item.oracle_json, nation_.reference.codes);
    if (!parsed.request) {
      flight.expected.rejection = parsed.rejection;
    } else {
      flight.expected = auditor_.decide(*parsed.request);
      const cl::SettlementRecord& result = flight.expected.result;
      if (flight.expected.accepted() && !flight.expected.replayed) {
        if (result.kind == cl::RecordKind::kSettlement && !result.setl_id.empty()) {
          flight.settled_index = settled_.size();
          settled_.push_back({item.node_json, *parsed.request, {}, result.setl_id, false});
        } else if (item.settled_index >= 0 && !result.compensates.empty()) {
          settled_[static_cast<size_t>(item.settled_index)].compensated = true;
        }
      }
    }
    flight.expected_err_code = cl::name(flight.expected.rejection.reason);
  }

  void send(uint64_t ticket) {
    const Item& item = in_flight_.at(ticket).item;
    channel_.send({item.hospital, item.treating, item.node_json}, [this, ticket](Reply reply) {
      {
        std::lock_guard lock(done_mutex_);
        done_.emplace_back(ticket, std::move(reply));
      }
      done_ready_.notify_one();
    });
  }

  // Checks the answers that came; with `wait`, waits for at least one.
  void collect(bool wait) {
    std::vector<std::pair<uint64_t, Reply>> done;
    {
      std::unique_lock lock(done_mutex_);
      if (wait) done_ready_.wait(lock, [this] { return !done_.empty(); });
      done.swap(done_);
    }
    for (auto& [ticket, reply] : done) {
      auto it = in_flight_.find(ticket);
      check(it->second, reply);
      in_flight_.erase(it);
    }
  }

  void drain() {
    while (outstanding() > 0) collect(true);
  }

  void check(const InFlight& flight, const Reply& reply) {
    const cl::Decision& expected = flight.expected;
    const std::string err_code = reply.answered ? reply.err_code : "pending";
    const bool same_answer = reply.answered && reply.accepted == expected.accepted() &&
                             err_code == flight.expected_err_code;
    const bool same_amounts =
        !same_answer || !reply.accepted ||
        (reply.record && amounts_of(reply.record->amounts) == amounts_of(expected.result.amounts));
    if (!same_answer) {
      result_.mismatches.record("answer to " + flight.item.msgid + " of " + flight.item.hospital +
                                ": node " + err_code +
                                (reply.problem.empty() ? "" : " (" + reply.problem + ")") +
                                ", auditor " + flight.expected_err_code);
    } else if (!same_amounts) {
      result_.mismatches.record(
          "amounts of " + flight.item.msgid + ": node " +
          (reply.record ? amounts_of(reply.record->amounts) : std::string("none")) + ", auditor " +
          amounts_of(expected.result.amounts));
    }
    if (!reply.answered || !reply.accepted) {
      ++result_.refused[err_code];
      return;
    }
    if (expected.replayed) return;  // a retry: nothing new was written
    ++result_.settled;
    add_amounts(reply.record->amounts);
    if (flight.settled_index != SIZE_MAX)
      settled_[flight.settled_index].node_setl_id = reply.record->setl_id;
  }

  void add_amounts(const cl::SettlementAmounts& a) {
    const std::pair<const char*, cl::Money> funds[] = {{"medfee_sumamt", a.medfee_sumamt},
                                                       {"fund_pay_sumamt", a.fund_pay_sumamt},
                                                       {"hifp_pay", a.hifp_pay},
                                                       {"cvlserv_pay", a.cvlserv_pay},
                                                       {"hifes_pay", a.hifes_pay},
                                                       {"hifmi_pay", a.hifmi_pay},
                                                       {"hifob_pay", a.hifob_pay},
                                                       {"maf_pay", a.maf_pay},
                                                       {"oth_pay", a.oth_pay},
                                                       {"acct_pay", a.acct_pay},
                                                       {"psn_cash_pay", a.psn_cash_pay},
                                                       {"hosp_part_amt", a.hosp_part_amt}};
    for (const auto& [field, amount] : funds) {
      result_.amounts[field] = result_.amounts[field] + amount;
    }
  }

  // Produces settled claims again straight onto their insured regions' claims topics, newest
  // first, and waits until the insured nodes have decided them (each a replay of its answer).
  void redeliver() {
    if (set_ == nullptr || set_->broker() == nullptr || settled_.empty()) return;
    const uint64_t decided_before = claims_decided();
    if (!produce_again(std::min(kRedeliveredMax, settled_.size()))) return;
    const auto deadline = Clock::now() + kRedeliveredDecided;
    while (claims_decided() < decided_before + result_.redelivered) {
      if (Clock::now() > deadline) {
        result_.mismatches.record("redelivered: " + std::to_string(result_.redelivered) +
                                  " claims produced again, not all decided within 30 s");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // The newest `count` settled claims onto their claims topics; false when no producer started.
  bool produce_again(size_t count) {
    adapters::KafkaConfig config;
    config.bootstrap_servers = set_->bootstrap_servers();
    Result<std::unique_ptr<adapters::Producer>> producer = adapters::Producer::create(config);
    if (!producer.is_ok()) {
      result_.mismatches.record("redeliver: " + producer.status().message());
      return false;
    }
    for (size_t i = 0; i < count; ++i) {
      cl::Request request = settled_[settled_.size() - 1 - i].request;
      const auto& claim = std::get<cl::SettlementInput>(request.input);
      const Status produced = (*producer)->produce(
          adapters::claims_topic(lg::region_of(request.envelope.insuplc_admdvs)), claim.psn_no,
          adapters::encode_claim({request}));
      if (produced.is_ok()) ++result_.redelivered;
    }
    if (Status flushed = (*producer)->flush(kRedeliverFlushMs); !flushed.is_ok()) {
      result_.mismatches.record("redeliver: " + flushed.message());
    }
    return true;
  }

  uint64_t claims_decided() const {
    uint64_t decided = 0;
    for (const std::string& region : nation_.regions) {
      decided += set_->node(region)->counters().claims_decided;
    }
    return decided;
  }

  const RunOptions& options_;
  Nation& nation_;
  gw::RegionSet* set_;
  Channel& channel_;
  std::mt19937_64 random_;
  WorkloadResult result_;  // before auditor_, which records its mismatches here
  Auditor auditor_;
  Clock::time_point started_ = Clock::now();
  int64_t population_total_ = 0;
  cl::Date date_ = cl::Date::from_days(0);
  std::map<std::string, uint64_t> msgid_serial_;
  std::vector<Settled> settled_;
  std::deque<std::string> recent_;
  std::unordered_map<std::string, int> recent_count_;
  std::unordered_map<std::string, uint64_t> last_ticket_;  // psn_no → their latest request
  std::map<uint64_t, InFlight> in_flight_;
  uint64_t next_ticket_ = 1;
  std::string restarting_;             // the region whose node restarts (faults)
  std::vector<uint64_t> held_;         // its hospitals' requests, sent once it is back
  Status broker_back_ = Status::ok();  // set by the outage's thread, read after it joined
  std::mutex done_mutex_;
  std::condition_variable done_ready_;
  std::vector<std::pair<uint64_t, Reply>> done_;
};

// Phase 1: the nation running — a node and a ledger per region on the embedded broker, with
// their gateways over HTTPS — and the channel its hospitals send through.
struct RunningNation {
  std::unique_ptr<gw::RegionSet> set;
  std::unique_ptr<Channel> channel;
};

Result<gw::RegionSetOptions> region_set_options(const RunOptions& options, const Nation& nation,
                                                const fs::path& out) {
  gw::RegionSetOptions set_options;
  set_options.regions = nation.regions;
  set_options.ledgers_dir = (out / "ledgers").string();
  set_options.partitions = 2;
  set_options.node.resend_after_ms = 2000;
  // Injected broker faults make librdkafka log every reconnect; the summary says what matters.
  set_options.kafka.properties["log_level"] = "2";
  if (options.via != "https") return set_options;
  // Every region's gateway, and a certificate for every hospital.
  set_options.pki_dir = (out / "pki").string();
  std::vector<gw::DevHospital> hospitals;
  for (const auto& [region, list] : nation.hospitals) {
    for (const Hospital& h : list) hospitals.push_back({h.code, region, h.level});
  }
  if (Status written = gw::write_dev_pki(set_options.pki_dir, nation.regions, hospitals);
      !written.is_ok()) {
    return written;
  }
  set_options.gateway.threads = 1;
  return set_options;
}

// A nation of processes: its ledgers are the nation's (OUT/ledgers links to them), its hospitals
// send over HTTPS to the region processes with the nation's PKI.
Result<RunningNation> connect_to_nation(const ExternalNation& external, const fs::path& out) {
  std::error_code linked;
  fs::create_directory_symlink(fs::path(external.dir) / "ledgers", out / "ledgers", linked);
  if (linked)
    return Status::error("cannot link " + (out / "ledgers").string() + ": " + linked.message());
  HttpsChannelOptions https;
  https.ports = external.ports;
  https.pki_dir = external.dir + "/pki";
  return RunningNation{nullptr, https_channel(https)};
}

Result<RunningNation> start_nation(const RunOptions& options, const Nation& nation,
                                   const fs::path& out, const ExternalNation* external) {
  fs::remove_all(out / "ledgers");
  fs::create_directories(out);
  if (external != nullptr) return connect_to_nation(*external, out);
  Result<gw::RegionSetOptions> set_options = region_set_options(options, nation, out);
  if (!set_options.is_ok()) return set_options.status();
  Result<std::unique_ptr<gw::RegionSet>> set = gw::RegionSet::start(*set_options, nation.reference);
  if (!set.is_ok()) return set.status();
  RunningNation running{std::move(*set), nullptr};
  if (options.via == "https") {
    HttpsChannelOptions https;
    for (const std::string& region : nation.regions) {
      https.ports[region] = running.set->gateway(region)->port();
    }
    https.pki_dir = set_options->pki_dir;
    running.channel = https_channel(https);
  } else {
    running.channel = in_process_channel(*running.set, nation.reference.codes);
  }
  return running;
}

// Phase 2: the days of workload; then the nation stops, and its ledgers close.
WorkloadResult run_days(const RunOptions& options, Nation& nation, RunningNation running) {
  Simulation simulation(options, nation, running.set.get(), *running.channel);
  for (int day = 0; day < options.days; ++day) simulation.day(day);
  WorkloadResult result = simulation.take_result();
  result.hospital_resends = running.channel->resent();
  running.channel.reset();
  if (running.set) running.set->stop();
  running.set.reset();  // closes every ledger, so they can be sealed and verified from their files
  if (options.progress) std::cerr << "\n";
  return result;
}

// Throughput of the settlement phase; sustained: the days after the first (warm) one.
void add_throughput(const WorkloadResult& workload, Report& report) {
  double seconds = 0, later_seconds = 0;
  uint64_t later_requests = 0;
  for (size_t d = 0; d < workload.day_seconds.size(); ++d) {
    seconds += workload.day_seconds[d];
    if (d > 0) {
      later_seconds += workload.day_seconds[d];
      later_requests += workload.day_requests[d];
    }
  }
  report.throughput_claims_per_s =
      static_cast<double>(workload.submitted) / std::max(seconds, 0.001);
  report.sustained_claims_per_s =
      later_requests > 0 ? static_cast<double>(later_requests) / std::max(later_seconds, 0.001)
                         : report.throughput_claims_per_s;
  report.settlement_seconds = seconds;
}

// What the days found, into the report (the auditor's records stay in `workload`).
Report settlement_report(const RunOptions& options, const Nation& nation,
                         WorkloadResult& workload) {
  Report report;
  report.seed = options.seed;
  report.period = clearing_period(options.days);
  report.regions = nation.regions;
  report.claims_submitted = workload.submitted;
  report.claims_settled = workload.settled;
  report.claims_refused = workload.refused;
  report.amounts = workload.amounts;
  report.via = options.via == "https" ? "https" : "kafka";
  add_throughput(workload, report);
  report.redelivered = workload.redelivered;
  report.mismatches = std::move(workload.mismatches);
  report.node_restarts = workload.restarted;
  report.hospital_resends = workload.hospital_resends;
  return report;
}

// Phase 3: every region's ledger, opened from its files.
struct Ledgers {
  std::map<std::string, lg::LedgerDirectory> directories;
  std::map<std::string, lg::Ledger*> open;  // the same ledgers, as the back office takes them
};

Ledgers open_ledgers(const Nation& nation, const fs::path& root, Report& report) {
  Ledgers ledgers;
  for (const std::string& region : nation.regions) {
    Result<lg::LedgerDirectory> directory = lg::open_directory((root / region).string(), {}, false);
    if (!directory.is_ok()) {
      report.ledger_problems.push_back(region + ": " + directory.status().message());
      continue;
    }
    ledgers.directories.emplace(region, std::move(*directory));
  }
  for (auto& [region, directory] : ledgers.directories) {
    ledgers.open[region] = directory.ledger.get();
  }
  return ledgers;
}

// Stages, on the treating side only, a copy of `candidate`'s treating entry under a new setl_id
// and msgid (the n-th try). Returns its setl_id, or nothing when no copy was staged.
std::optional<std::string> stage_divergence(lg::Ledger& ledger,
                                            const cl::SettlementRecord& candidate, int n) {
  const std::optional<uint64_t> seq = ledger.seq_by_msgid(candidate.msgid);
  Result<lg::DecodedEntry> sample =
      seq ? ledger.entry(*seq) : Result<lg::DecodedEntry>(Status::error("absent"));
  if (!sample.is_ok() || sample->entry.side != lg::Side::kTreating) return std::nullopt;
  cl::SettlementRecord record = sample->entry.record;
  record.setl_id = record.setl_id.substr(0, 14) + "9" + record.setl_id.substr(15);
  record.msgid = record.msgid.substr(0, 26) + std::to_string(9000 + n);
  if (ledger.seq_by_setl_id(record.setl_id) || ledger.seq_by_msgid(record.msgid)) {
    return std::nullopt;
  }
  if (!ledger.stage(record, lg::Side::kTreating).is_ok()) return std::nullopt;
  return record.setl_id;
}

// Phase 4 (--faults): settlements booked on a treating side only, as a lost message or a
// hand-made entry would leave them; the nightly reconciliation must find exactly these. Chosen
// among the auditor's own records (so a seed injects the same ones): settlements treated in the
// chosen region on the last day. Returns their setl_ids.
std::set<std::string> inject_divergences(const RunOptions& options,
                                         const std::vector<cl::SettlementRecord>& records,
                                         Ledgers& ledgers, Report& report) {
  std::set<std::string> injected_ids;
  if (!options.faults) return injected_ids;
  const cl::Date last_day = business_day(options.days - 1);
  std::mt19937_64 random(options.seed ^ 0xd1ff);
  for (int pair = 0; pair < 2 && !ledgers.directories.empty(); ++pair) {
    auto it = std::next(ledgers.directories.begin(),
                        static_cast<long>(random() % ledgers.directories.size()));
    lg::Ledger& ledger = *it->second.ledger;
    std::vector<const cl::SettlementRecord*> candidates;
    for (const cl::SettlementRecord& record : records) {
      if (record.kind == cl::RecordKind::kSettlement && record.setl_time.date == last_day &&
          lg::region_of(record.mdtrtarea_admvs) == it->first) {
        candidates.push_back(&record);
      }
    }
    const size_t injected_max = 3u * static_cast<size_t>(pair + 1);
    for (int n = 0; n < 12 && !candidates.empty() && injected_ids.size() < injected_max; ++n) {
      const std::optional<std::string> setl_id =
          stage_divergence(ledger, *candidates[random() % candidates.size()], n);
      if (setl_id) injected_ids.insert(*setl_id);
    }
    if (Status committed = ledger.commit(); !committed.is_ok()) {
      report.ledger_problems.push_back(it->first + ": " + committed.message());
    }
  }
  report.differences_injected = injected_ids.size();
  return injected_ids;
}

using RegionPairs = std::set<std::pair<std::string, std::string>>;  // (insured, treating)

// One pair's statement of one day: its differences counted (each must be an injected one), the
// statement kept in both ledgers, its differences resolved by adjustments on the treating side.
void keep_statement(const gw::PairStatement& statement, const std::set<std::string>& injected_ids,
                    cl::Date last_day, Ledgers& ledgers, RegionPairs& unbalanced, Report& report) {
  ++report.statements;
  report.recon_bytes += statement.result.bytes_exchanged;
  report.recon_full_bytes += statement.result.bytes_full_transfer;
  for (const cl::ReconDifference& difference : statement.result.differences) {
    ++report.differences_found;
    if (!injected_ids.contains(difference.setl_id)) {
      report.mismatches.record("reconciliation " + statement.id() + ": a difference on setl_id " +
                               difference.setl_id + ", which was not injected");
    }
    unbalanced.insert({statement.insured, statement.treating});
  }
  size_t adjustments = 0;
  Result<std::string> recorded = gw::record_statement(ledgers.directories.at(statement.insured),
                                                      ledgers.directories.at(statement.treating),
                                                      statement, last_day, &adjustments);
  if (!recorded.is_ok()) {
    report.ledger_problems.push_back(statement.id() + ": " + recorded.status().message());
  }
  report.adjustments += adjustments;
}

// Phase 5: nightly reconciliation, claim by claim, every day and every pair with business. Returns
// the pairs that had a difference on some day.
RegionPairs reconcile_days(int days, const std::set<std::string>& injected_ids, Ledgers& ledgers,
                           Report& report) {
  RegionPairs unbalanced;
  for (int d = 0; d < days; ++d) {
    const cl::Date day = business_day(d);
    Result<std::vector<gw::PairStatement>> statements = gw::reconcile_day(ledgers.open, day);
    if (!statements.is_ok()) {
      report.ledger_problems.push_back("reconcile " + day.to_string() + ": " +
                                       statements.status().message());
      continue;
    }
    for (const gw::PairStatement& statement : *statements) {
      keep_statement(statement, injected_ids, business_day(days - 1), ledgers, unbalanced, report);
    }
  }
  if (report.differences_found != report.differences_injected) {
    report.mismatches.record("reconciliation found " + std::to_string(report.differences_found) +
                             " differences, " + std::to_string(report.differences_injected) +
                             " injected");
  }
  // Each injected settlement is taken back by exactly one adjustment.
  if (report.adjustments != report.differences_injected) {
    report.mismatches.record(std::to_string(report.adjustments) + " adjustments, expected " +
                             std::to_string(report.differences_injected) +
                             " (one per injected difference)");
  }
  return unbalanced;
}

// Phase 5 for a nation of processes: each region process reconciles every day with each peer
// over the node-to-node endpoint (POST /v1/recon) and both keep the doubly signed statement; then
// the region processes stop, so that the month can be sealed and cleared in their ledgers. No
// difference was injected, so any is a mismatch, and then no pair counts as balanced.
RegionPairs reconcile_in_nation(int days, const ExternalNation& external, Report& report) {
  std::vector<int32_t> day_numbers;
  for (int d = 0; d < days; ++d) day_numbers.push_back(business_day(d).days());
  const NodeReconciliation done = reconcile_through_nodes(external, day_numbers);
  report.statements = done.kept;
  report.differences_found = done.differences;
  for (const std::string& problem : done.problems) {
    report.ledger_problems.push_back("reconciliation: " + problem);
  }
  for (const std::string& problem : stop_region_processes(external)) {
    report.ledger_problems.push_back(problem);
  }
  RegionPairs unbalanced;
  if (done.differences == 0) return unbalanced;
  report.mismatches.record("reconciliation between the region processes found " +
                           std::to_string(done.differences) + " differences, none injected");
  for (const std::string& insured : external.simulated.regions) {
    for (const std::string& treating : external.simulated.regions) {
      if (insured != treating) unbalanced.insert({insured, treating});
    }
  }
  return unbalanced;
}

using Balances = std::map<std::string, std::map<std::string, cl::Money>>;  // region → account

// Phase 6: every ledger sealed through the last day and verified; returns their balances.
Balances seal_and_verify(cl::Date last_day, Ledgers& ledgers, Report& report) {
  Balances balances;
  for (auto& [region, directory] : ledgers.directories) {
    Result<lg::SigningKey> key = directory.seal_key();
    if (key.is_ok() && directory.ledger->last_seq() > 0) {
      Result<lg::Seal> seal = directory.ledger->seal_through(last_day, *key);
      if (!seal.is_ok())
        report.ledger_problems.push_back(region + ": seal: " + seal.status().message());
    }
    const lg::VerifyReport verified = lg::verify_ledger(*directory.ledger, nullptr);
    if (!verified.ok) report.ledger_problems.push_back(region + ": " + verified.problem);
    report.ledger_entries += verified.entries;
    Result<std::map<std::string, cl::Money>> held = directory.ledger->balances();
    if (!held.is_ok()) report.ledger_problems.push_back(region + ": " + held.status().message());
    if (held.is_ok()) balances[region] = std::move(*held);
  }
  return balances;
}

// Phase 7: the monthly clearing over the reconciled ledgers, each region's prepayment sized as a
// clearing house does (clearing::prepayments_by_outflow: two months of its average outflow over
// the days run, the floor one month), statements into OUT/clearing.
void clear_the_period(const RunOptions& options, const fs::path& out, Ledgers& ledgers,
                      Report& report) {
  Result<gw::PeriodClearing> trial = gw::clear_period(ledgers.open, report.period, {}, false);
  Result<std::map<std::string, cl::Prepayment>> prepayments =
      trial.is_ok() ? cl::prepayments_by_outflow(trial->totals, options.days, {})
                    : Result<std::map<std::string, cl::Prepayment>>(trial.status());
  if (!prepayments.is_ok()) {
    report.ledger_problems.push_back("clearing " + report.period + ": " +
                                     prepayments.status().message());
    return;
  }
  Result<gw::PeriodClearing> cleared =
      gw::clear_period(ledgers.open, report.period, *prepayments, true);
  if (!cleared.is_ok()) {
    report.ledger_problems.push_back("clearing " + report.period + ": " +
                                     cleared.status().message());
    return;
  }
  if (Status written = gw::write_clearing_files(*cleared, (out / "clearing").string());
      !written.is_ok()) {
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

// Phase 8: the regulators' audit report over the same ledgers; it must agree with what the run
// saw.
std::optional<gw::AuditReport> audit_the_run(int days, const Nation& nation, Ledgers& ledgers,
                                             Report& report) {
  Result<gw::AuditReport> audit = gw::build_audit_report(ledgers.open, business_day(0),
                                                         business_day(days - 1), &nation.reference);
  if (!audit.is_ok()) {
    report.ledger_problems.push_back("audit report: " + audit.status().message());
    return std::nullopt;
  }
  std::string differs;
  if (!audit->intact()) differs += "; integrity not intact";
  if (audit->statements != report.statements) {
    differs += "; statements " + std::to_string(audit->statements) + ", the run kept " +
               std::to_string(report.statements);
  }
  if (audit->adjustments != report.adjustments) {
    differs += "; adjustments " + std::to_string(audit->adjustments) + ", the run made " +
               std::to_string(report.adjustments);
  }
  if (audit->positions != report.positions) differs += "; positions differ from the clearing's";
  if (!differs.empty()) {
    report.mismatches.record("the audit report disagrees with the run: " + differs.substr(2));
  }
  report.anomalies = audit->anomalies.size();
  return std::move(*audit);
}

// The region ("PP0000") of a division: which ledger a side of the oracle's postings is in.
std::string region_of_division(const std::string& division) {
  return division.substr(0, 2) + "0000";
}

// What every region's accounts must hold by the oracle's own posting rules (oracle::postings,
// DOMAIN.md §5), not the ledger's: each answer the auditor kept posted on the insured side and on
// the treating side, summed per account as the ledgers' balances are (debits − credits). The
// injected divergences are taken back by their adjustments, so they are not here.
Balances expected_balances(const std::vector<oracle::Expected>& answers) {
  Balances expected;
  for (const oracle::Expected& answer : answers) {
    for (const oracle::Side side : {oracle::Side::kInsured, oracle::Side::kTreating}) {
      const std::string region = region_of_division(
          side == oracle::Side::kInsured ? answer.insuplc_admdvs : answer.mdtrtarea_admvs);
      std::map<std::string, cl::Money>& accounts = expected[region];
      for (const auto& [account, move] : oracle::balance_moves(oracle::postings(answer, side))) {
        accounts[account] += move;
      }
    }
  }
  return expected;
}

cl::Money balance_of(const Balances& balances, const std::string& region,
                     const std::string& account) {
  const auto accounts = balances.find(region);
  if (accounts == balances.end()) return cl::Money();
  const auto it = accounts->second.find(account);
  return it == accounts->second.end() ? cl::Money() : it->second;
}

// Phase 9: every pair's payable and receivable, the clearing's positions and no held pair, as the
// auditor's own records say they must be.
void check_against_auditor(const Nation& nation, const std::vector<oracle::Expected>& answers,
                           const Balances& balances, const RegionPairs& unbalanced,
                           Report& report) {
  const Balances expected = expected_balances(answers);
  std::map<std::string, cl::Money> expected_positions;
  for (const std::string& insured : nation.regions) {
    for (const std::string& treating : nation.regions) {
      if (insured == treating) continue;
      const cl::Money payable = -balance_of(balances, insured, "payable:" + treating);
      const cl::Money receivable = balance_of(balances, treating, "receivable:" + insured);
      const cl::Money want = -balance_of(expected, insured, "payable:" + treating);
      const cl::Money want_receivable = balance_of(expected, treating, "receivable:" + insured);
      if (payable.is_zero() && receivable.is_zero() && want.is_zero()) continue;
      ++report.pairs;
      if (!unbalanced.contains({insured, treating})) ++report.pairs_balanced;
      if (payable != want || receivable != want_receivable) {
        report.mismatches.record("pair " + insured + "→" + treating + ": payable " +
                                 payable.to_string() + ", receivable " + receivable.to_string() +
                                 ", auditor " + want.to_string() + " and " +
                                 want_receivable.to_string());
      }
      report.flows[{insured, treating}] = receivable;
      expected_positions[treating] += want;
      expected_positions[insured] -= want;
    }
  }
  if (report.held_pairs != 0) {
    report.mismatches.record("the clearing held " + std::to_string(report.held_pairs) +
                             " pairs, the auditor expects none");
  }
  for (const auto& [region, net] : expected_positions) {
    const auto it = report.positions.find(region);
    if (it == report.positions.end() ? !net.is_zero() : it->second != net) {
      report.mismatches.record(
          "position of " + region + ": clearing " +
          (it == report.positions.end() ? std::string("none") : it->second.to_string()) +
          ", auditor " + net.to_string());
    }
  }
}

// Phase 10: the reports written, the summary printed; the exit code.
int write_and_print(const RunOptions& options, const fs::path& out,
                    const std::optional<gw::AuditReport>& audit, Report& report) {
  const std::string audit_json = audit ? gw::audit_json(*audit) : std::string();
  const std::string audit_html = audit ? gw::audit_html(*audit, demo_preface_html(report)) : "";
  if (Status written = write_reports(report, out.string(), audit_json, audit_html);
      !written.is_ok()) {
    std::cerr << "medclear demo: " << written.message() << "\n";
    return 1;
  }
  std::cout << summary_text(report, out.string());
  if (options.bench) {
    std::printf(
        "bench: %zu regions, %d days x %d requests via %s: %.0f requests/s overall, "
        "sustained %.0f requests/s (days 2-%d), settlement phase %.1f s, mismatches %lu\n",
        report.regions.size(), options.days, options.claims_per_day, report.via.c_str(),
        report.throughput_claims_per_s, report.sustained_claims_per_s, options.days,
        report.settlement_seconds, static_cast<unsigned long>(report.mismatches.count));
  }
  return report.mismatches.count == 0 && report.ledger_problems.empty() ? 0 : 1;
}

}  // namespace

namespace {

// The phases over the ledgers, once the days are done (the nodes of this process stopped); the
// exit code.
int ledger_phases(const RunOptions& options, const Nation& nation, const fs::path& out,
                  const ExternalNation* external, WorkloadResult& workload, Report& report,
                  Clock::time_point started) {
  RegionPairs unbalanced;
  Balances balances;
  std::optional<gw::AuditReport> audit;
  if (external != nullptr) {
    report.nation = external->dir;
    unbalanced = reconcile_in_nation(options.days, *external, report);
  }
  {
    Ledgers ledgers = open_ledgers(
        nation, external ? fs::path(external->dir) / "ledgers" : out / "ledgers", report);
    if (external == nullptr) {
      const std::set<std::string> injected_ids =
          inject_divergences(options, workload.records, ledgers, report);
      unbalanced = reconcile_days(options.days, injected_ids, ledgers, report);
    }
    balances = seal_and_verify(business_day(options.days - 1), ledgers, report);
    clear_the_period(options, out, ledgers, report);
    audit = audit_the_run(options.days, nation, ledgers, report);
  }  // the ledgers close
  check_against_auditor(nation, workload.answers, balances, unbalanced, report);
  report.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  return write_and_print(options, out, audit, report);
}

}  // namespace

int run_simulation(const RunOptions& options) {
  const auto started = Clock::now();
  std::cerr << "medclear demo: seed " << options.seed << ", " << options.regions.size()
            << " regions, " << options.days << " days × " << options.claims_per_day << " claims"
            << (options.faults ? ", faults on" : "")
            << (options.nation_dir.empty() ? "" : ", nation of processes " + options.nation_dir)
            << "\n";
  Nation nation =
      make_nation({options.regions, options.persons, options.nation_seed.value_or(options.seed)});
  const fs::path out = options.out_dir;
  std::error_code made;
  fs::create_directories(out, made);
  // OUT/reference.json (contracts/sandbox.md): the run's reference data without requests.
  Result<std::string> reference =
      adapters::write_reference_file(nation.reference, (out / "reference.json").string());
  std::optional<ExternalNation> external;
  if (reference.is_ok() && !options.nation_dir.empty()) {
    Result<ExternalNation> opened = open_external_nation(options.nation_dir, *reference);
    if (!opened.is_ok()) reference = opened.status();
    if (opened.is_ok()) external = std::move(*opened);
  }
  Result<RunningNation> running =
      reference.is_ok() ? start_nation(options, nation, out, external ? &*external : nullptr)
                        : Result<RunningNation>(reference.status());
  if (!running.is_ok()) {
    std::cerr << "medclear demo: " << running.status().message() << "\n";
    return 1;
  }
  WorkloadResult workload = run_days(options, nation, std::move(*running));
  Report report = settlement_report(options, nation, workload);
  return ledger_phases(options, nation, out, external ? &*external : nullptr, workload, report,
                       started);
}

}  // namespace medclear::simulator
