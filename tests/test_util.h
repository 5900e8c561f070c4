// Helpers shared by the tests that start real processes.
#ifndef TABSIM_TESTS_TEST_UTIL_H_
#define TABSIM_TESTS_TEST_UTIL_H_

#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <thread>

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

}  // namespace tabsim::testing

#endif  // TABSIM_TESTS_TEST_UTIL_H_
