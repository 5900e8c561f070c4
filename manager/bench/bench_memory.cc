#include "manager/bench/bench_memory.h"

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "manager/bench/bench_stats.h"
#include "manager/bench/bench_tabs.h"
#include "manager/core/memory_pressure.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kBudget = 256 * kMiB;
constexpr milliseconds kSampleEvery{10};

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Samples the tabs' total PSS every kSampleEvery on the bench's loop, as
// an outside observer would: every process the host still holds, a
// discarded one included until it is reaped (its memory is not back
// before). The handler touches nothing of ours once the timer is
// cancelled (destroyed before the loop runs its last handlers).
class TotalSampler {
 public:
  using OnSample = std::function<void(Clock::time_point, uint64_t)>;
  TotalSampler(BenchTabs& tabs, OnSample on_sample)
      : tabs_(tabs), on_sample_(std::move(on_sample)), timer_(tabs.io()) {
    Arm();
  }
  TotalSampler(const TotalSampler&) = delete;
  TotalSampler& operator=(const TotalSampler&) = delete;
  ~TotalSampler() { timer_.cancel(); }

 private:
  void Arm() {
    timer_.expires_after(kSampleEvery);
    timer_.async_wait([this](boost::system::error_code error) {
      if (error) return;
      on_sample_(Clock::now(), tabs_.TabProcessesPssBytes());
      Arm();
    });
  }

  BenchTabs& tabs_;
  OnSample on_sample_;
  boost::asio::steady_timer timer_;
};

// What the samples and the losses add up to.
struct MemoryTally {
  uint64_t max_total = 0;
  uint64_t last_total = 0;
  std::optional<Clock::time_point> episode_start;
  std::vector<double> episodes_ms;
  uint64_t discards = 0;
  uint64_t kept_discarded = 0;  // focused or protected: must stay 0
  uint64_t bystanders = 0;      // still background tabs
};

}  // namespace

void RunMemoryScenario(const BenchOptions& options, const std::string& tab_exe,
                       BenchReport* report) {
  const int leaks = options.quick ? 2 : 3;
  const int waves = options.quick ? 1 : 5;
  std::fprintf(stderr,
               "bench: memory: %d leaks beside 5 still tabs, a 256 MiB "
               "budget, %d wave(s)\n",
               leaks, waves);
  TabHost::Options host_options = BenchHostOptions(tab_exe, 160, 100, 30);
  host_options.memory_pressure = true;
  host_options.kernel_pressure = false;  // the budget alone: repeatable
  host_options.memory_budget = kBudget;
  BenchTabs tabs(host_options);
  TabHost& host = tabs.host();

  const char* const still_pages[] = {"sim://clock", "sim://bounce",
                                     "sim://paint", "sim://clock", "sim://blank"};
  std::vector<int> still;
  for (const char* page : still_pages) {
    auto tab = tabs.Open(page);
    if (!tab.ok()) {
      report->AddUnavailable("memory", "memory.episode.p50_ms", tab.error().message);
      return;
    }
    still.push_back((*tab)->id());
  }
  const bool drawn = tabs.RunUntilDrawn(still, milliseconds(60000));
  if (!drawn) {
    report->AddUnavailable("memory", "memory.episode.p50_ms",
                           "the still tabs did not draw within 60 s");
    return;
  }
  // The oldest tab is focused and the next protected: first in line by
  // last use, so only the rule keeps them.
  (void)host.SetFocus(still[0]);
  (void)host.SetProtected(still[1], true);

  MemoryTally tally;
  std::set<int> leak_ids;
  tabs.on_lost = [&](TabSession& tab) {
    if (tab.state() != TabState::kDiscarded) return;
    ++tally.discards;
    if (tab.id() == host.focused_id() || host.is_protected(tab.id())) {
      ++tally.kept_discarded;
      std::fprintf(stderr,
                   "bench: memory: !!! tab %d (focused or protected) was "
                   "discarded: %s\n",
                   tab.id(), tab.cause().c_str());
    } else if (leak_ids.count(tab.id()) == 0) {
      ++tally.bystanders;
    }
  };
  TotalSampler sampler(tabs, [&](Clock::time_point now, uint64_t total) {
    tally.last_total = total;
    tally.max_total = std::max(tally.max_total, total);
    const bool critical = host.pressure().level == PressureLevel::kCritical;
    if (!tally.episode_start && (critical || total > kBudget)) {
      tally.episode_start = now;
    } else if (tally.episode_start && !critical && total <= kBudget) {
      tally.episodes_ms.push_back(Ms(now - *tally.episode_start));
      tally.episode_start.reset();
    }
  });

  const uint64_t discards_before = host.discards();
  const uint64_t early_before = host.early_discards();
  for (int wave = 0; wave < waves; ++wave) {
    for (int i = 0; i < leaks; ++i) {
      auto tab = wave == 0 ? tabs.Open("sim://leak")
                           : tabs.host().Reload(*std::next(leak_ids.begin(), i));
      if (!tab.ok()) {
        report->AddUnavailable("memory", "memory.episode.p50_ms",
                               "wave " + std::to_string(wave) + ": " +
                                   tab.error().message);
        return;
      }
      leak_ids.insert((*tab)->id());
    }
    // Over when every leak is gone and its memory back, the total under
    // the budget and the episode closed.
    const bool over = tabs.RunUntil(
        [&] {
          for (int id : leak_ids)
            if (!tabs.Find(id)->finished()) return false;
          return !tally.episode_start && tally.last_total <= kBudget;
        },
        milliseconds(30000));
    if (!over) {
      report->AddUnavailable("memory", "memory.episode.p50_ms",
                             "wave " + std::to_string(wave) +
                                 ": the leaks were not all discarded within 30 s");
      return;
    }
    tabs.RunUntil([] { return false; }, milliseconds(200));  // a quiet spell
  }
  tabs.on_lost = nullptr;

  if (tally.episodes_ms.empty()) {
    report->AddUnavailable("memory", "memory.episode.p50_ms",
                           "no wave reached critical pressure");
    return;
  }
  if (tally.kept_discarded > 0)
    std::fprintf(stderr,
                 "bench: memory: !!! %llu focused or protected tabs were "
                 "discarded: a bug in the discarder\n",
                 static_cast<unsigned long long>(tally.kept_discarded));
  const size_t episodes = tally.episodes_ms.size();
  LatencySummary episode = Summarize(&tally.episodes_ms);
  report->AddFigure({"memory", "memory.episode.p50_ms",
                     "episode: critical/over budget -> under, p50",
                     episode.p50, "ms", ""});
  report->AddFigure({"memory", "memory.episode.p99_ms",
                     "episode: critical/over budget -> under, p99",
                     episode.p99, "ms", ""});
  report->AddFigure({"memory", "memory.episodes", "pressure episodes",
                     double(episodes), "episodes", ""});
  report->AddFigure({"memory", "memory.discards_per_episode",
                     "discards per pressure episode",
                     double(host.discards() - discards_before) / double(episodes),
                     "discards", ""});
  report->AddFigure({"memory", "memory.max_total_mib",
                     "largest total PSS of the 10 ms samples",
                     double(tally.max_total) / double(kMiB), "MiB", ""});
  report->AddFigure({"memory", "memory.max_overshoot_ratio",
                     "largest total PSS / the 256 MiB budget",
                     double(tally.max_total) / double(kBudget), "x", ""});
  report->AddFigure({"memory", "memory.protected_or_focused_discarded",
                     "focused or protected discarded (must be 0)",
                     double(tally.kept_discarded), "tabs", ""});
  report->AddFigure({"memory", "memory.bystanders_discarded",
                     "still background tabs discarded", double(tally.bystanders),
                     "tabs", ""});
  report->AddFigure({"memory", "memory.early_discards",
                     "discards before the settle time",
                     double(host.early_discards() - early_before), "discards", ""});
}

}  // namespace tabsim
