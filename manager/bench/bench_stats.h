// Small measuring helpers shared by the benchmark scenarios: wall and CPU
// clocks, percentiles over latency samples, and a forked peer process.
//
// ForkedPeer owns one child made by fork() without exec, running a
// function (the other end of a floor or transport measurement) and then
// _exit()ing with its return value. Move-only; destroying it SIGKILLs and
// reaps a child that is still running, so no measurement leaves a process
// behind. fork() without exec is only safe while the bench process is
// single-threaded, which it always is.
#ifndef TABSIM_MANAGER_BENCH_BENCH_STATS_H_
#define TABSIM_MANAGER_BENCH_BENCH_STATS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <vector>

#include "common/result.h"

namespace tabsim {

using BenchClock = std::chrono::steady_clock;

double SecondsSince(BenchClock::time_point start);
// User + system CPU of this process (not its children), in seconds.
double ProcessCpuSeconds();
// CPU of process `pid` (all its threads, not its children), in seconds,
// read from its CPU-time clock (clock_getcpuclockid), so to the
// nanosecond: /proc/PID/stat counts clock ticks, and a few quiet tabs over
// a short window can stay under one. An error for a process that is gone.
Result<double> ProcessCpuSecondsOf(pid_t pid);

// Latency samples, in seconds.
struct LatencySummary {
  size_t count = 0;
  double p50 = 0;
  double p99 = 0;
  double p999 = 0;
  double min = 0;
  double max = 0;
};
// Sorts `samples` in place. CHECKs that there is at least one sample.
LatencySummary Summarize(std::vector<double>* samples);

class ForkedPeer {
 public:
  ForkedPeer() = default;
  ForkedPeer(ForkedPeer&& other) noexcept;
  ForkedPeer& operator=(ForkedPeer&& other) noexcept;
  ForkedPeer(const ForkedPeer&) = delete;
  ForkedPeer& operator=(const ForkedPeer&) = delete;
  ~ForkedPeer();

  // Forks; the child runs `body` and _exit()s with its result.
  static Result<ForkedPeer> Start(const std::function<int()>& body);
  bool IsValid() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // Waits for the child; returns its exit code (128 + signal if killed).
  int Wait();

 private:
  explicit ForkedPeer(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_STATS_H_
