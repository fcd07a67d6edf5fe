// `medclear clear`: the subcommand's entry point (its own --help).
#pragma once

namespace medclear::gateway {

int clear_main(int argc, char** argv);

}  // namespace medclear::gateway
