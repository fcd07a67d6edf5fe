#include "gateway/https_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

namespace medclear::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

struct HttpsClient::Connection {
  asio::io_context io;
  asio::ssl::context tls{asio::ssl::context::tls_client};
  bool tls_loaded = false;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream;
  beast::flat_buffer buffer;
};

HttpsClient::HttpsClient(HttpsClientOptions options)
    : options_(std::move(options)), connection_(std::make_unique<Connection>()) {}

HttpsClient::~HttpsClient() = default;

HttpsAnswer HttpsClient::post(const std::string& target, const std::string& body) {
  return exchange(true, target, body);
}

HttpsAnswer HttpsClient::get(const std::string& target) { return exchange(false, target, {}); }

HttpsAnswer HttpsClient::exchange(bool post, const std::string& target, const std::string& body) {
  Connection& c = *connection_;
  HttpsAnswer answer;
  beast::error_code ec;
  if (!c.tls_loaded) {
    try {
      c.tls.load_verify_file(options_.ca_file);
      c.tls.set_verify_mode(asio::ssl::verify_peer);
      if (!options_.certificate_file.empty()) {
        c.tls.use_certificate_chain_file(options_.certificate_file);
        c.tls.use_private_key_file(options_.key_file, asio::ssl::context::pem);
      }
    } catch (const std::exception& e) {
      answer.error = std::string("TLS files: ") + e.what();
      return answer;
    }
    c.tls_loaded = true;
  }
  const auto deadline = std::chrono::milliseconds(options_.timeout_ms);
  if (!c.stream) {
    c.stream.emplace(c.io, c.tls);
    c.buffer.clear();
    beast::get_lowest_layer(*c.stream).expires_after(deadline);
    asio::ip::tcp::resolver resolver(c.io);
    auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (!ec) beast::get_lowest_layer(*c.stream).connect(endpoints, ec);
    // Small requests and answers: no Nagle delay waiting for the peer's delayed ACK.
    if (!ec) beast::get_lowest_layer(*c.stream).socket().set_option(asio::ip::tcp::no_delay(true), ec);
    if (!ec) c.stream->handshake(asio::ssl::stream_base::client, ec);
    if (ec) {
      c.stream.reset();
      answer.error = "connect " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message();
      return answer;
    }
    ++connections_;
  }
  http::request<http::string_body> request{post ? http::verb::post : http::verb::get, target, 11};
  request.set(http::field::host, options_.host);
  if (post) request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  beast::get_lowest_layer(*c.stream).expires_after(deadline);
  http::write(*c.stream, request, ec);
  http::response<http::string_body> response;
  if (!ec) http::read(*c.stream, c.buffer, response, ec);
  if (ec) {
    c.stream.reset();
    answer.error = "exchange with " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message();
    return answer;
  }
  answer.status = static_cast<int>(response.result_int());
  answer.body = std::move(response.body());
  if (!response.keep_alive()) c.stream.reset();
  return answer;
}

}  // namespace medclear::gateway
