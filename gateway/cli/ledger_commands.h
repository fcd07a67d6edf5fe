// `medclear ledger …`: verify, dump, seal, proof and verify-proof over a ledger directory
// (ledger/directory.h). Exit 0 when the answer is yes/done, 1 when verification finds a fault,
// 2 when the input cannot be read.
#pragma once

namespace medclear::gateway {

int ledger_main(int argc, char** argv);

}  // namespace medclear::gateway
