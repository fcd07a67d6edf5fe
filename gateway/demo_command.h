#pragma once

namespace medclear::gateway {

// medclear demo (contracts/demo.md).
int demo_main(int argc, char** argv);

}  // namespace medclear::gateway
