// Helpers shared by the tests that start real processes.
#ifndef TABSIM_TESTS_TEST_UTIL_H_
#define TABSIM_TESTS_TEST_UTIL_H_

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tabsim::testing {

// The binaries under test, as ctest passes them (see CMakeLists.txt).
inline std::string TabExecutable() {
  const char* path = std::getenv("TABSIM_TAB_EXE");
  return path ? path : "./tabsim-tab";
}
inline std::string ManagerExecutable() {
  const char* path = std::getenv("TABSIM_EXE");
  return path ? path : "./tabsim";
}

// Runs `io` until `done()` or `timeout`; returns done().
inline bool RunUntil(boost::asio::io_context& io,
                     const std::function<bool()>& done,
                     std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return done();
}

// fd number -> readlink target of /proc/PID/fd/N.
inline std::map<int, std::string> OpenFds(pid_t pid) {
  std::map<int, std::string> fds;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return fds;
  int own = ::dirfd(d);
  while (dirent* entry = ::readdir(d)) {
    if (entry->d_name[0] == '.') continue;
    int fd = std::atoi(entry->d_name);
    if (pid == ::getpid() && fd == own) continue;
    char target[512];
    ssize_t n = ::readlinkat(own, entry->d_name, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = '\0';
    fds[fd] = target;
  }
  ::closedir(d);
  return fds;
}

inline int ThreadCount(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  int count = 0;
  while (dirent* entry = ::readdir(d))
    if (entry->d_name[0] != '.') ++count;
  ::closedir(d);
  return count;
}

// PPid from /proc/PID/status; -1 when it cannot be read.
inline pid_t ParentOf(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("PPid:", 0) == 0) return std::atoi(line.c_str() + 5);
  return -1;
}

// True when this process has no child left, zombie or alive.
inline bool NoChildren() {
  siginfo_t info{};
  return ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 &&
         errno == ECHILD;
}

// Core dumps off, so crash causes read "killed by signal 11 (SIGSEGV)".
inline void DisableCoreDumps() {
  rlimit limit{0, 0};
  ::setrlimit(RLIMIT_CORE, &limit);
}

// Polls `read()` (a process's captured stdout, say) until it matches
// `pattern`, within `timeout`. `*text` keeps the text the match points
// into; on a timeout the match is empty and a failure names what was read.
inline std::smatch WaitForMatch(const std::function<std::string()>& read,
                                const std::string& pattern,
                                std::chrono::milliseconds timeout,
                                std::string* text) {
  std::regex re(pattern);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::smatch match;
  while (std::chrono::steady_clock::now() < deadline) {
    *text = read();
    if (std::regex_search(*text, match, re)) return match;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "no '" << pattern << "' in:\n" << read();
  return match;
}

// Reaps child `pid` within `timeout`: its exit code (128 + signal when a
// signal ended it), or -1 when it still runs.
inline int WaitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

// A fresh, private directory under the test's temporary directory:
// PREFIX-PID-N.
inline std::string FreshTestDir(const std::string& prefix) {
  static int counter = 0;
  const std::string dir = ::testing::TempDir() + "/" + prefix + "-" +
                          std::to_string(::getpid()) + "-" +
                          std::to_string(counter++);
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

// A process (a `tabsim` command, say) with its stdout and stderr captured to
// the files `out` and `err` of `dir`, which must exist: forked and exec'd at
// construction, SIGKILLed and reaped at destruction unless Wait() saw it
// exit. For tests that read what a process prints while it runs.
class CapturedProcess {
 public:
  // args[0] is the program. `in_child`, if set, runs in the child just
  // before the exec (to set its environment, say).
  CapturedProcess(std::string dir, std::vector<std::string> args,
                  const std::function<void()>& in_child = {})
      : dir_(std::move(dir)) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(path("out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(path("err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, 1);
      ::dup2(err, 2);
      if (in_child) in_child();
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  CapturedProcess(const CapturedProcess&) = delete;
  CapturedProcess& operator=(const CapturedProcess&) = delete;
  ~CapturedProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  pid_t pid() const { return pid_; }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  std::string out() const { return Slurp(path("out")); }
  std::string err() const { return Slurp(path("err")); }

  // Waits until stdout matches `pattern`; returns the match (empty, and a
  // failure naming stderr too, on a timeout).
  std::smatch WaitFor(const std::string& pattern,
                      std::chrono::milliseconds timeout) {
    std::smatch match = WaitForMatch([this] { return out(); }, pattern,
                                     timeout, &text_);
    if (match.empty()) ADD_FAILURE() << "stderr:\n" << err();
    return match;
  }
  // Exit status, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout) {
    const int code = WaitForExit(pid_, timeout);
    if (code >= 0) exited_ = true;
    return code;
  }

 private:
  static std::string Slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::string dir_;
  std::string text_;  // what the last WaitFor's match points into
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace tabsim::testing

#endif  // TABSIM_TESTS_TEST_UTIL_H_
