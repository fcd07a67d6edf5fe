#include "gateway/recon_peer.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "adapters/json.h"
#include "ledger/crypto.h"

namespace medclear::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace cl = medclear::clearing;

struct HttpsReconPeer::Connection {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
};

namespace {

std::string list_of(const std::vector<uint64_t>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + std::to_string(values[i]);
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
                               std::string treating)
    : options_(options), connection_(std::make_unique<Connection>()) {
  adapters::JsonWriter w;
  w.begin_object().key("day").string(day.to_string()).key("insured").string(insured);
  w.key("treating").string(treating).end_object();
  prefix_ = w.str().substr(1, w.str().size() - 2);
}

HttpsReconPeer::~HttpsReconPeer() = default;

std::optional<std::string> HttpsReconPeer::call(const std::string& op, const std::string& fields) {
  Connection& c = *connection_;
  beast::error_code ec;
  if (!c.stream) {
    try {
      c.tls.load_verify_file(options_.ca_file);
      c.tls.set_verify_mode(asio::ssl::verify_peer);
      c.tls.use_certificate_chain_file(options_.certificate_file);
      c.tls.use_private_key_file(options_.key_file, asio::ssl::context::pem);
    } catch (const std::exception& e) {
      error_ = std::string("TLS files: ") + e.what();
      return std::nullopt;
    }
    c.stream.emplace(c.io, c.tls);
    beast::get_lowest_layer(*c.stream).expires_after(std::chrono::milliseconds(options_.timeout_ms));
    asio::ip::tcp::resolver resolver(c.io);
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (!ec) beast::get_lowest_layer(*c.stream).connect(endpoints, ec);
    if (!ec) c.stream->handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      c.stream.reset();
      error_ = "connect " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message();
      return std::nullopt;
    }
  }
  http::request<http::string_body> request{http::verb::post, "/v1/recon", 11};
  request.set(http::field::host, options_.host);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = "{" + prefix_ + ",\"op\":\"" + op + "\"" + (fields.empty() ? "" : "," + fields) + "}";
  request.prepare_payload();
  beast::get_lowest_layer(*c.stream).expires_after(std::chrono::milliseconds(options_.timeout_ms));
  http::write(*c.stream, request, ec);
  http::response<http::string_body> response;
  if (!ec) http::read(*c.stream, c.buffer, response, ec);
  ++requests_;
  if (ec) {
    c.stream.reset();
    error_ = "peer: " + ec.message();
    return std::nullopt;
  }
  http_bytes_ += request.body().size() + response.body().size();
  if (response.result() != http::status::ok) {
    error_ = "peer answered " + std::to_string(response.result_int()) + ": " + response.body();
    return std::nullopt;
  }
  return std::move(response.body());
}

std::optional<std::string> HttpsReconPeer::countersign(const std::string& statement,
                                                       const std::array<std::string, 3>& signature,
                                                       const std::vector<std::string>& records_hex) {
  adapters::JsonWriter w;
  w.begin_object().key("region").string(signature[0]).key("public_key").string(signature[1]);
  w.key("signature").string(signature[2]).end_object();
  std::string records = "[";
  for (size_t i = 0; i < records_hex.size(); ++i) records += (i ? ",\"" : "\"") + records_hex[i] + "\"";
  records += "]";
  return call("countersign", "\"statement\":" + statement + ",\"signature\":" + w.str() +
                                 ",\"records\":" + records);
}

std::optional<cl::ReconPeer::Summary> HttpsReconPeer::summary() {
  const std::optional<std::string> text = call("summary", "");
  if (!text) return std::nullopt;
  adapters::JsonParse parsed = adapters::parse_json(*text);
  if (!parsed.value) return std::nullopt;
  const auto size = count_of(parsed.value->find("size"));
  const auto wire = count_of(parsed.value->find("wire_bytes"));
  if (!size || !wire) return std::nullopt;
  peer_size_ = *size;
  return Summary{*size, *wire};
}

std::optional<cl::ReconSide::Totals> HttpsReconPeer::totals(int depth) {
  const std::optional<std::string> text = call("totals", "\"depth\":" + std::to_string(depth));
  if (!text) return std::nullopt;
  adapters::JsonParse parsed = adapters::parse_json(*text);
  if (!parsed.value) return std::nullopt;
  const adapters::Json& j = *parsed.value;
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

std::optional<std::vector<cl::ReconDigest>> HttpsReconPeer::children(int level, const std::vector<uint64_t>& nodes) {
  const std::optional<std::string> text =
      call("children", "\"level\":" + std::to_string(level) + ",\"nodes\":" + list_of(nodes));
  if (!text) return std::nullopt;
  adapters::JsonParse parsed = adapters::parse_json(*text);
  const adapters::Json* digests = parsed.value ? parsed.value->find("digests") : nullptr;
  if (digests == nullptr || !digests->is_array()) return std::nullopt;
  std::vector<cl::ReconDigest> out;
  for (const adapters::Json& d : digests->items) {
    const auto digest = digest_of(&d);
    if (!digest) return std::nullopt;
    out.push_back(*digest);
  }
  return out;
}

std::optional<std::vector<cl::ReconItem>> HttpsReconPeer::bucket_items(const std::vector<uint64_t>& buckets) {
  const std::optional<std::string> text = call("items", "\"buckets\":" + list_of(buckets));
  if (!text) return std::nullopt;
  adapters::JsonParse parsed = adapters::parse_json(*text);
  const adapters::Json* items = parsed.value ? parsed.value->find("items") : nullptr;
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
