#include "tests/support/paths.h"

namespace medclear::testing {

const char* const kSourceDir = MEDCLEAR_SOURCE_DIR;
const char* const kMedclearBinary = MEDCLEAR_BINARY;
const char* const kLedgerCrashChild = MEDCLEAR_CRASH_CHILD;
const char* const kNodeCrashChild = MEDCLEAR_NODE_CRASH_CHILD;

}  // namespace medclear::testing
