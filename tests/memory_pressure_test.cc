// Memory pressure levels from sample /proc text, the growth rate and the
// prediction from it, and the discard order and settle time of
// TabDiscarder with a fake clock (docs/memory.md).
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <string>
#include <thread>
#include <vector>

#include "manager/core/memory_growth.h"
#include "manager/core/memory_pressure.h"
#include "manager/core/tab_discarder.h"

namespace tabsim {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;
constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(MemoryPressure, ParsesPsiSomeAvg10) {
  auto psi = ParsePsiSomeAvg10(
      "some avg10=12.34 avg60=1.00 avg300=0.10 total=123456\n"
      "full avg10=3.00 avg60=0.00 avg300=0.00 total=1000\n");
  ASSERT_TRUE(psi.ok());
  EXPECT_DOUBLE_EQ(*psi, 12.34);
  EXPECT_FALSE(ParsePsiSomeAvg10("full avg10=3.00\n").ok());
  EXPECT_FALSE(ParsePsiSomeAvg10("some avg10=abc\n").ok());
  EXPECT_FALSE(ParsePsiSomeAvg10("").ok());
}

TEST(MemoryPressure, ParsesMemInfoAndSmapsRollup) {
  auto info = ParseMemInfo(
      "MemTotal:       24683548 kB\nMemFree:         1000 kB\n"
      "MemAvailable:   22737284 kB\nBuffers: 5 kB\n");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->total_bytes, 24683548ull * 1024);
  EXPECT_EQ(info->available_bytes, 22737284ull * 1024);
  EXPECT_FALSE(ParseMemInfo("MemTotal: 100 kB\n").ok());
  // "SwapPss:" must not be taken for "Pss:".
  auto pss = ParseSmapsRollupPss(
      "00400000-7fff [rollup]\nRss:  9000 kB\nPss:  4096 kB\n"
      "Pss_Anon: 100 kB\nSwapPss: 7 kB\n");
  ASSERT_TRUE(pss.ok());
  EXPECT_EQ(*pss, 4096ull * 1024);
  EXPECT_FALSE(ParseSmapsRollupPss("Rss: 5 kB\nSwapPss: 3 kB\n").ok());
}

TEST(MemoryPressure, ParsesOomKillCount) {
  auto count = ParseVmstatOomKill("pgfault 123\noom_kill 7\nnr_foo 1\n");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 7u);
  EXPECT_FALSE(ParseVmstatOomKill("xoom_kill 7\n").ok());
  EXPECT_FALSE(ParseVmstatOomKill("pgfault 1\n").ok());
}

TEST(MemoryPressure, ReadsOwnMemory) {
  auto memory = ReadProcessMemory(::getpid());
  ASSERT_TRUE(memory.ok()) << memory.error().message;
  EXPECT_GT(*memory, 64u * 1024);  // PSS: shared pages count in part
  EXPECT_FALSE(ReadProcessMemory(999999999).ok());
}

TEST(MemoryPressure, BudgetGivesLevels) {
  PressureSample sample;
  sample.budget_bytes = 512 * kMiB;
  sample.tabs_bytes = 400 * kMiB;
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kNone);
  EXPECT_TRUE(ComputePressure(sample).reason.empty());
  sample.tabs_bytes = 450 * kMiB;  // > 85%
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kModerate);
  sample.tabs_bytes = 612 * kMiB;
  PressureVerdict verdict = ComputePressure(sample);
  EXPECT_EQ(verdict.level, PressureLevel::kCritical);
  EXPECT_EQ(verdict.reason, "tabs 612 MiB over a 512 MiB budget");
  sample.budget_bytes = 0;  // no budget: the tabs' size alone is no pressure
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kNone);
}

TEST(MemoryPressure, GrowthThatWouldPassTheBudgetWithinTheHorizonIsCritical) {
  PressureSample sample;
  sample.budget_bytes = 256 * kMiB;
  sample.tabs_bytes = 220 * kMiB;  // > 85%: moderate
  sample.horizon = milliseconds(100);
  sample.tabs_growth_bytes_per_s = 300.0 * kMiB;  // +30 MiB in 100 ms
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kModerate);
  sample.tabs_growth_bytes_per_s = 400.0 * kMiB;  // +40: 260 > 256
  PressureVerdict verdict = ComputePressure(sample);
  EXPECT_EQ(verdict.level, PressureLevel::kCritical);
  EXPECT_TRUE(verdict.growing_over_budget);
  EXPECT_EQ(verdict.reason,
            "tabs 220 MiB growing 400 MiB/s, over a 256 MiB budget within 100 ms");
  // Over the budget and still: critical, but not growing.
  sample.tabs_bytes = 300 * kMiB;
  sample.tabs_growth_bytes_per_s = 0;
  verdict = ComputePressure(sample);
  EXPECT_EQ(verdict.level, PressureLevel::kCritical);
  EXPECT_FALSE(verdict.growing_over_budget);
  // Growth far from the budget is nothing.
  sample.tabs_bytes = 10 * kMiB;
  sample.tabs_growth_bytes_per_s = 100.0 * kMiB;
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kNone);
}

// A slow sample (thousands of tab processes' smaps_rollup) stretches the
// interval so sampling keeps to its share of the loop, and the growth
// horizon stretches with it.
TEST(MemoryPressure, ASlowSampleStretchesTheInterval) {
  boost::asio::io_context io;
  MemoryPressureMonitor::Options options;
  options.interval = milliseconds(10);
  options.fast_interval = milliseconds(5);
  options.kernel = false;
  int samples = 0;
  std::vector<milliseconds> horizons;
  MemoryPressureMonitor monitor(
      io.get_executor(), options,
      [&samples] {
        ++samples;
        std::this_thread::sleep_for(milliseconds(10));  // a slow sample
        return MemoryPressureMonitor::TabsMemory{};
      },
      [&horizons](const PressureVerdict&, const PressureSample& sample) {
        horizons.push_back(sample.horizon);
      });
  monitor.Start();
  io.run_for(milliseconds(1000));
  // 10 ms intervals would give ~50 samples of 10 ms; at most 1/20 of the
  // time sampling gives one every >= 200 ms: 5 at most, after the first.
  EXPECT_GE(samples, 2);
  EXPECT_LE(samples, 6);
  EXPECT_GE(monitor.last_sample_cost(), milliseconds(10));
  EXPECT_GE(monitor.regular_interval(), milliseconds(200));
  ASSERT_GE(horizons.size(), 2u);
  EXPECT_EQ(horizons.front(), milliseconds(10)) << "no cost known yet";
  EXPECT_GE(horizons.back(), milliseconds(200));
}

TEST(MemoryGrowth, RatePerProcessOverTheWindowIgnoringSmallChanges) {
  MemoryGrowth growth(milliseconds(200));
  Clock::time_point now = Clock::time_point() + seconds(1000);
  EXPECT_EQ(growth.TotalRate(), 0);
  // Process 1 leaks 64 MiB per 100 ms; process 2 gains 512 KiB (shared
  // pages' PSS moving to it); process 3 shrinks; process 4 appears late.
  growth.Add(now, {{1, 10 * kMiB}, {2, 4 * kMiB}, {3, 50 * kMiB}});
  EXPECT_EQ(growth.TotalRate(), 0);  // one sample: no rate yet
  now += milliseconds(100);
  growth.Add(now, {{1, 74 * kMiB}, {2, 4 * kMiB + kMiB / 2}, {3, 20 * kMiB}});
  EXPECT_DOUBLE_EQ(growth.RateOf(1), 640.0 * kMiB);
  EXPECT_EQ(growth.RateOf(2), 0);
  EXPECT_EQ(growth.RateOf(3), 0);
  now += milliseconds(100);
  growth.Add(now, {{1, 138 * kMiB}, {2, 4 * kMiB + 3 * kMiB / 4}, {4, 30 * kMiB}});
  EXPECT_DOUBLE_EQ(growth.RateOf(1), 640.0 * kMiB);  // over 200 ms
  EXPECT_EQ(growth.RateOf(3), 0);  // gone
  EXPECT_EQ(growth.RateOf(4), 0);  // new: no history
  EXPECT_DOUBLE_EQ(growth.TotalRate(), 640.0 * kMiB);
  // A slow riser (a page settling in: 2 MiB in 200 ms) is no leak.
  MemoryGrowth slow(milliseconds(200));
  slow.Add(now, {{5, 10 * kMiB}});
  slow.Add(now + milliseconds(200), {{5, 12 * kMiB}});
  EXPECT_EQ(slow.RateOf(5), 0);
  slow.Add(now + milliseconds(400), {{5, 30 * kMiB}});  // 18 MiB in 200 ms
  EXPECT_GT(slow.RateOf(5), 0);
  // The window slides: a leak that stopped is no longer growing once its
  // growth is older than the window.
  for (int i = 0; i < 3; ++i) {
    now += milliseconds(100);
    growth.Add(now, {{1, 138 * kMiB}, {2, 4 * kMiB + 3 * kMiB / 4}, {4, 30 * kMiB}});
  }
  EXPECT_EQ(growth.TotalRate(), 0);
}

TEST(MemoryPressure, KernelSignalsGiveLevelsAndTheWorstWins) {
  PressureSample sample;
  sample.psi_some_avg10 = 5;
  sample.meminfo = MemInfo{1000 * kMiB, 500 * kMiB};
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kNone);
  sample.psi_some_avg10 = 15;
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kModerate);
  EXPECT_EQ(ComputePressure(sample).reason, "memory PSI some avg10 15.0%");
  sample.psi_some_avg10 = 45;
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kCritical);
  sample.psi_some_avg10 = 0;
  sample.meminfo = MemInfo{1000 * kMiB, 80 * kMiB};
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kModerate);
  sample.meminfo = MemInfo{1000 * kMiB, 30 * kMiB};
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kCritical);
  EXPECT_EQ(ComputePressure(sample).reason, "MemAvailable 3.0% of MemTotal");
  // A moderate budget does not hide a critical kernel.
  sample.budget_bytes = 100 * kMiB;
  sample.tabs_bytes = 90 * kMiB;
  EXPECT_EQ(ComputePressure(sample).level, PressureLevel::kCritical);
  EXPECT_STREQ(ToString(PressureLevel::kModerate), "moderate");
}

DiscardCandidate Tab(int id, Clock::time_point last_active, uint64_t mib = 10,
                     int process = 0) {
  DiscardCandidate tab;
  tab.tab_id = id;
  tab.process_id = process ? process : id;
  tab.last_active = last_active;
  tab.memory_bytes = mib * kMiB;
  return tab;
}

std::vector<int> Ids(const std::vector<DiscardEntry>& order, bool discardable) {
  std::vector<int> ids;
  for (const DiscardEntry& e : order)
    if (e.discardable == discardable) ids.push_back(e.tab.tab_id);
  return ids;
}

TEST(DiscardOrder, LeastRecentlyUsedFirstNeverFocusedVisibleOrProtected) {
  const Clock::time_point now = Clock::time_point() + seconds(1000);
  std::vector<DiscardCandidate> tabs = {
      Tab(1, now - seconds(5)), Tab(2, now - seconds(500)),
      Tab(3, now - seconds(50)), Tab(4, now), Tab(5, now - seconds(900)),
      Tab(6, now - seconds(999))};
  tabs[3].focused = true;
  tabs[4].visible = true;
  tabs[5].is_protected = true;
  auto order = DiscardOrder(tabs, now);
  EXPECT_EQ(Ids(order, true), (std::vector<int>{2, 3, 1}));
  // Kept, least important first; the focused tab last of all.
  EXPECT_EQ(Ids(order, false), (std::vector<int>{6, 5, 4}));
  EXPECT_EQ(order[0].reason, "hidden 500.0 s ago");
  EXPECT_EQ(order.back().reason, "focused");
  EXPECT_EQ(order[3].reason, "protected");
}

TEST(DiscardOrder, MemoryWeighsAgainstLastUse) {
  const Clock::time_point now = Clock::time_point() + seconds(1000);
  // Loaded together: the biggest goes first.
  auto order = DiscardOrder({Tab(1, now - seconds(10), 5),
                             Tab(2, now - seconds(9), 300),
                             Tab(3, now - seconds(8), 6)},
                            now);
  EXPECT_EQ(Ids(order, true), (std::vector<int>{2, 1, 3}));
}

TEST(DiscardOrder, SharedProcessGoesWholeOrNotAtAll) {
  const Clock::time_point now = Clock::time_point() + seconds(1000);
  std::vector<DiscardCandidate> tabs = {
      Tab(1, now - seconds(900), 10, 7), Tab(2, now, 10, 7),
      Tab(3, now - seconds(10), 10, 8), Tab(4, now - seconds(20), 10, 8)};
  tabs[1].visible = true;  // keeps process 7
  auto order = DiscardOrder(tabs, now);
  EXPECT_EQ(Ids(order, true), (std::vector<int>{4, 3}));
  ASSERT_EQ(order[2].tab.tab_id, 1);
  EXPECT_EQ(order[2].reason, "shares process 7 with tab 2 (visible)");
  // A gone tab in the process does not keep it.
  tabs[1].running = false;
  EXPECT_EQ(Ids(DiscardOrder(tabs, now), true).size(), 3u);
}

TEST(TabDiscarder, SettlesBetweenDiscardsSoItNeverLoops) {
  Clock::time_point now = Clock::time_point() + seconds(1000);
  TabDiscarder discarder(milliseconds(1000));
  std::vector<DiscardCandidate> tabs = {Tab(1, now - seconds(30)),
                                        Tab(2, now - seconds(20)),
                                        Tab(3, now)};
  tabs[2].focused = true;
  // Critical pressure sampled every 100 ms for 2.5 s: one discard a
  // second, each of the next tab in line, never the focused one.
  std::vector<int> discarded;
  for (int tick = 0; tick < 25; ++tick, now += milliseconds(100)) {
    auto chosen = discarder.Choose(tabs, now);
    if (!chosen) continue;
    discarded.push_back(chosen->tab.tab_id);
    discarder.Discarded(now);
    for (DiscardCandidate& tab : tabs)
      if (tab.tab_id == chosen->tab.tab_id) tab.running = false;
  }
  EXPECT_EQ(discarded, (std::vector<int>{1, 2}));
  EXPECT_EQ(discarder.discards(), 2u);
  // Nothing else may go: only the focused tab runs.
  EXPECT_FALSE(discarder.Choose(tabs, now + seconds(5)).has_value());
}

TEST(TabDiscarder, AGrowingTabGoesBeforeTheSettleTimeOnlyOnceTheLastIsReaped) {
  Clock::time_point now = Clock::time_point() + seconds(1000);
  TabDiscarder discarder(milliseconds(1000));
  std::vector<DiscardCandidate> tabs = {
      Tab(1, now - seconds(30), 200), Tab(2, now - seconds(20), 150),
      Tab(3, now - seconds(40), 180), Tab(4, now, 100)};
  tabs[0].growth_bytes_per_s = 600.0 * kMiB;
  tabs[1].growth_bytes_per_s = 600.0 * kMiB;
  tabs[3].growth_bytes_per_s = 600.0 * kMiB;
  tabs[3].focused = true;  // grows too, but may never go
  TabDiscarder::Context growing_released;
  growing_released.growing_over_budget = true;
  growing_released.last_discard_released = true;
  TabDiscarder::Context growing_pending = growing_released;
  growing_pending.last_discard_released = false;
  auto first = discarder.Choose(tabs, now, growing_released);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->tab.tab_id, 1);
  discarder.Discarded(now);
  tabs[0].running = false;
  now += milliseconds(20);
  // Settling, and the last discard not known to be back: nothing goes.
  EXPECT_FALSE(discarder.Choose(tabs, now, growing_pending).has_value());
  EXPECT_FALSE(discarder.Choose(tabs, now).has_value());
  // Back, and still growing: the growing tab 2 goes, not the still tab 3
  // (older and bigger: first in the order).
  EXPECT_EQ(DiscardOrder(tabs, now)[0].tab.tab_id, 3);
  auto second = discarder.Choose(tabs, now, growing_released);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->tab.tab_id, 2);
  discarder.Discarded(now);
  tabs[1].running = false;
  EXPECT_EQ(discarder.early_discards(), 1u);
  // Only the focused tab grows now: the still one waits out the settle
  // time however long the growth goes on.
  for (int tick = 0; tick < 9; ++tick) {
    now += milliseconds(100);
    EXPECT_FALSE(discarder.Choose(tabs, now, growing_released).has_value())
        << tick;
  }
  now += milliseconds(100);
  auto third = discarder.Choose(tabs, now, growing_released);
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->tab.tab_id, 3);
  EXPECT_EQ(discarder.discards(), 2u);  // Discarded() not called for it yet
}

TEST(TabDiscarder, WhileTheTabsGrowOverTheBudgetAGrowingTabGoesFirst) {
  const Clock::time_point now = Clock::time_point() + seconds(1000);
  TabDiscarder discarder(milliseconds(1000));
  // A leak reloaded lately (young, still small) beside old still tabs: by
  // the order a still tab is first, and its 4 MiB would not stop the leak.
  std::vector<DiscardCandidate> tabs = {
      Tab(1, now - seconds(60), 4), Tab(2, now - seconds(50), 4),
      Tab(3, now - seconds(1), 40)};
  tabs[2].growth_bytes_per_s = 300.0 * kMiB;
  EXPECT_EQ(DiscardOrder(tabs, now)[0].tab.tab_id, 1);
  TabDiscarder::Context growing;
  growing.growing_over_budget = true;
  auto chosen = discarder.Choose(tabs, now, growing);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->tab.tab_id, 3);
  // Over the budget and still: the order decides.
  chosen = discarder.Choose(tabs, now);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->tab.tab_id, 1);
  // Growing, but the grower may not go: the order decides (not early).
  tabs[2].is_protected = true;
  chosen = discarder.Choose(tabs, now, growing);
  ASSERT_TRUE(chosen.has_value());
  EXPECT_EQ(chosen->tab.tab_id, 1);
}

TEST(TabDiscarder, ProtectionIsKeptPerTab) {
  TabDiscarder discarder(milliseconds(10));
  discarder.SetProtected(3, true);
  EXPECT_TRUE(discarder.is_protected(3));
  discarder.SetProtected(3, false);
  EXPECT_FALSE(discarder.is_protected(3));
  const Clock::time_point now = Clock::time_point() + seconds(1000);
  auto tab = Tab(3, now - seconds(100));
  tab.is_protected = true;
  EXPECT_FALSE(discarder.Choose({tab}, now).has_value());
}

}  // namespace
}  // namespace tabsim
