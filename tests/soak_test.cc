// Crash/reload soak: a tab that crashes right after its first frame is
// reloaded again and again. The manager's open fds must return exactly to
// their baseline, its resident memory must not grow, and no zombie may
// remain. CI runs 150 cycles; TABSIM_SOAK_CYCLES=1000 runs the full soak
// (docs/security.md).
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include "manager/core/tab_host.h"
#include "tests/host_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

long ResidentKiB() {
  long pages_total = 0, pages_resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2)
    pages_resident = -1;
  std::fclose(f);
  return pages_resident * (::sysconf(_SC_PAGESIZE) / 1024);
}

int Cycles() {
  const char* env = std::getenv("TABSIM_SOAK_CYCLES");
  int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : 150;
}

class Lost : public TabObserver {
 public:
  void OnTabLost(const TabSession& tab) override {
    ++count;
    last_cause = tab.cause();
  }
  int count = 0;
  std::string last_cause;
};

TEST(Soak, CrashReloadCyclesLeakNoFdsMemoryOrZombies) {
  testing::DisableCoreDumps();
  asio::io_context io(1);
  TabHost::Options options;
  options.tab_executable = testing::TabExecutable();
  options.width = 64;
  options.height = 48;
  TabHost host(io, options);
  Lost lost;
  host.AddObserver(&lost);
  // A healthy neighbour must survive the whole soak.
  auto neighbour = host.Open("sim://clock");
  ASSERT_TRUE(neighbour.ok());
  auto tab = host.Open("sim://crash");
  ASSERT_TRUE(tab.ok());
  int id = (*tab)->id();

  const int cycles = Cycles();
  const int warmup = 20;
  size_t baseline_fds = 0;
  long baseline_rss = 0;
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    ASSERT_TRUE(testing::RunUntil(io, [&] { return host.Find(id)->finished(); }, 10s))
        << "cycle " << cycle;
    ASSERT_EQ(lost.last_cause, "killed by signal 11 (SIGSEGV)") << "cycle " << cycle;
    // Let the retired session's deferred destruction run.
    io.restart();
    io.poll();
    if (cycle == warmup) {
      baseline_fds = testing::OpenFds(::getpid()).size();
      baseline_rss = ResidentKiB();
    }
    if (cycle % 50 == 0) std::fprintf(stderr, "soak: %d/%d cycles\n", cycle, cycles);
    auto reloaded = host.Reload(id);
    ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  }
  ASSERT_TRUE(testing::RunUntil(io, [&] { return host.Find(id)->finished(); }, 10s));
  io.restart();
  io.poll();
  size_t fds = testing::OpenFds(::getpid()).size();
  long rss = ResidentKiB();
  std::fprintf(stderr, "soak: %d cycles; fds %zu -> %zu; rss %ld -> %ld KiB\n",
               cycles, baseline_fds, fds, baseline_rss, rss);
  EXPECT_EQ(fds, baseline_fds);
#if !defined(__SANITIZE_ADDRESS__)
  // (Under ASan freed memory sits in its quarantine, so RSS says nothing;
  // LeakSanitizer checks for real leaks at exit instead.)
  EXPECT_LT(rss - baseline_rss, 2048) << "resident memory grew";
#endif
  EXPECT_EQ(host.Find(id)->restarts(), cycles);
  EXPECT_EQ((*neighbour)->state(), TabState::kLive);
  EXPECT_GT((*neighbour)->counters().frames, 0u);

  ASSERT_TRUE(testing::ShutdownHost(io, host, 10s));
  EXPECT_TRUE(testing::NoChildren());
}

}  // namespace
}  // namespace tabsim
