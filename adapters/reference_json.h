// Reference-data files of contracts/adjudicate.md: policies (medclear.policy.v1), catalogues
// (medclear.catalogue.v1), facilities, persons with filings, and the scenario that bundles them
// with requests. Loading is strict: unknown keys, wrong types, out-of-range values and duplicates
// are refused with the path of the offending key (e.g. "policies[0].layer.bands[1].ratio").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/json.h"
#include "clearing/reference.h"

namespace medclear::adapters {

struct Scenario {
  clearing::ReferenceData reference;
  std::vector<Json> requests;  // envelopes, in order, parsed later one by one
};

// kInvalid naming the key's path of what is wrong, when the document is not a valid scenario.
Result<Scenario> load_scenario(std::string_view document);

// One policy or catalogue object (for tools that load them from separate files).
Result<clearing::Policy> load_policy(const Json& json, const clearing::CodeTables& codes,
                                     std::string path);
Result<clearing::Catalogue> load_catalogue(const Json& json, std::string path);

// The reference data as a scenario document without requests (contracts/adjudicate.md):
// local_codes (only when some were added), policies by (admdvs, insutype, effective_from),
// catalogues by (admdvs, effective_from) with their items by code, facilities by fixmedins_code,
// persons by psn_no; one object per line. load_scenario() of it gives the same reference data, and
// the same data always gives the same bytes. kInvalid when a price cap is not a whole fen (the
// file holds caps as money).
Result<std::string> write_reference(const clearing::ReferenceData& reference);
// The same into the file `path` (replaced); the text written.
Result<std::string> write_reference_file(const clearing::ReferenceData& reference,
                                         const std::string& path);

}  // namespace medclear::adapters
