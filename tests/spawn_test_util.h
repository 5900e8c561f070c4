// A check shared by child_process_test (plain spawns) and init_test
// (spawns into namespaces): the child shares our fd table until it has
// taken its own few fds (common/child_process.cc, SpawnSlots), so it must
// leave every fd of ours as it was, take nothing else, and leave nothing
// of its own in our table.
#ifndef TABSIM_TESTS_SPAWN_TEST_UTIL_H_
#define TABSIM_TESTS_SPAWN_TEST_UTIL_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/unique_fd.h"
#include "tests/test_util.h"

namespace tabsim::testing {

// Spawn returns once exec has succeeded, but the new program's dynamic
// loader still opens (and closes) its libraries after that. Waits until
// /bin/sleep is in its sleep, when its fd table is the one it was given.
inline void WaitUntilAsleep(pid_t pid) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream wchan("/proc/" + std::to_string(pid) + "/wchan");
    std::string where;
    std::getline(wchan, where);
    if (where.find("nanosleep") != std::string::npos) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ADD_FAILURE() << "pid " << pid << " never reached its sleep";
}

// `base` supplies the namespace settings; the program is /bin/sleep with
// one socket as its fd 3, while we hold 600 more fds (half of them not
// close-on-exec; 600 stays under the usual soft limit of 1,024).
inline void ExpectSpawnKeepsOurFds(SpawnOptions base) {
  std::vector<UniqueFd> many;
  for (int i = 0; i < 600; ++i) {
    many.emplace_back(::open("/dev/zero", i % 2 ? O_RDONLY : O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(many.back().IsValid());
  }
  const auto before = OpenFds(::getpid());
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd ours(pair[0]), theirs(pair[1]);
  base.executable = "/bin/sleep";
  base.argv = {"sleep", "30"};
  base.fds = {{theirs.get(), 3}};
  auto child = Spawn(base);
  ASSERT_TRUE(child.ok()) << child.error().message;
  WaitUntilAsleep(child->pid());
  auto fds = OpenFds(child->pid());
  EXPECT_EQ(fds.size(), 4u);  // 0-2 and 3
  EXPECT_EQ(fds[3].rfind("socket:[", 0), 0u) << fds[3];
  theirs.reset();
  // Ours as before: the same fds, to the same files. New ones may only be
  // the spawn slots (reserved at the first spawn, on /dev/null), the
  // child's pidfd and our end of the socket.
  auto after = OpenFds(::getpid());
  for (const auto& [fd, target] : before) {
    ASSERT_TRUE(after.count(fd)) << "fd " << fd << " is gone";
    EXPECT_EQ(after[fd], target) << "fd " << fd;
  }
  for (const auto& [fd, target] : after)
    EXPECT_TRUE(before.count(fd) || target == "/dev/null" ||
                target == "anon_inode:[pidfd]" || fd == ours.get())
        << "fd " << fd << " -> " << target;
  // No slot of ours holds the child's end: its death is our end of file.
  ASSERT_TRUE(child->Signal(SIGKILL).ok());
  child->Reap();
  pollfd hangup{ours.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&hangup, 1, 5000), 1) << "the child's end is still held";
  char byte;
  EXPECT_EQ(::read(ours.get(), &byte, 1), 0);
}

}  // namespace tabsim::testing

#endif  // TABSIM_TESTS_SPAWN_TEST_UTIL_H_
