// `medclear adjudicate [--ledger DIR]`: runs a scenario's requests in order through the
// national-interface adapter and the clearing engine with in-memory state, one response envelope
// per request (contracts/adjudicate.md). With --ledger, every settlement, cancel and reversal is
// also written to the ledgers of both regions under DIR (DIR/<PP0000>), and answers are printed
// only once the batch holding them is durable. Kept apart from main() so tests can run it in
// process.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "adapters/reference_json.h"
#include "clearing/memory_state.h"

namespace medclear::gateway {

struct AdjudicationCounts {
  size_t accepted = 0;
  size_t rejected = 0;
};

// Processes every request of `scenario` in order against `state`, calling `appended` with each
// record the state took (before its answer) and `emit` with each response envelope (one JSON
// object, no newline).
AdjudicationCounts run_adjudication(
    const adapters::Scenario& scenario, clearing::MemoryState& state,
    const std::function<void(const std::string&)>& emit,
    const std::function<void(const clearing::SettlementRecord&)>& appended = {});

}  // namespace medclear::gateway
