// Claims files (adapters/BATCH.md) for tests: worked example A's claim as a batch line, with its
// msgid serial and visit ids made unique per claim.
#pragma once

#include <cstdio>
#include <string>

#include "adapters/batch.h"

namespace medclear::testing {

// Worked example A (tests/scenarios/worked_examples.json, request 0) as one claims line; serial 1
// is exactly that request, other serials the same claim under msgid …<serial> and visit MD<serial>.
inline std::string example_batch_line(int serial) {
  char id[8];
  std::snprintf(id, sizeof id, "%04d", serial);
  const std::string s(id);
  return "2304\tH3101040000120260315100000" + s +
         "\t310104\t610100\tH31010400001\tShanghai Hospital\t2026-03-15 10:00:00"
         "\t61000000000000000001\t02\t110101199001011234\t21\t50000\t01\tMD" +
         s + "\tCB" + s +
         "\t390\t0\t0\t01\t110101199001011234\t1701\tPatient\t"
         "1|2026-03-14 09:00:00|XC01|MXC01|3000|1|3000|0;"
         "2|2026-03-14 09:00:00|XA02|MXA02|3000.00|50|60|0;"
         "3|2026-03-14 09:00:00|XB01|MXB01|10000|100|100|0;"
         "4|2026-03-14 09:00:00|XA01|MXA01|34000.0|1|34000|0";
}

// A claims file of serials first..last (header included).
inline std::string example_batch_file(int first, int last) {
  std::string text = std::string(adapters::batch_claims_header()) + "\n";
  for (int serial = first; serial <= last; ++serial) text += example_batch_line(serial) + "\n";
  return text;
}

}  // namespace medclear::testing
