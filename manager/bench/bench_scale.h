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
//   scale.manager_rest_cpu_percent.tabs=N  the manager's CPU once all drew
//                                    (3 s, 1 with --quick), with the memory
//                                    monitor and a task manager running as
//                                    in `tabsim run`
// and, with tabs sharing processes (ScaleRuns, "...tabs=10000.limit=1000"),
//   scale.processes...               the tab processes it took
//   scale.pss_kib_per_tab...         every tab process's PSS / the tabs
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
#include "manager/core/process_model.h"

namespace tabsim {

// The counts measured a process per tab: {1000, 10000}, or {64} with
// --quick.
std::vector<int> ScaleCounts(bool quick);

// What runs: each of ScaleCounts a process per tab, then 10,000 tabs
// sharing at most 1,000 processes (limit:1000, Chromium's renderer process
// limit; 64 over limit:8 with --quick): the manager's own cost at a tab
// count the fds of a process per tab may not allow.
struct ScaleRun {
  int tabs = 0;
  ProcessModel model;
};
std::vector<ScaleRun> ScaleRuns(bool quick);

void RunScaleScenario(const BenchOptions& options, const std::string& tab_exe,
                      BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_SCALE_H_
