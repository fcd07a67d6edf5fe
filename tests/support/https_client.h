// A blocking HTTPS client for tests (Beast over OpenSSL), presenting a client certificate of the
// development PKI, or none.
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <string>

namespace medclear::testing {

struct HttpAnswer {
  int status = 0;  // 0: no HTTP answer (connection refused, reset or closed)
  std::string body;
  std::string error;  // why there was no answer
  std::string content_type;
};

struct Identity {
  std::string certificate_file;  // empty: no client certificate
  std::string key_file;
};

class HttpsClient {
 public:
  HttpsClient(uint16_t port, const std::string& ca_file, const Identity& identity)
      : port_(port), tls_(boost::asio::ssl::context::tls_client) {
    tls_.load_verify_file(ca_file);
    tls_.set_verify_mode(boost::asio::ssl::verify_peer);
    if (!identity.certificate_file.empty()) {
      tls_.use_certificate_chain_file(identity.certificate_file);
      tls_.use_private_key_file(identity.key_file, boost::asio::ssl::context::pem);
    }
  }

  // One request on the kept-alive connection (opened on first use, reopened after a close).
  HttpAnswer request(boost::beast::http::verb method, const std::string& target,
                     const std::string& body = {},
                     const std::string& content_type = "application/json") {
    namespace beast = boost::beast;
    namespace http = beast::http;
    HttpAnswer answer;
    boost::system::error_code ec;
    if (!stream_) {
      stream_.emplace(io_, tls_);
      boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port_);
      beast::get_lowest_layer(*stream_).connect(endpoint, ec);
      if (!ec) stream_->handshake(boost::asio::ssl::stream_base::client, ec);
      if (ec) {
        stream_.reset();
        answer.error = "connect: " + ec.message();
        return answer;
      }
    }
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    request.keep_alive(true);
    request.body() = body;
    request.prepare_payload();
    http::write(*stream_, request, ec);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!ec) http::read(*stream_, buffer, response, ec);
    if (ec) {
      stream_.reset();
      answer.error = "exchange: " + ec.message();
      return answer;
    }
    answer.status = static_cast<int>(response.result_int());
    answer.body = response.body();
    answer.content_type = std::string(response[http::field::content_type]);
    if (!response.keep_alive()) stream_.reset();
    return answer;
  }

  HttpAnswer get(const std::string& target) {
    return request(boost::beast::http::verb::get, target);
  }
  HttpAnswer post(const std::string& target, const std::string& body,
                  const std::string& content_type = "application/json") {
    return request(boost::beast::http::verb::post, target, body, content_type);
  }

 private:
  uint16_t port_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> stream_;
};

}  // namespace medclear::testing
