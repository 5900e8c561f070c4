// The kernel's OOM killer, for real: a `tabsim run` is started inside a
// memory cgroup of its own (v1 memory.limit_in_bytes or v2 memory.max) too
// small for sim://leak. The kernel kills the leaking tab; the manager must
// report it as `killed: out of memory` (the evidence: a SIGKILL nobody in
// the manager sent while /proc/vmstat's oom_kill went up), and the other
// tab must keep running. Skipped, with the reason, where no memory cgroup
// can be made (not root, no writable controller).
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <thread>

#include "tests/test_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;

// Room for the manager and a still tab, not for the leak.
constexpr char kLimit[] = "100663296";  // 96 MiB

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.flush();
  return bool(file);
}

// A memory cgroup with the limit set, removed on destruction (once its
// processes are gone).
class MemoryCgroup {
 public:
  // Empty error: made. Otherwise why not.
  std::string Make() {
    const std::string name = "/tabsim-oom-test-" + std::to_string(::getpid());
    // v1: the memory controller's own hierarchy.
    if (::mkdir(("/sys/fs/cgroup/memory" + name).c_str(), 0755) == 0) {
      dir_ = "/sys/fs/cgroup/memory" + name;
      if (WriteFile(dir_ + "/memory.limit_in_bytes", kLimit)) return {};
      return "cannot write memory.limit_in_bytes";
    }
    // v2: a child of the root with the memory controller enabled.
    if (::mkdir(("/sys/fs/cgroup" + name).c_str(), 0755) == 0) {
      dir_ = "/sys/fs/cgroup" + name;
      if (WriteFile(dir_ + "/memory.max", kLimit)) {
        (void)WriteFile(dir_ + "/memory.swap.max", "0");
        return {};
      }
      return "no memory controller in this cgroup (memory.max)";
    }
    return "cannot make a memory cgroup: " + std::string(std::strerror(errno));
  }
  const std::string& dir() const { return dir_; }
  ~MemoryCgroup() {
    if (dir_.empty()) return;
    for (int i = 0; i < 100 && ::rmdir(dir_.c_str()) != 0; ++i)
      std::this_thread::sleep_for(50ms);
  }

 private:
  std::string dir_;
};

TEST(OomKill, TheKernelsKillIsReportedAsOutOfMemoryAndTheOtherTabLives) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // Shadow memory makes every process several times bigger and the tab's
  // RLIMIT_AS is off: which process the kernel picks is then not what the
  // plain build tests.
  GTEST_SKIP() << "sanitizer build: the plain build runs this test";
#endif
  MemoryCgroup cgroup;
  if (std::string why = cgroup.Make(); !why.empty())
    GTEST_SKIP() << "no memory cgroup for the test: " << why;
  const std::string procs = cgroup.dir() + "/cgroup.procs";
  testing::CapturedProcess manager(
      testing::FreshTestDir("tabsim-oom"),
      {testing::ManagerExecutable(), "run", "--ui", "none", "--tabs", "2",
       "--page", "sim://clock", "--page", "sim://leak", "--size", "64x48",
       "--no-memory-pressure", "--duration", "60"},
      // Into the cgroup before the exec: the manager and every tab it
      // spawns are then held to its limit.
      [&procs] { (void)WriteFile(procs, "0"); });
  // The move may be refused (a v2 hierarchy that does not delegate):
  // then nothing holds the leak but its own limit, not what is tested.
  std::this_thread::sleep_for(100ms);
  const std::string name = cgroup.dir().substr(cgroup.dir().rfind('/'));
  std::ifstream membership("/proc/" + std::to_string(manager.pid()) + "/cgroup");
  const std::string cgroups((std::istreambuf_iterator<char>(membership)),
                            std::istreambuf_iterator<char>());
  if (cgroups.find(name) == std::string::npos)
    GTEST_SKIP() << "the manager could not be moved into " << cgroup.dir();
  auto killed = manager.WaitFor("tab 2 lost: ([^\n]*)", 30s);
  ASSERT_FALSE(killed.empty()) << manager.err();
  EXPECT_NE(killed[1].str().find("killed: out of memory"), std::string::npos)
      << killed[0];
  EXPECT_NE(killed[1].str().find("oom_kill in /proc/vmstat"), std::string::npos)
      << killed[0];
  // The other tab lives on and the manager stops cleanly.
  ::kill(manager.pid(), SIGINT);
  EXPECT_EQ(manager.Wait(20s), 0) << manager.err();
  const std::string out = manager.out();
  EXPECT_EQ(out.find("tab 1 lost"), std::string::npos) << out;
  EXPECT_EQ(out.find("tab 1 crashed"), std::string::npos) << out;
}

}  // namespace
}  // namespace tabsim
