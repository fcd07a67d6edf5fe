// Exact decimal text of a fixed-point value, the one writer of the interface's quantities and
// prices (nhsa.cpp defines it; build_nhsa_request and the FHIR adapter write with it).
#pragma once

#include <cstdint>
#include <string>

namespace medclear::adapters {

// `value` / 10^scale as exact decimal text, e.g. (12345, 4) → "1.2345", (-5, 2) → "-0.05".
std::string decimal_text(int64_t value, int scale);

}  // namespace medclear::adapters
