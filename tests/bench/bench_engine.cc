// Engine micro-benchmarks (Google Benchmark): settlements per second on one core for a 10-line
// claim, at each layer — the pure split, the engine's full decision, decide + apply to in-memory
// state, and the NHSA JSON parse in front of it (and its JSON step alone). Results go to
// BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "clearing/split.h"
#include "tests/support/scenario.h"

namespace medclear::testing {
namespace {

// A 10-line outpatient-sized inpatient claim of person A of the worked examples.
adapters::Json ten_line_claim(const adapters::Scenario& scenario) {
  adapters::Json claim = scenario.requests[0];
  adapters::Json& lines = member(member(claim, "input"), "feedetail");
  const adapters::Json template_line = lines.items[0];
  lines.items.clear();
  static const char* kCodes[] = {"XA01", "XA02", "XB01", "XB05", "XC01"};
  for (int i = 0; i < 10; ++i) {
    adapters::Json line = template_line;
    set_string(line, "feedetl_sn", std::to_string(i + 1));
    set_string(line, "med_list_codg", kCodes[i % 5]);
    set_number(line, "pric", "60.00");
    set_number(line, "cnt", "10");
    set_number(line, "det_item_fee_sumamt", "600.00");
    lines.items.push_back(line);
  }
  set_number(data_of(claim), "medfee_sumamt", "6000.00");
  return claim;
}

struct Fixture {
  adapters::Scenario scenario = worked_examples();
  clearing::Request request;
  std::string body;
  Fixture() {
    body = to_text(ten_line_claim(scenario));
    request = *adapters::parse_nhsa_request(body, scenario.reference.codes).request;
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

void BM_SplitTenLines(benchmark::State& state) {
  Fixture& f = fixture();
  const auto& claim = std::get<clearing::SettlementInput>(f.request.input);
  const clearing::Policy* policy =
      f.scenario.reference.policy_for("610100", "390", f.request.envelope.inf_time.date);
  clearing::SplitTerms terms;
  terms.policy = policy;
  terms.med_type = claim.med_type;
  terms.filing = clearing::FilingKind::kLongTerm;
  for (auto _ : state) {
    const clearing::ClaimTotals totals =
        clearing::classify_claim(claim.lines, f.scenario.reference, "310104");
    clearing::SplitResult result = clearing::split_claim(totals, terms, {}, {});
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SplitTenLines);

void BM_EngineDecideTenLines(benchmark::State& state) {
  Fixture& f = fixture();
  const clearing::Engine engine(f.scenario.reference);
  clearing::MemoryState memory;
  for (auto _ : state) {
    clearing::Decision decision = engine.decide(f.request, memory);
    benchmark::DoNotOptimize(decision);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineDecideTenLines);

void BM_EngineSettleAndApplyTenLines(benchmark::State& state) {
  Fixture& f = fixture();
  const clearing::Engine engine(f.scenario.reference);
  clearing::MemoryState memory;
  clearing::Request request = f.request;
  uint64_t serial = 0;
  for (auto _ : state) {
    request.envelope.msgid = std::to_string(++serial);
    clearing::Decision decision = engine.decide(request, memory);
    memory.apply(decision.result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EngineSettleAndApplyTenLines);

void BM_ParseNhsaTenLines(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    adapters::NhsaParse parse = adapters::parse_nhsa_request(f.body, f.scenario.reference.codes);
    benchmark::DoNotOptimize(parse);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f.body.size()));
}
BENCHMARK(BM_ParseNhsaTenLines);

// The JSON step alone, three ways: the flat number-keeping JsonDoc (what BM_ParseNhsaTenLines
// uses), the owning tree built from it, and Boost.JSON's own parse into boost::json::value.
void BM_JsonDocTenLines(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    Result<adapters::JsonDoc> doc = adapters::parse_json_doc(f.body);
    benchmark::DoNotOptimize(doc);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonDocTenLines);

void BM_JsonTreeTenLines(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    Result<adapters::Json> tree = adapters::parse_json(f.body);
    benchmark::DoNotOptimize(tree);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JsonTreeTenLines);

// The reference for BM_ParseNhsaTenLines: Boost.JSON's own parse of the same body into its DOM
// (no validation, no fingerprint, numbers as doubles), the floor a JSON tree can reach here.
void BM_BoostJsonParseNhsaBody(benchmark::State& state) {
  Fixture& f = fixture();
  for (auto _ : state) {
    boost::json::value value = boost::json::parse(f.body);
    benchmark::DoNotOptimize(value);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(f.body.size()));
}
BENCHMARK(BM_BoostJsonParseNhsaBody);

}  // namespace
}  // namespace medclear::testing

BENCHMARK_MAIN();
