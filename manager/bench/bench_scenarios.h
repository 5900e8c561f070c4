// The benchmark scenarios that run the real manager code (TabHost,
// TabSession, Channel on one io_context thread) against real tabsim-tab
// processes. Each adds its figures to the report; a scenario that cannot
// run records why instead of a number.
//
// "Delivered" means acknowledged by the tab after it decoded and applied
// the input (InputAck), or a frame the manager accepted (OnFrame). Input
// is flow-controlled as a browser would: a window of events in flight per
// tab, refilled as acks arrive, so the manager never queues without bound.
#ifndef TABSIM_MANAGER_BENCH_BENCH_SCENARIOS_H_
#define TABSIM_MANAGER_BENCH_BENCH_SCENARIOS_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

// input.events_per_s.tabs=N, input.cpu_ns_per_event.tabs=N: a fixed total
// of events in flight split between the N tabs. Where that leaves a tab
// fewer than kInputDeepWindow (InputDeepPointMeasured), the same tabs are
// measured again with kInputDeepWindow in flight to each:
// input.deep.events_per_s.tabs=N, input.deep.cpu_ns_per_event.tabs=N.
inline constexpr uint64_t kInputDeepWindow = 2048;
bool InputDeepPointMeasured(int tab_count);
void RunInputScenario(const BenchOptions& options, const std::string& tab_exe,
                      BenchReport* report);
// latency.{idle,busy}.{p50,p99,p999} in us.
void RunLatencyScenario(const BenchOptions& options,
                        const std::string& tab_exe, BenchReport* report);
// frames.{memfd,socket}.{fps,gbps,cpu_us_per_frame}.<W>x<H>.
void RunFramesScenario(const BenchOptions& options, const std::string& tab_exe,
                       const std::vector<std::pair<int, int>>& sizes,
                       BenchReport* report);
// fairness.alone / fairness.beside_flood: a healthy tab's delivered input
// events/s on its own, then with a sim://flood tab on the same loop.
void RunFairnessScenario(const BenchOptions& options,
                         const std::string& tab_exe, BenchReport* report);
// lifecycle.spawn_first_frame.{p50,p99}, lifecycle.kill_noticed.{p50,p99}.
void RunLifecycleScenario(const BenchOptions& options,
                          const std::string& tab_exe, BenchReport* report);
// open.first_frame.{cold,prelaunch}.{p50,p99}: TabHost::Open(sim://paint)
// to that page's first accepted frame, once spawning a process and once
// taking a ready prelaunched spare (TabHost::Options::prelaunch = 1).
void RunOpenScenario(const BenchOptions& options, const std::string& tab_exe,
                     BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_SCENARIOS_H_
