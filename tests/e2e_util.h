// Helpers for the end-to-end tests of `tabsim run` + `tabsim ctl` and the
// TUI: temp directories, starting the manager, running commands.
#ifndef TABSIM_TESTS_E2E_UTIL_H_
#define TABSIM_TESTS_E2E_UTIL_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "manager/control/control_path.h"
#include "tests/test_util.h"

namespace tabsim::testing {

inline std::string MakeTempDir(const char* name) {
  std::string pattern = std::string("/tmp/") + name + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  char* dir = ::mkdtemp(buffer.data());
  return dir ? dir : "";
}

inline void RemoveTree(const std::string& dir) {
  if (dir.empty()) return;
  std::string command = "rm -rf '" + dir + "'";
  (void)!std::system(command.c_str());
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

inline std::string Quote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') quoted += "'\\''";
    else quoted += c;
  }
  return quoted + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `tabsim ARGS...` to completion, capturing stdout and stderr.
inline CommandResult RunTabsim(const std::vector<std::string>& args,
                               const std::string& scratch_dir) {
  std::string command = Quote(ManagerExecutable());
  for (const std::string& arg : args) command += " " + Quote(arg);
  std::string out = scratch_dir + "/cmd.out", err = scratch_dir + "/cmd.err";
  command += " >" + Quote(out) + " 2>" + Quote(err) + " </dev/null";
  int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

// A `tabsim run --ui none` in the background, killed (SIGTERM, then
// SIGKILL) and reaped when destroyed.
class ManagerProcess {
 public:
  // fd_limit > 0: the manager starts with RLIMIT_NOFILE soft = hard =
  // fd_limit (so it cannot raise it).
  ManagerProcess(const std::string& control_path,
                 const std::vector<std::string>& extra_args,
                 const std::string& log_path, int fd_limit = 0) {
    std::vector<std::string> args = {ManagerExecutable(), "run", "--ui", "none",
                                     "--control", control_path, "--tab-exe",
                                     TabExecutable()};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(log, 1);
      ::dup2(log, 2);
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      if (fd_limit > 0) {
        rlimit limit{rlim_t(fd_limit), rlim_t(fd_limit)};
        ::setrlimit(RLIMIT_NOFILE, &limit);
      }
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    // Ready once the control socket answers.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ConnectControlSocket(control_path).ok()) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ManagerProcess() { Stop(); }
  // SIGTERM and reap; the exit code, or -1.
  int Stop() {
    if (pid_ <= 0) return exit_code_;
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 500; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return exit_code_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return exit_code_;
  }
  bool ready() const { return ready_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  bool ready_ = false;
  int exit_code_ = -1;
};

// Polls `condition` every 20 ms for up to `timeout`.
template <typename F>
bool Eventually(F condition, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

}  // namespace tabsim::testing

#endif  // TABSIM_TESTS_E2E_UTIL_H_
