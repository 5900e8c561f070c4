// tabsim-init (tab/init_main.cc) under Spawn() with namespaces: the program
// runs as PID 2 with ordinary signal semantics, its own exit status comes
// back through init, signals reach it through init, an exec error is an
// error, and nothing it forked outlives it. Skipped, saying why, where the
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
#include "common/namespaces.h"
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

}  // namespace
}  // namespace tabsim
