#include "common/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/shared_memory.h"
#include "tests/spawn_test_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

SpawnOptions Shell(const std::string& script) {
  SpawnOptions options;
  options.executable = "/bin/sh";
  options.argv = {"sh", "-c", script};
  return options;
}

TEST(Spawn, ChildHasExactlyTheFdsItWasGiven) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  auto region = SharedMemoryRegion::Create("tabsim-spawn-test", 4096);
  ASSERT_TRUE(region.ok());
  // An fd that is NOT close-on-exec must still not leak into the child.
  UniqueFd leaky(::open("/dev/zero", O_RDONLY));
  ASSERT_TRUE(leaky.IsValid());

  SpawnOptions options;
  options.executable = "/bin/sleep";
  options.argv = {"sleep", "30"};
  options.fds = {{theirs.get(), 3}, {region->fd(), 4}};
  auto child = Spawn(options);
  ASSERT_TRUE(child.ok()) << child.error().message;
  testing::WaitUntilAsleep(child->pid());
  auto fds = testing::OpenFds(child->pid());
  ASSERT_EQ(fds.size(), 5u);
  EXPECT_EQ(fds[0], "/dev/null");
  EXPECT_EQ(fds[3].rfind("socket:[", 0), 0u) << fds[3];
  EXPECT_EQ(fds[4].rfind("/memfd:tabsim-spawn-test", 0), 0u) << fds[4];
  EXPECT_EQ(fds.count(5), 0u);
  // The socket in the child is the peer of ours: same inode pair.
  auto own = testing::OpenFds(::getpid());
  EXPECT_NE(own[ours.get()], fds[3]);  // the two ends differ
  ASSERT_TRUE(child->Signal(SIGKILL).ok());
  ChildExit exit = child->Reap();
  EXPECT_EQ(exit.Describe(), "killed by signal 9 (SIGKILL)");
}

// The plain path (init_test checks the one through namespaces).
TEST(Spawn, HundredsOfOurFdsStayOursAndNoneReachTheChild) {
  testing::ExpectSpawnKeepsOurFds(SpawnOptions{});
}

TEST(Spawn, SourceFdsMayCollideWithTargets) {
  // Sources 3 and 4 swapped into targets 4 and 3: neither may clobber the
  // other.
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd a(pair[0]), b(pair[1]);
  auto region = SharedMemoryRegion::Create("tabsim-swap-test", 4096);
  ASSERT_TRUE(region.ok());
  SpawnOptions options = Shell("ls -l /proc/$$/fd/3 /proc/$$/fd/4 >/dev/null && "
                               "test -S /proc/$$/fd/4 && exec sleep 30");
  options.fds = {{region->fd(), 3}, {b.get(), 4}};
  auto child = Spawn(options);
  ASSERT_TRUE(child.ok());
  testing::WaitUntilAsleep(child->pid());
  auto fds = testing::OpenFds(child->pid());
  EXPECT_EQ(fds[3].rfind("/memfd:tabsim-swap-test", 0), 0u) << fds[3];
  EXPECT_EQ(fds[4].rfind("socket:[", 0), 0u) << fds[4];
}

TEST(Spawn, ExecFailureIsReportedNotHung) {
  SpawnOptions options;
  options.executable = "/nonexistent/tabsim-tab";
  options.argv = {"tabsim-tab"};
  auto child = Spawn(options);
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().error_number, ENOENT);
  EXPECT_NE(child.error().message.find("exec /nonexistent/tabsim-tab"),
            std::string::npos)
      << child.error().message;
  EXPECT_TRUE(testing::NoChildren()) << "the failed child was not reaped";
}

TEST(Spawn, ExecOfNonExecutableFails) {
  SpawnOptions options;
  options.executable = "/etc/passwd";
  options.argv = {"passwd"};
  auto child = Spawn(options);
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().error_number, EACCES);
}

TEST(Spawn, ReportsExitCodesAndSignals) {
  auto exits = Spawn(Shell("exit 3"));
  ASSERT_TRUE(exits.ok());
  EXPECT_EQ(exits->Reap().Describe(), "exited with code 3");

  auto segv = Spawn(Shell("ulimit -c 0; kill -SEGV $$"));
  ASSERT_TRUE(segv.ok());
  EXPECT_EQ(segv->Reap().Describe(), "killed by signal 11 (SIGSEGV)");
}

TEST(Spawn, ChildGetsItsOwnProcessGroup) {
  auto child = Spawn(Shell("exec sleep 30"));
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(::getpgid(child->pid()), child->pid());
}

TEST(Spawn, IgnoredSignalsAreResetInTheChild) {
  // SIGPIPE ignored here must not stay ignored in the child.
  auto old = ::signal(SIGPIPE, SIG_IGN);
  auto child = Spawn(Shell("kill -PIPE $$; exit 0"));
  ::signal(SIGPIPE, old);
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(child->Reap().Describe(), "killed by signal 13 (SIGPIPE)");
}

TEST(ChildProcess, PidfdBecomesReadableOnExit) {
  auto child = Spawn(Shell("exit 0"));
  ASSERT_TRUE(child.ok());
  pollfd p{child->pidfd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  auto exit = child->TryReap();
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->Describe(), "exited with code 0");
  EXPECT_TRUE(child->reaped());
}

TEST(ChildProcess, SurvivesSigchldIgnoredByTheParent) {
  // SIG_IGN makes the kernel reap children itself: waitid then fails with
  // ECHILD, which must be a reported outcome, not a crash.
  auto old = ::signal(SIGCHLD, SIG_IGN);
  auto child = Spawn(Shell("exit 0"));
  ASSERT_TRUE(child.ok()) << child.error().message;
  pollfd p{child->pidfd(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 5000), 1);
  auto exit = child->TryReap();
  ::signal(SIGCHLD, old);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->Describe(), "exited (status unknown: reaped elsewhere)");
}

TEST(ChildProcess, DestructorKillsAndReaps) {
  pid_t pid;
  {
    auto child = Spawn(Shell("exec sleep 30"));
    ASSERT_TRUE(child.ok());
    pid = child->pid();
    EXPECT_FALSE(child->TryReap().has_value());
  }
  EXPECT_NE(::kill(pid, 0), 0);  // no such process, not even a zombie
  EXPECT_TRUE(testing::NoChildren());
}

TEST(ChildProcess, DiesWithItsParent) {
  // A middle process spawns a grandchild with PR_SET_PDEATHSIG and is
  // killed; the grandchild must die too.
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_t middle = ::fork();
  ASSERT_GE(middle, 0);
  if (middle == 0) {
    auto grandchild = Spawn(Shell("exec sleep 30"));
    pid_t pid = grandchild.ok() ? grandchild->pid() : -1;
    ssize_t ignored = ::write(pipe_fds[1], &pid, sizeof(pid));
    (void)ignored;
    ::pause();
    ::_exit(0);
  }
  pid_t grandchild = -1;
  ASSERT_EQ(::read(pipe_fds[0], &grandchild, sizeof(grandchild)),
            ssize_t(sizeof(grandchild)));
  ASSERT_GT(grandchild, 0);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  ::kill(middle, SIGKILL);
  ::waitpid(middle, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    // Reparented to init (or a subreaper) and killed: /proc entry goes away
    // or shows a zombie until reaped.
    std::string stat_path = "/proc/" + std::to_string(grandchild) + "/stat";
    FILE* f = std::fopen(stat_path.c_str(), "r");
    if (f == nullptr) {
      gone = true;
      break;
    }
    char state = '?';
    (void)std::fscanf(f, "%*d %*s %c", &state);
    std::fclose(f);
    if (state == 'Z' || state == 'X') gone = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone);
}

TEST(ChildProcessDeathTest, SpawnWithoutArgvIsABug) {
  SpawnOptions options;
  options.executable = "/bin/true";
  EXPECT_DEATH((void)Spawn(options), "CHECK failed");
}

}  // namespace
}  // namespace tabsim
