#pragma once

#include <vector>

#include "clearing/reference.h"
#include "gateway/tls/pki.h"

namespace medclear::simulator {

// The reference data's facilities as the development PKI issues hospital certificates to them.
std::vector<gateway::DevHospital> hospitals_of(const clearing::ReferenceData& reference);

// medclear demo (contracts/demo.md).
int demo_main(int argc, char** argv);

}  // namespace medclear::simulator
