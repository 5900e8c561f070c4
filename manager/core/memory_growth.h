// How fast the tabs' memory grows, per process, over a short window: what
// lets the memory-pressure monitor act before a leak passes the budget
// rather than after (docs/memory.md, "Acting before the budget is
// passed").
//
// Each sample is every running process's PSS at one time. The rate of a
// process is its growth since the oldest sample in the window that also
// has it, over that time; only a process that grew by at least
// kMinGrowthBytes counts, so that the PSS of shared pages moving between
// processes when one ends (a few hundred KiB) is not taken for a leak. A
// process that shrank, ended or appeared counts 0, and so does a rate
// under 32 MiB/s (a page settling in; memory_growth.cc). The total is the
// sum of the processes' rates. TabHost feeds it only processes past their
// handshake.
//
// Pure logic on plain data with the time passed in (testable with a fake
// clock). Single-threaded; owned by the TabHost.
#ifndef TABSIM_MANAGER_CORE_MEMORY_GROWTH_H_
#define TABSIM_MANAGER_CORE_MEMORY_GROWTH_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>

namespace tabsim {

class MemoryGrowth {
 public:
  using Clock = std::chrono::steady_clock;
  using Bytes = std::map<int, uint64_t>;  // process id -> PSS
  static constexpr uint64_t kMinGrowthBytes = uint64_t{1} << 20;

  explicit MemoryGrowth(std::chrono::milliseconds window) : window_(window) {}

  // One sample of every running process's PSS, at `now` (not before the
  // previous one). Samples older than the window are dropped, but the
  // newest one at least the window old is kept so the rate always spans
  // the window once there is history.
  void Add(Clock::time_point now, Bytes bytes);

  // Bytes per second the process grew (0: not growing, or not known).
  double RateOf(int process_id) const;
  // The sum of RateOf over the processes of the latest sample.
  double TotalRate() const;

  std::chrono::milliseconds window() const { return window_; }

 private:
  struct Sample {
    Clock::time_point at;
    Bytes bytes;
  };
  std::chrono::milliseconds window_;
  std::deque<Sample> samples_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_MEMORY_GROWTH_H_
