#include "common/fd_limit.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>

#include "tests/test_util.h"

namespace tabsim {
namespace {

TEST(FdLimit, CountsOpenFdsLikeProc) {
  const int before = CountOpenFds();
  EXPECT_EQ(size_t(before), testing::OpenFds(::getpid()).size());
  int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(CountOpenFds(), before + 1);
  ::close(fd);
}

TEST(FdLimit, RaiseFdLimitLiftsTheSoftLimitToTheHardOne) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit lowered = saved;
  lowered.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(FdSoftLimit(), 64);
  RaiseFdLimit();
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_cur, saved.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &saved);
}

TEST(FdLimit, DescribesOnlyFdExhaustion) {
  EXPECT_EQ(DescribeFdExhaustion(EINVAL), "");
  EXPECT_EQ(DescribeFdExhaustion(ENFILE), "; the system's file table is full");
  const std::string text = DescribeFdExhaustion(EMFILE);
  EXPECT_NE(text.find("; this process has "), std::string::npos) << text;
  EXPECT_NE(text.find(" fds open"), std::string::npos) << text;
}

TEST(FdExhaustionLog, OneEpisodePerRunOfFailures) {
  FdExhaustionLog log("spawning tabs");
  EXPECT_FALSE(log.Failed(EINVAL));  // not about fds: not counted
  EXPECT_FALSE(log.in_episode());
  EXPECT_TRUE(log.Failed(EMFILE));
  EXPECT_TRUE(log.Failed(EMFILE));
  EXPECT_TRUE(log.Failed(ENFILE));
  EXPECT_EQ(log.episodes(), 1);
  EXPECT_TRUE(log.in_episode());
  log.Succeeded();
  EXPECT_FALSE(log.in_episode());
  log.Succeeded();  // nothing to end
  EXPECT_TRUE(log.Failed(EMFILE));
  EXPECT_EQ(log.episodes(), 2);
}

}  // namespace
}  // namespace tabsim
