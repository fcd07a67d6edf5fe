// HTTPS load generator (issue 15), in its own process so that it is not counted as the server's
// work and cannot hide in it: asynchronous (Boost.Asio coroutines, Beast, one thread by default),
// TLS with each region's development hospital certificate, keep-alive, many connections. Every
// request is built before the timed phase (building JSON is not load-generator cost); the
// generator reports its own CPU time and the server process's beside the result.
//   closed loop (default): each connection sends its next request when the answer came;
//   --rate R (open loop): request k is due at start + k/R, sent by the first free connection,
//   and its latency runs from when it was due (a queue in the generator counts, as in wrk2).
// Usage: bench_load --dir DIR [--seconds S] [--connections C] [--rate R] [--path nhsa|healthz]
//                   [--threads T] [--serial-base N] [--prebuild N]
// DIR is what `bench_gateway serve DIR` wrote (pki/, ports, pid); the last line printed, also
// appended to DIR/results, is "RESULT key=value ...".
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include "adapters/nhsa.h"
#include "tests/bench/bench_common.h"
#include "tests/support/nation.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace mb = medclear::bench;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string dir;
  double seconds = 10;
  int connections = 64;
  double rate = 0;  // 0: closed loop
  bool healthz = false;
  int threads = 1;
  uint64_t serial_base = 0;
  size_t prebuild = 0;  // requests built before the run; 0: enough for the run
};

struct Target {
  std::string region;
  uint16_t port = 0;
  std::vector<std::string> wires;  // whole HTTP requests, built beforehand
  std::atomic<size_t> next{0};
};

struct Shared {
  Options options;
  std::vector<std::unique_ptr<Target>> targets;
  std::string healthz_wire;
  Clock::time_point start, until;
  std::atomic<uint64_t> ticket{0};

  const std::string* take(size_t target) {
    if (options.healthz) return &healthz_wire;
    Target& t = *targets[target];
    const size_t i = t.next.fetch_add(1);
    return i < t.wires.size() ? &t.wires[i] : nullptr;
  }
};

struct Stats {
  std::vector<double> latency_ms;
  std::map<int, uint64_t> statuses;
  uint64_t ok = 0;         // 200 and, for settlements, infcode 0
  uint64_t errors = 0;     // connections that failed
  uint64_t exhausted = 0;  // connections that ran out of pre-built requests
  uint64_t late = 0;       // open loop: sent more than 1 ms after they were due
  Clock::time_point last_done{};
};

struct Connection {
  Connection(asio::io_context& io, asio::ssl::context& tls, size_t t, Stats& s)
      : stream(io, tls), target(t), stats(&s) {}
  beast::ssl_stream<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
  size_t target;
  Stats* stats;
};

std::string wire_of(const std::string& body) {
  return "POST /v1/nhsa HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Claims from each region's hospital to the two other regions, numbered from serial_base.
void prebuild(Shared& shared, size_t total) {
  std::mt19937_64 random(42 + shared.options.serial_base);
  const size_t n = shared.targets.size();
  const size_t each = total / n + static_cast<size_t>(shared.options.connections) + 1;
  for (size_t t = 0; t < n; ++t) {
    const std::string& treating = shared.targets[t]->region;
    shared.targets[t]->wires.reserve(each);
    for (size_t i = 0; i < each; ++i) {
      std::string insured = shared.targets[random() % n]->region;
      while (insured == treating) insured = shared.targets[random() % n]->region;
      const uint64_t serial = shared.options.serial_base + i * n + t;
      const medclear::clearing::Request claim =
          medclear::testing::make_claim(random, treating, insured, mb::kPersons, serial);
      shared.targets[t]->wires.push_back(wire_of(medclear::adapters::build_nhsa_request(claim)));
    }
  }
}

asio::awaitable<void> connect(Shared& shared, Connection& c) {
  co_await beast::get_lowest_layer(c.stream).async_connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), shared.targets[c.target]->port),
      asio::use_awaitable);
  beast::get_lowest_layer(c.stream).socket().set_option(asio::ip::tcp::no_delay(true));
  co_await c.stream.async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
}

// Connects connections[first], [first + step], ... one after the other. A gateway closes at once
// the connections of one address beyond 64 still in their handshake
// (unverified_connections_per_address_max), so a few such chains set up all of them.
asio::awaitable<void> connect_chain(Shared& shared,
                                    std::vector<std::unique_ptr<Connection>>& connections,
                                    size_t first, size_t step) {
  for (size_t i = first; i < connections.size(); i += step) {
    Connection& c = *connections[i];
    try {
      co_await connect(shared, c);
    } catch (const std::exception& e) {
      ++c.stats->errors;
      std::fprintf(stderr, "bench_load: connection %zu: %s\n", i, e.what());
    }
  }
}

void record(Shared& shared, Connection& c, const http::response<http::string_body>& response,
            Clock::time_point due) {
  const auto done = Clock::now();
  c.stats->latency_ms.push_back(std::chrono::duration<double, std::milli>(done - due).count());
  c.stats->last_done = std::max(c.stats->last_done, done);
  ++c.stats->statuses[response.result_int()];
  if (response.result_int() == 200 &&
      (shared.options.healthz || response.body().find("\"infcode\":0") != std::string::npos)) {
    ++c.stats->ok;
  }
}

asio::awaitable<void> drive(Shared& shared, Connection& c) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  const double rate = shared.options.rate;
  for (;;) {
    auto due = Clock::now();
    if (rate > 0) {
      const double k = static_cast<double>(shared.ticket.fetch_add(1));
      due = shared.start + std::chrono::nanoseconds(static_cast<int64_t>(k * 1e9 / rate));
      if (due >= shared.until) break;
      const auto now = Clock::now();
      if (due > now) {
        timer.expires_at(due);
        co_await timer.async_wait(asio::use_awaitable);
      } else if (now - due > std::chrono::milliseconds(1)) {
        ++c.stats->late;
      }
    } else if (due >= shared.until) {
      break;
    }
    const std::string* wire = shared.take(c.target);
    if (wire == nullptr) {
      ++c.stats->exhausted;
      break;
    }
    co_await asio::async_write(c.stream, asio::buffer(*wire), asio::use_awaitable);
    http::response<http::string_body> response;
    co_await http::async_read(c.stream, c.buffer, response, asio::use_awaitable);
    record(shared, c, response, due);
    if (!response.keep_alive()) break;
  }
}

Options parse_options(const mb::Args& args) {
  Options o;
  o.dir = args.text("dir", "");
  o.seconds = args.number("seconds", 10);
  o.connections = static_cast<int>(args.number("connections", 64));
  o.rate = args.number("rate", 0);
  o.healthz = args.text("path", "nhsa") == "healthz";
  o.threads = std::max(1, static_cast<int>(args.number("threads", 1)));
  o.serial_base = static_cast<uint64_t>(args.number("serial-base", 0));
  o.prebuild = static_cast<size_t>(args.number("prebuild", 0));
  return o;
}

// DIR/ports: "region port" per line.
bool read_targets(Shared& shared) {
  std::ifstream in(shared.options.dir + "/ports");
  std::string region;
  unsigned port = 0;
  while (in >> region >> port) {
    auto t = std::make_unique<Target>();
    t->region = region;
    t->port = static_cast<uint16_t>(port);
    shared.targets.push_back(std::move(t));
  }
  return shared.targets.size() >= 2;
}

std::vector<std::unique_ptr<asio::ssl::context>> client_contexts(const Shared& shared) {
  std::vector<std::unique_ptr<asio::ssl::context>> contexts;
  const std::string pki = shared.options.dir + "/pki/";
  for (const auto& target : shared.targets) {
    const std::string hospital = medclear::testing::hospital_of(target->region);
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    tls->load_verify_file(pki + "ca.pem");
    tls->use_certificate_chain_file(pki + "hospital-" + hospital + ".pem");
    tls->use_private_key_file(pki + "hospital-" + hospital + ".key", asio::ssl::context::pem);
    contexts.push_back(std::move(tls));
  }
  return contexts;
}

// Runs every io_context on its own thread until it has no more work.
void run_all(std::vector<std::unique_ptr<asio::io_context>>& ios) {
  std::vector<std::thread> threads;
  for (auto& io : ios) {
    io->restart();
    threads.emplace_back([&io] { io->run(); });
  }
  for (std::thread& t : threads) t.join();
}

struct Run {
  Stats total;
  double seconds = 0, load_cpu = 0, server_cpu = 0;
};

Run run(Shared& shared, long server_pid) {
  const Options& o = shared.options;
  std::vector<std::unique_ptr<asio::io_context>> ios;
  std::vector<Stats> stats(static_cast<size_t>(o.threads));
  for (int i = 0; i < o.threads; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
  auto contexts = client_contexts(shared);
  std::vector<std::unique_ptr<Connection>> connections;
  auto count_error = [](Stats& s) {
    return [&s](std::exception_ptr e) { s.errors += e != nullptr; };
  };
  for (int i = 0; i < o.connections; ++i) {
    const auto t = static_cast<size_t>(i) % shared.targets.size();
    const auto th = static_cast<size_t>(i) % ios.size();
    connections.push_back(std::make_unique<Connection>(*ios[th], *contexts[t], t, stats[th]));
  }
  // 16 chains in all, each over connections of one thread (connection i is on ios[i % threads]).
  const size_t per_thread = std::max<size_t>(1, 16 / ios.size());
  for (size_t th = 0; th < ios.size(); ++th) {
    for (size_t j = 0; j < per_thread; ++j) {
      asio::co_spawn(
          *ios[th],
          connect_chain(shared, connections, th + ios.size() * j, ios.size() * per_thread),
          count_error(stats[th]));
    }
  }
  run_all(ios);  // every connection is up (or failed) before the clock starts
  const double cpu0 = mb::self_cpu_seconds(), server0 = mb::process_cpu_seconds(server_pid);
  shared.start = Clock::now();
  shared.until = shared.start + std::chrono::nanoseconds(static_cast<int64_t>(o.seconds * 1e9));
  for (size_t i = 0; i < connections.size(); ++i) {
    Connection& c = *connections[i];
    asio::co_spawn(*ios[i % ios.size()], drive(shared, c), count_error(*c.stats));
  }
  run_all(ios);
  Run r;
  r.load_cpu = mb::self_cpu_seconds() - cpu0;
  r.server_cpu = mb::process_cpu_seconds(server_pid) - server0;
  for (Stats& s : stats) {
    r.total.latency_ms.insert(r.total.latency_ms.end(), s.latency_ms.begin(), s.latency_ms.end());
    for (const auto& [status, n] : s.statuses) r.total.statuses[status] += n;
    r.total.ok += s.ok;
    r.total.errors += s.errors;
    r.total.exhausted += s.exhausted;
    r.total.late += s.late;
    r.total.last_done = std::max(r.total.last_done, s.last_done);
  }
  r.seconds =
      std::chrono::duration<double>(std::max(r.total.last_done, shared.until) - shared.start)
          .count();
  return r;
}

void report(const Shared& shared, Run& r) {
  const Options& o = shared.options;
  const mb::Latency l = mb::Latency::of(r.total.latency_ms);
  std::string statuses;
  for (const auto& [status, n] : r.total.statuses) {
    statuses += (statuses.empty() ? "" : ",") + std::to_string(status) + ":" + std::to_string(n);
  }
  char line[768];
  std::snprintf(line, sizeof line,
                "RESULT bench=gateway path=%s mode=%s offered=%.0f connections=%d threads=%d "
                "seconds=%.2f requests=%zu ok=%llu per_s=%.0f p50=%.2f p90=%.2f p99=%.2f "
                "max=%.2f load_cpu_s=%.2f load_cpu_pct=%.0f server_cpu_s=%.2f "
                "server_cpu_pct=%.0f statuses=%s errors=%llu exhausted=%llu late=%llu",
                o.healthz ? "healthz" : "nhsa", o.rate > 0 ? "open" : "closed", o.rate,
                o.connections, o.threads, r.seconds, r.total.latency_ms.size(),
                static_cast<unsigned long long>(r.total.ok),
                static_cast<double>(r.total.ok) / r.seconds, l.p50, l.p90, l.p99, l.max, r.load_cpu,
                100.0 * r.load_cpu / r.seconds, r.server_cpu, 100.0 * r.server_cpu / r.seconds,
                statuses.c_str(), static_cast<unsigned long long>(r.total.errors),
                static_cast<unsigned long long>(r.total.exhausted),
                static_cast<unsigned long long>(r.total.late));
  std::printf("%s\n", line);
  std::ofstream(o.dir + "/results", std::ios::app) << line << "\n";
  if (r.total.exhausted > 0) {
    std::fprintf(stderr, "bench_load: ran out of pre-built requests: raise --prebuild\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const mb::Args args(argc, argv);
  Shared shared;
  shared.options = parse_options(args);
  if (shared.options.dir.empty() || !read_targets(shared)) {
    std::fprintf(stderr,
                 "usage: bench_load --dir DIR [--seconds S] [--connections C] [--rate R] "
                 "[--path nhsa|healthz] [--threads T] [--serial-base N] [--prebuild N]\n"
                 "  DIR as written by `bench_gateway serve DIR` (ports, pid, pki/)\n");
    return 2;
  }
  long server_pid = 0;
  std::ifstream(shared.options.dir + "/pid") >> server_pid;
  shared.healthz_wire = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (!shared.options.healthz) {
    const Options& o = shared.options;
    const double expected = o.rate > 0 ? o.rate * o.seconds : 25'000.0 * o.seconds;
    const auto started = Clock::now();
    prebuild(shared, o.prebuild > 0 ? o.prebuild : static_cast<size_t>(std::ceil(expected)));
    std::fprintf(stderr, "bench_load: %zu requests built in %.1f s\n",
                 shared.targets.size() * shared.targets[0]->wires.size(),
                 std::chrono::duration<double>(Clock::now() - started).count());
  }
  Run r = run(shared, server_pid);
  report(shared, r);
  return r.total.errors == 0 ? 0 : 1;
}
