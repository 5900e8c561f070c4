// The benchmark scenarios of governing tabs (docs/benchmarks.md, "Frame
// pacing, visibility and priority"): what pacing saves, how steady the
// display clock is under load, what hidden tabs cost, and what priorities
// buy the focused tab. Paced at 60 Hz unless said otherwise; each figure
// beside its unpaced or unprioritised twin measured in the same run.
#ifndef TABSIM_MANAGER_BENCH_BENCH_GOVERNANCE_H_
#define TABSIM_MANAGER_BENCH_BENCH_GOVERNANCE_H_

#include <string>

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

// pacing.demo.{paced,unpaced}.{cpu_percent,max_fps}: the README demo's
// four tabs (clock, bounce, paint, stamp), the manager and the tabs' CPU
// together as % of one core, and the fastest tab's frames/s.
void RunPacingDemoScenario(const BenchOptions& options,
                           const std::string& tab_exe, BenchReport* report);
// pacing.interval.{p50,p99}_ms and pacing.begin_frames_missed_per_s: many
// visible sim://bounce tabs at 320x200 on one 60 Hz clock, the time
// between a tab's consecutive frames.
void RunPacingIntervalScenario(const BenchOptions& options,
                               const std::string& tab_exe, BenchReport* report);
// hidden.cpu_percent (every hidden sim://bounce tab together: animation
// only, so none wakes), hidden.shown_first_frame.{p50,p99}_ms (showing one
// to its fresh frame) and hidden.timer_pages_cpu_percent (as many hidden
// sim://clock tabs, whose 1 Hz timer still runs).
void RunHiddenScenario(const BenchOptions& options, const std::string& tab_exe,
                       BenchReport* report);
// focus.latency.{idle,busy,busy_no_priorities}.p99_ms: the focused tab's
// input->frame latency alone, beside four flooding background tabs with
// priorities (focus, visibility, nice) and without.
void RunFocusLatencyScenario(const BenchOptions& options,
                             const std::string& tab_exe, BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_GOVERNANCE_H_
