#include "simulator/channel.h"

#include <chrono>

#include "adapters/nhsa.h"
#include "gateway/app/region_set.h"

namespace medclear::simulator {

namespace cl = medclear::clearing;
namespace gw = medclear::gateway;

namespace {

class InProcessChannel final : public Channel {
 public:
  // The parsing runs on its own thread, as a gateway's would, off the simulation's thread.
  InProcessChannel(gw::RegionSet& set, const cl::CodeTables& codes)
      : set_(set), codes_(codes), thread_([this] { run(); }) {}

  ~InProcessChannel() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  void send(const Outgoing& request, std::function<void(Reply)> done) override {
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back({request, std::move(done)});
    }
    wake_.notify_one();
  }

  std::string name() const override { return "kafka"; }

 private:
  struct Job {
    Outgoing request;
    std::function<void(Reply)> done;
  };

  void run() {
    std::deque<Job> jobs;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        jobs.swap(jobs_);
      }
      for (Job& job : jobs) submit(job.request, std::move(job.done));
      jobs.clear();
    }
  }

  void submit(const Outgoing& request, std::function<void(Reply)> done) {
    const adapters::NhsaParse parsed = adapters::parse_nhsa_request(request.json, codes_);
    if (!parsed.request) {  // refused by the adapter, as the gateway refuses it
      Reply reply;
      reply.answered = true;
      reply.err_code = cl::name(parsed.rejection.reason);
      done(std::move(reply));
      return;
    }
    gw::RegionNode* node = set_.node(request.region);
    if (node == nullptr) {
      done(Reply{false, false, {}, std::nullopt, "no node of region " + request.region});
      return;
    }
    node->submit(
        *parsed.request,
        [done = std::move(done)](gw::NodeAnswer answer) {
          Reply reply;
          if (answer.pending || answer.storage_full) {  // not taken: sent again
            reply.problem = answer.storage_full ? "storage_full" : "pending";
          } else {
            reply.answered = true;
            reply.accepted = answer.rejection.reason == cl::Reject::kOk;
            reply.err_code = cl::name(answer.rejection.reason);
            reply.record = std::move(answer.record);
          }
          done(std::move(reply));
        },
        std::chrono::milliseconds(10'000));
  }

  gw::RegionSet& set_;
  const cl::CodeTables& codes_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

class HttpsChannel final : public Channel {
 public:
  explicit HttpsChannel(const HttpsChannelOptions& options) : options_(options) {
    workers_.resize(static_cast<size_t>(std::max(1, options.threads)));
    for (auto& worker : workers_) {
      worker = std::make_unique<Worker>();
      worker->thread = std::thread([this, w = worker.get()] { run(*w); });
    }
  }

  ~HttpsChannel() override {
    for (auto& worker : workers_) {
      {
        std::lock_guard lock(worker->mutex);
        worker->stopping = true;
      }
      worker->wake.notify_one();
    }
    for (auto& worker : workers_) worker->thread.join();
  }

  void send(const Outgoing& request, std::function<void(Reply)> done) override {
    // A hospital's requests spread over a few clients (each with its own connection), in turn.
    uint64_t& turn = turns_[request.hospital];
    const size_t spread = static_cast<size_t>(std::max(1, options_.connections_per_hospital));
    const size_t index =
        (std::hash<std::string>()(request.hospital) + turn++ % spread) % workers_.size();
    Worker& worker = *workers_[index];
    {
      std::lock_guard lock(worker.mutex);
      worker.jobs.push_back({request, std::move(done)});
    }
    worker.wake.notify_one();
  }

  std::string name() const override { return "https"; }
  uint64_t resent() const override { return resent_; }

 private:
  struct Job {
    Outgoing request;
    std::function<void(Reply)> done;
  };
  struct Worker {
    std::thread thread;
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<Job> jobs;
    bool stopping = false;
    std::map<std::string, std::unique_ptr<gw::HttpsClient>> clients;  // by hospital
  };

  void run(Worker& worker) {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(worker.mutex);
        worker.wake.wait(lock, [&] { return worker.stopping || !worker.jobs.empty(); });
        if (worker.jobs.empty()) return;
        job = std::move(worker.jobs.front());
        worker.jobs.pop_front();
      }
      job.done(exchange(worker, job.request));
    }
  }

  gw::HttpsClient& client(Worker& worker, const Outgoing& request) {
    std::unique_ptr<gw::HttpsClient>& client = worker.clients[request.hospital];
    if (!client) {
      gw::HttpsClientOptions o;
      o.port = options_.ports.count(request.region) ? options_.ports.at(request.region) : 0;
      o.ca_file = options_.pki_dir + "/ca.pem";
      o.certificate_file = options_.pki_dir + "/hospital-" + request.hospital + ".pem";
      o.key_file = options_.pki_dir + "/hospital-" + request.hospital + ".key";
      client = std::make_unique<gw::HttpsClient>(o);
    }
    return *client;
  }

  // Sends until a final answer: a reset or refused connection, 202 (not answered yet) and 503
  // (busy, or the node restarting) are sent again — the same bytes, settled once by msgid.
  Reply exchange(Worker& worker, const Outgoing& request) {
    gw::HttpsClient& https = client(worker, request);
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.give_up_after_ms);
    Reply reply;
    for (int attempt = 0;; ++attempt) {
      if (attempt > 0) {
        ++resent_;
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(20 * attempt, 200)));
      }
      const gw::HttpsAnswer answer = https.post("/v1/nhsa", request.json);
      if (answer.status == 200) {
        std::optional<adapters::NhsaAnswer> parsed = adapters::parse_nhsa_answer(answer.body);
        if (!parsed) {
          reply.problem = "not a national-interface answer: " + answer.body.substr(0, 200);
          return reply;
        }
        reply.answered = true;
        reply.accepted = parsed->accepted;
        reply.err_code =
            parsed->accepted ? std::string(cl::name(cl::Reject::kOk)) : parsed->err_code;
        reply.record = std::move(parsed->record);
        return reply;
      }
      const bool again = answer.status == 0 || answer.status == 202 || answer.status == 503;
      if (!again) {
        reply.answered = true;
        reply.err_code = "http_" + std::to_string(answer.status);
        reply.problem = answer.body.substr(0, 200);
        return reply;
      }
      if (std::chrono::steady_clock::now() > give_up) {
        reply.problem = answer.status == 0 ? answer.error : "HTTP " + std::to_string(answer.status);
        return reply;
      }
    }
  }

  HttpsChannelOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::map<std::string, uint64_t> turns_;  // send() runs on the simulation's thread only
  std::atomic<uint64_t> resent_{0};
};

}  // namespace

std::unique_ptr<Channel> in_process_channel(gw::RegionSet& set, const cl::CodeTables& codes) {
  return std::make_unique<InProcessChannel>(set, codes);
}

std::unique_ptr<Channel> https_channel(const HttpsChannelOptions& options) {
  return std::make_unique<HttpsChannel>(options);
}

}  // namespace medclear::simulator
