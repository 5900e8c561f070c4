// tabsim-init (tab/init_main.cc) under Spawn() with namespaces: the program
// runs as PID 2 with ordinary signal semantics, its own exit status comes
// back through init's (encoded, with no fd held for init), signals reach
// it through init, an exec error is an
// error, nothing it forked outlives it, and programs share the user and
// network namespaces but not the PID and IPC ones. Skipped, saying why, where the
// kernel refuses namespaces.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "common/child_process.h"
#include "common/init_protocol.h"
#include "common/namespaces.h"
#include "tests/spawn_test_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

class InitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NamespaceSupport().available)
      GTEST_SKIP() << "the kernel refuses namespaces here: "
                   << NamespaceSupport().reason;
    const char* init = std::getenv("TABSIM_INIT_EXE");
    ASSERT_TRUE(init != nullptr && *init) << "ctest sets TABSIM_INIT_EXE";
    init_ = init;
  }
  SpawnOptions Shell(const std::string& script) const {
    SpawnOptions options;
    options.executable = "/bin/sh";
    options.argv = {"sh", "-c", script};
    options.namespaces = true;
    options.init_executable = init_;
    return options;
  }
  std::string init_;
};

TEST_F(InitTest, TheProgramRunsUnderInitAndItsExitCodeComesBack) {
  auto child = Spawn(Shell("exit 7"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_TRUE(child->in_namespaces());
  EXPECT_NE(child->pid(), child->child_pid());
  ChildExit exit = child->Reap();
  EXPECT_EQ(exit.code, CLD_EXITED);
  EXPECT_EQ(exit.status, 7);
}

// Init speaks through its exit status once the program runs
// (common/init_protocol.h): every code below 128 and every death by a
// signal come back exactly; a code of 128 or more comes back as such.
TEST(InitProtocol, EveryEndOfTheProgramFitsInInitsExitCode) {
  for (int code = 0; code < 128; ++code) {
    const ProgramEnd end = DecodeProgramEnd(EncodeProgramEnd(CLD_EXITED, code));
    EXPECT_EQ(end.code, CLD_EXITED) << code;
    EXPECT_EQ(end.status, code);
  }
  for (int code = 128; code < 256; ++code) {
    const ProgramEnd end = DecodeProgramEnd(EncodeProgramEnd(CLD_EXITED, code));
    EXPECT_EQ(end.code, CLD_EXITED) << code;
    EXPECT_EQ(end.status, -1) << code;
  }
  for (int signal = 1; signal <= 64; ++signal) {
    const int encoded = EncodeProgramEnd(CLD_KILLED, signal);
    EXPECT_TRUE(encoded > 0 && encoded < 256) << signal;
    const ProgramEnd end = DecodeProgramEnd(encoded);
    EXPECT_EQ(end.code, CLD_KILLED) << signal;
    EXPECT_EQ(end.status, signal);
  }
  for (int signal = 1; signal < 32; ++signal) {
    const ProgramEnd end = DecodeProgramEnd(EncodeProgramEnd(CLD_DUMPED, signal));
    EXPECT_EQ(end.code, CLD_DUMPED) << signal;
    EXPECT_EQ(end.status, signal);
  }
}

// Through the go-between and init (child_process_test has the plain path).
TEST_F(InitTest, HundredsOfOurFdsStayOursAndNoneReachTheChild) {
  SpawnOptions options;
  options.namespaces = true;
  options.init_executable = init_;
  testing::ExpectSpawnKeepsOurFds(options);
}

TEST_F(InitTest, AHighExitCodeIsSaidToBeHigh) {
  auto child = Spawn(Shell("exit 200"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  ChildExit exit = child->Reap();
  EXPECT_EQ(exit.code, CLD_EXITED);
  EXPECT_EQ(exit.status, ChildExit::kHighExitCode);
  EXPECT_EQ(exit.Describe(),
            "exited with a code of 128 or more (tabsim-init passes on no more)");
}

// A running program costs us one fd: init's pidfd. Init closed the
// control socket once the program had exec'ed, and so did we.
TEST_F(InitTest, ARunningProgramCostsOnlyInitsPidfd) {
  const auto before = testing::OpenFds(::getpid());
  auto child = Spawn(Shell("exec sleep 60"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  const auto after = testing::OpenFds(::getpid());
  EXPECT_EQ(after.size(), before.size() + 1);
  for (const auto& [fd, target] : after) {
    if (before.count(fd) == 0) {
      EXPECT_EQ(target, "anon_inode:[pidfd]") << fd;
    }
  }
  ASSERT_TRUE(child->Signal(SIGKILL).ok());
  EXPECT_EQ(child->Reap().status, SIGKILL);
  EXPECT_EQ(testing::OpenFds(::getpid()).size(), before.size());
}

TEST_F(InitTest, TheProgramIsPid2AndItsParentIsInit) {
  auto child = Spawn(Shell("[ $$ = 2 ] && [ $PPID = 1 ] && exec sleep 60"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  // Seen from here: the program's parent is init, init's is us.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string comm;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in("/proc/" + std::to_string(child->pid()) + "/comm");
    std::getline(in, comm);
    if (comm == "sleep") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(comm, "sleep") << "the checks inside failed";
  EXPECT_EQ(testing::ParentOf(child->pid()), child->child_pid());
  EXPECT_EQ(testing::ParentOf(child->child_pid()), ::getpid());
  ASSERT_TRUE(child->Signal(SIGKILL).ok());
  ChildExit exit = child->Reap();
  EXPECT_EQ(exit.code, CLD_KILLED);
  EXPECT_EQ(exit.status, SIGKILL);
}

// What PID 1 could not do: die of a signal it sent itself, or of one it
// does not handle.
TEST_F(InitTest, SignalsEndTheProgramAsAnywhereElse) {
  auto own = Spawn(Shell("kill -ABRT $$; sleep 5"));
  ASSERT_TRUE(own.ok()) << own.error().message;
  ChildExit exit = own->Reap();
  EXPECT_TRUE(exit.code == CLD_KILLED || exit.code == CLD_DUMPED) << exit.Describe();
  EXPECT_EQ(exit.status, SIGABRT) << exit.Describe();

  auto relayed = Spawn(Shell("exec sleep 60"));
  ASSERT_TRUE(relayed.ok()) << relayed.error().message;
  ASSERT_TRUE(relayed->Signal(SIGTERM).ok());
  exit = relayed->Reap();
  EXPECT_EQ(exit.code, CLD_KILLED);
  EXPECT_EQ(exit.status, SIGTERM) << exit.Describe();
  // Reaped: no more signals.
  EXPECT_FALSE(relayed->Signal(SIGTERM).ok());
}

TEST_F(InitTest, AMissingProgramIsAnExecError) {
  SpawnOptions options = Shell("");
  options.executable = "/nonexistent/tabsim-no-such-program";
  auto child = Spawn(options);
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().error_number, ENOENT) << child.error().message;
  EXPECT_NE(child.error().message.find("exec /nonexistent/tabsim-no-such-program"),
            std::string::npos)
      << child.error().message;
  EXPECT_TRUE(testing::NoChildren()) << "init was reaped";
}

template <typename F>
bool Within(std::chrono::milliseconds timeout, F condition) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// Processes whose PID namespace is `ns` (a /proc/PID/ns/pid link).
int InNamespace(const std::string& ns) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    char link[128] = {};
    std::string path = entry.path().string() + "/ns/pid";
    if (::readlink(path.c_str(), link, sizeof(link) - 1) > 0 && ns == link) ++count;
  }
  return count;
}

// A daemon (setsid, double fork) dies with the program: init exits when
// the program does, and the kernel kills the rest of the namespace.
TEST_F(InitTest, WhatTheProgramForkedDiesWithIt) {
  auto child = Spawn(Shell("(setsid sleep 600 &); sleep 1; exit 0"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  char link[128] = {};
  ASSERT_GT(::readlink(("/proc/" + std::to_string(child->pid()) + "/ns/pid").c_str(),
                       link, sizeof(link) - 1), 0);
  const std::string ns = link;
  // init, the shell and the daemon.
  EXPECT_TRUE(Within(std::chrono::seconds(5), [&] { return InNamespace(ns) >= 3; }));
  ChildExit exit = child->Reap();
  EXPECT_EQ(exit.code, CLD_EXITED);
  EXPECT_EQ(exit.status, 0);
  EXPECT_TRUE(Within(std::chrono::seconds(5), [&] { return InNamespace(ns) == 0; }))
      << InNamespace(ns) << " left in " << ns;
}

// Namespaces as Chromium's zygote-forked renderers have them: the user and
// network namespaces shared by every program (made once, not ours), the
// PID and IPC namespaces each program's own; no capability left in any.
std::string NamespaceOf(pid_t pid, const char* kind) {
  char link[128] = {};
  const std::string path = "/proc/" + std::to_string(pid) + "/ns/" + kind;
  if (::readlink(path.c_str(), link, sizeof(link) - 1) <= 0) return "?" + path;
  return link;
}

// The "Cap...:" line of /proc/PID/status, e.g. "0000000000000000".
std::string CapabilityLine(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      const size_t value = line.find_first_not_of(" \t", name.size() + 1);
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return "?";
}

bool WaitForComm(pid_t pid, const std::string& wanted) {
  return Within(std::chrono::seconds(10), [&] {
    std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
    std::string comm;
    std::getline(in, comm);
    return comm == wanted;
  });
}

TEST_F(InitTest, ProgramsShareTheUserAndNetworkNamespacesOnly) {
  auto first = Spawn(Shell("exec sleep 60"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = Spawn(Shell("exec sleep 60"));
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_TRUE(WaitForComm(first->pid(), "sleep"));
  ASSERT_TRUE(WaitForComm(second->pid(), "sleep"));
  const pid_t self = ::getpid();
  for (const char* shared : {"user", "net"}) {
    EXPECT_EQ(NamespaceOf(first->pid(), shared), NamespaceOf(second->pid(), shared))
        << shared;
    EXPECT_EQ(NamespaceOf(first->child_pid(), shared), NamespaceOf(first->pid(), shared))
        << shared << ": init and its program";
    EXPECT_NE(NamespaceOf(first->pid(), shared), NamespaceOf(self, shared)) << shared;
  }
  for (const char* own : {"pid", "ipc"}) {
    EXPECT_NE(NamespaceOf(first->pid(), own), NamespaceOf(second->pid(), own)) << own;
    EXPECT_NE(NamespaceOf(first->pid(), own), NamespaceOf(self, own)) << own;
  }
  for (pid_t pid : {first->pid(), first->child_pid(), second->pid(), second->child_pid()}) {
    EXPECT_EQ(CapabilityLine(pid, "CapEff"), "0000000000000000") << "pid " << pid;
    EXPECT_EQ(CapabilityLine(pid, "CapBnd"), "0000000000000000") << "pid " << pid;
  }
  ASSERT_TRUE(first->Signal(SIGKILL).ok());
  ASSERT_TRUE(second->Signal(SIGKILL).ok());
  EXPECT_EQ(first->Reap().status, SIGKILL);
  EXPECT_EQ(second->Reap().status, SIGKILL);
  // The go-betweens were reaped by Spawn() itself.
  EXPECT_TRUE(testing::NoChildren());
}

}  // namespace
}  // namespace tabsim
