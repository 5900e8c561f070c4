// Hand-written SVG plots of a benchmark run (no plotting library): on the
// left, delivered input events/s against the number of tabs (log x) with
// the batched floor as a reference line; in the middle, the input->ack
// latency CDF for the idle and the busy loop (log x); on the right, the
// manager's CPU per delivered event against the number of tabs (log x).
#ifndef TABSIM_MANAGER_BENCH_BENCH_PLOT_SVG_H_
#define TABSIM_MANAGER_BENCH_BENCH_PLOT_SVG_H_

#include <string>

#include "common/result.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

std::string RenderBenchSvg(const BenchReport& report);
Status WriteBenchSvg(const BenchReport& report, const std::string& path);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_PLOT_SVG_H_
