#include "common/wait_status.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <gtest/gtest.h>

namespace tabsim {
namespace {

TEST(WaitStatus, DescribesExitCode) {
  EXPECT_EQ(DescribeChildExit(CLD_EXITED, 3), "exited with code 3");
  EXPECT_EQ(DescribeChildExit(CLD_EXITED, 0), "exited with code 0");
}

TEST(WaitStatus, DescribesSignals) {
  EXPECT_EQ(DescribeChildExit(CLD_KILLED, SIGKILL),
            "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(DescribeChildExit(CLD_DUMPED, SIGSEGV),
            "killed by signal 11 (SIGSEGV), core dumped");
  EXPECT_EQ(DescribeChildExit(CLD_KILLED, SIGSYS),
            "killed by signal 31 (SIGSYS)");
}

TEST(WaitStatus, ParsesSignalNames) {
  EXPECT_EQ(SignalFromName("KILL"), SIGKILL);
  EXPECT_EQ(SignalFromName("SIGTERM"), SIGTERM);
  EXPECT_EQ(SignalFromName("11"), SIGSEGV);
  EXPECT_EQ(SignalFromName("NOPE"), -1);
  EXPECT_EQ(SignalFromName("0"), -1);
  EXPECT_EQ(SignalFromName("999"), -1);
  EXPECT_EQ(SignalFromName(""), -1);
  EXPECT_EQ(SignalName(SIGSTOP), "SIGSTOP");
}

// Our child's status, while a SIGUSR1 handler interrupts the wait
// (no SA_RESTART): the EINTR is retried, not returned.
TEST(WaitStatus, WaitForPidReapsAcrossSignals) {
  struct sigaction action {}, old {};
  action.sa_handler = [](int) {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &old), 0);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    for (int i = 0; i < 20; ++i) {
      ::kill(parent, SIGUSR1);
      ::usleep(1000);
    }
    ::_exit(3);
  }
  siginfo_t info{};
  EXPECT_EQ(WaitForPid(child, &info, WEXITED), 0);
  EXPECT_EQ(info.si_pid, child);
  EXPECT_EQ(info.si_code, CLD_EXITED);
  EXPECT_EQ(info.si_status, 3);
  // Reaped: no such child any more.
  EXPECT_EQ(WaitForPid(child, &info, WEXITED), -1);
  EXPECT_EQ(errno, ECHILD);
  ::sigaction(SIGUSR1, &old, nullptr);
}

}  // namespace
}  // namespace tabsim
