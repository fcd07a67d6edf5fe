#include "gateway/recon/nightly.h"

#include <chrono>
#include <future>

#include <spdlog/spdlog.h>

#include "adapters/json.h"
#include "adapters/log.h"
#include "clearing/record_codec.h"
#include "gateway/recon/recon_statement.h"
#include "gateway/recon/responder.h"
#include "ledger/adjust.h"
#include "ledger/crypto.h"
#include "ledger/documents.h"
#include "ledger/recon_items.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

NightlyReconciler::NightlyReconciler(NightlyOptions options, RegionNode* node)
    : options_(std::move(options)), node_(node) {}

NightlyReconciler::~NightlyReconciler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NightlyReconciler::start() {
  thread_ = std::thread([this] { loop(); });
}

void NightlyReconciler::run_soon(cl::Date day) {
  {
    std::lock_guard lock(mutex_);
    requested_.push_back(day);
  }
  wake_.notify_all();
}

// Sleeps until the next night (then reconciles the day before it) or a day asked for by
// run_soon, whichever comes first; until stopped.
void NightlyReconciler::loop() {
  const int at = cl::parse_time_of_day(options_.at).value_or(2 * 3600);
  while (true) {
    const auto now = std::chrono::system_clock::now();
    const int64_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const int64_t midnight = seconds - seconds % 86400;
    int64_t next = midnight + at;
    if (next <= seconds) next += 86400;
    cl::Date day = cl::Date::from_days(static_cast<int32_t>(next / 86400) - 1);  // yesterday then
    {
      std::unique_lock lock(mutex_);
      const bool woken = wake_.wait_for(lock, std::chrono::seconds(next - seconds),
                                        [this] { return stopping_ || !requested_.empty(); });
      if (stopping_) return;
      if (woken) {
        day = requested_.front();
        requested_.pop_front();
      }
    }
    log_outcomes(run_day(day));
  }
}

void NightlyReconciler::log_outcomes(const std::vector<NightlyOutcome>& outcomes) {
  for (const NightlyOutcome& outcome : outcomes) {
    if (outcome.ok) {
      adapters::logger("recon")->info("reconciliation pair={} result={} differences={}",
                                      outcome.pair, outcome.balanced ? "balanced" : "differs",
                                      outcome.differences);
    } else {
      adapters::logger("recon")->error("reconciliation pair={} error=\"{}\"", outcome.pair,
                                       outcome.error);
    }
  }
}

namespace {

// This side of the pair's day, read on the node's reader (blocks until it answered).
Result<std::vector<cl::ReconItem>> read_own_side(RegionNode& node, cl::Date day,
                                                 const std::string& insured,
                                                 const std::string& treating) {
  std::promise<Result<std::vector<cl::ReconItem>>> read;
  read_pair_side(node, day, insured, treating, [&read](Result<std::vector<cl::ReconItem>> items) {
    read.set_value(std::move(items));
  });
  return read.get_future().get();
}

// This side's bookings in effect of the differing claims, as record-codec hex for the peer, read
// on the node's reader.
Result<std::vector<std::string>> bookings_hex(RegionNode& node, const cl::ReconResult& result) {
  std::vector<std::string> differing;
  for (const cl::ReconDifference& d : result.differences) differing.push_back(d.setl_id);
  std::promise<Result<std::vector<std::string>>> read;
  node.read_snapshot([&read, &differing](const lg::Ledger* ledger) {
    if (ledger == nullptr) return read.set_value(Status::unavailable("the node is not running"));
    Result<std::map<std::string, cl::SettlementRecord>> in_effect =
        lg::bookings_in_effect(*ledger, differing);
    if (!in_effect.is_ok()) return read.set_value(in_effect.status());
    std::vector<std::string> hex;
    for (const auto& [setl_id, record] : *in_effect) {
      cl::ByteWriter out;
      cl::encode_record(out, record);
      hex.push_back(lg::to_hex(std::string_view(out.bytes())));
    }
    read.set_value(std::move(hex));
  });
  return read.get_future().get();
}

// The peer's answer must be the statement this side signed, countersigned by the peer's pinned
// seal key.
Status check_countersigned(const std::string& countersigned, const std::string& body,
                           const std::map<std::string, std::string>& keys) {
  Result<adapters::Json> parsed = adapters::parse_json(countersigned);
  const adapters::Json* kept = parsed.is_ok() ? parsed->find("statement") : nullptr;
  adapters::JsonWriter text;
  if (kept != nullptr) text.value(*kept);
  if (kept == nullptr || text.str() != body) {
    return Status::invalid("the peer answered another statement");
  }
  return verify_statement(countersigned, keys);
}

// Keeps the signed statement in the node's ledger (blocks until durable).
Status keep_statement(RegionNode& node, const std::string& statement_id,
                      const std::string& document) {
  std::promise<Status> written;
  const std::string name = lg::documents::recon_statement(statement_id);
  node.write([name, document](lg::Ledger& ledger) { return ledger.stage_document(name, document); },
             [&written](Status status) { written.set_value(std::move(status)); });
  return written.get_future().get();
}

}  // namespace

std::vector<NightlyOutcome> NightlyReconciler::run_day(cl::Date day) {
  std::vector<NightlyOutcome> outcomes;
  Result<lg::SigningKey> key = lg::SigningKey::load_private_pem(options_.seal_key_file);
  for (const auto& [treating, pin] : options_.peers) {
    if (!key.is_ok()) {
      NightlyOutcome outcome;
      outcome.pair = lg::statement_id(day, options_.region, treating);
      outcome.error = "seal key " + options_.seal_key_file + ": " + key.status().message();
      outcomes.push_back(std::move(outcome));
      continue;
    }
    outcomes.push_back(reconcile_with(day, treating, pin, *key));
  }
  count_run(outcomes);
  return outcomes;
}

// What /metrics shows of the run (gateway/http/server.cpp): kept and failed pairs, differences.
void NightlyReconciler::count_run(const std::vector<NightlyOutcome>& outcomes) {
  NodeCounters& counters = node_->counters();
  uint64_t differences = 0;
  for (const NightlyOutcome& outcome : outcomes) {
    (outcome.ok ? counters.recon_pairs_kept : counters.recon_pairs_failed)++;
    differences += outcome.differences;
  }
  counters.recon_differences_last = differences;
  counters.recon_last_run_unix_seconds = std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count();
}

NightlyOutcome NightlyReconciler::reconcile_with(cl::Date day, const std::string& treating,
                                                 const PeerPin& pin, const lg::SigningKey& key) {
  NightlyOutcome outcome;
  outcome.pair = lg::statement_id(day, options_.region, treating);
  Result<std::vector<cl::ReconItem>> items = read_own_side(*node_, day, options_.region, treating);
  if (!items.is_ok()) {
    outcome.error = items.status().message();
    return outcome;
  }
  cl::ReconSide mine(std::move(*items), lg::digest_function(lg::HashAlgorithm::kSha256));
  HttpsReconPeer peer({pin.host, pin.port, options_.ca_file, options_.certificate_file,
                       options_.key_file, options_.timeout_ms, pin.node_cn},
                      day, options_.region, treating);
  std::optional<cl::ReconResult> result = cl::reconcile(mine, peer);
  if (!result) {
    outcome.error = peer.error();
    return outcome;
  }
  PairStatement statement{options_.region,    treating,    day,
                          std::move(*result), mine.size(), static_cast<size_t>(peer.peer_size())};
  outcome.balanced = statement.result.balanced;
  outcome.differences = statement.result.differences.size();
  // Signed here, countersigned by the peer after it checked the statement against its side; the
  // peer appends the adjustments. Without a countersignature the statement is kept signed by this
  // region alone and the outcome says why.
  const std::string body = recon_statement_json(statement);
  Result<StatementSignature> signature = sign_statement(body, key, options_.region);
  Result<std::vector<std::string>> bookings = bookings_hex(*node_, statement.result);
  if (!signature.is_ok() || !bookings.is_ok()) {
    outcome.error = (signature.is_ok() ? bookings.status() : signature.status()).message();
    return outcome;
  }
  std::optional<std::string> countersigned = peer.countersign(body, *signature, *bookings);
  std::string refusal = peer.error();
  if (countersigned) {
    const std::map<std::string, std::string> keys{{options_.region, key.public_key_raw()},
                                                  {treating, pin.seal_public_key}};
    if (Status checked = check_countersigned(*countersigned, body, keys); !checked.is_ok()) {
      refusal = "the countersignature of " + treating +
                " is not by its pinned seal key: " + checked.message();
      countersigned.reset();
    }
  }
  const std::string document =
      countersigned ? *countersigned : signed_statement_json(body, {*signature}, 0);
  if (!countersigned) outcome.error = "not countersigned: " + refusal;
  const Status stored = keep_statement(*node_, statement.id(), document);
  outcome.ok = stored.is_ok() && countersigned.has_value();
  outcome.countersigned = countersigned.has_value();
  if (!stored.is_ok()) outcome.error = stored.message();
  return outcome;
}

}  // namespace medclear::gateway
