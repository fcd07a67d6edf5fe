#pragma once

namespace medclear::simulator {

// medclear nation init: the directory of a local nation of processes (ops/nation.sh).
int nation_main(int argc, char** argv);

}  // namespace medclear::simulator
