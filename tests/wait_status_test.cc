#include "common/wait_status.h"

#include <signal.h>
#include <sys/wait.h>

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

}  // namespace
}  // namespace tabsim
