// The scale scenario (issue: 10,000 tabs): how many tab processes one
// manager can run on this machine and what each costs. For each count
// (1,000 and 10,000; 64 with --quick) of sim://blank tabs at 16x16:
//   scale.all_drawn_ms.tabs=N        from the first open to every tab's
//                                    first frame (spawning included)
//   scale.spawn_ms.tabs=N            the opens alone (fork, exec, the
//                                    handshake sent), on the manager's loop
//   scale.tab_pss_kib.tabs=N         a tab process's PSS, the mean over up
//                                    to 64 tabs spread over the count
//   scale.manager_bytes_per_tab.tabs=N  the manager's resident growth / N
// A count the machine cannot hold (manager/core/tab_capacity.h: fds,
// processes, memory) is recorded as unavailable with the limit it hits,
// before anything is spawned. Progress goes to stderr.
// The manager's CPU per delivered event at 1 -> 4,096 tabs is the input
// scenario's input.cpu_ns_per_event.tabs=N; this one adds no load test.
#ifndef TABSIM_MANAGER_BENCH_BENCH_SCALE_H_
#define TABSIM_MANAGER_BENCH_BENCH_SCALE_H_

#include <string>
#include <vector>

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

// The counts measured: {1000, 10000}, or {64} with --quick.
std::vector<int> ScaleCounts(bool quick);

void RunScaleScenario(const BenchOptions& options, const std::string& tab_exe,
                      BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_SCALE_H_
