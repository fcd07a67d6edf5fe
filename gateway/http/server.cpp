#include "gateway/http/server.h"
#include "adapters/topics.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statvfs.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "adapters/json.h"
#include "adapters/log.h"
#include "adapters/nhsa.h"
#include "gateway/backoffice/audit_report.h"
#include "gateway/backoffice/ledger_json.h"
#include "gateway/backoffice/receipt.h"
#include "gateway/backoffice/sandbox.h"
#include "gateway/http/console.h"
#include "gateway/http/fhir_route.h"
#include "gateway/http/hospital_day.h"
#include "gateway/recon/recon_statement.h"
#include "gateway/recon/responder.h"
#include "gateway/tls/tls_policy.h"
#include "ledger/accounts.h"
#include "ledger/crypto.h"
#include "ledger/documents.h"
#include "ledger/entry.h"
#include "ledger/ledger.h"
#include "ledger/period_totals.h"

namespace medclear::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace cl = medclear::clearing;
namespace lg = medclear::ledger;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
// An audit report verifies whole ledgers on their workers: minutes for a big one, not millis.
constexpr int64_t kAuditTimeoutMs = 300'000;
// How long a settlement past answer_timeout_ms may wait to be durable in the intake before 202.
constexpr int64_t kKeptTimeoutMs = 5'000;

// Who is calling, from the client certificate of the TLS session.
struct Client {
  bool present = false;      // a certificate was sent
  bool verified = false;     // …and chains to the client CA, in its validity period
  std::string why;           // when not verified
  std::string role;          // OU
  std::string organisation;  // CN
  std::string key() const { return role + '/' + organisation; }
};

// The hospital that sent a claim: its certificate's CN is the claim's fixmedins_code. One rule
// for a claim's timeline and its receipt.
bool sent_by(const Client& client, std::string_view fixmedins_code) {
  return client.role == "hospital" && client.organisation == fixmedins_code;
}

Client identify(SSL* ssl) {
  Client client;
  X509* peer = SSL_get1_peer_certificate(ssl);
  if (peer == nullptr) return client;
  client.present = true;
  const long result = SSL_get_verify_result(ssl);
  client.verified = result == X509_V_OK;
  if (!client.verified) client.why = X509_verify_cert_error_string(result);
  // Exactly one OU and one CN: a subject with two of either is nobody, not its first.
  const SubjectIdentity identity = subject_identity(peer);
  X509_free(peer);
  if (!identity.unique) {
    if (client.verified) client.why = "the subject must hold exactly one OU and one CN";
    client.verified = false;
    return client;
  }
  client.role = identity.role;
  client.organisation = identity.organisation;
  return client;
}

struct Reply {
  http::status status = http::status::ok;
  std::string body;
  std::string content_type = "application/json";
  bool close = false;
  std::string allow;        // for 405
  std::string retry_after;  // seconds, for a 503 that will pass later
};

Reply make_reply(http::status status, std::string body,
                 std::string content_type = "application/json") {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.content_type = std::move(content_type);
  return reply;
}

Reply error_reply(http::status status, std::string_view message) {
  adapters::JsonWriter w;
  w.begin_object().key("error").string(message).end_object();
  return make_reply(status, w.take());
}

Reply json_reply(std::string body) { return make_reply(http::status::ok, std::move(body)); }

// The region's ledger disk is full (RegionNode::storage_full): nothing was kept. 503 with the
// stable err_code "storage_full" (its one home) and Retry-After; the node resumes by itself.
Reply storage_full_reply() {
  adapters::JsonWriter w;
  w.begin_object()
      .key("error")
      .string("the region's ledger disk is full; nothing was kept: send the same request later")
      .key("err_code")
      .string("storage_full")
      .end_object();
  Reply reply = make_reply(http::status::service_unavailable, w.take());
  reply.retry_after = "5";
  return reply;
}

// The HTTP status that answers a refusal of the kind `status` is.
http::status status_of(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalid:
      return http::status::bad_request;
    case StatusCode::kForbidden:
      return http::status::forbidden;
    case StatusCode::kNotFound:
      return http::status::not_found;
    case StatusCode::kConflict:
      return http::status::conflict;
    default:
      return http::status::service_unavailable;
  }
}

// Per-client request rate: GCRA (a token bucket without a refill thread), integer nanoseconds.
class RateLimiter {
 public:
  RateLimiter(uint32_t per_s, uint32_t burst)
      : interval_ns_(1'000'000'000 / std::max<uint32_t>(per_s, 1)),
        tolerance_ns_(interval_ns_ * std::max<uint32_t>(burst, 1)) {}
  bool allow(const std::string& client) {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
            .count();
    std::lock_guard lock(mutex_);
    int64_t& tat = next_[client];
    if (tat < now) tat = now;
    if (tat - now >= tolerance_ns_) return false;
    tat += interval_ns_;
    return true;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, int64_t> next_;
  int64_t interval_ns_;
  int64_t tolerance_ns_;
};

// Hands a value from another thread (the node's worker) to a coroutine, with a deadline.
template <class T>
struct Handoff {
  std::mutex mutex;
  std::optional<T> value;
  asio::any_io_executor executor;
  asio::steady_timer* timer = nullptr;  // while the coroutine waits
};

// `start` is taken by reference and must be a named object of the caller: GCC 12 destroys a
// temporary passed into a coroutine twice.
template <class T, class Start>
asio::awaitable<std::optional<T>> await_from_worker(const Start& start, Millis timeout) {
  auto handoff = std::make_shared<Handoff<T>>();
  handoff->executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(handoff->executor, timeout);
  {
    std::lock_guard lock(handoff->mutex);
    handoff->timer = &timer;
  }
  start([handoff](T value) {
    std::lock_guard lock(handoff->mutex);
    handoff->value = std::move(value);
    if (handoff->timer != nullptr) {
      asio::post(handoff->executor, [handoff] {
        std::lock_guard inner(handoff->mutex);
        if (handoff->timer != nullptr) handoff->timer->cancel();
      });
    }
  });
  bool answered = false;
  {
    std::lock_guard lock(handoff->mutex);
    answered = handoff->value.has_value();
  }
  if (!answered) co_await timer.async_wait(kAwait);
  std::lock_guard lock(handoff->mutex);
  handoff->timer = nullptr;
  co_return std::move(handoff->value);
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    out[std::string(pair.substr(0, eq))] =
        eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

void write_timeline(adapters::JsonWriter& w, const ClaimTimeline& claim) {
  w.begin_object();
  w.key("msgid").string(claim.msgid);
  w.key("infno").string(claim.infno);
  w.key("fixmedins_code").string(claim.fixmedins_code);
  w.key("treating_region").string(claim.treating_region);
  w.key("insured_region").string(claim.insured_region);
  w.key("setl_id").string(claim.setl_id);
  w.key("steps").begin_array();
  for (const TimelineStep& step : claim.steps) {
    w.begin_object().key("step").string(step.step).key("at").string(step.at);
    if (!step.detail.empty()) w.key("detail").string(step.detail);
    if (step.count > 1) w.key("count").integer(step.count).key("last_at").string(step.last_at);
    w.end_object();
  }
  w.end_array().end_object();
}

// The node's families for /metrics, read at scrape time (Prometheus conventions: what only grows
// is a counter named *_total, state is a gauge, units in names). One name per event rather than
// one family with an event label: a sum over events (claims sent + steps …) means nothing.
prometheus::MetricFamily node_family(const char* name, const char* help,
                                     prometheus::MetricType type, const std::string& region,
                                     double value) {
  prometheus::ClientMetric sample;
  sample.label.push_back({"region", region});
  (type == prometheus::MetricType::Counter ? sample.counter.value : sample.gauge.value) = value;
  return {name, help, type, {sample}};
}

// A counter of the region's node with one sample per result.
prometheus::MetricFamily counter_by_result(
    const char* name, const char* help, const std::string& region,
    std::initializer_list<std::pair<const char*, const std::atomic<uint64_t>*>> results) {
  prometheus::MetricFamily family{name, help, prometheus::MetricType::Counter, {}};
  for (const auto& [result, value] : results) {
    prometheus::ClientMetric sample;
    sample.label = {{"region", region}, {"result", result}};
    sample.counter.value = static_cast<double>(value->load());
    family.metric.push_back(sample);
  }
  return family;
}

// The nightly reconciliation's pairs by result, the last run's differences and time, and the
// daily seals by result.
void add_recon_families(const NodeCounters& c, const std::string& region,
                        std::vector<prometheus::MetricFamily>& families) {
  families.push_back(
      counter_by_result("medclear_node_reconciliations_total",
                        "Nightly reconciliation pairs (day and peer), by result", region,
                        {{"kept", &c.recon_pairs_kept}, {"failed", &c.recon_pairs_failed}}));
  families.push_back(
      counter_by_result("medclear_node_seals_total",
                        "Daily seals of the ledger (gateway/node/daily_seal.h), by result", region,
                        {{"written", &c.seals_written}, {"failed", &c.seals_failed}}));
  families.push_back(node_family(
      "medclear_node_reconciliation_differences",
      "Claims that differed at the last nightly reconciliation, all peers",
      prometheus::MetricType::Gauge, region, static_cast<double>(c.recon_differences_last.load())));
  families.push_back(node_family("medclear_node_reconciliation_last_run_timestamp_seconds",
                                 "When the last nightly reconciliation ended (Unix time); 0: never",
                                 prometheus::MetricType::Gauge, region,
                                 static_cast<double>(c.recon_last_run_unix_seconds.load())));
}

// Free and total bytes of the filesystem holding the ledger (for a disk-almost-full alert).
void add_disk_families(const RegionNode& node, std::vector<prometheus::MetricFamily>& families) {
  struct statvfs disk {};
  if (statvfs(node.ledger_dir().c_str(), &disk) != 0) return;
  const double block = static_cast<double>(disk.f_frsize);
  families.push_back(node_family(
      "medclear_ledger_filesystem_avail_bytes",
      "Bytes an unprivileged writer can still use on the ledger's filesystem",
      prometheus::MetricType::Gauge, node.region(), static_cast<double>(disk.f_bavail) * block));
  families.push_back(node_family(
      "medclear_ledger_filesystem_size_bytes", "Size of the ledger's filesystem in bytes",
      prometheus::MetricType::Gauge, node.region(), static_cast<double>(disk.f_blocks) * block));
}

std::vector<prometheus::MetricFamily> node_metric_families(const RegionNode& node) {
  using prometheus::MetricType;
  const NodeCounters& c = node.counters();
  const struct {
    const char* name;
    const char* help;
    const std::atomic<uint64_t>& value;
  } counters[] = {
      {"medclear_node_claims_sent_total", "Claims sent to their insured region", c.claims_sent},
      {"medclear_node_claims_resent_total", "Claims sent again, unanswered in time",
       c.claims_resent},
      {"medclear_node_claims_decided_total", "Claims of this region's insured decided",
       c.claims_decided},
      {"medclear_node_claims_expired_total", "Claims that left the intake unanswered",
       c.claims_expired},
      {"medclear_node_settlements_relayed_total", "Settlements published to the treating region",
       c.settlements_relayed},
      {"medclear_node_settlements_recorded_total",
       "Settlements of this region's hospitals written to its ledger", c.settlements_recorded},
      {"medclear_node_settlements_unsolicited_total",
       "Settlements for no claim of the intake (dead-lettered)", c.settlements_unsolicited},
      {"medclear_node_dead_letters_total", "Messages sent to this region's dead-letter topic",
       c.dead_letters},
      {"medclear_node_dead_letter_retries_total",
       "Dead letters the producer refused and that were tried again", c.dead_letters_refused},
      {"medclear_node_steps_total", "Worker steps (one ledger batch each)", c.steps}};
  std::vector<prometheus::MetricFamily> families;
  for (const auto& counter : counters) {
    families.push_back(node_family(counter.name, counter.help, MetricType::Counter, node.region(),
                                   static_cast<double>(counter.value.load())));
  }
  families.push_back(node_family("medclear_node_ledger_commit_seconds_total",
                                 "Time spent in ledger commits", MetricType::Counter, node.region(),
                                 static_cast<double>(c.step_micros_commit.load()) / 1e6));
  families.push_back(node_family(
      "medclear_node_claims_pending", "Claims sent to an insured region and not yet answered",
      MetricType::Gauge, node.region(), static_cast<double>(node.claims_in_flight())));
  families.push_back(node_family("medclear_node_failed",
                                 "1 when an operational failure (ledger, Kafka) stopped the node",
                                 MetricType::Gauge, node.region(), node.failure() ? 1.0 : 0.0));
  families.push_back(node_family("medclear_ledger_storage_full",
                                 "1 while the ledger's disk is full and the node takes no claim",
                                 MetricType::Gauge, node.region(),
                                 node.storage_full() ? 1.0 : 0.0));
  if (const std::optional<uint64_t> lag = node.kafka_lag()) {
    families.push_back(node_family(
        "medclear_node_kafka_lag_messages",
        "Messages in the node's consumed partitions not yet handled (high watermark minus the "
        "next offset its ledger keeps, summed)",
        MetricType::Gauge, node.region(), static_cast<double>(*lag)));
  }
  add_recon_families(c, node.region(), families);
  add_disk_families(node, families);
  return families;
}

}  // namespace

struct Gateway::Impl {
  GatewayOptions options;
  GatewayServices services;
  // The TLS context of new connections: replaced whole by reload_tls() (SIGHUP); a connection keeps
  // the one it was accepted with for its lifetime, so a reload drops nobody.
  std::shared_ptr<ssl::context> tls;
  std::mutex tls_mutex;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::thread> threads;
  uint16_t bound_port = 0;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> in_flight{0};
  std::atomic<uint64_t> serial{0};
  RateLimiter limiter;
  std::shared_ptr<spdlog::logger> log;
  std::atomic<bool> stopped{false};
  std::atomic<bool> draining{false};  // stop() was asked: answer what is open, then close

  // The treating side of the node-to-node reconciliation (POST /v1/recon).
  std::shared_ptr<ReconResponder> recon_responder;

  // Metrics (prometheus-cpp core: registry and text format).
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("medclear_http_requests_total")
          .Help("HTTP requests answered, by route and status code")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram()
          .Name("medclear_http_request_duration_seconds")
          .Help("Time from a request's last byte to its answer, by route")
          .Register(*registry);
  prometheus::Gauge& connections_open = prometheus::BuildGauge()
                                            .Name("medclear_gateway_connections_open")
                                            .Help("TLS connections open now")
                                            .Register(*registry)
                                            .Add({});
  prometheus::Gauge& settlements_in_flight =
      prometheus::BuildGauge()
          .Name("medclear_gateway_settlements_in_flight")
          .Help("Settlement requests waiting for their insured region now")
          .Register(*registry)
          .Add({});
  prometheus::Family<prometheus::Counter>& refusals =
      prometheus::BuildCounter()
          .Name("medclear_gateway_refused_total")
          .Help("Requests refused before any work, by reason")
          .Register(*registry);

  explicit Impl(const GatewayOptions& o, const GatewayServices& s)
      : options(o),
        services(s),
        limiter(o.limits.client_requests_per_s, o.limits.client_burst_requests) {}

  // A server context from the configured files: certificate, key, client CA and CRL.
  Result<std::shared_ptr<ssl::context>> make_tls_context() const {
    auto made = std::make_shared<ssl::context>(ssl::context::tls_server);
    ssl::context& server = *made;
    boost::system::error_code ec;
    server.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    // TLS 1.2 with ECDHE + AEAD only (no CBC), TLS 1.3 default suites, no compression or
    // renegotiation, the server's cipher order (gateway/tls/tls_policy.h).
    if (Status policy = apply_tls_policy(server.native_handle(), true); !policy.is_ok())
      return policy;
    server.use_certificate_chain_file(options.certificate_file, ec);
    if (ec)
      return Status::error("server certificate " + options.certificate_file + ": " + ec.message());
    server.use_private_key_file(options.key_file, ssl::context::pem, ec);
    if (ec) return Status::error("server key " + options.key_file + ": " + ec.message());
    server.load_verify_file(options.client_ca_file, ec);
    if (ec) return Status::error("client CA " + options.client_ca_file + ": " + ec.message());
    if (!options.crl_file.empty()) {
      if (Status crl = load_crl(server.native_handle(), options.crl_file); !crl.is_ok()) return crl;
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.client_ca_file.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(server.native_handle(), names);
    // Ask for a certificate but finish the handshake without one or with an untrusted one, so the
    // client gets an HTTP 401 that says why instead of a bare TLS alert.
    server.set_verify_mode(ssl::verify_peer);
    server.set_verify_callback([](bool, ssl::verify_context&) { return true; });
    static const unsigned char kSessionContext[] = "medclear";
    SSL_CTX_set_session_id_context(server.native_handle(), kSessionContext,
                                   sizeof kSessionContext - 1);
    return made;
  }

  // Reads the certificate files again into a new context for new connections; on any error the
  // context in use stays.
  Status reload_tls() {
    Result<std::shared_ptr<ssl::context>> made = make_tls_context();
    if (!made.is_ok()) return made.status();
    std::lock_guard lock(tls_mutex);
    tls = std::move(*made);
    return Status::ok();
  }

  std::shared_ptr<ssl::context> current_tls() {
    std::lock_guard lock(tls_mutex);
    return tls;
  }

  Status listen() {
    const int threads_wanted =
        options.threads > 0 ? options.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(options.listen_address, ec);
    if (ec) return Status::error("listen address " + options.listen_address + ": " + ec.message());
    uint16_t port = options.port;
    for (int i = 0; i < threads_wanted; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      auto acceptor = std::make_unique<tcp::acceptor>(*contexts.back());
      const tcp::endpoint endpoint(address, port);
      acceptor->open(endpoint.protocol(), ec);
      if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) {
        acceptor->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true),
                             ec);
      }
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
      if (ec)
        return Status::error("cannot listen on " + options.listen_address + ":" +
                             std::to_string(port) + ": " + ec.message());
      port = acceptor->local_endpoint().port();
      acceptors.push_back(std::move(acceptor));
    }
    bound_port = port;
    for (size_t i = 0; i < contexts.size(); ++i) {
      asio::co_spawn(*contexts[i], accept_loop(*acceptors[i]), asio::detached);
      threads.emplace_back([context = contexts[i].get()] { context->run(); });
    }
    return Status::ok();
  }

  asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kAwait);
      if (ec) {
        if (ec == asio::error::operation_aborted || stopped) co_return;
        // e.g. EMFILE: keep serving the connections we have, and try again a little later.
        refused("accept");
        asio::steady_timer pause(acceptor.get_executor(), Millis(10));
        co_await pause.async_wait(kAwait);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
    }
  }

  std::string route_label(std::string_view path) const {
    if (path == "/v1/nhsa") return "nhsa";
    if (path == kFhirClaimPath) return "fhir";
    if (path.starts_with("/v1/claims/") && path.ends_with("/receipt")) return "receipt";
    if (path.starts_with("/v1/claims/")) return "claims";
    if (path == "/v1/balances") return "balances";
    if (path == "/v1/reconciliations") return "reconciliations";
    if (path == "/v1/audit/report") return "audit";
    if (path == "/v1/sandbox") return "sandbox";
    if (path == "/v1/ledger/seals") return "seals";
    if (path == "/v1/clearing") return "clearing";
    if (path == "/console" || path.starts_with("/console/")) return "console";
    if (path == kHospitalReconPath) return "hospital_reconciliation";
    if (path.starts_with("/v1/ledger/proof/")) return "proof";
    if (path == "/v1/recon") return "recon";
    if (path == "/metrics" || path == "/healthz" || path == "/readyz")
      return std::string(path.substr(1));
    return "other";  // no such route: 404 before the certificate is looked at
  }

  void refused(const char* reason) { refusals.Add({{"reason", reason}}).Increment(); }

  // Connections per source address that have not (yet) shown a trusted certificate.
  std::mutex unverified_mutex;
  std::unordered_map<std::string, size_t> unverified_by_address;

  // Counts a connection against its address until it shows a trusted certificate or ends.
  class Unverified {
   public:
    Unverified(Impl& impl, std::string address) : impl_(impl), address_(std::move(address)) {
      std::lock_guard lock(impl_.unverified_mutex);
      over_ = ++impl_.unverified_by_address[address_] >
              impl_.options.limits.unverified_connections_per_address_max;
    }
    ~Unverified() { release(); }
    Unverified(const Unverified&) = delete;
    Unverified& operator=(const Unverified&) = delete;
    bool over_limit() const { return over_; }
    void release() {
      if (released_) return;
      released_ = true;
      std::lock_guard lock(impl_.unverified_mutex);
      auto it = impl_.unverified_by_address.find(address_);
      if (it != impl_.unverified_by_address.end() && --it->second == 0) {
        impl_.unverified_by_address.erase(it);
      }
    }

   private:
    Impl& impl_;
    std::string address_;
    bool over_ = false;
    bool released_ = false;
  };

  using TlsStream = beast::ssl_stream<beast::tcp_stream>;
  using Parser = http::request_parser<http::string_body>;

  // One connection: limits, TLS, the client's identity, then its requests until it closes.
  asio::awaitable<void> session(tcp::socket socket) {
    struct Count {
      std::atomic<size_t>& n;
      ~Count() { --n; }
    } count{connections};
    const bool over_limit = ++connections > options.limits.connections_max;
    boost::system::error_code address_ec;
    const tcp::endpoint peer = socket.remote_endpoint(address_ec);
    Unverified unverified(*this, address_ec ? std::string("?") : peer.address().to_string());
    if (unverified.over_limit()) {  // before the handshake costs anything
      refused("address_connections");
      co_return;
    }
    const auto anonymous_until = Clock::now() + Millis(options.limits.handshake_timeout_ms);
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    stream.expires_after(Millis(options.limits.handshake_timeout_ms));
    auto [detect_ec, is_tls] = co_await beast::async_detect_ssl(stream, buffer, kAwait);
    if (detect_ec) co_return;
    if (!is_tls) co_return co_await refuse_plain_http(stream);
    const std::shared_ptr<ssl::context> context = current_tls();  // outlives the stream
    TlsStream tls_stream(std::move(stream), *context);
    auto [handshake_ec, used] =
        co_await tls_stream.async_handshake(ssl::stream_base::server, buffer.data(), kAwait);
    if (handshake_ec) {
      refused("tls_handshake");
      co_return;
    }
    buffer.consume(used);
    const Client client = identify(tls_stream.native_handle());
    if (client.verified) unverified.release();
    if (!co_await serve_requests(tls_stream, buffer, client, anonymous_until, over_limit)) {
      co_return;  // the connection broke while answering
    }
    beast::get_lowest_layer(tls_stream).expires_after(Millis(1000));
    co_await tls_stream.async_shutdown(kAwait);
  }

  // Plain HTTP on the HTTPS port: say so, in plain HTTP, and close.
  asio::awaitable<void> refuse_plain_http(beast::tcp_stream& stream) {
    refused("plain_http");
    static const std::string kBody = "{\"error\":\"this port speaks HTTPS only\"}";
    static const std::string kPlain =
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
        "Content-Length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    stream.expires_after(Millis(options.limits.write_timeout_ms));
    co_await asio::async_write(stream, asio::buffer(kPlain), kAwait);
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);  // the peer may be gone
  }

  // Reads and answers requests until the client closes, a limit closes the connection, or the
  // gateway stops. False when a write failed (the connection is gone: no TLS shutdown).
  asio::awaitable<bool> serve_requests(TlsStream& tls_stream, beast::flat_buffer& buffer,
                                       const Client& client, Clock::time_point anonymous_until,
                                       bool over_limit) {
    bool keep_alive = true;
    while (keep_alive && !stopped) {
      // Without a trusted certificate a connection gets its 401s until handshake_timeout_ms
      // after it opened, then it is closed.
      if (!client.verified && Clock::now() >= anonymous_until) break;
      Parser parser;
      parser.body_limit(body_limit(client));
      parser.header_limit(static_cast<uint32_t>(options.limits.header_bytes_max));
      size_t first_n = 0;
      const std::optional<Clock::time_point> idle_until =
          client.verified ? std::nullopt : std::optional(anonymous_until);
      const boost::system::error_code read_ec =
          co_await read_request(tls_stream, buffer, parser, idle_until, first_n);
      if (closes_quietly(read_ec, first_n)) break;
      const auto started = Clock::now();
      std::string label = "other";
      Reply reply;
      if (read_ec) {
        reply = refusal_of(read_ec, client);
      } else {
        const auto& request = parser.get();
        keep_alive = request.keep_alive();
        const std::string_view target(request.target().data(), request.target().size());
        label = route_label(target.substr(0, target.find('?')));
        if (over_limit) {
          reply = too_many_connections();
        } else {  // not in a conditional expression: GCC 12 miscompiles co_await inside one
          reply = co_await handle(request, client);
        }
        if (label == "fhir") reply = as_fhir(std::move(reply));
      }
      if (reply.close || draining) keep_alive = false;
      if (!co_await send_reply(tls_stream, reply, keep_alive, label, started, client)) {
        co_return false;
      }
      if (reply.close && !parser.is_done()) {
        // The client may still be sending the rest of a refused request: read and drop it for a
        // moment, so closing does not reset the connection before it has read the answer.
        co_await linger(tls_stream);
      }
    }
    co_return true;
  }

  // Reads one request: idle until its first byte (idle_timeout_ms, or until `anonymous_until`
  // for a client without a trusted certificate), then read_timeout_ms for the whole of it.
  // `first_n` is what the first read brought (0: the connection was idle).
  asio::awaitable<boost::system::error_code> read_request(
      TlsStream& tls_stream, beast::flat_buffer& buffer, Parser& parser,
      const std::optional<Clock::time_point>& anonymous_until, size_t& first_n) {
    first_n = buffer.size();
    if (first_n == 0) {
      if (anonymous_until) {
        beast::get_lowest_layer(tls_stream).expires_at(*anonymous_until);
      } else {
        beast::get_lowest_layer(tls_stream).expires_after(Millis(options.limits.idle_timeout_ms));
      }
      auto [idle_ec, n] = co_await tls_stream.async_read_some(buffer.prepare(16 * 1024), kAwait);
      buffer.commit(n);
      first_n = n;
      if (idle_ec) co_return idle_ec;
    }
    // Not the stream's own timeout: that closes the socket, and a slow client should still read
    // its 408. A timer cancels the read instead.
    beast::get_lowest_layer(tls_stream).expires_never();
    auto armed = std::make_shared<bool>(true);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer deadline(tls_stream.get_executor(), Millis(options.limits.read_timeout_ms));
    deadline.async_wait([armed, timed_out, socket = &beast::get_lowest_layer(tls_stream).socket()](
                            boost::system::error_code ec) {
      if (ec || !*armed) return;
      *timed_out = true;
      socket->cancel(ec);
    });
    auto [rest_ec, rest_n] = co_await http::async_read(tls_stream, buffer, parser, kAwait);
    *armed = false;
    deadline.cancel();
    co_return *timed_out ? beast::error::timeout : rest_ec;
  }

  // A read that ends the connection without an answer: the client closed, an idle keep-alive
  // connection timed out, or the connection broke.
  static bool closes_quietly(const boost::system::error_code& read_ec, size_t first_n) {
    if (read_ec == http::error::end_of_stream || read_ec == asio::error::eof ||
        read_ec == ssl::error::stream_truncated) {
      return true;
    }
    if (read_ec == beast::error::timeout) return first_n == 0;
    if (read_ec == http::error::body_limit || read_ec == http::error::header_limit) return false;
    return read_ec &&
           read_ec.category() != http::make_error_code(http::error::bad_target).category();
  }

  // The answer to a request that could not be read whole; the connection closes after it.
  // A node's reconciliation statement carries the bookings of every difference (up to
  // ReconStatementBounds::differences_max): a verified node certificate gets its own limit.
  size_t body_limit(const Client& client) const {
    return client.verified && client.role == "node" ? options.limits.node_body_bytes_max
                                                    : options.limits.body_bytes_max;
  }

  Reply refusal_of(const boost::system::error_code& read_ec, const Client& client) {
    Reply reply;
    if (read_ec == beast::error::timeout) {
      refused("read_timeout");
      reply =
          error_reply(http::status::request_timeout, "request not received within read_timeout_ms");
    } else if (read_ec == http::error::body_limit) {
      refused("body_too_large");
      reply = error_reply(
          http::status::payload_too_large,
          std::string("body larger than ") +
              (body_limit(client) == options.limits.body_bytes_max ? "body_bytes_max="
                                                                   : "node_body_bytes_max=") +
              std::to_string(body_limit(client)));
    } else if (read_ec == http::error::header_limit) {
      refused("header_too_large");
      reply = error_reply(
          http::status::request_header_fields_too_large,
          "header larger than header_bytes_max=" + std::to_string(options.limits.header_bytes_max));
    } else {
      refused("malformed_http");
      reply =
          error_reply(http::status::bad_request, "malformed HTTP request: " + read_ec.message());
    }
    reply.close = true;
    return reply;
  }

  Reply too_many_connections() {
    refused("connections");
    Reply reply = error_reply(http::status::service_unavailable,
                              "too many connections (connections_max=" +
                                  std::to_string(options.limits.connections_max) + ")");
    reply.close = true;
    return reply;
  }

  // Writes the answer and counts it (requests by route and code, latency by route). False when
  // the write failed.
  // The arguments are references to the caller's named objects: GCC 12 destroys a temporary passed
  // by value into a coroutine twice.
  asio::awaitable<bool> send_reply(TlsStream& tls_stream, Reply& reply, bool keep_alive,
                                   const std::string& label, Clock::time_point started,
                                   const Client& client) {
    http::response<http::string_body> response{reply.status, 11};
    response.set(http::field::server, "medclear");
    response.set(http::field::content_type, reply.content_type);
    // Every answer: the console's pages run only this origin's own script (console.h), and no
    // browser guesses another type than the one named or keeps a copy of the data.
    response.set("Content-Security-Policy", kContentSecurityPolicy);
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set(http::field::cache_control, "no-store");
    if (!reply.allow.empty()) response.set(http::field::allow, reply.allow);
    if (!reply.retry_after.empty()) response.set(http::field::retry_after, reply.retry_after);
    response.keep_alive(keep_alive);
    response.body() = std::move(reply.body);
    response.prepare_payload();
    requests.Add({{"route", label}, {"code", std::to_string(static_cast<int>(reply.status))}})
        .Increment();
    latency
        .Add({{"route", label}},
             prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05,
                                                     0.1, 0.2, 0.5, 1, 2, 5, 10})
        .Observe(std::chrono::duration<double>(Clock::now() - started).count());
    if (static_cast<int>(reply.status) >= 500) {
      log->warn("http_answer route={} status={} client={}", label, static_cast<int>(reply.status),
                client.key());
    }
    beast::get_lowest_layer(tls_stream).expires_after(Millis(options.limits.write_timeout_ms));
    auto [write_ec, written] = co_await http::async_write(tls_stream, response, kAwait);
    co_return !write_ec;
  }

  asio::awaitable<void> linger(beast::ssl_stream<beast::tcp_stream>& stream) {
    static constexpr size_t kLingerBytesMax = 64 << 20;
    beast::get_lowest_layer(stream).expires_after(Millis(1000));
    std::vector<char> scratch(64 * 1024);
    for (size_t dropped = 0; dropped < kLingerBytesMax;) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), kAwait);
      if (ec) break;
      dropped += n;
    }
  }

  // ---- routing and authorization --------------------------------------------------------------

  // Every route but the health checks: a verified certificate of a known role, within its rate.
  std::optional<Reply> refuse_client(const Client& client) {
    if (!client.present) {
      refused("no_certificate");
      return error_reply(http::status::unauthorized, "a client certificate is required");
    }
    if (!client.verified) {
      refused("untrusted_certificate");
      return error_reply(http::status::unauthorized,
                         "client certificate not trusted: " + client.why);
    }
    if (client.role != "hospital" && client.role != "bureau" && client.role != "regulator" &&
        client.role != "node") {
      return error_reply(http::status::forbidden, "unknown role '" + client.role + "'");
    }
    if (!limiter.allow(client.key())) {
      refused("rate");
      return error_reply(http::status::too_many_requests,
                         "more than client_requests_per_s=" +
                             std::to_string(options.limits.client_requests_per_s));
    }
    return std::nullopt;
  }

  asio::awaitable<Reply> handle(const http::request<http::string_body>& request,
                                const Client& client) {
    const std::string_view target(request.target().data(), request.target().size());
    const size_t question = target.find('?');
    const std::string_view path = target.substr(0, question);
    const auto query = parse_query(
        question == std::string_view::npos ? std::string_view() : target.substr(question + 1));
    const auto method = request.method();
    auto only = [&](http::verb verb, const char* allow) -> std::optional<Reply> {
      if (method == verb) return std::nullopt;
      Reply r = error_reply(http::status::method_not_allowed, std::string("use ") + allow);
      r.allow = allow;
      return r;
    };
    // Open to anyone who completed the TLS handshake.
    if (path == "/healthz") {
      if (auto r = only(http::verb::get, "GET")) co_return *r;
      co_return json_reply("{\"status\":\"ok\"}");
    }
    if (path == "/readyz") {
      if (auto r = only(http::verb::get, "GET")) co_return *r;
      if (stopped || draining || services.node->failure()) {
        co_return error_reply(http::status::service_unavailable, "node not ready");
      }
      if (services.node->storage_full()) co_return storage_full_reply();
      co_return json_reply("{\"status\":\"ready\"}");
    }
    if (route_label(path) == "other")
      co_return error_reply(http::status::not_found, "no such route");
    if (std::optional<Reply> refusal = refuse_client(client)) co_return std::move(*refusal);
    if (path == "/v1/nhsa" || path == kFhirClaimPath) {
      if (auto r = only(http::verb::post, "POST")) co_return *r;
      if (path == kFhirClaimPath) co_return co_await fhir_claim(request, client);
      co_return co_await nhsa(request.body(), client);
    }
    if (path == "/v1/recon" || path == "/v1/sandbox") {
      if (auto r = only(http::verb::post, "POST")) co_return *r;
      if (path == "/v1/sandbox") co_return co_await sandbox(request.body(), query, client);
      co_return co_await recon(request.body(), client);
    }
    if (path == kHospitalReconPath) co_return co_await hospital_recon(request, query, client);
    if (auto r = only(http::verb::get, "GET")) co_return *r;
    if (path == "/metrics") co_return metrics(client);
    if (route_label(path) == "console") co_return console(path, client);
    if (path == "/v1/clearing") co_return co_await clearing_statement(query, client);
    if (path.starts_with("/v1/claims/") && path.ends_with("/receipt")) {
      co_return co_await receipt(std::string(path.substr(11, path.size() - 11 - 8)), client);
    }
    if (path.starts_with("/v1/claims/")) co_return claim(std::string(path.substr(11)), client);
    if (path == "/v1/balances") co_return co_await balances(query, client);
    if (path == "/v1/reconciliations") co_return co_await reconciliations(query, client);
    if (path == "/v1/audit/report") co_return co_await audit_report(query, client);
    if (path == "/v1/ledger/seals") co_return co_await ledger_read(query, client, "");
    co_return co_await ledger_read(query, client, std::string(path.substr(17)));
  }

  // The metrics tell a region's business volumes: for regulators and the region's own bureau and
  // node (a monitoring system scrapes with one of those certificates), not for hospitals.
  Reply metrics(const Client& client) {
    std::variant<Reply, RegionNode*> region = region_for({}, client);
    if (Reply* refusal = std::get_if<Reply>(&region)) return *refusal;
    if (std::get<RegionNode*>(region) != services.node) {
      return error_reply(
          http::status::forbidden,
          "the metrics of " + options.region + " are for its bureau, its node and regulators");
    }
    return make_reply(http::status::ok, metrics_text(), "text/plain; version=0.0.4");
  }

  // GET /console/…: the console's files (console.h), for bureaus and regulators only.
  Reply console(std::string_view path, const Client& client) {
    if (client.role != "bureau" && client.role != "regulator") {
      return error_reply(http::status::forbidden, "the console is for bureaus and regulators");
    }
    ConsoleFile file =
        console_file(path, {client.role, client.organisation, options.region, services.regions});
    if (!file.found) return error_reply(http::status::not_found, "no such route");
    return make_reply(http::status::ok, std::move(file.body), std::move(file.content_type));
  }

  // GET /v1/clearing?period=YYYY-MM[&region=R]: the region's clearing statement of that month
  // as its ledger keeps it (gateway/backoffice/clearing_house.h records it; the same text), for
  // the region's bureau and regulators; 404 while the month is not cleared there.
  asio::awaitable<Reply> clearing_statement(const std::map<std::string, std::string>& query,
                                            const Client& client) {
    if (client.role != "bureau" && client.role != "regulator") {
      co_return error_reply(http::status::forbidden, "for regulators and the region's bureau");
    }
    auto period = query.find("period");
    if (period == query.end() || !lg::last_day_of_period(period->second)) {
      co_return error_reply(http::status::bad_request, "period=YYYY-MM is required");
    }
    auto target = region_for(query, client);
    if (auto* reply = std::get_if<Reply>(&target)) co_return *reply;
    RegionNode* node = std::get<RegionNode*>(target);
    const std::string name = lg::documents::clearing_statement(period->second);
    const auto start = [node, name](auto done) {
      node->read_snapshot([done = std::move(done), name](const lg::Ledger* ledger) {
        if (ledger == nullptr)
          return done(error_reply(http::status::service_unavailable, "node not ready"));
        Result<std::optional<std::string>> found = ledger->find_document(name);
        if (!found.is_ok()) {
          return done(error_reply(http::status::service_unavailable, found.status().message()));
        }
        if (!*found) return done(error_reply(http::status::not_found, "not cleared: " + name));
        done(json_reply(std::move(**found)));
      });
    };
    auto reply = co_await await_from_worker<Reply>(start, Millis(options.limits.answer_timeout_ms));
    if (!reply) co_return error_reply(http::status::service_unavailable, "node not ready");
    co_return std::move(*reply);
  }

  // The region a bureau or regulator asks about: a bureau only its own; a regulator any, with
  // ?region= (default: this gateway's).
  std::variant<Reply, RegionNode*> region_for(const std::map<std::string, std::string>& query,
                                              const Client& client) {
    std::string region = options.region;
    if (auto it = query.find("region"); it != query.end()) region = it->second;
    if (!cl::is_division_code(region))
      return error_reply(http::status::bad_request, "region must be 6 digits");
    if (client.role == "bureau" || client.role == "node") {
      if (query.count("region") == 0) region = client.organisation;
      if (region != client.organisation) {
        return error_reply(http::status::forbidden, "a bureau reads its own region only");
      }
    } else if (client.role != "regulator") {
      return error_reply(http::status::forbidden, "for bureaus and regulators");
    }
    RegionNode* node = region == options.region ? services.node
                       : services.node_of       ? services.node_of(region)
                                                : nullptr;
    if (node == nullptr) {
      return error_reply(http::status::not_found, "region " + region + " is not served here");
    }
    return node;
  }

  asio::awaitable<Reply> balances(const std::map<std::string, std::string>& query,
                                  const Client& client) {
    auto target = region_for(query, client);
    if (auto* reply = std::get_if<Reply>(&target)) co_return *reply;
    RegionNode* node = std::get<RegionNode*>(target);
    const auto start = [node](auto done) {
      node->read_snapshot([done = std::move(done), node](const lg::Ledger* ledger) {
        if (ledger == nullptr) return done(std::nullopt);
        Result<std::map<std::string, cl::Money>> accounts = ledger->balances();
        if (!accounts.is_ok()) return done(std::nullopt);
        done(balances_json(node->region(), *accounts));
      });
    };
    auto body = co_await await_from_worker<std::optional<std::string>>(
        start, Millis(options.limits.answer_timeout_ms));
    if (!body || !*body) co_return error_reply(http::status::service_unavailable, "node not ready");
    co_return json_reply(std::move(**body));
  }

  static std::string balances_json(const std::string& region,
                                   const std::map<std::string, cl::Money>& accounts) {
    // Insured side: payable:<T> is credited (negative, debit-positive balances). Treating side:
    // receivable:<I> is debited.
    std::map<std::string, std::pair<cl::Money, cl::Money>> positions;  // region → (recv, payable)
    for (const auto& [account, amount] : accounts) {
      const std::optional<lg::accounts::Parsed> parsed = lg::accounts::parse(account);
      if (!parsed) continue;
      const std::string counterpart(parsed->code);
      if (parsed->kind == lg::accounts::Kind::kReceivable) positions[counterpart].first = amount;
      if (parsed->kind == lg::accounts::Kind::kPayable) positions[counterpart].second = -amount;
    }
    adapters::JsonWriter w;
    w.begin_object();
    w.key("region").string(region);
    w.key("as_of").string(Timeline::now_utc());
    w.key("positions").begin_array();
    cl::Money receivable, payable;
    for (const auto& [other, amounts] : positions) {
      w.begin_object().key("counterparty").string(other);
      w.key("receivable").string(amounts.first.to_string());
      w.key("payable").string(amounts.second.to_string());
      w.key("net").string((amounts.first - amounts.second).to_string());
      w.end_object();
      receivable = receivable + amounts.first;
      payable = payable + amounts.second;
    }
    w.end_array();
    w.key("totals").begin_object();
    w.key("receivable").string(receivable.to_string());
    w.key("payable").string(payable.to_string());
    w.key("net").string((receivable - payable).to_string());
    w.end_object().end_object();
    return w.take();
  }

  // The signed statements of the nightly reconciliation of `day` that the region's ledger keeps.
  asio::awaitable<Reply> reconciliations(const std::map<std::string, std::string>& query,
                                         const Client& client) {
    if (client.role == "hospital") {
      co_return error_reply(http::status::forbidden, "for bureaus, regulators and nodes");
    }
    auto day = query.find("day");
    if (day == query.end() || !cl::parse_date(day->second)) {
      co_return error_reply(http::status::bad_request, "day=YYYY-MM-DD is required");
    }
    auto target = region_for(query, client);
    if (auto* reply = std::get_if<Reply>(&target)) co_return *reply;
    RegionNode* node = std::get<RegionNode*>(target);
    const std::string wanted = day->second;
    const auto start = [node, wanted](auto done) {
      node->read_snapshot([done = std::move(done), node, wanted](const lg::Ledger* ledger) {
        if (ledger == nullptr) return done(std::nullopt);
        Result<std::vector<std::string>> statements = recorded_statements(*ledger, wanted);
        if (!statements.is_ok()) return done(std::nullopt);
        adapters::JsonWriter w;
        w.begin_object().key("day").string(wanted).key("region").string(node->region());
        w.key("statements").begin_array();
        for (const std::string& statement : *statements) {
          Result<adapters::Json> parsed = adapters::parse_json(statement);
          if (parsed.is_ok()) w.value(*parsed);  // the same text: the signature still holds
        }
        w.end_array().end_object();
        done(w.take());
      });
    };
    auto body = co_await await_from_worker<std::optional<std::string>>(
        start, Millis(options.limits.answer_timeout_ms));
    if (!body || !*body) co_return error_reply(http::status::service_unavailable, "node not ready");
    co_return json_reply(std::move(**body));
  }

  // POST /v1/recon: the treating side of the reconciliation protocol, answered by the responder
  // (gateway/recon/responder.h) for the node whose certificate names its region.
  asio::awaitable<Reply> recon(const std::string& body, const Client& client) {
    if (client.role != "node") co_return error_reply(http::status::forbidden, "for region nodes");
    const auto start = [responder = recon_responder, body, caller = client.organisation](
                           auto done) { responder->answer(body, caller, std::move(done)); };
    auto answer = co_await await_from_worker<Result<std::string>>(start, Millis(kAuditTimeoutMs));
    if (!answer) co_return error_reply(http::status::service_unavailable, "node did not answer");
    if (!answer->is_ok()) {
      co_return error_reply(status_of(answer->status()), answer->status().message());
    }
    co_return json_reply(std::move(**answer));
  }

  // The regulators' audit report over every region this process serves: each ledger read (and
  // verified) over a snapshot on its node's reader thread, then merged
  // (gateway/backoffice/audit_report.h).
  asio::awaitable<Reply> audit_report(const std::map<std::string, std::string>& query,
                                      const Client& client) {
    if (client.role != "regulator") {
      co_return error_reply(http::status::forbidden, "audit reports are for regulators");
    }
    const auto from = query.count("from") ? cl::parse_date(query.at("from")) : std::nullopt;
    const auto to = query.count("to") ? cl::parse_date(query.at("to")) : std::nullopt;
    const std::string format = query.count("format") ? query.at("format") : "json";
    if (!from || !to || *to < *from) {
      co_return error_reply(http::status::bad_request, "from=YYYY-MM-DD&to=YYYY-MM-DD, from <= to");
    }
    if (format != "json" && format != "csv" && format != "html") {
      co_return error_reply(http::status::bad_request, "format is json, csv or html");
    }
    std::vector<std::string> regions = services.regions;
    if (regions.empty()) regions.push_back(options.region);
    std::vector<AuditScan> scans;
    for (const std::string& region : regions) {
      RegionNode* node = region == options.region ? services.node
                         : services.node_of       ? services.node_of(region)
                                                  : nullptr;
      if (node == nullptr) continue;
      const cl::ReferenceData* reference = services.reference;
      const cl::Date first = *from, last = *to;
      using Scanned = std::pair<std::optional<AuditScan>, std::string>;
      const auto start = [node, reference, first, last](auto done) {
        node->read_snapshot(
            [done = std::move(done), reference, first, last](const lg::Ledger* ledger) {
              if (ledger == nullptr) return done(Scanned{std::nullopt, "node not ready"});
              Result<AuditScan> scan = scan_for_audit(*ledger, first, last, reference);
              if (!scan.is_ok()) return done(Scanned{std::nullopt, scan.status().message()});
              done(Scanned{std::move(*scan), ""});
            });
      };
      auto scanned = co_await await_from_worker<Scanned>(start, Millis(kAuditTimeoutMs));
      if (!scanned || !scanned->first) {
        co_return error_reply(
            http::status::service_unavailable,
            "region " + region + ": " + (scanned ? scanned->second : "timed out"));
      }
      scans.push_back(std::move(*scanned->first));
    }
    const AuditReport report = merge_audit(std::move(scans), *from, *to);
    Reply reply = json_reply(format == "json"  ? audit_json(report)
                             : format == "csv" ? audit_csv(report)
                                               : audit_html(report));
    if (format == "csv") reply.content_type = "text/csv; charset=utf-8";
    if (format == "html") reply.content_type = "text/html; charset=utf-8";
    co_return reply;
  }

  // POST /v1/sandbox: a draft policy (the body) over its insured region's ledger, for that
  // region's bureau and regulators, on the node's reader thread over a snapshot
  // (gateway/backoffice/sandbox.h), capped at kSandboxClaimsMax claims and kSandboxTimeoutMs.
  asio::awaitable<Reply> sandbox(const std::string& body,
                                 const std::map<std::string, std::string>& query,
                                 const Client& client) {
    if (client.role != "bureau" && client.role != "regulator") {
      co_return error_reply(http::status::forbidden, "the sandbox is for bureaus and regulators");
    }
    Result<SandboxQuery> asked = parse_sandbox_query(body, query, services.reference->codes);
    if (!asked.is_ok()) co_return error_reply(status_of(asked.status()), asked.status().message());
    auto target = region_for({{"region", lg::region_of(asked->draft.admdvs)}}, client);
    if (auto* reply = std::get_if<Reply>(&target)) co_return *reply;
    RegionNode* node = std::get<RegionNode*>(target);
    auto shared = std::make_shared<const SandboxQuery>(std::move(*asked));
    const cl::ReferenceData* reference = services.reference;
    using Answer = Result<std::pair<std::string, std::string>>;
    const auto start = [node, reference, shared](auto done) {
      node->read_snapshot([done = std::move(done), reference, shared](const lg::Ledger* ledger) {
        if (ledger == nullptr) return done(Answer(Status::unavailable("node not ready")));
        Result<SandboxResult> result =
            run_sandbox(*ledger, *reference, shared->draft, shared->options);
        if (!result.is_ok()) return done(Answer(result.status()));
        done(Answer(render_sandbox(*result, shared->format)));
      });
    };
    auto answer = co_await await_from_worker<Answer>(start, Millis(kSandboxTimeoutMs + 5'000));
    if (!answer) co_return error_reply(http::status::service_unavailable, "sandbox timed out");
    if (!answer->is_ok()) {
      co_return error_reply(status_of(answer->status()), answer->status().message());
    }
    co_return make_reply(http::status::ok, std::move((*answer)->first),
                         std::move((*answer)->second));
  }

  // Seals (setl_id empty) or the inclusion proof of one settlement.
  asio::awaitable<Reply> ledger_read(const std::map<std::string, std::string>& query,
                                     const Client& client, std::string setl_id) {
    if (client.role != "bureau" && client.role != "regulator") {
      co_return error_reply(http::status::forbidden, "for regulators and the region's bureau");
    }
    auto target = region_for(query, client);
    if (auto* reply = std::get_if<Reply>(&target)) co_return *reply;
    RegionNode* node = std::get<RegionNode*>(target);
    const auto start = [node, setl_id](auto done) {
      node->read_snapshot([done = std::move(done), setl_id](const lg::Ledger* ledger) {
        if (ledger == nullptr) {
          return done(error_reply(http::status::service_unavailable, "node not ready"));
        }
        if (setl_id.empty()) {
          Result<std::string> seals = seals_json(*ledger);
          return done(seals.is_ok() ? json_reply(*seals)
                                    : error_reply(http::status::internal_server_error,
                                                  seals.status().message()));
        }
        if (!ledger->seq_by_setl_id(setl_id)) {
          return done(error_reply(http::status::not_found, "no settlement " + setl_id));
        }
        Result<std::string> proof = inclusion_proof_json(*ledger, setl_id);
        done(proof.is_ok() ? json_reply(*proof)
                           : error_reply(http::status::conflict, proof.status().message()));
      });
    };
    auto answer =
        co_await await_from_worker<Reply>(start, Millis(options.limits.answer_timeout_ms));
    if (!answer) co_return error_reply(http::status::service_unavailable, "node busy");
    co_return std::move(*answer);
  }

  Reply claim(const std::string& msgid, const Client& client) {
    const std::optional<ClaimTimeline> found = services.timeline->find(msgid);
    if (!found) return error_reply(http::status::not_found, "no claim with msgid " + msgid);
    const bool allowed = client.role == "regulator" || sent_by(client, found->fixmedins_code) ||
                         ((client.role == "bureau" || client.role == "node") &&
                          (client.organisation == found->treating_region ||
                           client.organisation == found->insured_region));
    if (!allowed) {
      return error_reply(http::status::forbidden,
                         "the sending hospital, the two regions' bureaus and regulators only");
    }
    adapters::JsonWriter w;
    write_timeline(w, *found);
    return json_reply(w.take());
  }

  // ---- POST /fhir/r4/Claim: FHIR in and out, settled on the path of /v1/nhsa (fhir_route.h) ----

  asio::awaitable<Reply> fhir_claim(const http::request<http::string_body>& request,
                                    const Client& client) {
    const FhirCall call{request[http::field::content_type], request.body(), client.role,
                        client.organisation, options.region};
    const FhirClaim claim = read_fhir_claim(call, services.reference->codes);
    if (claim.refusal) co_return as_fhir(*claim.refusal);
    const Reply national = co_await nhsa(claim.envelope, client, true);
    co_return as_fhir(fhir_answer(*claim.request, static_cast<unsigned>(national.status),
                                  national.body, *services.reference));
  }
  static Reply as_fhir(const FhirReply& fhir) {
    return make_reply(static_cast<http::status>(fhir.status), fhir.body, "application/fhir+json");
  }
  // The gateway's own refusals ({"error": …}) on the FHIR route, as OperationOutcomes.
  static Reply as_fhir(Reply reply) {
    if (reply.content_type == "application/fhir+json") return reply;
    Reply fhir = as_fhir(fhir_refusal(static_cast<unsigned>(reply.status), reply.body));
    fhir.close = reply.close;
    fhir.allow = std::move(reply.allow);
    return fhir;
  }

  // The hospital's day (gateway/http/hospital_day.h): a refusal at once, or its job over a ledger
  // snapshot on the node's reader thread.
  asio::awaitable<Reply> hospital_day(const HospitalDayWork& work) {
    if (const auto* now = std::get_if<HospitalDayReply>(&work)) {
      co_return make_reply(static_cast<http::status>(now->status), now->body, now->content_type);
    }
    auto job = std::make_shared<const HospitalDayJob>(std::get<HospitalDayJob>(work));
    const auto start = [node = services.node, job](auto done) {
      node->read_snapshot([done = std::move(done), job](const lg::Ledger* ledger) {
        if (ledger == nullptr) return done(HospitalDayReply{503, R"({"error":"node not ready"})"});
        done((*job)(*ledger));
      });
    };
    auto answer = co_await await_from_worker<HospitalDayReply>(
        start, Millis(options.limits.answer_timeout_ms));
    if (!answer) co_return error_reply(http::status::service_unavailable, "node busy");
    co_return make_reply(static_cast<http::status>(answer->status), std::move(answer->body),
                         std::move(answer->content_type));
  }

  // POST /v1/hospital/reconciliation?day=: the 3202 detail reconciliation of a hospital's day.
  asio::awaitable<Reply> hospital_recon(const http::request<http::string_body>& request,
                                        const std::map<std::string, std::string>& query,
                                        const Client& client) {
    if (request.method() != http::verb::post) {
      Reply reply = error_reply(http::status::method_not_allowed, "use POST");
      reply.allow = "POST";
      co_return reply;
    }
    const HospitalDayWork work =
        detail_work(request.body(), query, {client.role, client.organisation});
    co_return co_await hospital_day(work);
  }

  // GET /v1/claims/{msgid}/receipt: for the hospital that sent the claim, once the business day
  // of its entry in this region's ledger is sealed (gateway/backoffice/receipt.h).
  asio::awaitable<Reply> receipt(std::string msgid, const Client& client) {
    if (client.role != "hospital") {
      co_return error_reply(http::status::forbidden, "a receipt is for the hospital that sent it");
    }
    // A msgid begins with its sender's code: another hospital's is not even looked up, so the
    // answer does not tell whether it exists.
    if (!msgid.starts_with(client.organisation)) {
      co_return error_reply(http::status::not_found, "no claim of yours with this msgid");
    }
    const auto start = [node = services.node, msgid, client](auto done) {
      node->read_snapshot([done = std::move(done), msgid, client](const lg::Ledger* ledger) {
        if (ledger == nullptr) {
          return done(error_reply(http::status::service_unavailable, "node not ready"));
        }
        const auto seq = ledger->seq_by_msgid(msgid);
        if (!seq) return done(error_reply(http::status::not_found, "no claim with msgid " + msgid));
        Result<lg::DecodedEntry> entry = ledger->entry(*seq);
        if (entry.is_ok() && !sent_by(client, entry->entry.record.fixmedins_code)) {
          return done(error_reply(http::status::forbidden, "the hospital that sent it only"));
        }
        Result<std::string> receipt =
            entry.is_ok() ? receipt_json(*ledger, msgid) : Result<std::string>(entry.status());
        done(receipt.is_ok()
                 ? json_reply(std::move(*receipt))
                 : error_reply(status_of(receipt.status()), receipt.status().message()));
      });
    };
    auto answer =
        co_await await_from_worker<Reply>(start, Millis(options.limits.answer_timeout_ms));
    if (!answer) co_return error_reply(http::status::service_unavailable, "node busy");
    co_return std::move(*answer);
  }

  // ---- POST /v1/nhsa ----------------------------------------------------------------------------

  // `from_fhir`: the body is the national envelope the FHIR route mapped, so no dialect applies.
  asio::awaitable<Reply> nhsa(const std::string& body, const Client& client,
                              bool from_fhir = false) {
    if (client.role != "hospital") {
      co_return error_reply(http::status::forbidden, "POST /v1/nhsa is for hospitals");
    }
    adapters::JsonLimits limits;
    limits.depth_max = 8;  // envelope → input → feedetail → line: a request nests no deeper
    limits.document_bytes_max = options.limits.body_bytes_max;
    std::string national;  // the body in the national form, when a dialect applies
    if (std::optional<Reply> refusal =
            from_fhir ? std::nullopt : to_national(body, client, limits, national)) {
      co_return std::move(*refusal);
    }
    const std::string& text = national.empty() ? body : national;
    const Result<adapters::JsonDoc> json = adapters::parse_json_doc(text, limits);  // views text
    if (!json.is_ok()) {
      co_return error_reply(http::status::bad_request,
                            "malformed JSON: " + json.status().message());
    }
    if (!json->root().is_object()) {
      co_return error_reply(http::status::bad_request,
                            "the body must be one request envelope (an object)");
    }
    if (std::optional<Reply> refusal = refuse_foreign(json->root(), client)) {
      co_return std::move(*refusal);
    }
    if (adapters::is_totals_request(json->root())) {  // 3201: gateway/http/hospital_day.h
      const HospitalDayWork work = totals_work(json->root(), {client.role, client.organisation},
                                               options.region, services.reference->codes, ++serial);
      co_return co_await hospital_day(work);
    }
    const adapters::NhsaParse parse =
        adapters::parse_nhsa_request(json->root(), services.reference->codes);
    const adapters::ResponseStamp stamp = adapters::stamp_now(options.region, ++serial);
    if (!parse.request) {
      co_return json_reply(adapters::build_nhsa_rejection(stamp, parse.msgid, parse.rejection));
    }
    const cl::Envelope& envelope = parse.request->envelope;
    if (envelope.fixmedins_code != client.organisation) {  // required by the parse: present now
      co_return error_reply(http::status::forbidden,
                            "fixmedins_code is not the institution of the client certificate");
    }
    if (in_flight.load() >= options.limits.settlements_in_flight_max) {
      refused("in_flight");
      co_return error_reply(http::status::service_unavailable,
                            "too many settlements in flight (settlements_in_flight_max=" +
                                std::to_string(options.limits.settlements_in_flight_max) + ")");
    }
    services.timeline->received(
        {envelope.msgid,
         std::string(cl::to_string(envelope.infno)),
         envelope.fixmedins_code,
         options.region,
         envelope.insuplc_admdvs.empty() ? std::string() : cl::region_of(envelope.insuplc_admdvs),
         "",
         {}});
    ++in_flight;
    const std::optional<NodeAnswer> answer = co_await submit_to_node(*parse.request);
    --in_flight;
    if (!answer) co_return co_await accept_when_kept(envelope.msgid);
    co_return answer_reply(stamp, envelope.msgid, *answer);
  }

  // A hospital (or region) with a province dialect (adapters/dialect.h): its body in the national
  // form into `national`; a reply when the body cannot be read.
  std::optional<Reply> to_national(const std::string& body, const Client& client,
                                   const adapters::JsonLimits& limits, std::string& national) {
    const adapters::Dialect* dialect =
        services.dialects ? services.dialects->of(client.organisation, options.region) : nullptr;
    if (dialect == nullptr) return std::nullopt;
    Result<std::string> mapped = dialect->to_national(body, limits);
    if (!mapped.is_ok()) return error_reply(http::status::bad_request, mapped.status().message());
    national = std::move(*mapped);
    return std::nullopt;
  }

  // Whose and where, before any other field is read: a value that is not provably this
  // hospital's and this region's — whatever its JSON type — is refused.
  std::optional<Reply> refuse_foreign(const adapters::JsonNode& envelope, const Client& client) {
    if (const adapters::JsonNode* code = envelope.find("fixmedins_code");
        code != nullptr && !code->is_null() &&
        (!code->is_string() || code->text != client.organisation)) {
      refused("organisation");
      return error_reply(http::status::forbidden,
                         "fixmedins_code is not the institution of the client certificate");
    }
    if (const adapters::JsonNode* area = envelope.find("mdtrtarea_admvs");
        area != nullptr && !area->is_null() &&
        (!area->is_string() || !cl::is_division_code(area->text) ||
         cl::region_of(area->text) != options.region)) {
      refused("region");
      return error_reply(
          http::status::forbidden,
          "mdtrtarea_admvs is not a division of this node's region " + options.region);
    }
    return std::nullopt;
  }

  // Submits the claim to the node and waits up to answer_timeout_ms. The node's answer is
  // written to the timeline where it arrives (the worker), so a claim answered or expired after
  // this request gave up waiting still shows it.
  asio::awaitable<std::optional<NodeAnswer>> submit_to_node(const cl::Request& request) {
    RegionNode* node = services.node;
    Timeline* timeline = services.timeline;
    const std::string msgid = request.envelope.msgid;
    const std::string region = options.region;
    const std::string topic =
        adapters::claims_topic(cl::region_of(request.envelope.insuplc_admdvs));
    const auto start = [node, &request, timeline, msgid, region, topic](auto done) {
      node->submit(
          request,
          [done = std::move(done), timeline, msgid, region](NodeAnswer answer) {
            record_outcome(*timeline, msgid, region, answer);
            done(std::move(answer));
          },
          Millis(0),
          [timeline, msgid, topic] {
            timeline->add(msgid, "validated");
            timeline->add(msgid, "sent", topic);
          });
    };
    co_return co_await await_from_worker<NodeAnswer>(start,
                                                     Millis(options.limits.answer_timeout_ms));
  }

  // No answer in time: 202 promises the claim will be settled once, so only when it is durable
  // in the intake; otherwise 503 (send the same request again).
  asio::awaitable<Reply> accept_when_kept(const std::string& msgid) {
    RegionNode* node = services.node;
    const auto until_kept = [node, msgid](auto done) { node->when_kept(msgid, std::move(done)); };
    const auto kept = co_await await_from_worker<bool>(until_kept, Millis(kKeptTimeoutMs));
    if (!kept || !*kept) {
      refused("not_kept");
      co_return error_reply(http::status::service_unavailable,
                            "the claim is not kept; send the same request again");
    }
    services.timeline->add(msgid, "pending", "no answer within answer_timeout_ms");
    adapters::JsonWriter w;
    w.begin_object().key("status").string("pending").key("msgid").string(msgid);
    w.key("message").string(
        "the insured region has not answered yet; the claim is kept and will be settled once. "
        "Ask GET /v1/claims/" +
        msgid + " or send the same request again.");
    w.end_object();
    co_return make_reply(http::status::accepted, w.take());
  }

  Reply answer_reply(const adapters::ResponseStamp& stamp, const std::string& msgid,
                     const NodeAnswer& answer) {
    if (answer.storage_full) {
      refused("storage_full");
      return storage_full_reply();
    }
    if (answer.pending || answer.expired) {
      refused(answer.expired ? "expired" : "node_busy");
      return error_reply(
          http::status::service_unavailable,
          answer.expired ? "the insured region did not answer in time; send the same request again"
                         : "the node cannot take the claim now; send the same request again");
    }
    cl::Decision decision;
    decision.rejection = answer.rejection;
    if (answer.record) decision.result = *answer.record;
    services.timeline->add(msgid, "answered", "200");
    return json_reply(adapters::build_nhsa_response(stamp, msgid, decision));
  }

  // What the node answered, as steps of the claim's timeline.
  static void record_outcome(Timeline& timeline, const std::string& msgid,
                             const std::string& region, const NodeAnswer& answer) {
    if (answer.expired) {
      timeline.add(msgid, "expired", "not answered within pending_deadline_ms; left the intake");
      return;
    }
    if (answer.pending) {
      timeline.add(msgid, "pending", "node overloaded or stopping");
      return;
    }
    if (answer.storage_full) {
      timeline.add(msgid, "storage_full", "the ledger's disk is full; not kept");
      return;
    }
    if (answer.rejection.reason != cl::Reject::kOk) {
      timeline.add(msgid, "refused", std::string(cl::name(answer.rejection.reason)));
      return;
    }
    if (!answer.record) return;
    const cl::SettlementRecord& record = *answer.record;
    timeline.add(msgid, "settled", record.setl_id);
    if (!record.setl_id.empty()) {
      timeline.settled(msgid, record.setl_id);
      timeline.add(msgid, "written", "ledger of " + region);
    }
    if (!record.compensates.empty()) {
      timeline.add_by_setl_id(record.compensates,
                              record.kind == cl::RecordKind::kCancel ? "cancelled" : "reversed",
                              msgid);
    }
  }

  std::string metrics_text() {
    connections_open.Set(static_cast<double>(connections.load()));
    settlements_in_flight.Set(static_cast<double>(in_flight.load()));
    std::vector<prometheus::MetricFamily> families = registry->Collect();
    for (prometheus::MetricFamily& family : node_metric_families(*services.node)) {
      families.push_back(std::move(family));
    }
    return prometheus::TextSerializer().Serialize(families);
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Gateway>> Gateway::start(const GatewayOptions& options,
                                                const GatewayServices& services) {
  if (services.node == nullptr || services.reference == nullptr || services.timeline == nullptr) {
    return Status::error("gateway needs a node, reference data and a timeline");
  }
  // Each connection is a descriptor: take the hard limit, not the 1,024 of a default shell.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  auto impl = std::make_unique<Impl>(options, services);
  impl->log = adapters::logger("gateway");
  impl->recon_responder = ReconResponder::create(
      services.node, {options.region, services.seal_key_file, services.peers});
  if (Status s = impl->reload_tls(); !s.is_ok()) return s;
  if (Status s = impl->listen(); !s.is_ok()) return s;
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

Gateway::~Gateway() { stop(); }

uint16_t Gateway::port() const { return impl_->bound_port; }

Status Gateway::reload_certificates() {
  Status reloaded = impl_->reload_tls();
  if (reloaded.is_ok()) {
    impl_->log->info("certificates reloaded: {}", impl_->options.certificate_file);
  } else {
    impl_->log->error("certificates not reloaded, the previous ones stay: {}", reloaded.message());
  }
  return reloaded;
}

void Gateway::stop(std::chrono::milliseconds grace) {
  if (impl_->draining.exchange(true)) return;
  for (size_t i = 0; i < impl_->contexts.size(); ++i) {
    asio::post(*impl_->contexts[i], [acceptor = impl_->acceptors[i].get()] {
      boost::system::error_code ignored;
      acceptor->close(ignored);
    });
  }
  // Settlements already taken get their answer (200, or 202 at answer_timeout_ms) first.
  const auto until = std::chrono::steady_clock::now() + grace;
  while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->stopped = true;
  for (auto& context : impl_->contexts) context->stop();
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->threads.clear();
}

}  // namespace medclear::gateway
