// The memory-pressure scenario (docs/memory.md, docs/benchmarks.md): a
// host with a budget, still tabs (one focused, one protected) and
// sim://leak tabs reloaded in waves, each wave a pressure episode; how
// fast the discarder brings the tabs back under the budget, how far they
// overshoot it, and that a focused or protected tab is never discarded.
#ifndef TABSIM_MANAGER_BENCH_BENCH_MEMORY_H_
#define TABSIM_MANAGER_BENCH_BENCH_MEMORY_H_

#include <string>

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

// A 256 MiB budget (kernel signals off: the budget alone), 5 still tabs
// and 3 leaks (2 with --quick), 5 waves (2 with --quick); the tabs' total
// PSS sampled every 10 ms from the bench's side, the dying processes
// included until they are reaped:
//   memory.episode.{p50,p99}_ms      from the wave's first critical verdict
//                                    or sample over the budget to the
//                                    total back under it (and no longer
//                                    critical)
//   memory.discards_per_episode      discards by pressure per wave
//   memory.max_total_mib             the largest sample
//   memory.max_overshoot_ratio       the largest sample / the budget
//   memory.protected_or_focused_discarded  must be 0 (printed loudly if not)
//   memory.bystanders_discarded      still background tabs discarded
//   memory.early_discards            discards before the settle time was
//                                    over (growing tabs)
void RunMemoryScenario(const BenchOptions& options, const std::string& tab_exe,
                       BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_MEMORY_H_
