#pragma once

namespace medclear::simulator {

// medclear demo (contracts/demo.md).
int demo_main(int argc, char** argv);

}  // namespace medclear::simulator
