// The process-model scenario (docs/architecture.md, "Process models"):
// what per-tab, per-site and limit:4 cost and what they risk, with the
// same tabs over the same sites in one run.
#ifndef TABSIM_MANAGER_BENCH_BENCH_PROCESS_MODELS_H_
#define TABSIM_MANAGER_BENCH_BENCH_PROCESS_MODELS_H_

#include <string>

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

// For each model M in per_tab, per_site, limit_4 (64 tabs over 8 sites at
// 160x100; 16 over 4 with --quick):
//   models.M.processes               tab processes started
//   models.M.pss_per_tab_kib         the tab processes' PSS / tabs
//   models.M.manager_pss_kib         the manager's PSS beside them
//   models.M.all_drawn_ms            from the first open to every first frame
//   models.M.blast_radius            tabs lost when one process is SIGKILLed
void RunProcessModelScenario(const BenchOptions& options,
                             const std::string& tab_exe, BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_PROCESS_MODELS_H_
