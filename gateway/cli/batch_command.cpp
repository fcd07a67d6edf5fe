// `medclear batch submit` (batch_command.h). Resumable because the national interface is
// idempotent by msgid: a claim in the results file is not sent again, and a claim sent but not
// yet recorded (the run was interrupted) is sent again and answered with its stored settlement.
// A results line is appended with one write() once its answer is in, so an interrupted run leaves
// at most one torn last line, which the next run cuts off and sends again.
#include "gateway/cli/batch_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <variant>

#include "adapters/batch.h"
#include "adapters/nhsa.h"
#include "gateway/cli/cli.h"
#include "gateway/tls/https_client.h"

namespace medclear::gateway {

namespace po = boost::program_options;
namespace ad = medclear::adapters;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kCommand = "medclear batch submit";
constexpr const char* kUsage =
    "medclear batch submit --file CLAIMS.tsv --gateway https://HOST:PORT --cert FILE --key FILE\n"
    "                      [--ca FILE] [--concurrency N] [--results FILE] [--wait-s S]\n\n"
    "Sends every claim of CLAIMS.tsv (adapters/BATCH.md: a header, then one claim per line) to\n"
    "POST /v1/nhsa of the treating region's gateway with the hospital's certificate, N at a time,\n"
    "and appends one line per answered claim to the results file (default "
    "CLAIMS.tsv.results.tsv):\n"
    "msgid, settled with setl_id and amounts, or refused with err_code. Run again after an\n"
    "interruption: claims already in the results file are skipped; the rest are sent again, which\n"
    "the gateway answers once per msgid. A claim without an answer within --wait-s (202, 503, no\n"
    "connection: sent again meanwhile) is left out of the results for the next run. Progress on\n"
    "standard error when it is a terminal. Exit 0 every claim settled, 1 some refused or\n"
    "unanswered (listed), 2 bad arguments or a malformed claims or results file (every bad line\n"
    "named, nothing sent).\n";
constexpr size_t kListedMax = 20;  // refused or unanswered claims named on standard error

struct Endpoint {
  std::string host;
  uint16_t port = 443;
};

// https://HOST[:PORT][/]
std::optional<Endpoint> parse_gateway_url(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  if (url.ends_with('/')) url.remove_suffix(1);
  Endpoint endpoint;
  const size_t colon = url.rfind(':');
  endpoint.host = std::string(url.substr(0, colon));
  if (colon != std::string_view::npos) {
    const std::string_view digits = url.substr(colon + 1);
    unsigned port = 0;
    for (const char c : digits) {
      if (c < '0' || c > '9' || port > 65535) return std::nullopt;
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (digits.empty() || port == 0 || port > 65535) return std::nullopt;
    endpoint.port = static_cast<uint16_t>(port);
  }
  if (endpoint.host.empty() || endpoint.host.find_first_of("/[]@ ") != std::string::npos) {
    return std::nullopt;
  }
  return endpoint;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

struct Unanswered {
  size_t line = 0;
  std::string msgid;
  std::string reason;
};

// What the workers share: the claims to send, the results file, the counts and the progress line.
class Run {
 public:
  Run(std::vector<const ad::BatchClaim*> todo, int results_fd, size_t total, size_t done_before)
      : todo_(std::move(todo)),
        fd_(results_fd),
        total_(total),
        done_before_(done_before),
        progress_(isatty(STDERR_FILENO) == 1),
        start_(Clock::now()) {}

  const ad::BatchClaim* next() {
    const size_t index = next_++;
    return index < todo_.size() ? todo_[index] : nullptr;
  }

  bool record(const ad::BatchResult& result) {
    const std::string line = ad::format_batch_result(result);
    std::lock_guard lock(mutex_);
    size_t written = 0;
    while (written < line.size()) {
      const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
      if (n <= 0) return false;
      written += static_cast<size_t>(n);
    }
    answered_.push_back(result);
    show(false);
    return true;
  }

  void unanswered(Unanswered claim) {
    std::lock_guard lock(mutex_);
    unanswered_.push_back(std::move(claim));
    show(false);
  }

  void finish() {
    std::lock_guard lock(mutex_);
    show(true);
    if (shown_) std::cerr << "\n";
  }

  const std::vector<ad::BatchResult>& answered() const { return answered_; }
  const std::vector<Unanswered>& unanswered_claims() const { return unanswered_; }

 private:
  // "\rbatch: 1200/10000 answered (5000 before), 1190 settled, 10 refused, 0 unanswered, 95/s"
  void show(bool last) {
    if (!progress_) return;
    const auto now = Clock::now();
    if (!last && now - shown_at_ < std::chrono::milliseconds(250)) return;
    shown_at_ = now;
    shown_ = true;
    size_t settled = 0;
    for (const ad::BatchResult& r : answered_) settled += r.settled ? 1 : 0;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.0f/s",
                  seconds > 0 ? static_cast<double>(answered_.size()) / seconds : 0.0);
    std::cerr << "\rbatch: " << done_before_ + answered_.size() << "/" << total_ << " answered ("
              << done_before_ << " before), " << settled << " settled, "
              << answered_.size() - settled << " refused, " << unanswered_.size() << " unanswered, "
              << rate << "   " << std::flush;
  }

  std::vector<const ad::BatchClaim*> todo_;
  std::atomic<size_t> next_{0};
  int fd_;
  size_t total_;
  size_t done_before_;
  bool progress_;
  Clock::time_point start_;
  std::mutex mutex_;
  std::vector<ad::BatchResult> answered_;
  std::vector<Unanswered> unanswered_;
  Clock::time_point shown_at_{};
  bool shown_ = false;
};

ad::BatchResult result_of(const ad::BatchClaim& claim, const ad::NhsaAnswer& answer) {
  ad::BatchResult result;
  result.line = claim.line;
  result.msgid = claim.request.envelope.msgid;
  result.settled = answer.accepted;
  result.err_code = answer.err_code;
  result.err_msg = answer.err_msg;
  if (answer.record) {
    const clearing::SettlementAmounts& a = answer.record->amounts;
    result.setl_id = answer.record->setl_id;
    result.medfee_sumamt = a.medfee_sumamt.to_string();
    result.fund_pay_sumamt = a.fund_pay_sumamt.to_string();
    result.psn_part_amt = a.psn_part_amt.to_string();
    result.acct_pay = a.acct_pay.to_string();
    result.psn_cash_pay = a.psn_cash_pay.to_string();
  }
  return result;
}

// Sends one claim until a final answer or the deadline: no connection, 202 (kept, not answered
// yet), 429 and 503 are sent again (the same msgid: answered once) after a growing pause.
std::variant<ad::BatchResult, std::string> send_claim(HttpsClient& client,
                                                      const ad::BatchClaim& claim,
                                                      std::chrono::seconds wait) {
  const auto deadline = Clock::now() + wait;
  auto pause = std::chrono::milliseconds(100);
  for (;;) {
    const HttpsAnswer answer = client.post("/v1/nhsa", claim.envelope);
    const bool again =
        answer.status == 0 || answer.status == 202 || answer.status == 429 || answer.status == 503;
    if (answer.status == 200) {
      const std::optional<ad::NhsaAnswer> read = ad::parse_nhsa_answer(answer.body);
      if (!read) return std::string("HTTP 200 without a response envelope");
      if (read->record && read->record->msgid != claim.request.envelope.msgid) {
        return "answered for another msgid " + read->record->msgid;
      }
      return result_of(claim, *read);
    }
    const std::string why = answer.status == 0 ? answer.error
                                               : "HTTP " + std::to_string(answer.status) + ": " +
                                                     answer.body.substr(0, 200);
    if (!again || Clock::now() + pause > deadline) return why;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

void work(Run& run, const HttpsClientOptions& options, std::chrono::seconds wait) {
  HttpsClient client(options);
  while (const ad::BatchClaim* claim = run.next()) {
    auto outcome = send_claim(client, *claim, wait);
    if (auto* result = std::get_if<ad::BatchResult>(&outcome)) {
      if (!run.record(*result)) {
        run.unanswered({claim->line, result->msgid, "cannot write the results file"});
      }
    } else {
      run.unanswered({claim->line, claim->request.envelope.msgid, std::get<std::string>(outcome)});
    }
  }
}

struct Arguments {
  std::string file;
  std::string results;
  HttpsClientOptions tls;
  int concurrency = 4;
  std::chrono::seconds wait{300};
};

std::optional<Arguments> read_arguments(const po::variables_map& vm, int* exit_code) {
  ArgumentChecks check(kCommand, vm);
  Arguments a;
  a.file = check.existing_file("file");
  a.tls.certificate_file = check.existing_file("cert");
  a.tls.key_file = check.existing_file("key");
  if (check.given("ca")) a.tls.ca_file = check.existing_file("ca");
  a.concurrency = static_cast<int>(check.integer("concurrency", 1, 64));
  a.wait = std::chrono::seconds(check.integer("wait-s", 1, 86'400));
  if (check.given("results")) a.results = check.output_file("results");
  const std::optional<Endpoint> endpoint = parse_gateway_url(check.text("gateway"));
  if (!endpoint) check.fail("gateway", "https://HOST or https://HOST:PORT");
  if (!check.ok()) {
    *exit_code = check.refuse();
    return std::nullopt;
  }
  if (a.results.empty()) a.results = a.file + ".results.tsv";
  a.tls.host = endpoint->host;
  a.tls.port = endpoint->port;
  return a;
}

}  // namespace

namespace {

// The claims file, or nullopt after naming every bad line (up to 20) on standard error.
std::optional<ad::BatchFile> load_claims(const std::string& path) {
  const std::optional<std::string> text = read_file(path);
  if (!text) {
    std::cerr << kCommand << ": --file " << path << ": cannot be read\n";
    return std::nullopt;
  }
  ad::BatchFile file = ad::parse_batch_file(*text);
  if (file.faults.empty()) return file;
  for (const ad::BatchFault& fault : file.faults) {
    std::cerr << kCommand << ": " << path << " line " << fault.line << ": " << fault.message
              << "\n";
  }
  std::cerr << kCommand << ": nothing sent: the claims file has faults (BATCH.md)\n";
  return std::nullopt;
}

struct ResultsFile {
  std::vector<ad::BatchResult> before;  // answered in earlier runs
  int fd = -1;                          // open for appending
};

// Reads the results of earlier runs (each must be a claim of this file) and opens the file for
// appending: cut back after its last whole line, the header written when it is new.
std::optional<ResultsFile> open_results(const std::string& path,
                                        const std::map<std::string, size_t>& claim_of_msgid) {
  const std::string text = read_file(path).value_or("");
  Result<ad::BatchResults> read = ad::read_batch_results(text);
  const auto refuse = [&](const std::string& why) {
    std::cerr << kCommand << ": --results " << path << ": " << why << "\n";
    return std::nullopt;
  };
  if (!read.is_ok()) return refuse(read.status().message());
  ResultsFile results;
  for (ad::BatchResult& result : read->results) {
    if (!claim_of_msgid.contains(result.msgid)) {
      return refuse("msgid " + result.msgid +
                    " is not in the claims file (another batch's results?)");
    }
    results.before.push_back(std::move(result));
  }
  results.fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (results.fd < 0) return refuse("cannot be written");
  bool ok = ::ftruncate(results.fd, static_cast<off_t>(read->complete_bytes)) == 0;
  if (ok && read->complete_bytes == 0) {
    const std::string header = std::string(ad::batch_results_header()) + "\n";
    ok = ::write(results.fd, header.data(), header.size()) == static_cast<ssize_t>(header.size());
  }
  if (!ok) {
    ::close(results.fd);
    return refuse("cannot be written");
  }
  return results;
}

// Whether the gateway answers at all with these TLS files: nullopt, or the exit code after saying
// why (2: the files are not usable, 1: no connection).
std::optional<int> probe(const HttpsClientOptions& options) {
  HttpsClient client(options);
  const HttpsAnswer answer = client.get("/healthz");
  if (answer.status != 0) return std::nullopt;
  std::cerr << kCommand << ": " << options.host << ":" << options.port << ": " << answer.error
            << "\n";
  return answer.error.starts_with("TLS files") ? 2 : 1;
}

template <typename Item, typename Say>
void name_claims(std::string_view what, const std::vector<Item>& items, Say say) {
  for (size_t i = 0; i < items.size() && i < kListedMax; ++i) {
    std::cerr << what << ": line " << items[i].line << " msgid " << items[i].msgid << ": "
              << say(items[i]) << "\n";
  }
  if (items.size() > kListedMax) {
    std::cerr << what << ": … and " << items.size() - kListedMax << " more\n";
  }
}

// The summary on standard output, the refused and unanswered claims on standard error.
int report(const Arguments& a, size_t total, const std::vector<ad::BatchResult>& before,
           const Run& run) {
  std::vector<ad::BatchResult> refused;
  size_t settled = 0;
  for (const auto* answered : {&before, &run.answered()}) {
    for (const ad::BatchResult& r : *answered) {
      if (r.settled) {
        ++settled;
      } else {
        refused.push_back(r);
      }
    }
  }
  std::sort(refused.begin(), refused.end(),
            [](const auto& x, const auto& y) { return x.line < y.line; });
  std::vector<Unanswered> unanswered = run.unanswered_claims();
  std::sort(unanswered.begin(), unanswered.end(),
            [](const auto& x, const auto& y) { return x.line < y.line; });
  std::cout << "batch: " << total << " claims in " << a.file << ": " << settled << " settled, "
            << refused.size() << " refused, " << unanswered.size() << " unanswered; "
            << run.answered().size() << " answered now, " << before.size() << " already in "
            << a.results << std::endl;
  name_claims("refused", refused,
              [](const ad::BatchResult& r) { return r.err_code + ": " + r.err_msg; });
  name_claims("unanswered", unanswered, [](const Unanswered& u) { return u.reason; });
  if (!unanswered.empty()) {
    std::cerr << "unanswered claims are not in the results file: run the same command again\n";
  }
  return settled == total ? 0 : 1;
}

int submit(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("file", po::value<std::string>()->required(), "claims file (BATCH.md)")(
      "gateway", po::value<std::string>()->required(), "https://HOST:PORT of the treating region")(
      "cert", po::value<std::string>()->required(), "the hospital's certificate (PEM)")(
      "key", po::value<std::string>()->required(), "its private key (PEM)")(
      "ca", po::value<std::string>(),
      "the CA the gateway's certificate chains to (default: the "
      "system's trusted CAs)")("concurrency", po::value<std::string>()->default_value("4"),
                               "claims in flight, 1 to 64")(
      "results", po::value<std::string>(), "results file (default FILE.results.tsv)")(
      "wait-s", po::value<std::string>()->default_value("300"),
      "seconds to get a claim answered before leaving it to the next run, 1 to 86400");
  int code = 0;
  const auto vm = parse_options(argc, argv, options, kUsage, kCommand, &code);
  if (!vm) return code;
  const std::optional<Arguments> a = read_arguments(*vm, &code);
  if (!a) return code;
  const std::optional<ad::BatchFile> claims = load_claims(a->file);
  if (!claims) return 2;
  std::map<std::string, size_t> claim_of_msgid;
  for (size_t i = 0; i < claims->claims.size(); ++i) {
    claim_of_msgid.emplace(claims->claims[i].request.envelope.msgid, i);
  }
  std::optional<ResultsFile> results = open_results(a->results, claim_of_msgid);
  if (!results) return 2;
  std::vector<bool> answered(claims->claims.size(), false);
  for (const ad::BatchResult& r : results->before) answered[claim_of_msgid.at(r.msgid)] = true;
  std::vector<const ad::BatchClaim*> todo;
  for (size_t i = 0; i < claims->claims.size(); ++i) {
    if (!answered[i]) todo.push_back(&claims->claims[i]);
  }
  if (!todo.empty()) {
    if (const std::optional<int> failed = probe(a->tls)) {
      ::close(results->fd);
      return *failed;
    }
  }
  Run run(todo, results->fd, claims->claims.size(), results->before.size());
  std::vector<std::thread> workers;
  const size_t threads = std::min(static_cast<size_t>(a->concurrency), todo.size());
  for (size_t i = 0; i < threads; ++i) {
    workers.emplace_back([&] { work(run, a->tls, a->wait); });
  }
  for (std::thread& worker : workers) worker.join();
  run.finish();
  (void)::fsync(results->fd);
  ::close(results->fd);
  return report(*a, claims->claims.size(), results->before, run);
}

}  // namespace

int batch_main(int argc, char** argv) {
  const std::string verb = argc >= 2 ? argv[1] : "";
  if (verb == "--help" || verb == "-h") {
    std::cout << kUsage;
    return 0;
  }
  if (verb == "submit") return submit(argc - 1, argv + 1);
  std::cerr << "medclear batch: "
            << (verb.empty() ? "a verb is required" : "unknown verb '" + verb + "'") << "\n"
            << kUsage;
  return 2;
}

}  // namespace medclear::gateway
