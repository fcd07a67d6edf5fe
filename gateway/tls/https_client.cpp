#include "gateway/tls/https_client.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>

#include "gateway/tls/tls_policy.h"

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

namespace {

// Asks the handshake to check that the certificate names `host`: its IP SAN, or a DNS SAN for a
// name (which also goes out as SNI). False when OpenSSL refuses the name.
bool expect_host(SSL* ssl, const std::string& host) {
  boost::system::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  const int set = not_ip ? SSL_set1_host(ssl, host.c_str())
                         : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  if (not_ip) SSL_set_tlsext_host_name(ssl, host.c_str());
  return set == 1;
}

}  // namespace

// Forbidden when the server's certificate is not the one expected (peer_ou, peer_cn).
Status HttpsClient::check_peer(SSL* ssl) const {
  if (options_.peer_ou.empty() && options_.peer_cn.empty()) return Status::ok();
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return Status::forbidden("the server sent no certificate");
  const SubjectIdentity identity = subject_identity(peer);
  X509_free(peer);
  if (!identity.unique) {
    return Status::forbidden("the server certificate does not name exactly one OU and one CN");
  }
  if ((!options_.peer_ou.empty() && identity.role != options_.peer_ou) ||
      (!options_.peer_cn.empty() && identity.organisation != options_.peer_cn)) {
    return Status::forbidden("the server certificate is OU=" + identity.role +
                             ", CN=" + identity.organisation + ", not OU=" + options_.peer_ou +
                             ", CN=" + options_.peer_cn);
  }
  return Status::ok();
}

// Once: the TLS policy, the CA, and this client's certificate and key.
Status HttpsClient::load_tls() {
  Connection& c = *connection_;
  if (c.tls_loaded) return Status::ok();
  try {
    if (Status policy = apply_tls_policy(c.tls.native_handle(), false); !policy.is_ok()) {
      return Status::error("TLS: " + policy.message());
    }
    if (options_.ca_file.empty()) {
      c.tls.set_default_verify_paths();  // the system's trusted CAs
    } else {
      c.tls.load_verify_file(options_.ca_file);
    }
    c.tls.set_verify_mode(asio::ssl::verify_peer);
    if (!options_.certificate_file.empty()) {
      c.tls.use_certificate_chain_file(options_.certificate_file);
      c.tls.use_private_key_file(options_.key_file, asio::ssl::context::pem);
    }
  } catch (const std::exception& e) {  // asio reports a missing or bad file by exception
    return Status::invalid(std::string("TLS files: ") + e.what());
  }
  c.tls_loaded = true;
  return Status::ok();
}

// When there is no connection: resolve, connect, the host check, the handshake, the peer check.
Status HttpsClient::connect() {
  Connection& c = *connection_;
  if (c.stream) return Status::ok();
  c.stream.emplace(c.io, c.tls);
  c.buffer.clear();
  beast::tcp_stream& tcp = beast::get_lowest_layer(*c.stream);
  tcp.expires_after(std::chrono::milliseconds(options_.timeout_ms));
  beast::error_code ec;
  asio::ip::tcp::resolver resolver(c.io);
  auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
  if (!ec) tcp.connect(endpoints, ec);
  // Small requests and answers: no Nagle delay waiting for the peer's delayed ACK.
  if (!ec) tcp.socket().set_option(asio::ip::tcp::no_delay(true), ec);
  if (!ec && options_.check_host && !expect_host(c.stream->native_handle(), options_.host)) {
    ec = asio::error::invalid_argument;
  }
  if (!ec) c.stream->handshake(asio::ssl::stream_base::client, ec);
  const Status peer = ec ? Status::ok() : check_peer(c.stream->native_handle());
  if (ec || !peer.is_ok()) {
    c.stream.reset();
    const std::string where = "connect " + options_.host + ":" + std::to_string(options_.port);
    return ec ? Status::unavailable(where + ": " + ec.message())
              : Status::forbidden(where + ": " + peer.message());
  }
  ++connections_;
  return Status::ok();
}

HttpsAnswer HttpsClient::exchange(bool post, const std::string& target, const std::string& body) {
  HttpsAnswer answer;
  Status ready = load_tls();
  if (ready.is_ok()) ready = connect();
  if (!ready.is_ok()) {
    answer.error = ready.message();
    return answer;
  }
  Connection& c = *connection_;
  http::request<http::string_body> request{post ? http::verb::post : http::verb::get, target, 11};
  request.set(http::field::host, options_.host);
  if (post) request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  request.body() = body;
  request.prepare_payload();
  beast::get_lowest_layer(*c.stream).expires_after(std::chrono::milliseconds(options_.timeout_ms));
  beast::error_code ec;
  http::write(*c.stream, request, ec);
  http::response<http::string_body> response;
  if (!ec) http::read(*c.stream, c.buffer, response, ec);
  if (ec) {
    c.stream.reset();
    answer.error = "exchange with " + options_.host + ":" + std::to_string(options_.port) + ": " +
                   ec.message();
    return answer;
  }
  answer.status = static_cast<int>(response.result_int());
  answer.body = std::move(response.body());
  if (!response.keep_alive()) c.stream.reset();
  return answer;
}

}  // namespace medclear::gateway
