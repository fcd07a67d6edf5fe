// Every FHIR message a test makes, written for the R4 schema validator (tests/fhir/validate.js,
// ctest fhir_conformance) when MEDCLEAR_FHIR_DUMP names a directory; otherwise nothing.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

namespace medclear::testing {

// `what` names the message (claim, response, …); invalid_on_purpose marks a request a test made
// invalid FHIR, which the validator must refuse.
inline void dump_fhir(std::string_view what, const std::string& body,
                      bool invalid_on_purpose = false) {
  const char* dir = std::getenv("MEDCLEAR_FHIR_DUMP");
  if (dir == nullptr || *dir == '\0') return;
  static std::atomic<int> serial{0};
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = test != nullptr ? std::string(test->test_suite_name()) + "." + test->name()
                                     : std::string("none");
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const std::string file = std::string(dir) + "/" + std::to_string(getpid()) + "-" +
                           std::to_string(++serial) + "-" + name + "-" + std::string(what) +
                           (invalid_on_purpose ? ".invalid.json" : ".json");
  std::ofstream(file, std::ios::binary) << body;
}

}  // namespace medclear::testing
