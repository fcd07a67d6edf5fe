#include "gateway/backoffice/adjudicate.h"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "adapters/nhsa.h"
#include "clearing/engine.h"
#include "ledger/directory.h"

namespace medclear::gateway {

AdjudicationCounts run_adjudication(
    const adapters::Scenario& scenario, clearing::MemoryState& state,
    const std::function<void(const std::string&)>& emit,
    const std::function<void(const clearing::SettlementRecord&)>& appended) {
  const clearing::Engine engine(scenario.reference);
  AdjudicationCounts counts;
  uint64_t serial = 0;
  for (const adapters::Json& envelope : scenario.requests) {
    const adapters::NhsaParse parse =
        adapters::parse_nhsa_request(envelope, scenario.reference.codes);
    const adapters::ResponseStamp stamp = adapters::stamp_now(parse.mdtrtarea_admvs, ++serial);
    if (!parse.request) {
      ++counts.rejected;
      emit(adapters::build_nhsa_rejection(stamp, parse.msgid, parse.rejection));
      continue;
    }
    const clearing::Decision decision = engine.decide(*parse.request, state);
    if (decision.append) {
      state.apply(decision.result);
      if (appended) appended(decision.result);
    }
    ++(decision.accepted() ? counts.accepted : counts.rejected);
    emit(adapters::build_nhsa_response(stamp, parse.msgid, decision));
  }
  return counts;
}

}  // namespace medclear::gateway
