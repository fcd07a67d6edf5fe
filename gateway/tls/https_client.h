// A blocking HTTPS client (Beast over OpenSSL) with mutual TLS: one kept-alive connection to one
// server, opened on first use and again after the server closed it. Node-to-node calls, hospital
// simulators and benchmarks use it; it never retries by itself — the caller knows whether its
// request is idempotent (the national interface is, by msgid).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <openssl/ssl.h>

#include "clearing/status.h"

namespace medclear::gateway {

struct HttpsClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string ca_file;           // trusts the server's certificate; empty: the system's CAs
  std::string certificate_file;  // this client's; empty: none
  std::string key_file;
  int timeout_ms = 30'000;  // per exchange
  // The server certificate's identity, checked after the chain (node-to-node calls set both; a
  // hospital's client checks the chain only): its subject must hold exactly one OU and one CN,
  // equal to these. Empty: not checked.
  std::string peer_ou;
  std::string peer_cn;
  // Also check that the certificate names `host` (its subjectAltName IP or DNS entry).
  bool check_host = false;
};

struct HttpsAnswer {
  int status = 0;  // 0: no HTTP answer (TLS files, connect, reset or timeout: see error)
  std::string body;
  std::string error;
};

class HttpsClient {
 public:
  explicit HttpsClient(HttpsClientOptions options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  HttpsAnswer post(const std::string& target, const std::string& body);
  HttpsAnswer get(const std::string& target);

  const HttpsClientOptions& options() const { return options_; }
  int connections() const { return connections_; }  // opened so far

 private:
  struct Connection;
  Status check_peer(SSL* ssl) const;
  Status load_tls();
  Status connect();
  HttpsAnswer exchange(bool post, const std::string& target, const std::string& body);

  HttpsClientOptions options_;
  std::unique_ptr<Connection> connection_;
  int connections_ = 0;
};

}  // namespace medclear::gateway
