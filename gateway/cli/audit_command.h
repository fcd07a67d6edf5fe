// `medclear audit`: the subcommand's entry point (its own --help).
#pragma once

namespace medclear::gateway {

int audit_main(int argc, char** argv);

}  // namespace medclear::gateway
