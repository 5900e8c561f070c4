#include "common/fd_limit.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

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

// Whether this process may raise a hard limit (CAP_SYS_RESOURCE): tried
// on RLIMIT_CORE's own hard limit, which nothing here depends on.
bool MayRaiseHardLimits() {
  rlimit saved{};
  if (::getrlimit(RLIMIT_CORE, &saved) != 0 || saved.rlim_max == RLIM_INFINITY)
    return false;
  rlimit raised{saved.rlim_cur, saved.rlim_max + 1};
  if (::setrlimit(RLIMIT_CORE, &raised) != 0) return false;
  ::setrlimit(RLIMIT_CORE, &saved);  // lowering needs no privilege
  return true;
}

long NrOpen() {
  long value = -1;
  if (FILE* file = std::fopen("/proc/sys/fs/nr_open", "r")) {
    if (std::fscanf(file, "%ld", &value) != 1) value = -1;
    std::fclose(file);
  }
  return value;
}

TEST(FdLimit, RaiseFdHardLimitLeavesAHighEnoughLimitAlone) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_NE(saved.rlim_max, RLIM_INFINITY);
  auto kept = RaiseFdHardLimit(long(saved.rlim_max));
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_EQ(*kept, long(saved.rlim_max));
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  EXPECT_EQ(now.rlim_max, saved.rlim_max);
  EXPECT_EQ(now.rlim_cur, saved.rlim_cur);
}

// Root raises the hard limit (and the soft one) to what is needed; anyone
// else gets EPERM and keeps the limits they had.
TEST(FdLimit, RaiseFdHardLimitRaisesItWhenThisProcessMay) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_NE(saved.rlim_max, RLIM_INFINITY);
  const long nr_open = NrOpen();
  ASSERT_GT(nr_open, 0);
  // Below the hard limit first, so that there is room to raise it again.
  const rlim_t low = std::min<rlim_t>(saved.rlim_max, 4096);
  rlimit lowered{low, low};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const bool may = MayRaiseHardLimits();
  auto raised = RaiseFdHardLimit(long(low) + 100);
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  if (may) {
    ASSERT_TRUE(raised.ok()) << raised.error().message;
    EXPECT_EQ(*raised, long(low) + 100);
    EXPECT_EQ(now.rlim_max, low + 100);
    EXPECT_EQ(now.rlim_cur, low + 100);
  } else {
    ASSERT_FALSE(raised.ok());
    EXPECT_EQ(raised.error().error_number, EPERM);
    EXPECT_EQ(now.rlim_max, low);
    EXPECT_EQ(now.rlim_cur, low);
  }
  // Past fs.nr_open not even root may go; the limits stay.
  auto beyond = RaiseFdHardLimit(nr_open + 1);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().error_number, EPERM);
  rlimit after{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &after), 0);
  EXPECT_EQ(after.rlim_max, now.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &saved);  // as it was, where this process may
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
