// Runs the medclear binary as a person would, for command tests.
#pragma once

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <utility>

namespace medclear::testing {

// Runs `medclear ARGUMENTS` through the shell; returns its exit status and standard output.
inline std::pair<int, std::string> run_medclear(const std::string& arguments) {
  const std::string command = std::string(MEDCLEAR_BINARY) + " " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  return {WEXITSTATUS(pclose(pipe)), output};
}

}  // namespace medclear::testing
