#include "gateway/recon/recon_peer.h"

#include <optional>

#include "adapters/json.h"
#include "ledger/crypto.h"

namespace medclear::gateway {

namespace cl = medclear::clearing;

namespace {

std::string list_of(const std::vector<uint64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  return out + "]";
}

std::optional<cl::ReconDigest> digest_of(const adapters::Json* json) {
  if (json == nullptr || !json->is_string()) return std::nullopt;
  Result<std::string> bytes = ledger::bytes_from_hex(json->text);
  if (!bytes.is_ok() || bytes->size() != 32) return std::nullopt;
  cl::ReconDigest digest{};
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

std::optional<uint64_t> count_of(const adapters::Json* json) {
  if (json == nullptr || !json->is_number() || json->text.empty() || json->text.size() > 19 ||
      json->text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(json->text);
}

}  // namespace

HttpsReconPeer::HttpsReconPeer(const ReconPeerOptions& options, cl::Date day, std::string insured,
                               std::string treating) {
  HttpsClientOptions client;
  client.host = options.host;
  client.port = options.port;
  client.ca_file = options.ca_file;
  client.certificate_file = options.certificate_file;
  client.key_file = options.key_file;
  client.timeout_ms = options.timeout_ms;
  client.peer_ou = "node";
  client.peer_cn = options.peer_cn.empty() ? treating : options.peer_cn;
  client.check_host = true;
  client_ = std::make_unique<HttpsClient>(std::move(client));
  adapters::JsonWriter w;
  w.begin_object().key("day").string(day.to_string()).key("insured").string(insured);
  w.key("treating").string(treating).end_object();
  prefix_ = w.str().substr(1, w.str().size() - 2);
}

HttpsReconPeer::~HttpsReconPeer() = default;

std::optional<std::string> HttpsReconPeer::call(const std::string& op, const std::string& fields) {
  const std::string body =
      "{" + prefix_ + ",\"op\":\"" + op + "\"" + (fields.empty() ? "" : "," + fields) + "}";
  HttpsAnswer answer = client_->post("/v1/recon", body);
  ++requests_;
  if (answer.status == 0) {
    error_ = "peer: " + answer.error;
    return std::nullopt;
  }
  http_bytes_ += body.size() + answer.body.size();
  if (answer.status != 200) {
    error_ = "peer answered " + std::to_string(answer.status) + ": " + answer.body;
    return std::nullopt;
  }
  return std::move(answer.body);
}

std::optional<std::string> HttpsReconPeer::countersign(
    const std::string& statement, const std::array<std::string, 3>& signature,
    const std::vector<std::string>& records_hex) {
  adapters::JsonWriter w;
  w.begin_object().key("region").string(signature[0]).key("public_key").string(signature[1]);
  w.key("signature").string(signature[2]).end_object();
  std::string records = "[";
  for (size_t i = 0; i < records_hex.size(); ++i) {
    records += i > 0 ? ",\"" : "\"";
    records += records_hex[i];
    records += '"';
  }
  records += ']';
  return call("countersign", "\"statement\":" + statement + ",\"signature\":" + w.str() +
                                 ",\"records\":" + records);
}

std::optional<cl::ReconPeer::Summary> HttpsReconPeer::summary() {
  const std::optional<std::string> text = call("summary", "");
  if (!text) return std::nullopt;
  Result<adapters::Json> parsed = adapters::parse_json(*text);
  if (!parsed.is_ok()) return std::nullopt;
  const auto size = count_of(parsed->find("size"));
  const auto wire = count_of(parsed->find("wire_bytes"));
  if (!size || !wire) return std::nullopt;
  peer_size_ = *size;
  return Summary{*size, *wire};
}

std::optional<cl::ReconSide::Totals> HttpsReconPeer::totals(int depth) {
  const std::optional<std::string> text = call("totals", "\"depth\":" + std::to_string(depth));
  if (!text) return std::nullopt;
  Result<adapters::Json> parsed = adapters::parse_json(*text);
  if (!parsed.is_ok()) return std::nullopt;
  const adapters::Json& j = *parsed;
  const auto count = count_of(j.find("count"));
  const auto root = digest_of(j.find("root"));
  const adapters::Json* amount = j.find("amount");
  const auto money = amount != nullptr ? cl::parse_signed_money(amount->text) : std::nullopt;
  if (!count || !root || !money) return std::nullopt;
  cl::ReconSide::Totals totals;
  totals.count = *count;
  totals.amount = *money;
  totals.root = *root;
  totals.depth = depth;
  return totals;
}

std::optional<std::vector<cl::ReconDigest>> HttpsReconPeer::children(
    int level, const std::vector<uint64_t>& nodes) {
  const std::optional<std::string> text =
      call("children", "\"level\":" + std::to_string(level) + ",\"nodes\":" + list_of(nodes));
  if (!text) return std::nullopt;
  Result<adapters::Json> parsed = adapters::parse_json(*text);
  const adapters::Json* digests = parsed.is_ok() ? parsed->find("digests") : nullptr;
  if (digests == nullptr || !digests->is_array()) return std::nullopt;
  std::vector<cl::ReconDigest> out;
  for (const adapters::Json& d : digests->items) {
    const auto digest = digest_of(&d);
    if (!digest) return std::nullopt;
    out.push_back(*digest);
  }
  return out;
}

std::optional<std::vector<cl::ReconItem>> HttpsReconPeer::bucket_items(
    const std::vector<uint64_t>& buckets) {
  const std::optional<std::string> text = call("items", "\"buckets\":" + list_of(buckets));
  if (!text) return std::nullopt;
  Result<adapters::Json> parsed = adapters::parse_json(*text);
  const adapters::Json* items = parsed.is_ok() ? parsed->find("items") : nullptr;
  if (items == nullptr || !items->is_array()) return std::nullopt;
  std::vector<cl::ReconItem> out;
  for (const adapters::Json& item : items->items) {
    const adapters::Json* id = item.find("setl_id");
    const adapters::Json* amount = item.find("amount");
    const adapters::Json* cancelled = item.find("cancelled");
    const auto money = amount != nullptr ? cl::parse_signed_money(amount->text) : std::nullopt;
    if (id == nullptr || !id->is_string() || !money || cancelled == nullptr) return std::nullopt;
    out.push_back({id->text, *money, cancelled->boolean});
  }
  return out;
}

}  // namespace medclear::gateway
