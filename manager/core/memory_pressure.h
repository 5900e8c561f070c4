// Memory pressure, the way Chromium's MemoryPressureListener reports it
// (base/memory/memory_pressure_listener.h: NONE, MODERATE, CRITICAL) and
// its Linux monitor computes it (PSI and MemAvailable), plus a budget of
// our own for the tabs' memory (tabsim run --memory-budget SIZE).
//
// The level comes from whichever signal is worst:
//   * the kernel: /proc/pressure/memory "some avg10" (the share of the last
//     10 s some task stalled on memory) and MemAvailable / MemTotal from
//     /proc/meminfo;
//   * the budget: the tabs' total PSS (each from /proc/PID/smaps_rollup,
//     RSS from /proc/PID/statm where that is unreadable) over the budget is
//     critical, over kBudgetModerate of it moderate; so is a total that,
//     growing at its present rate, would pass the budget within the
//     horizon (one regular interval): a leak of 600 MiB/s passes a budget
//     between two samples 100 ms apart, so waiting to see it over is
//     acting too late.
//
// The monitor samples every `interval`, and every `fast_interval` while
// the tabs' total (or where it is heading within one interval) is above
// kBudgetModerate of the budget: near the budget a 100 ms blind spot is
// what lets a leak overshoot. A sample reads every tab process's
// smaps_rollup, which walks its page tables: about 50 us a process here,
// so 1,000 processes sampled every 100 ms would take half the manager's
// core. The monitor therefore stretches its intervals so that sampling
// takes at most 1/kRegularShareInverse of the loop's time (1/kFastShare-
// Inverse near the budget), and the horizon with them; a sample's cost is
// the last one measured. Chromium's memory monitors sample less often as
// well (performance_manager's every few minutes) and rely on the
// kernel's signals in between.
//
// The parsing and the level computation are pure functions (testable with
// sample text); MemoryPressureMonitor only reads /proc on a timer of the
// manager's loop and hands each verdict to its listener. Reading /proc
// never throws or logs: an unreadable file is an error value, and a
// signal that cannot be read counts as no pressure (a kernel without PSI
// still has MemAvailable and the budget).
#ifndef TABSIM_MANAGER_CORE_MEMORY_PRESSURE_H_
#define TABSIM_MANAGER_CORE_MEMORY_PRESSURE_H_

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"

namespace tabsim {

enum class PressureLevel { kNone, kModerate, kCritical };
const char* ToString(PressureLevel level);  // "none", "moderate", "critical"

struct MemInfo {
  uint64_t total_bytes = 0;
  uint64_t available_bytes = 0;
};

// "some avg10=12.34 ..." of /proc/pressure/memory -> 12.34 (percent).
Result<double> ParsePsiSomeAvg10(const std::string& text);
// MemTotal and MemAvailable of /proc/meminfo.
Result<MemInfo> ParseMemInfo(const std::string& text);
// This machine's: /proc/meminfo, read and parsed.
Result<MemInfo> ReadMemInfo();
// The "Pss:" line of /proc/PID/smaps_rollup, in bytes.
Result<uint64_t> ParseSmapsRollupPss(const std::string& text);
// The process's PSS, or its RSS when smaps_rollup cannot be read.
Result<uint64_t> ReadProcessMemory(pid_t pid);
// The kernel OOM killer's kill count: "oom_kill N" of /proc/vmstat
// (Linux 4.13+). A rise while a tab lived, and the tab dead of a SIGKILL
// nobody in the manager sent, is the evidence for "killed: out of memory".
Result<uint64_t> ParseVmstatOomKill(const std::string& text);
Result<uint64_t> ReadOomKillCount();

struct PressureThresholds {
  double psi_moderate = 10;      // percent of the last 10 s stalled
  double psi_critical = 40;
  double available_moderate = 0.10;  // MemAvailable / MemTotal below
  double available_critical = 0.05;
  static constexpr double kBudgetModerate = 0.85;
};

// One reading of every signal; an unset field was not available.
struct PressureSample {
  std::optional<double> psi_some_avg10;
  std::optional<MemInfo> meminfo;
  uint64_t tabs_bytes = 0;  // the tabs' total PSS
  // How fast the tabs' memory grows (MemoryGrowth::TotalRate; 0: still).
  double tabs_growth_bytes_per_s = 0;
  // How far ahead the growth is projected against the budget.
  std::chrono::milliseconds horizon{0};
  uint64_t budget_bytes = 0;  // 0: no budget
};

struct PressureVerdict {
  PressureLevel level = PressureLevel::kNone;
  // Why, for causes and logs: "tabs 612 MiB over a 512 MiB budget",
  // "tabs 232 MiB growing 1500 MiB/s, over a 256 MiB budget within 100
  // ms", "memory PSI some avg10 45.0%", "MemAvailable 3% of MemTotal";
  // empty at kNone.
  std::string reason;
  // The budget alone makes it critical while the tabs' memory still grows:
  // what lets the discarder skip its settle time (TabDiscarder::Choose).
  bool growing_over_budget = false;
};

// The worst level any signal gives, with that signal's reason.
PressureVerdict ComputePressure(const PressureSample& sample,
                                const PressureThresholds& thresholds = {});

// Samples the signals every `interval` (`fast_interval` near the budget)
// on the loop and tells `listener` each verdict (every sample, not only changes: the discarder acts on a
// critical level for as long as it lasts).
//
// Ownership: owned by the TabHost; `tabs_bytes` is asked for the tabs'
// memory and its growth at each sample (it must stay callable while the
// monitor runs).
// The timer stops with Stop() or the monitor's destruction.
class MemoryPressureMonitor {
 public:
  struct Options {
    std::chrono::milliseconds interval{100};
    // Near the budget (see the top of this file); at most `interval`.
    std::chrono::milliseconds fast_interval{20};
    uint64_t budget_bytes = 0;
    bool kernel = true;  // read PSI and meminfo
    PressureThresholds thresholds;
  };
  struct TabsMemory {
    uint64_t bytes = 0;
    double growth_bytes_per_s = 0;
  };
  using TabsBytes = std::function<TabsMemory()>;
  using Listener =
      std::function<void(const PressureVerdict&, const PressureSample&)>;

  MemoryPressureMonitor(boost::asio::any_io_executor executor, Options options,
                        TabsBytes tabs_bytes, Listener listener);
  MemoryPressureMonitor(const MemoryPressureMonitor&) = delete;
  MemoryPressureMonitor& operator=(const MemoryPressureMonitor&) = delete;
  ~MemoryPressureMonitor();

  void Start();
  void Stop();
  // Reads every signal now (what the timer does).
  PressureSample Sample() const;

  const PressureVerdict& verdict() const { return verdict_; }
  const PressureSample& last_sample() const { return sample_; }
  const Options& options() const { return options_; }

  // The sampling's share of the loop's time is at most 1/20 (near the
  // budget 1/5): intervals stretch to 20 (5) times what a sample took.
  static constexpr int kRegularShareInverse = 20;
  static constexpr int kFastShareInverse = 5;
  // The regular interval in effect: options().interval, or longer when a
  // sample is slow (many tab processes). The growth horizon is this.
  std::chrono::milliseconds regular_interval() const;
  // What the last sample took.
  std::chrono::microseconds last_sample_cost() const { return sample_cost_; }

 private:
  void Arm();
  // fast_interval near the budget, interval otherwise.
  std::chrono::milliseconds NextInterval() const;

  Options options_;
  TabsBytes tabs_bytes_;
  Listener listener_;
  boost::asio::steady_timer timer_;
  PressureVerdict verdict_;
  PressureSample sample_;
  std::chrono::microseconds sample_cost_{0};
  bool running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_MEMORY_PRESSURE_H_
