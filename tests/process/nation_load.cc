// A hospital load driver for a nation of processes (ops/nation.sh, ops/crash-loop.sh --nation):
// THREADS threads each send claims over HTTPS (mutual TLS with the treating region's development
// hospital certificate) to the region processes of DIR, a claim of a person of another region at a
// time. A claim not answered with 200 (connection refused or reset by a killed region, 202
// pending, 503) is sent again, the same msgid, until it is answered or the driver stops: exactly
// once means a resend never settles twice. Each settlement answered (200, infcode 0) is appended
// at once to ANSWERED as "msgid setl_id treating insured". Runs until SIGTERM/SIGINT, then prints
// "load: sent=… answered=… rejected=… resends=… unanswered=… pending=… busy=… no_answer=…
// storage_full=…" (then: answers 202, 503 and no HTTP answer, each a resend; the 503s whose
// err_code is storage_full, a region's ledger disk full). Seeded: --seed S.
// Usage: nation_load --dir DIR --answered FILE [--threads T] [--seed S] [--pause-ms MS]
//          [--regions R,R…] [--treating R,R…] [--insured R,R…] [--count N] [--first-serial S]
// --regions restricts both the treating and the insured regions to those listed (codes of
// DIR/ports), --treating and --insured each side alone; a claim's two regions always differ.
// --count N: the threads send claims numbered 0…N-1 between them, then the driver exits (each
// still resent until answered). --first-serial S is added to each claim's number, so that two
// drivers of the same treating region do not reuse msgids (the msgid is made of the number).
// DIR as `medclear nation init` wrote it (ports, pki/, the nation of the usage text of that
// command: persons PP + 18 digits, hospital H<PP>010100001).
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include "adapters/nhsa.h"
#include "tests/support/https_client.h"
#include "tests/support/nation.h"

namespace mt = medclear::testing;

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

struct Region {
  std::string code;
  uint16_t port = 0;
};

struct Options {
  std::string dir;
  std::string answered;
  int threads = 4;
  uint64_t seed = 1;
  int pause_ms = 0;
  int persons = 1000;
  uint64_t count = 0;  // 0: until stopped
  uint64_t first_serial = 0;
  std::vector<size_t> treating, insured;  // indices into the regions of DIR/ports
};

struct Totals {
  std::atomic<uint64_t> sent{0}, answered{0}, rejected{0}, resends{0}, unanswered{0};
  std::atomic<uint64_t> pending{0}, busy{0}, no_answer{0};  // 202, 503, no HTTP answer
  std::atomic<uint64_t> storage_full{0};                    // 503 err_code storage_full
  std::mutex out_mutex;
  FILE* out = nullptr;
};

std::vector<Region> read_ports(const std::string& dir) {
  std::vector<Region> regions;
  std::ifstream in(dir + "/ports");
  Region r;
  unsigned port = 0;
  while (in >> r.code >> port) {
    r.port = static_cast<uint16_t>(port);
    regions.push_back(r);
  }
  return regions;
}

// Sends one claim until answered (or stopped); true when it settled.
void send_until_answered(mt::HttpsClient& client, const medclear::clearing::Request& claim,
                         const std::string& treating, const std::string& insured, Totals& totals) {
  const std::string body = medclear::adapters::build_nhsa_request(claim);
  totals.sent++;
  for (int attempt = 0; !g_stop; ++attempt) {
    if (attempt > 0) {
      totals.resends++;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const mt::HttpAnswer answer = client.post("/v1/nhsa", body);
    if (answer.status == 202) totals.pending++;
    if (answer.status == 503) totals.busy++;
    if (answer.status == 503 &&
        answer.body.find("\"err_code\":\"storage_full\"") != std::string::npos) {
      totals.storage_full++;
    }
    if (answer.status == 0) totals.no_answer++;
    if (answer.status != 200) continue;
    const auto parsed = medclear::adapters::parse_nhsa_answer(answer.body);
    if (!parsed || !parsed->accepted || !parsed->record) {
      totals.rejected++;
      if (parsed)
        std::fprintf(stderr, "load: %s rejected: %s %s\n", claim.envelope.msgid.c_str(),
                     parsed->err_code.c_str(), parsed->err_msg.c_str());
      return;
    }
    totals.answered++;
    std::lock_guard lock(totals.out_mutex);
    std::fprintf(totals.out, "%s %s %s %s\n", claim.envelope.msgid.c_str(),
                 parsed->record->setl_id.c_str(), treating.c_str(), insured.c_str());
    std::fflush(totals.out);
    return;
  }
  totals.unanswered++;
}

void run_thread(const Options& o, const std::vector<Region>& regions, int t, Totals& totals) {
  std::mt19937_64 random(o.seed * 1000 + static_cast<uint64_t>(t));
  const std::string pki = o.dir + "/pki/";
  std::vector<std::unique_ptr<mt::HttpsClient>> clients;
  for (const Region& r : regions) {
    const std::string hospital = pki + "hospital-" + mt::hospital_of(r.code);
    clients.push_back(std::make_unique<mt::HttpsClient>(
        r.port, pki + "ca.pem", mt::Identity{hospital + ".pem", hospital + ".key"}));
  }
  const size_t n_treating = o.treating.size(), n_insured = o.insured.size();
  for (uint64_t k = 0; !g_stop; ++k) {
    const uint64_t number = k * static_cast<uint64_t>(o.threads) + static_cast<uint64_t>(t);
    if (o.count > 0 && number >= o.count) break;
    const size_t treating = o.treating[random() % n_treating];
    size_t insured = o.insured[random() % n_insured];
    while (insured == treating) insured = o.insured[random() % n_insured];
    const uint64_t serial = o.first_serial + number;
    const medclear::clearing::Request claim =
        mt::make_claim(random, regions[treating].code, regions[insured].code, o.persons, serial);
    send_until_answered(*clients[treating], claim, regions[treating].code, regions[insured].code,
                        totals);
    if (o.pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(o.pause_ms));
  }
}

// The indices in `regions` of the codes listed in `list` ("R,R…"; empty: all regions), or
// nothing when a code is not among them.
std::optional<std::vector<size_t>> indices_of(const std::string& list,
                                              const std::vector<Region>& regions) {
  std::vector<size_t> indices;
  if (list.empty()) {
    for (size_t i = 0; i < regions.size(); ++i) indices.push_back(i);
    return indices;
  }
  std::istringstream in(list);
  for (std::string code; std::getline(in, code, ',');) {
    size_t i = 0;
    while (i < regions.size() && regions[i].code != code) ++i;
    if (i == regions.size()) return std::nullopt;
    indices.push_back(i);
  }
  return indices;
}

// Some treating region has an insured region other than itself to claim from.
bool has_pair(const Options& o) {
  if (o.treating.empty() || o.insured.empty()) return false;
  for (size_t t : o.treating)
    for (size_t i : o.insured)
      if (t != i) return true;
  return false;
}

// The region lists of the options; false when one names a region DIR/ports does not have or no
// claim is possible (a single region on both sides).
bool choose_regions(std::map<std::string, std::string>& named, const std::vector<Region>& regions,
                    Options& o) {
  const std::string both = named["--regions"];
  const std::string treating = named.count("--treating") ? named["--treating"] : both;
  const std::string insured = named.count("--insured") ? named["--insured"] : both;
  auto t = indices_of(treating, regions);
  auto i = indices_of(insured, regions);
  if (!t || !i) return false;
  o.treating = std::move(*t);
  o.insured = std::move(*i);
  return has_pair(o);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> named;
  for (int i = 1; i + 1 < argc; i += 2) named[argv[i]] = argv[i + 1];
  auto number = [&](const char* name, uint64_t otherwise) {
    auto it = named.find(name);
    return it == named.end() ? otherwise : std::strtoull(it->second.c_str(), nullptr, 10);
  };
  Options o;
  o.dir = named["--dir"];
  o.answered = named["--answered"];
  o.threads = static_cast<int>(number("--threads", 4));
  o.seed = number("--seed", 1);
  o.pause_ms = static_cast<int>(number("--pause-ms", 0));
  o.persons = static_cast<int>(number("--persons", 1000));
  o.count = number("--count", 0);
  o.first_serial = number("--first-serial", 0);
  const std::vector<Region> regions = read_ports(o.dir);
  if (o.dir.empty() || o.answered.empty() || regions.size() < 2 || o.threads < 1 ||
      !choose_regions(named, regions, o)) {
    std::fprintf(stderr,
                 "usage: nation_load --dir DIR --answered FILE [--threads T] [--seed S] "
                 "[--pause-ms MS] [--persons N] [--regions R,R…] [--treating R,R…] "
                 "[--insured R,R…] [--count N] [--first-serial S]\n(DIR/ports names at least "
                 "two regions; the lists name regions of it and allow a claim between two)\n");
    return 2;
  }
  Totals totals;
  totals.out = std::fopen(o.answered.c_str(), "a");
  if (totals.out == nullptr) return 2;
  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] { run_thread(o, regions, t, totals); });
  }
  for (std::thread& thread : threads) thread.join();
  std::fclose(totals.out);
  std::printf(
      "load: sent=%llu answered=%llu rejected=%llu resends=%llu unanswered=%llu "
      "pending=%llu busy=%llu no_answer=%llu storage_full=%llu\n",
      static_cast<unsigned long long>(totals.sent.load()),
      static_cast<unsigned long long>(totals.answered.load()),
      static_cast<unsigned long long>(totals.rejected.load()),
      static_cast<unsigned long long>(totals.resends.load()),
      static_cast<unsigned long long>(totals.unanswered.load()),
      static_cast<unsigned long long>(totals.pending.load()),
      static_cast<unsigned long long>(totals.busy.load()),
      static_cast<unsigned long long>(totals.no_answer.load()),
      static_cast<unsigned long long>(totals.storage_full.load()));
  return 0;
}
