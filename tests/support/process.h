// Runs the medclear binary as a person would, for command tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/paths.h"

namespace medclear::testing {

// Runs `medclear ARGUMENTS` through the shell; returns its exit status and standard output.
inline std::pair<int, std::string> run_medclear(const std::string& arguments) {
  const std::string command = std::string(kMedclearBinary) + " " + arguments;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  return {WEXITSTATUS(pclose(pipe)), output};
}

// `medclear ARGUMENTS…` as a child process that serves until stopped, its standard output read
// line by line (e.g. `demo --serve`).
class ServedMedclear {
 public:
  explicit ServedMedclear(std::vector<std::string> arguments) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv{const_cast<char*>(kMedclearBinary)};
      for (std::string& argument : arguments) argv.push_back(argument.data());
      argv.push_back(nullptr);
      execv(kMedclearBinary, argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  ~ServedMedclear() { stop(); }
  ServedMedclear(const ServedMedclear&) = delete;
  ServedMedclear& operator=(const ServedMedclear&) = delete;

  // Lines of standard output up to and including "ready" (all of them if it never comes).
  std::vector<std::string> lines_until_ready() {
    std::vector<std::string> lines;
    char buffer[4096];
    while (out_ != nullptr && std::fgets(buffer, sizeof buffer, out_) != nullptr) {
      std::string line(buffer);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      lines.push_back(line);
      if (line == "ready") break;
    }
    return lines;
  }

  // SIGTERM, then the exit status (-1 when it did not exit normally).
  int stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    if (out_ != nullptr) fclose(out_);
    out_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
};

}  // namespace medclear::testing
