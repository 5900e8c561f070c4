// The capacity check says which limit a number of tabs would hit, with the
// numbers, before anything is spawned; and the facts it reads are this
// machine's.
#include "manager/core/tab_capacity.h"

#include <sys/resource.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "common/fd_limit.h"
#include "common/protocol.h"

namespace tabsim {
namespace {

// A large machine with no limit that binds below `tabs`.
CapacityFacts Roomy() {
  CapacityFacts facts;
  facts.fd_limit = 1 << 20;
  facts.fd_hard_limit = 1 << 20;
  facts.fds_open = 10;
  facts.pid_max = 4 << 20;
  facts.threads_max = 1 << 20;
  facts.tasks_running = 500;
  facts.mem_available = 64ull << 30;
  return facts;
}

// Roomy, but 20,000 fds, and tabs under tabsim-init: one more process
// (init) each, and one fd fewer (no pidfd while the tab runs).
CapacityFacts UnderInitIn20000Fds() {
  CapacityFacts facts = Roomy();
  facts.fds_per_tab = kFdsPerTabInit;
  facts.processes_per_tab = 2;
  facts.fd_limit = 20000;
  facts.fd_hard_limit = 20000;
  return facts;
}

TEST(TabCapacity, FitsWhenEveryLimitHasRoom) {
  EXPECT_TRUE(CheckTabCapacity(Roomy(), 10000, RegionBytes(16, 16)).ok());
}

TEST(TabCapacity, FileDescriptorsNameTheLimitAndTheNeed) {
  CapacityFacts facts = Roomy();
  facts.fd_limit = 20000;
  facts.fd_hard_limit = 20000;
  Status status = CheckTabCapacity(facts, 10000, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "10,000 tabs need about 20,026 file descriptors (2 per tab); "
            "RLIMIT_NOFILE allows 20,000 (hard limit 20,000, which only a "
            "process with CAP_SYS_RESOURCE may raise (tabsim does, up to "
            "fs.nr_open, when it has it); or raise nofile in limits.conf)");
  EXPECT_EQ(status.error().error_number, EMFILE);
  // The largest count that fits is exactly what the check accepts.
  TabCapacity most = MaxTabs(facts, RegionBytes(16, 16));
  EXPECT_EQ(most.limit, "file descriptors");
  EXPECT_EQ(most.tabs, (20000 - 10 - kFdsReserved) / kFdsPerTab);
  EXPECT_TRUE(CheckTabCapacity(facts, most.tabs, RegionBytes(16, 16)).ok());
  EXPECT_FALSE(CheckTabCapacity(facts, most.tabs + 1, RegionBytes(16, 16)).ok());
}

// In namespaces a tab costs one more process (its tabsim-init) and one
// fd fewer.
TEST(TabCapacity, ATabUnderInitCostsAProcessMoreAndAnFdLess) {
  CapacityFacts facts = UnderInitIn20000Fds();
  EXPECT_TRUE(CheckTabCapacity(facts, 10000, RegionBytes(16, 16)).ok());
  Status status = CheckTabCapacity(facts, 20000, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("20,026 file descriptors (1 per tab)"),
            std::string::npos)
      << status.error().message;
  EXPECT_EQ(MaxTabs(facts, RegionBytes(16, 16)).tabs, 20000 - 10 - kFdsReserved);

  facts = Roomy();
  facts.processes_per_tab = 2;
  facts.cgroup_pids_max = 2000;
  facts.cgroup_pids_current = 300;
  status = CheckTabCapacity(facts, 851, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "851 tabs need 1,702 more processes; this cgroup's pids.max is "
            "2,000 and 300 are in use");
  EXPECT_TRUE(CheckTabCapacity(facts, 850, RegionBytes(16, 16)).ok());
  EXPECT_EQ(MaxTabs(facts, RegionBytes(16, 16)).tabs, 850);
}

// Tabs sharing processes (a process model) cost fds and processes per
// process, not per tab.
TEST(TabCapacity, SharedProcessesCountPerProcess) {
  CapacityFacts facts = UnderInitIn20000Fds();
  facts.fds_per_tab = kFdsPerTab;  // as without namespaces
  EXPECT_FALSE(CheckTabCapacity(facts, 10000, RegionBytes(16, 16)).ok());
  EXPECT_TRUE(CheckTabCapacity(facts, 10000, 1000, RegionBytes(16, 16)).ok());
  Status status = CheckTabCapacity(facts, 10000, 9995, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "10,000 tabs in 9,995 processes need about 20,016 file descriptors "
            "(2 per process); RLIMIT_NOFILE allows 20,000 (hard limit 20,000, "
            "which only a process with CAP_SYS_RESOURCE may raise (tabsim "
            "does, up to fs.nr_open, when it has it); or raise nofile in "
            "limits.conf)");
  facts = Roomy();
  facts.cgroup_pids_max = 2000;
  facts.cgroup_pids_current = 300;
  EXPECT_TRUE(CheckTabCapacity(facts, 10000, 1700, RegionBytes(16, 16)).ok());
  status = CheckTabCapacity(facts, 10000, 1701, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "10,000 tabs in 1,701 processes need 1,701 more processes; this "
            "cgroup's pids.max is 2,000 and 300 are in use");
  // Memory: a process's own pages once, then a view per further tab.
  facts = Roomy();
  const uint64_t region = RegionBytes(16, 16);
  const uint64_t need = 1000 * (kTabProcessBytes + region) +
                        9000 * (kSharedViewBytes + region);
  facts.mem_available = need;
  EXPECT_TRUE(CheckTabCapacity(facts, 10000, 1000, region).ok());
  facts.mem_available = need - 1;
  status = CheckTabCapacity(facts, 10000, 1000, region);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().error_number, ENOMEM);
  EXPECT_NE(status.error().message.find(
                "(2 MiB per process, 256 KiB per further tab, and its frames)"),
            std::string::npos)
      << status.error().message;
  // A process a tab is the per-tab figure.
  EXPECT_FALSE(CheckTabCapacity(facts, 10000, region).ok());
}

TEST(TabCapacity, ProcessesNameWhichLimit) {
  CapacityFacts facts = Roomy();
  facts.cgroup_pids_max = 2000;
  facts.cgroup_pids_current = 300;
  Status status = CheckTabCapacity(facts, 1701, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().message,
            "1,701 tabs need 1,701 more processes; this cgroup's pids.max is "
            "2,000 and 300 are in use");
  EXPECT_TRUE(CheckTabCapacity(facts, 1700, RegionBytes(16, 16)).ok());
  EXPECT_EQ(MaxTabs(facts, RegionBytes(16, 16)).tabs, 1700);

  facts = Roomy();
  facts.pid_max = 32768;
  facts.tasks_running = 768;
  status = CheckTabCapacity(facts, 40000, RegionBytes(16, 16));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("kernel.pid_max is 32,768"),
            std::string::npos)
      << status.error().message;
}

TEST(TabCapacity, MemoryCountsEachTabWithItsFrames) {
  CapacityFacts facts = Roomy();
  facts.mem_available = 1ull << 30;  // 1 GiB
  // 1920x1080: two frames of 7.9 MiB and the process's own 2 MiB.
  const uint64_t region = RegionBytes(1920, 1080);
  const long fit = long((1ull << 30) / (kTabProcessBytes + region));
  EXPECT_TRUE(CheckTabCapacity(facts, fit, region).ok());
  Status status = CheckTabCapacity(facts, fit + 1, region);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().error_number, ENOMEM);
  EXPECT_NE(status.error().message.find("MemAvailable is 1,024 MiB"),
            std::string::npos)
      << status.error().message;
  EXPECT_EQ(MaxTabs(facts, region).limit, "memory");
}

// A count past the hard fd limit: a process with CAP_SYS_RESOURCE gets the
// limit raised and the count accepted (or refused for another limit);
// anyone else gets the one-line fd error and keeps the limit.
TEST(TabCapacity, MakeRoomForTabsRaisesTheHardFdLimitWhereItMay) {
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_NE(saved.rlim_max, RLIM_INFINITY);
  const rlim_t low = std::min<rlim_t>(saved.rlim_max, 1500);
  rlimit lowered{low, low};
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const long tabs = 1000;  // about 2,000 fds, 2 GiB
  const long needed = FdsNeeded(ReadCapacityFacts(false), tabs);
  ASSERT_GT(needed, long(low));
  Status status = MakeRoomForTabs(false, tabs, tabs, RegionBytes(16, 16));
  rlimit now{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &now), 0);
  if (now.rlim_max > low) {  // raised: this process may
    EXPECT_GE(long(now.rlim_max), needed);
    EXPECT_EQ(now.rlim_cur, now.rlim_max);
    if (!status.ok()) {
      EXPECT_NE(status.error().error_number, EMFILE);
    }
  } else {
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().error_number, EMFILE);
    EXPECT_NE(status.error().message.find("which only a process with CAP_SYS_RESOURCE"),
              std::string::npos)
        << status.error().message;
  }
  ::setrlimit(RLIMIT_NOFILE, &saved);  // as it was, where this process may
}

TEST(TabCapacity, UnknownFactsNeverBlock) {
  CapacityFacts unknown;  // every limit unknown or unlimited
  EXPECT_TRUE(CheckTabCapacity(unknown, 100000, RegionBytes(8192, 8192)).ok());
}

TEST(TabCapacity, ReadsThisProcessesLimits) {
  CapacityFacts facts = ReadCapacityFacts(/*tabs_under_init=*/false);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur != RLIM_INFINITY) {
    EXPECT_EQ(facts.fd_limit, long(limit.rlim_cur));
  }
  EXPECT_GT(facts.fds_open, 2);  // at least stdin, stdout, stderr
  EXPECT_GT(facts.pid_max, 0);
  EXPECT_GT(facts.tasks_running, 0);
  EXPECT_GT(facts.mem_available, 0u);
  EXPECT_EQ(facts.fds_per_tab, kFdsPerTab);
  EXPECT_EQ(ReadCapacityFacts(true).fds_per_tab, kFdsPerTabInit);
  EXPECT_EQ(ReadCapacityFacts(true).processes_per_tab, 2);
}

}  // namespace
}  // namespace tabsim
