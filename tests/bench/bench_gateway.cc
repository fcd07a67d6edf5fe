// HTTPS load benchmark (issue 5): settlements per second and latency percentiles through the full
// path — TLS with client certificates, keep-alive, the gateway, the treating node, Kafka (embedded
// broker), the insured node's engine and synced ledger, back, and the treating ledger — with the
// load generator in the same process (it shares the two cores). wrk cannot present a client
// certificate, which every route with work behind it requires, hence this generator.
// Claims of a simulated nation (tests/support/nation.h): three regions, 5,000 insured each, from
// each region's hospital to the two others.
// Usage: bench_gateway [SECONDS] [CONNECTIONS] [GATEWAY_THREADS] [healthz]
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "adapters/json.h"
#include "adapters/nhsa.h"
#include "adapters/reference_json.h"
#include "gateway/app/region_set.h"
#include "gateway/tls/pki.h"
#include "ledger/entry.h"
#include "tests/support/nation.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace gw = medclear::gateway;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kPersons = 5000;  // per region

struct Load {
  std::vector<std::string> regions;
  std::mt19937_64 random{42};
  bool healthz = false;  // GET /healthz instead: the HTTPS stack alone
  std::atomic<uint64_t> next{0};
  Clock::time_point until;
  std::vector<double> latency_ms;
  std::map<int, uint64_t> statuses;
  uint64_t settled = 0;
};

asio::awaitable<void> connection(asio::ssl::context& tls, uint16_t port, std::string treating,
                                 Load& load) {
  auto executor = co_await asio::this_coro::executor;
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  co_await beast::get_lowest_layer(stream).async_connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
  co_await stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  beast::flat_buffer buffer;
  while (Clock::now() < load.until) {
    std::string insured = load.regions[load.random() % load.regions.size()];
    while (insured == treating) insured = load.regions[load.random() % load.regions.size()];
    std::string body = medclear::adapters::build_nhsa_request(
        medclear::testing::make_claim(load.random, treating, insured, kPersons, load.next++));
    http::request<http::string_body> request{load.healthz ? http::verb::get : http::verb::post,
                                             load.healthz ? "/healthz" : "/v1/nhsa", 11};
    if (load.healthz) body.clear();
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::content_type, "application/json");
    request.keep_alive(true);
    request.body() = std::move(body);
    request.prepare_payload();
    const auto sent = Clock::now();
    co_await http::async_write(stream, request, asio::use_awaitable);
    http::response<http::string_body> response;
    co_await http::async_read(stream, buffer, response, asio::use_awaitable);
    load.latency_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    ++load.statuses[response.result_int()];
    if (response.result_int() == 200 &&
        (load.healthz || response.body().find("\"infcode\":0") != std::string::npos)) {
      ++load.settled;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 20;
  const int connections = argc > 2 ? std::atoi(argv[2]) : 64;
  const int gateway_threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const std::string root =
      std::filesystem::temp_directory_path().string() + "/medclear-bench-gateway";
  std::filesystem::remove_all(root);
  Load load;
  load.healthz = argc > 4 && std::string(argv[4]) == "healthz";
  load.regions = {"110000", "310000", "440000"};
  const medclear::clearing::ReferenceData reference =
      medclear::testing::make_nation(load.regions, kPersons);
  std::vector<gw::DevHospital> hospitals;
  for (const std::string& region : load.regions) {
    hospitals.push_back({medclear::testing::hospital_of(region), region, 3});
  }
  gw::RegionSetOptions options;
  options.regions = load.regions;
  options.ledgers_dir = root + "/ledgers";
  options.pki_dir = root + "/pki";
  options.partitions = 8;
  options.gateway.threads = gateway_threads;
  if (!gw::write_dev_pki(options.pki_dir, options.regions, hospitals).is_ok()) return 1;
  auto set = gw::RegionSet::start(options, reference);
  if (!set.is_ok()) {
    std::fprintf(stderr, "%s\n", set.status().message().c_str());
    return 1;
  }
  // One TLS client context per hospital (its certificate), connections spread over the regions.
  std::vector<std::unique_ptr<asio::ssl::context>> contexts;
  for (const gw::DevHospital& hospital : hospitals) {
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    tls->load_verify_file(options.pki_dir + "/ca.pem");
    tls->use_certificate_chain_file(options.pki_dir + "/hospital-" + hospital.code + ".pem");
    tls->use_private_key_file(options.pki_dir + "/hospital-" + hospital.code + ".key",
                              asio::ssl::context::pem);
    contexts.push_back(std::move(tls));
  }
  asio::io_context io(1);
  const auto started = Clock::now();
  load.until = started + std::chrono::seconds(seconds);
  for (int i = 0; i < connections; ++i) {
    const size_t r = static_cast<size_t>(i) % load.regions.size();
    const std::string& treating = load.regions[r];
    asio::co_spawn(io, connection(*contexts[r], (*set)->gateway(treating)->port(), treating, load),
                   [](std::exception_ptr e) {
                     if (e) std::rethrow_exception(e);
                   });
  }
  io.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  (*set)->stop();
  for (const std::string& region : (*set)->regions()) {
    const gw::NodeCounters& c = (*set)->node(region)->counters();
    std::printf("node %s: steps=%lu commit_ms_per_step=%.2f decided=%lu recorded=%lu\n",
                region.c_str(), static_cast<unsigned long>(c.steps.load()),
                c.steps ? static_cast<double>(c.step_micros_commit.load()) / 1000.0 /
                              static_cast<double>(c.steps.load())
                        : 0.0,
                static_cast<unsigned long>(c.claims_decided.load()),
                static_cast<unsigned long>(c.settlements_recorded.load()));
  }
  std::sort(load.latency_ms.begin(), load.latency_ms.end());
  auto pct = [&](double p) {
    return load.latency_ms.empty()
               ? 0.0
               : load.latency_ms[std::min(
                     load.latency_ms.size() - 1,
                     static_cast<size_t>(p * static_cast<double>(load.latency_ms.size())))];
  };
  std::printf("connections=%d gateway_threads=%d seconds=%.1f requests=%zu settled=%lu\n",
              connections, gateway_threads, elapsed, load.latency_ms.size(),
              static_cast<unsigned long>(load.settled));
  for (const auto& [status, count] : load.statuses) {
    std::printf("  status %d: %lu\n", status, static_cast<unsigned long>(count));
  }
  std::printf("settlements/s=%.0f p50=%.2fms p90=%.2fms p99=%.2fms max=%.2fms\n",
              static_cast<double>(load.settled) / elapsed, pct(0.50), pct(0.90), pct(0.99),
              load.latency_ms.empty() ? 0.0 : load.latency_ms.back());
  return 0;
}
