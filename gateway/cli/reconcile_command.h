#pragma once

namespace medclear::gateway {

// medclear reconcile --day YYYY-MM-DD [--pair I,T] [--ledgers DIR]: claim-by-claim reconciliation
// of one business day between the ledgers of region pairs, printed as one JSON statement per pair.
int reconcile_main(int argc, char** argv);

}  // namespace medclear::gateway
