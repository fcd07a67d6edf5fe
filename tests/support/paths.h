// Where the tests find the source tree and the programs they run. The paths are defined in one
// object (paths.cc) rather than as compile definitions of every test, so that a clone in another
// folder still finds every other test object in the compiler cache.
#pragma once

namespace medclear::testing {

extern const char* const kSourceDir;       // the project's source tree
extern const char* const kMedclearBinary;  // build/…/gateway/medclear
extern const char* const kLedgerCrashChild;
extern const char* const kNodeCrashChild;

}  // namespace medclear::testing
