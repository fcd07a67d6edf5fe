#include "gateway/nightly.h"

#include <chrono>
#include <future>

#include <spdlog/spdlog.h>

#include "adapters/json.h"
#include "clearing/record_codec.h"
#include "gateway/recon_statement.h"
#include "ledger/adjust.h"
#include "ledger/crypto.h"
#include "ledger/recon_items.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

std::optional<int> parse_time_of_day(std::string_view text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (size_t i : {0u, 1u, 3u, 4u}) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59) return std::nullopt;
  return hours * 3600 + minutes * 60;
}

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

void NightlyReconciler::loop() {
  const int at = parse_time_of_day(options_.at).value_or(2 * 3600);
  while (true) {
    const auto now = std::chrono::system_clock::now();
    const int64_t seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const int64_t midnight = seconds - seconds % 86400;
    int64_t next = midnight + at;
    if (next <= seconds) next += 86400;
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_for(lock, std::chrono::seconds(next - seconds), [this] { return stopping_; }))
        return;
    }
    const cl::Date yesterday = cl::Date::from_days(static_cast<int32_t>(next / 86400) - 1);
    for (const NightlyOutcome& outcome : run_day(yesterday)) {
      if (outcome.ok) {
        spdlog::info("reconciliation {}: {} ({} differences)", outcome.pair,
                     outcome.balanced ? "balanced" : "differs", outcome.differences);
      } else {
        spdlog::error("reconciliation {}: {}", outcome.pair, outcome.error);
      }
    }
  }
}

std::vector<NightlyOutcome> NightlyReconciler::run_day(cl::Date day) {
  std::vector<NightlyOutcome> outcomes;
  Result<lg::SigningKey> key = lg::SigningKey::load_private_pem(options_.seal_key_file);
  const cl::ReconHash hash = lg::digest_function(lg::HashAlgorithm::kSha256);
  for (const auto& [treating, pin] : options_.peers) {
    ReconPeerOptions peer_options{pin.host,          pin.port,
                                  options_.ca_file,  options_.certificate_file,
                                  options_.key_file, options_.timeout_ms,
                                  pin.node_cn};
    NightlyOutcome outcome;
    outcome.pair = day.to_string() + "/" + options_.region + "-" + treating;
    if (!key.is_ok()) {
      outcome.error = "seal key " + options_.seal_key_file + ": " + key.status().message();
      outcomes.push_back(outcome);
      continue;
    }
    // Our side of the day, read on the node's worker between two steps.
    std::promise<std::optional<std::vector<cl::ReconItem>>> read;
    const std::pair<std::string, std::string> pair{options_.region, treating};
    node_->read_snapshot([&read, day, pair](const lg::Ledger* ledger) {
      if (ledger == nullptr) return read.set_value(std::nullopt);
      Result<lg::PairItems> items = lg::recon_items(*ledger, day);
      if (!items.is_ok()) return read.set_value(std::nullopt);
      auto it = items->find(pair);
      read.set_value(it == items->end() ? std::vector<cl::ReconItem>{} : std::move(it->second));
    });
    std::optional<std::vector<cl::ReconItem>> items = read.get_future().get();
    if (!items) {
      outcome.error = "the node is not running";
      outcomes.push_back(outcome);
      continue;
    }
    cl::ReconSide mine(std::move(*items), hash);
    HttpsReconPeer peer(peer_options, day, options_.region, treating);
    std::optional<cl::ReconResult> result = cl::reconcile(mine, peer);
    if (!result) {
      outcome.error = peer.error();
      outcomes.push_back(outcome);
      continue;
    }
    PairStatement statement{options_.region,    treating,    day,
                            std::move(*result), mine.size(), static_cast<size_t>(peer.peer_size())};
    // Signed here, countersigned by the peer after it checked the statement against its side;
    // the peer appends the adjustments. Without a countersignature the statement is kept signed
    // by this region alone and the outcome says why.
    const std::string body = recon_statement_json(statement);
    Result<std::string> own_signature = key->sign(body);
    if (!own_signature.is_ok()) {
      outcome.error = own_signature.status().message();
      outcomes.push_back(outcome);
      continue;
    }
    const std::array<std::string, 3> signature{options_.region, lg::to_hex(key->public_key_raw()),
                                               lg::to_hex(*own_signature)};
    std::vector<std::string> differing;
    for (const cl::ReconDifference& d : statement.result.differences)
      differing.push_back(d.setl_id);
    std::promise<std::vector<std::string>> bookings;
    node_->read_snapshot([&bookings, &differing](const lg::Ledger* ledger) {
      std::vector<std::string> hex;
      if (ledger != nullptr) {
        Result<std::map<std::string, cl::SettlementRecord>> in_effect =
            lg::bookings_in_effect(*ledger, differing);
        if (in_effect.is_ok()) {
          for (const auto& [setl_id, record] : *in_effect) {
            cl::ByteWriter out;
            cl::encode_record(out, record);
            hex.push_back(lg::to_hex(std::string_view(out.bytes())));
          }
        }
      }
      bookings.set_value(std::move(hex));
    });
    std::optional<std::string> countersigned =
        peer.countersign(body, signature, bookings.get_future().get());
    std::string refusal = peer.error();
    if (countersigned) {  // the statement we signed, countersigned with the peer's pinned key
      const std::map<std::string, std::string> keys{{options_.region, key->public_key_raw()},
                                                    {treating, pin.seal_public_key}};
      adapters::JsonParse parsed = adapters::parse_json(*countersigned);
      const adapters::Json* kept = parsed.value ? parsed.value->find("statement") : nullptr;
      adapters::JsonWriter text;
      if (kept != nullptr) text.value(*kept);
      Status verified = kept != nullptr && text.str() == body
                            ? verify_statement(*countersigned, keys)
                            : Status::error("the peer answered another statement");
      if (!verified.is_ok()) {
        refusal = "the countersignature of " + treating +
                  " is not by its pinned seal key: " + verified.message();
        countersigned.reset();
      }
    }
    std::string signed_statement =
        countersigned ? *countersigned : signed_statement_json(body, {signature}, 0);
    if (!countersigned) outcome.error = "not countersigned: " + refusal;
    std::promise<Status> written;
    const std::string name = "statement/recon/" + statement.id();
    const std::string document = signed_statement;
    node_->write(
        [name, document](lg::Ledger& ledger) { return ledger.stage_document(name, document); },
        [&written](Status status) { written.set_value(std::move(status)); });
    Status stored = written.get_future().get();
    outcome.ok = stored.is_ok() && countersigned.has_value();
    outcome.countersigned = countersigned.has_value();
    if (!stored.is_ok()) outcome.error = stored.message();
    outcome.balanced = statement.result.balanced;
    outcome.differences = statement.result.differences.size();
    outcomes.push_back(outcome);
  }
  return outcomes;
}

}  // namespace medclear::gateway
