#include "gateway/recon/responder.h"

#include <array>
#include <cstdint>

#include "adapters/json.h"
#include "clearing/codes.h"
#include "clearing/record_codec.h"
#include "gateway/recon/recon_statement.h"
#include "ledger/adjust.h"
#include "ledger/crypto.h"
#include "ledger/documents.h"
#include "ledger/recon_items.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;
namespace lg = medclear::ledger;

// One parsed request: the pair and day it is about, its op, and the whole body for the op's own
// fields.
struct ReconRequest {
  cl::Date day;
  std::string insured;
  std::string treating;
  std::string op;
  std::string statement_id;
  adapters::Json json;
};

struct ReconResponder::Side {
  std::mutex mutex;
  std::unique_ptr<cl::ReconSide> items;  // null until a "summary" read the day
};

namespace {

constexpr int kLevelMax = 6;          // the deepest tree level a "children" round may name
constexpr size_t kNodesMax = 65'536;  // nodes or buckets named in one round
constexpr size_t kDigitsMax = 19;     // a whole number below 10^19 fits in uint64_t

std::string text_of(const adapters::Json& json, const char* key) {
  const adapters::Json* value = json.find(key);
  return value != nullptr && value->is_string() ? value->text : std::string();
}

std::optional<uint64_t> whole_number(const adapters::Json* value, uint64_t max) {
  if (value == nullptr || !value->is_number() || value->text.empty() ||
      value->text.size() > kDigitsMax ||
      value->text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const uint64_t number = std::stoull(value->text);  // ≤ 19 digits: cannot throw
  return number <= max ? std::optional(number) : std::nullopt;
}

std::optional<std::vector<uint64_t>> whole_numbers(const adapters::Json* list) {
  if (list == nullptr || !list->is_array() || list->items.size() > kNodesMax) return std::nullopt;
  std::vector<uint64_t> out;
  for (const adapters::Json& item : list->items) {
    const std::optional<uint64_t> number = whole_number(&item, UINT64_MAX);
    if (!number) return std::nullopt;
    out.push_back(*number);
  }
  return out;
}

std::string hex_of(const cl::ReconDigest& digest) {
  return lg::to_hex(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

Result<ReconRequest> parse_request(std::string_view body, const std::string& region,
                                   const std::string& caller) {
  Result<adapters::Json> parsed = adapters::parse_json(body);
  if (!parsed.is_ok() || !parsed->is_object()) {
    return Status::invalid("a JSON object is required");
  }
  ReconRequest request;
  const std::optional<cl::Date> day = cl::parse_date(text_of(*parsed, "day"));
  request.insured = text_of(*parsed, "insured");
  request.treating = text_of(*parsed, "treating");
  request.op = text_of(*parsed, "op");
  if (!day || !cl::is_division_code(request.insured) || !cl::is_division_code(request.treating)) {
    return Status::invalid("day, insured and treating are required");
  }
  if (request.treating != region) {
    return Status::not_found("this node is the treating side of " + region + " only");
  }
  if (caller != request.insured) {
    return Status::forbidden("a node reconciles its own pairs only");
  }
  request.day = *day;
  request.statement_id = lg::statement_id(*day, request.insured, request.treating);
  request.json = std::move(*parsed);
  return request;
}

// The answer of one protocol round over this side's items.
Result<std::string> answer_round(cl::ReconSide& side, const ReconRequest& request) {
  const adapters::Json& q = request.json;
  adapters::JsonWriter w;
  w.begin_object();
  if (request.op == "summary") {
    w.key("size").integer(static_cast<int64_t>(side.size()));
    w.key("wire_bytes").integer(static_cast<int64_t>(side.wire_bytes()));
  } else if (request.op == "totals") {
    const int allowed = cl::recon_depth_allowed(side.size());
    const std::optional<uint64_t> depth =
        whole_number(q.find("depth"), static_cast<uint64_t>(allowed));
    if (!depth) {
      return Status::invalid("depth 0.." + std::to_string(allowed) +
                             " is required (two levels beyond this side's day)");
    }
    const cl::ReconSide::Totals totals = side.totals(static_cast<int>(*depth));
    w.key("count").integer(static_cast<int64_t>(totals.count));
    w.key("amount").string(totals.amount.to_string());
    w.key("root").string(hex_of(totals.root));
    w.key("depth").integer(totals.depth);
  } else if (request.op == "children" || request.op == "items") {
    const bool children = request.op == "children";
    const std::optional<uint64_t> level =
        children ? whole_number(q.find("level"), kLevelMax) : std::optional<uint64_t>(0);
    const std::optional<std::vector<uint64_t>> nodes =
        whole_numbers(q.find(children ? "nodes" : "buckets"));
    const int at = children && level ? static_cast<int>(*level) : side.depth();
    if (!level || !nodes || side.depth() < 0 || (children && at >= side.depth()) ||
        !side.valid_nodes(at, *nodes)) {
      return Status::invalid("nodes of the tree that totals built are required");
    }
    if (children) {
      w.key("digests").begin_array();
      for (const cl::ReconDigest& digest : side.children(at, *nodes)) w.string(hex_of(digest));
      w.end_array();
    } else {
      w.key("items").begin_array();
      for (const cl::ReconItem& item : side.bucket_items(*nodes)) {
        w.begin_object().key("setl_id").string(item.setl_id);
        w.key("amount").string(item.amount.to_string());
        w.key("cancelled").boolean(item.cancelled).end_object();
      }
      w.end_array();
    }
  } else {
    return Status::invalid("op is summary, totals, children, items or countersign");
  }
  w.end_object();
  return w.take();
}

// ---- countersign ---------------------------------------------------------------------------

struct Difference {
  cl::DiffKind kind;
  std::string treating_amount;  // as the statement states it
  cl::Money insured_amount;
};

// What the insured node asks this side to countersign, checked as far as it can be without this
// side's items: the statement is about the request's pair and day, and signed by the insured
// region with its pinned seal key.
struct Countersigning {
  std::string body;  // the statement's exact text, as signed
  StatementSignature insured_signature;
  std::string treating_claims;                    // as the statement states it
  std::map<std::string, Difference> differences;  // by setl_id
};

Result<std::map<std::string, Difference>> read_differences(const adapters::Json& statement) {
  std::map<std::string, Difference> out;
  const adapters::Json* differences = statement.find("differences");
  if (differences == nullptr) return out;
  if (!differences->is_array() || differences->items.size() > CountersignBounds::differences_max) {
    return Status::invalid("differences must be an array of at most " +
                           std::to_string(CountersignBounds::differences_max));
  }
  for (const adapters::Json& d : differences->items) {
    const std::string setl_id = d.is_object() ? text_of(d, "setl_id") : std::string();
    const std::optional<cl::DiffKind> kind =
        cl::parse_diff_kind(d.is_object() ? text_of(d, "kind") : std::string());
    const std::optional<cl::Money> amount =
        d.is_object() ? cl::parse_signed_money(text_of(d, "insured_amount")) : std::nullopt;
    if (!is_setl_id(setl_id)) return Status::invalid("a difference's setl_id must be 24 digits");
    if (!kind) {
      return Status::invalid("difference " + setl_id + ": unknown kind");
    }
    if (!amount || out.contains(setl_id)) {
      return Status::invalid("difference " + setl_id + ": twice, or without its insured_amount");
    }
    out[setl_id] = Difference{*kind, text_of(d, "treating_amount"), *amount};
  }
  return out;
}

Result<Countersigning> read_countersigning(const ReconRequest& request, const PeerPins& peers) {
  const adapters::Json* statement = request.json.find("statement");
  const adapters::Json* signature = request.json.find("signature");
  const adapters::Json* records = request.json.find("records");
  if (statement == nullptr || !statement->is_object() || signature == nullptr ||
      records == nullptr || !records->is_array()) {
    return Status::invalid("statement, signature and records are required");
  }
  if (text_of(*statement, "id") != request.statement_id ||
      text_of(*statement, "insured") != request.insured ||
      text_of(*statement, "treating") != request.treating ||
      text_of(*statement, "day") != request.day.to_string()) {
    return Status::invalid("the statement is about another pair or day");
  }
  // The insured region's signature verifies with its pinned seal key only (peers.h).
  const auto pin = peers.find(request.insured);
  if (pin == peers.end()) {
    return Status::forbidden("no seal key of " + request.insured +
                             " is pinned here: nothing is countersigned");
  }
  adapters::JsonWriter text;
  text.value(*statement);
  Countersigning out;
  out.body = text.take();
  Result<StatementSignature> verified =
      verify_signature(out.body, *signature, request.insured, pin->second.seal_public_key);
  if (!verified.is_ok()) return verified.status();
  out.insured_signature = std::move(*verified);
  const adapters::Json* claims = statement->find("treating_claims");
  out.treating_claims = claims != nullptr ? claims->text : std::string();
  Result<std::map<std::string, Difference>> differences = read_differences(*statement);
  if (!differences.is_ok()) return differences.status();
  out.differences = std::move(*differences);
  return out;
}

// What the statement says of this side must be what this side holds.
Status check_against_side(const cl::ReconSide& side, const Countersigning& c) {
  if (c.treating_claims != std::to_string(side.size())) {
    return Status::conflict("the statement counts other claims on this side");
  }
  for (const auto& [setl_id, difference] : c.differences) {
    const std::optional<cl::ReconItem> held = side.find(setl_id);
    const bool absent = difference.kind == cl::DiffKind::kMissingOnTreating;
    if (absent != !held.has_value() ||
        (!absent && held->amount.to_string() != difference.treating_amount)) {
      return Status::conflict("difference " + setl_id + " is not what this side holds");
    }
  }
  return Status::ok();
}

// One record of the insured side's bookings (hex of the record codec), checked against the
// statement: a settlement of this pair in bounds whose amount the signed statement states.
Result<cl::SettlementRecord> read_booking(const adapters::Json& hex, const ReconRequest& request,
                                          const Countersigning& c) {
  if (!hex.is_string() || hex.text.size() > CountersignBounds::record_hex_chars_max) {
    return Status::invalid("a record must be hex of at most " +
                           std::to_string(CountersignBounds::record_hex_chars_max) + " characters");
  }
  Result<std::string> bytes = lg::bytes_from_hex(hex.text);
  cl::SettlementRecord record;
  const std::string raw = bytes.is_ok() ? *bytes : std::string();
  cl::ByteReader in(raw);
  if (!bytes.is_ok() || !cl::decode_record(in, record).is_ok() ||
      !c.differences.contains(record.setl_id) ||
      cl::region_of(record.insuplc_admdvs) != request.insured ||
      cl::region_of(record.mdtrtarea_admvs) != request.treating) {
    return Status::invalid("records must be the insured side's bookings of the differences");
  }
  if (Status bounded = check_record_bounds(record); !bounded.is_ok()) {
    return Status::invalid("record " + record.setl_id + ": " + bounded.message());
  }
  const Difference& difference = c.differences.at(record.setl_id);
  if (difference.kind == cl::DiffKind::kMissingOnInsured ||
      record.amounts.fund_pay_sumamt + record.amounts.acct_pay != difference.insured_amount) {
    return Status::invalid("record " + record.setl_id + " is not the booking the statement states");
  }
  return record;
}

// The insured side's bookings of the differing claims: at most one each (they are not signed
// themselves; read_booking ties each to the signed statement).
Result<std::map<std::string, cl::SettlementRecord>> read_bookings(const ReconRequest& request,
                                                                  const Countersigning& c) {
  const adapters::Json& records = *request.json.find("records");
  if (records.items.size() > c.differences.size()) {
    return Status::invalid("more records than differences");
  }
  std::map<std::string, cl::SettlementRecord> bookings;
  for (const adapters::Json& hex : records.items) {
    Result<cl::SettlementRecord> record = read_booking(hex, request, c);
    if (!record.is_ok()) return record.status();
    const std::string setl_id = record->setl_id;
    if (!bookings.emplace(setl_id, std::move(*record)).second) {
      return Status::invalid("two records of one claim");
    }
  }
  return bookings;
}

}  // namespace

void read_pair_side(RegionNode& node, cl::Date day, const std::string& insured,
                    const std::string& treating,
                    std::function<void(Result<std::vector<cl::ReconItem>>)> done) {
  const std::pair<std::string, std::string> pair{insured, treating};
  node.read_snapshot([done = std::move(done), day, pair](const lg::Ledger* ledger) {
    if (ledger == nullptr) return done(Status::unavailable("node not ready"));
    Result<lg::PairItems> items = lg::recon_items(*ledger, day);
    if (!items.is_ok()) return done(items.status());
    auto it = items->find(pair);
    done(it == items->end() ? std::vector<cl::ReconItem>{} : std::move(it->second));
  });
}

std::shared_ptr<ReconResponder> ReconResponder::create(RegionNode* node,
                                                       ReconResponderOptions options) {
  return std::shared_ptr<ReconResponder>(new ReconResponder(node, std::move(options)));
}

ReconResponder::ReconResponder(RegionNode* node, ReconResponderOptions options)
    : node_(node), options_(std::move(options)) {}

std::shared_ptr<ReconResponder::Side> ReconResponder::side_of(const std::string& statement_id) {
  std::lock_guard lock(mutex_);
  std::shared_ptr<Side>& slot = sides_[statement_id];
  if (!slot) slot = std::make_shared<Side>();
  std::shared_ptr<Side> side = slot;
  while (sides_.size() > options_.sides_kept_max) {  // forget the oldest other runs
    auto victim =
        sides_.begin()->first == statement_id ? std::next(sides_.begin()) : sides_.begin();
    sides_.erase(victim);
  }
  return side;
}

void ReconResponder::answer(std::string_view body, const std::string& caller, Done done) {
  Result<ReconRequest> parsed = parse_request(body, options_.region, caller);
  if (!parsed.is_ok()) return done(parsed.status());
  auto request = std::make_shared<ReconRequest>(std::move(*parsed));
  std::shared_ptr<Side> side = side_of(request->statement_id);
  bool read_afresh = request->op == "summary";
  {
    std::lock_guard lock(side->mutex);
    read_afresh = read_afresh || side->items == nullptr;
  }
  if (!read_afresh) return respond(side, *request, done);
  // A protocol run starts: this side of the day is read afresh.
  read_pair_side(
      *node_, request->day, request->insured, request->treating,
      [self = shared_from_this(), side, request, done](Result<std::vector<cl::ReconItem>> items) {
        if (!items.is_ok()) return done(items.status());
        {
          std::lock_guard lock(side->mutex);
          side->items = std::make_unique<cl::ReconSide>(
              std::move(*items), lg::digest_function(lg::HashAlgorithm::kSha256));
        }
        self->respond(side, *request, done);
      });
}

void ReconResponder::respond(const std::shared_ptr<Side>& side, const ReconRequest& request,
                             const Done& done) {
  if (request.op == "countersign") return countersign(side, request, done);
  Result<std::string> answer = Status::unavailable("no side");
  {
    std::lock_guard lock(side->mutex);
    answer = answer_round(*side->items, request);
  }
  done(std::move(answer));
}

// The treating node checks the insured node's statement against its own side of the day (its
// claim count and, for each difference, what it holds), countersigns it with its seal key, and
// keeps it in its ledger with the adjustments that resolve it — the insured side's bookings of
// the differing claims come with the request. Answers the doubly signed statement.
void ReconResponder::countersign(const std::shared_ptr<Side>& side, const ReconRequest& request,
                                 const Done& done) {
  Result<Countersigning> asked = read_countersigning(request, options_.peers);
  if (!asked.is_ok()) return done(asked.status());
  Status held = Status::ok();
  {
    std::lock_guard lock(side->mutex);
    held = check_against_side(*side->items, *asked);
  }
  if (!held.is_ok()) return done(held);
  Result<std::map<std::string, cl::SettlementRecord>> bookings = read_bookings(request, *asked);
  if (!bookings.is_ok()) return done(bookings.status());
  Result<lg::SigningKey> key = lg::SigningKey::load_private_pem(options_.seal_key_file);
  if (!key.is_ok()) return done(Status::unavailable("no seal key to countersign with"));
  Result<StatementSignature> own = sign_statement(asked->body, *key, options_.region);
  if (!own.is_ok()) return done(Status::unavailable(own.status().message()));
  const std::vector<StatementSignature> signatures{asked->insured_signature, *own};
  std::vector<std::string> ids;
  for (const auto& [setl_id, difference] : asked->differences) ids.push_back(setl_id);
  auto document = std::make_shared<std::string>();
  node_->write(
      [document, statement = asked->body, signatures, ids, records = std::move(*bookings),
       id = request.statement_id, day = request.day](lg::Ledger& ledger) -> Status {
        const std::string name = lg::documents::recon_statement(id);
        if (auto kept = ledger.document(name)) {  // countersigned before: the same, once
          *document = *kept;
          return Status::ok();
        }
        Result<size_t> staged = lg::stage_adjustments(ledger, records, id, ids, day);
        if (!staged.is_ok()) return staged.status();
        *document = signed_statement_json(statement, signatures, *staged);
        return ledger.stage_document(name, *document);
      },
      [done, document](Status status) {
        if (!status.is_ok()) return done(Status::unavailable(status.message()));
        done(*document);
      });
}

}  // namespace medclear::gateway
