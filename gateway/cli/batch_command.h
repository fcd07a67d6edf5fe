// `medclear batch submit`: sends a hospital's claims file (adapters/BATCH.md) to its treating
// region's gateway over mutual TLS, a bounded number at a time, and keeps one results line per
// answered claim; run again, it sends only the claims the results file does not hold yet.
#pragma once

namespace medclear::gateway {

int batch_main(int argc, char** argv);

}  // namespace medclear::gateway
