// `medclear sandbox`: the subcommand's entry point (its own --help).
#pragma once

namespace medclear::gateway {

int sandbox_main(int argc, char** argv);

}  // namespace medclear::gateway
