#include "simulator/run.h"

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "adapters/json.h"
#include "adapters/kafka.h"
#include "adapters/nhsa.h"
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
  std::string psn_no;
  std::string hospital;
  std::string treating;
  int settled_index = -1;  // the settled claim a cancel, reversal or retry refers to
};

class Simulation {
 public:
  Simulation(const RunOptions& options, Nation& nation, gw::RegionSet& set, Channel& channel)
      : options_(options),
        nation_(nation),
        set_(set),
        channel_(channel),
        random_(options.seed ^ 0x5eed),
        oracle_(nation.reference) {
    for (int32_t p : nation.population) population_total_ += p;
  }

  // One business day. The workload depends on the seed and the auditor's decisions only, never
  // on when answers come, so a seed replays the same claims; requests stream with up to
  // `window` in flight, and a person's request is sent only after their previous one was
  // answered, so each insured region sees a person's claims in the order the auditor applied them.
  void day(int index) {
    date_ = cl::Date::from_days(cl::Date::from_ymd(2026, 3, 1)->days() + index);
    const auto day_started = Clock::now();
    const uint64_t day_submitted = submitted_;
    // Faults: on the second day a broker goes down at the start and comes back 1.5 s later, and
    // produce requests fail; the claims must still settle exactly once.
    std::thread outage;
    if (options_.faults && index == std::min(1, options_.days - 1)) {
      inject_broker_faults(true);
      outage = std::thread([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        inject_broker_faults(false);
      });
    }
    // Faults: on the first day one region's node (and gateway) is stopped and started again
    // while claims insured there are in flight from the other regions.
    const int restart_at = options_.faults && index == 0 ? options_.claims_per_day / 4 : -1;
    for (int n = 0; n < options_.claims_per_day; ++n) {
      if (n == restart_at) restarting_ = nation_.regions[random_() % nation_.regions.size()];
      // Back after 200 of its requests waited, or after half the spacing of a person's requests
      // (a small region may not see 200): nobody has a second request while the first waits.
      if (!restarting_.empty() &&
          (held_.size() >= 200 || n >= restart_at + static_cast<int>(kSpacing / 2) ||
           n == options_.claims_per_day - 1)) {
        restart();
      }
      std::optional<Item> item;
      if (random_() % 100 < 6) item = follow_up();
      if (!item) item = new_claim();
      if (!item) continue;  // nobody left to treat today
      issue(std::move(*item));
      if (options_.progress && submitted_ % 250 == 0) progress(index);
    }
    if (!restarting_.empty()) restart();
    drain();
    if (outage.joinable()) outage.join();
    if (options_.progress) progress(index);
    day_seconds_.push_back(std::chrono::duration<double>(Clock::now() - day_started).count());
    day_requests_.push_back(submitted_ - day_submitted);
    // Faults: on the last day, claims already settled are delivered again, newest first (a
    // producer retrying, a partition replayed); they must change nothing.
    if (options_.faults && index == options_.days - 1) redeliver();
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
  uint64_t redelivered_ = 0;
  std::map<std::string, uint64_t> refused_;
  std::map<std::string, cl::Money> amounts_;          // fund field → Σ over answers
  std::vector<cl::SettlementRecord> oracle_records_;  // what the ledgers must hold
  std::vector<std::string> mismatch_lines_;
  std::vector<std::string> restarted_;  // regions whose node was restarted (faults)
  std::vector<double> day_seconds_;
  std::vector<uint64_t> day_requests_;

 private:
  struct InFlight {
    Item item;
    cl::Decision expected;
    std::string expected_err_code;
    size_t settled_index = SIZE_MAX;  // the Settled this request created
    bool held = false;                // waiting for its region's node to come back
  };

  // Requests sent and not answered yet (held ones are not sent).
  size_t outstanding() const { return in_flight_.size() - held_.size(); }

  void progress(int index) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    std::fprintf(
        stderr,
        "\rday %d/%d  requests %lu  settled %lu  refused %lu  in flight %zu  %.0f requests/s   ",
        index + 1, options_.days, static_cast<unsigned long>(submitted_),
        static_cast<unsigned long>(settled_count_), static_cast<unsigned long>(refused_total()),
        in_flight_.size(), static_cast<double>(submitted_) / std::max(seconds, 0.001));
  }

  void inject_broker_faults(bool down) {
    adapters::EmbeddedBroker* broker = set_.broker();
    if (broker == nullptr) return;
    if (down) {
      // A fault not injected makes the run easier, not wrong.
      broker->set_broker_down(2).ignore();
      broker->push_request_errors(
          adapters::KafkaRequest::kProduce,
          {adapters::BrokerError::kNotLeaderForPartition, adapters::BrokerError::kRequestTimedOut,
           adapters::BrokerError::kNotEnoughReplicas});
    } else {
      broker->set_broker_up(2).ignore();
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
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // claims insured there pile up
    if (Status restarted = set_.restart_node(region); !restarted.is_ok()) {
      ++mismatches_;
      mismatch_lines_.push_back(restarted.message());
    } else {
      restarted_.push_back(region);
    }
    std::vector<uint64_t> held;
    held.swap(held_);
    for (const uint64_t ticket : held) {
      in_flight_.at(ticket).held = false;
      send(ticket);
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
    if (random_() % 25 == 0) return list.back();  // the tier-1 hospital off the network
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
    const cl::Person* person = nullptr;
    for (int attempt = 0; attempt < 20 && person == nullptr; ++attempt) {
      const std::string& region = weighted_region();
      const auto& people = nation_.persons.at(region);
      const cl::Person* candidate = nation_.reference.person(people[random_() % people.size()]);
      // Most people treated away from home have filed; some have not.
      if (candidate->filings.empty() && random_() % 5 != 0) continue;
      if (!recent(candidate->psn_no)) person = candidate;
    }
    if (person == nullptr) return std::nullopt;
    const std::string insured = lg::region_of(person->insuplc_admdvs);
    std::string treating;
    if (!person->filings.empty() && random_() % 10 < 8)
      treating = lg::region_of(person->filings[0].area);
    while (treating.empty() || treating == insured) {
      treating = random_() % 3 == 0 && insured != "110000"
                     ? "110000"
                     : nation_.regions[random_() % nation_.regions.size()];
      if (std::find(nation_.regions.begin(), nation_.regions.end(), treating) ==
          nation_.regions.end()) {
        treating.clear();
      }
    }
    const Hospital& hospital = hospital_in(treating);
    const bool inpatient = random_() % 10 < 3;
    cl::Request request;
    request.envelope =
        envelope(inpatient ? cl::Transaction::kInpatientSettle : cl::Transaction::kOutpatientSettle,
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
        case 0:
          request.envelope.msgid = "BAD" + request.envelope.msgid.substr(0, 20);
          break;
        case 1:
          in.medfee_sumamt = in.medfee_sumamt + cl::Money::from_fen(1);
          break;
        case 2:
          in.psn_no = person->psn_no.substr(0, 2) + "999999999999999999";
          break;
        default:
          in.med_type = "99";
          break;
      }
    }
    request.input = std::move(in);
    Item item;
    item.node_json = item.oracle_json = adapters::build_nhsa_request(request);
    item.psn_no = person->psn_no;
    item.hospital = hospital.code;
    item.treating = treating;
    return item;
  }

  // A cancel (or 2601 reversal) of an earlier settled claim, or the same request again.
  std::optional<Item> follow_up() {
    if (settled_.empty()) return std::nullopt;
    const int index = static_cast<int>(random_() % settled_.size());
    Settled& original = settled_[static_cast<size_t>(index)];
    const auto& claim = std::get<cl::SettlementInput>(original.request.input);
    if (original.compensated || recent(claim.psn_no)) return std::nullopt;
    Item item;
    item.psn_no = claim.psn_no;
    item.hospital = original.request.envelope.fixmedins_code;
    item.treating = lg::region_of(original.request.envelope.mdtrtarea_admvs);
    item.settled_index = index;
    const uint64_t roll = random_() % 10;
    if (roll < 4 || (options_.faults && roll < 6)) {  // a retry: the same bytes again
      item.node_json = item.oracle_json = original.json;
      return item;
    }
    const Hospital hospital{original.request.envelope.fixmedins_code,
                            original.request.envelope.mdtrtarea_admvs, item.treating, 3, true};
    cl::Request request;
    if (roll < 8) {
      const bool inpatient = original.request.envelope.infno == cl::Transaction::kInpatientSettle;
      request.envelope = envelope(
          inpatient ? cl::Transaction::kInpatientCancel : cl::Transaction::kOutpatientCancel,
          hospital, original.request.envelope.insuplc_admdvs);
      // The hospital cancels by the setl_id its node answered: wait for that answer.
      while (original.node_setl_id.empty() && outstanding() > 0) collect(true);
      request.input = cl::CancelInput{original.node_setl_id, claim.mdtrt_id, claim.psn_no};
      item.node_json = adapters::build_nhsa_request(request);
      request.input = cl::CancelInput{original.oracle_setl_id, claim.mdtrt_id, claim.psn_no};
      item.oracle_json = adapters::build_nhsa_request(request);
    } else {
      request.envelope =
          envelope(cl::Transaction::kReversal, hospital, original.request.envelope.insuplc_admdvs);
      request.input =
          cl::ReversalInput{claim.psn_no, original.request.envelope.msgid,
                            std::string(cl::to_string(original.request.envelope.infno))};
      item.node_json = item.oracle_json = adapters::build_nhsa_request(request);
    }
    return item;
  }

  // The auditor decides the request first (in the order the workload was made), then it goes.
  void issue(Item item) {
    ++submitted_;
    remember(item.psn_no);
    const uint64_t ticket = next_ticket_++;
    InFlight& flight = in_flight_[ticket];
    const adapters::NhsaParse parsed =
        adapters::parse_nhsa_request(item.oracle_json, nation_.reference.codes);
    if (!parsed.request) {
      flight.expected.rejection = parsed.rejection;
    } else {
      flight.expected = oracle_.decide(*parsed.request, oracle_state_);
      if (flight.expected.append) {
        oracle_state_.apply(flight.expected.result);
        oracle_records_.push_back(flight.expected.result);
      }
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
    bool same = reply.answered && reply.accepted == expected.accepted() &&
                err_code == flight.expected_err_code;
    if (same && reply.accepted) {
      same =
          reply.record && amounts_of(reply.record->amounts) == amounts_of(expected.result.amounts);
    }
    if (!same) {
      ++mismatches_;
      if (mismatch_lines_.size() < 5) {
        mismatch_lines_.push_back("request of " + flight.item.hospital + " for " +
                                  flight.item.psn_no + ": node " + err_code +
                                  (reply.problem.empty() ? "" : " (" + reply.problem + ")") +
                                  ", auditor " + flight.expected_err_code);
      }
    }
    if (!reply.answered || !reply.accepted) {
      ++refused_[err_code];
      return;
    }
    if (expected.replayed) return;  // a retry: nothing new was written
    ++settled_count_;
    const cl::SettlementAmounts& a = reply.record->amounts;
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
    for (const auto& [field, amount] : funds) amounts_[field] = amounts_[field] + amount;
    if (flight.settled_index != SIZE_MAX)
      settled_[flight.settled_index].node_setl_id = reply.record->setl_id;
  }

  // Produces settled claims again straight onto their insured regions' claims topics, newest
  // first, and waits until the insured nodes have decided them (each a replay of its answer).
  void redeliver() {
    if (set_.broker() == nullptr || settled_.empty()) return;
    adapters::KafkaConfig config;
    config.bootstrap_servers = set_.bootstrap_servers();
    Result<std::unique_ptr<adapters::Producer>> producer = adapters::Producer::create(config);
    if (!producer.is_ok()) {
      mismatch_lines_.push_back("redeliver: " + producer.status().message());
      ++mismatches_;
      return;
    }
    uint64_t decided_before = 0;
    for (const std::string& region : nation_.regions)
      decided_before += set_.node(region)->counters().claims_decided;
    const size_t count = std::min<size_t>(200, settled_.size());
    for (size_t i = 0; i < count; ++i) {
      cl::Request request = settled_[settled_.size() - 1 - i].request;
      const auto& claim = std::get<cl::SettlementInput>(request.input);
      const Status produced = (*producer)->produce(
          adapters::claims_topic(lg::region_of(request.envelope.insuplc_admdvs)), claim.psn_no,
          adapters::encode_claim({request}));
      if (produced.is_ok()) ++redelivered_;
    }
    if (Status flushed = (*producer)->flush(10'000); !flushed.is_ok()) {
      mismatch_lines_.push_back("redeliver: " + flushed.message());
      ++mismatches_;
    }
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (;;) {
      uint64_t decided = 0;
      for (const std::string& region : nation_.regions)
        decided += set_.node(region)->counters().claims_decided;
      if (decided >= decided_before + redelivered_) break;
      if (Clock::now() > deadline) {
        ++mismatches_;
        mismatch_lines_.push_back("redelivered claims not decided within 30 s");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  const RunOptions& options_;
  Nation& nation_;
  gw::RegionSet& set_;
  Channel& channel_;
  std::mt19937_64 random_;
  int64_t population_total_ = 0;
  cl::Date date_ = cl::Date::from_days(0);
  std::map<std::string, uint64_t> msgid_serial_;
  cl::Engine oracle_;
  cl::MemoryState oracle_state_;
  std::vector<Settled> settled_;
  std::deque<std::string> recent_;
  std::unordered_map<std::string, int> recent_count_;
  std::unordered_map<std::string, uint64_t> last_ticket_;  // psn_no → their latest request
  std::map<uint64_t, InFlight> in_flight_;
  uint64_t next_ticket_ = 1;
  std::string restarting_;      // the region whose node restarts (faults)
  std::vector<uint64_t> held_;  // its hospitals' requests, sent once it is back
  std::mutex done_mutex_;
  std::condition_variable done_ready_;
  std::vector<std::pair<uint64_t, Reply>> done_;
};

}  // namespace

int run_simulation(const RunOptions& options) {
  const auto started = Clock::now();
  std::cerr << "medclear demo: seed " << options.seed << ", " << options.regions.size()
            << " regions, " << options.days << " days × " << options.claims_per_day << " claims"
            << (options.faults ? ", faults on" : "") << "\n";
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
  const bool over_https = options.via == "https";
  if (over_https) {  // every region's gateway, and a certificate for every hospital
    set_options.pki_dir = (out / "pki").string();
    std::vector<gw::DevHospital> hospitals;
    for (const auto& [region, list] : nation.hospitals) {
      for (const Hospital& h : list) hospitals.push_back({h.code, region, h.level});
    }
    if (Status written = gw::write_dev_pki(set_options.pki_dir, nation.regions, hospitals);
        !written.is_ok()) {
      std::cerr << "medclear demo: " << written.message() << "\n";
      return 1;
    }
    set_options.gateway.threads = 1;
  }
  Result<std::unique_ptr<gw::RegionSet>> set = gw::RegionSet::start(set_options, nation.reference);
  if (!set.is_ok()) {
    std::cerr << "medclear demo: " << set.status().message() << "\n";
    return 1;
  }
  std::unique_ptr<Channel> channel;
  if (over_https) {
    HttpsChannelOptions https;
    for (const std::string& region : nation.regions)
      https.ports[region] = (*set)->gateway(region)->port();
    https.pki_dir = set_options.pki_dir;
    channel = https_channel(https);
  } else {
    channel = in_process_channel(**set, nation.reference.codes);
  }
  Simulation simulation(options, nation, **set, *channel);
  for (int day = 0; day < options.days; ++day) simulation.day(day);
  const uint64_t hospital_resends = channel->resent();
  channel.reset();
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
  // Throughput of the settlement phase; sustained: the days after the first (warm) one.
  double seconds = 0, later_seconds = 0;
  uint64_t later_requests = 0;
  for (size_t d = 0; d < simulation.day_seconds_.size(); ++d) {
    seconds += simulation.day_seconds_[d];
    if (d > 0) {
      later_seconds += simulation.day_seconds_[d];
      later_requests += simulation.day_requests_[d];
    }
  }
  report.via = over_https ? "https" : "kafka";
  report.throughput_claims_per_s =
      static_cast<double>(simulation.submitted_) / std::max(seconds, 0.001);
  report.sustained_claims_per_s =
      later_requests > 0 ? static_cast<double>(later_requests) / std::max(later_seconds, 0.001)
                         : report.throughput_claims_per_s;
  report.settlement_seconds = seconds;
  report.redelivered = simulation.redelivered_;
  report.auditor_mismatches = simulation.mismatches_;
  report.mismatch_lines = simulation.mismatch_lines_;
  report.node_restarts = simulation.restarted_;
  report.hospital_resends = hospital_resends;
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
      // Chosen among the auditor's own records (so a seed injects the same ones): settlements
      // treated in this region on the last day.
      std::vector<const cl::SettlementRecord*> candidates;
      for (const cl::SettlementRecord& record : simulation.oracle_records_) {
        if (record.kind == cl::RecordKind::kSettlement && record.setl_time.date == last_day &&
            lg::region_of(record.mdtrtarea_admvs) == it->first) {
          candidates.push_back(&record);
        }
      }
      for (int n = 0; n < 12 && !candidates.empty() &&
                      injected_ids.size() < 3u * static_cast<size_t>(pair + 1);
           ++n) {
        const std::optional<uint64_t> seq =
            ledger.seq_by_msgid(candidates[random() % candidates.size()]->msgid);
        Result<lg::DecodedEntry> sample =
            seq ? ledger.entry(*seq) : Result<lg::DecodedEntry>(Status::error("absent"));
        if (!sample.is_ok() || sample->entry.side != lg::Side::kTreating) continue;
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
      report.ledger_problems.push_back("reconcile " + day.to_string() + ": " +
                                       statements.status().message());
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
      Result<std::string> recorded =
          gw::record_statement(ledgers.at(statement.insured), ledgers.at(statement.treating),
                               statement, last_day, &adjustments);
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
  // The monthly clearing over the reconciled ledgers, each region's prepayment sized by its
  // population (floor a third of it), statements into OUT/clearing.
  std::map<std::string, cl::Prepayment> prepayments;
  for (size_t i = 0; i < nation.regions.size(); ++i) {
    const int64_t fen =
        static_cast<int64_t>(nation.population[i]) * 40'000 * options.claims_per_day / 1000;
    prepayments[nation.regions[i]] = {cl::Money::from_fen(fen), cl::Money::from_fen(fen / 3)};
  }
  Result<gw::PeriodClearing> cleared =
      gw::clear_period(open_ledgers, report.period, prepayments, true);
  if (!cleared.is_ok()) {
    report.ledger_problems.push_back("clearing " + report.period + ": " +
                                     cleared.status().message());
  } else {
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
  // The regulators' audit report over the same ledgers; it must agree with what the run saw.
  std::string audit_json, audit_html;
  Result<gw::AuditReport> audit = gw::build_audit_report(
      open_ledgers, cl::Date::from_days(first_day), last_day, &nation.reference);
  if (!audit.is_ok()) {
    report.ledger_problems.push_back("audit report: " + audit.status().message());
  } else {
    if (!audit->intact() || audit->statements != report.statements ||
        audit->adjustments != report.adjustments || audit->positions != report.positions) {
      ++report.auditor_mismatches;
      report.mismatch_lines.push_back(
          "the audit report disagrees with the run (statements, adjustments, "
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
        expected[{insured, treating}] =
            expected[{insured, treating}] +
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
    if (it == report.positions.end() ? !net.is_zero() : it->second != net)
      ++report.auditor_mismatches;
  }
  report.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
  if (audit.is_ok()) audit_html = gw::audit_html(*audit, demo_preface_html(report));
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
        nation.regions.size(), options.days, options.claims_per_day, report.via.c_str(),
        report.throughput_claims_per_s, report.sustained_claims_per_s, options.days,
        report.settlement_seconds, static_cast<unsigned long>(report.auditor_mismatches));
  }
  return report.auditor_mismatches == 0 && report.ledger_problems.empty() ? 0 : 1;
}

}  // namespace medclear::simulator
