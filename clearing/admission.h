// The checks of a request that need no state — the one home of the contract's precedence from the
// msgid's form to the facility (contracts/adjudicate.md). The engine, the treating node and so
// the gateway all call these functions, so every path answers a request with several faults with
// the same err_code: adjudicate offline, a node in process, and HTTPS.
//
// Order of the ladder, after the envelope's syntax (adapters): msgid form → [msgid reuse: the
// engine, which holds the state] → the claim's own consistency → the person → the regions
// (not_cross_province, region_not_served) → the hospital (unknown_facility,
// facility_not_networked). Policy and filing follow in the engine.
#pragma once

#include <functional>
#include <optional>
#include <string_view>

#include "clearing/reference.h"
#include "clearing/reject.h"
#include "clearing/request.h"

namespace medclear::clearing {

// A msgid is the sender's own: 30 characters, its fixmedins_code(12) + yyyyMMddHHmmss + a 4-digit
// serial (the national interface's rule). An empty fixmedins_code is not compared (the envelope
// check reports it missing).
std::optional<Rejection> check_msgid_form(std::string_view msgid, std::string_view fixmedins_code);

// Whether this deployment has a node for a region ("PP0000"). Empty: every region is served
// (the offline engine).
using RegionServed = std::function<bool(std::string_view region)>;

struct Admission {
  std::optional<Rejection> rejection;  // the fault of highest precedence, if any
  const Person* person = nullptr;      // a claim's insured person, when admitted
  const Facility* facility = nullptr;  // a claim's treating facility, when admitted
  bool admitted() const { return !rejection.has_value(); }
};

// The stateless checks of one request after its envelope and msgid reuse, in the contract's order.
// Claims: consistency, person, regions, facility. Cancels and reversals: the regions (the insured
// region must be another province's, and served).
Admission admit(const Request& request, const ReferenceData& reference,
                const RegionServed& served = {});

}  // namespace medclear::clearing
