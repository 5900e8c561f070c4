// `tabsim bench` options and their parser (through CommandLine, the house
// way: manager/base/cli.h). Parsing never exits or prints: a bad argument
// comes back as an Error whose message is the one line the user sees,
// --help as the text to print.
#ifndef TABSIM_MANAGER_BENCH_BENCH_OPTIONS_H_
#define TABSIM_MANAGER_BENCH_BENCH_OPTIONS_H_

#include <set>
#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

struct BenchOptions {
  bool quick = false;              // a smoke run of a few seconds
  std::vector<int> tab_counts;     // input scenario; default 1,4,16,64,256
  double seconds = 2.0;            // measuring time per throughput point
  int latency_samples = 20000;     // per latency mode
  int lifecycle_samples = 40;      // spawns (and kills)
  std::string frames_page = "sim://stamp";  // a page that always renders
  std::string json_path;
  std::string plot_path;           // .svg
  std::string tab_executable;      // empty: next to this binary
  // --only: the scenarios to run (names of kBenchScenarios); empty: all.
  // The floors always run: the ratios are against them.
  std::set<std::string> only;
  // Not empty when --help was given: the text to print instead of running.
  std::string help;
};

// The scenarios, as --only names them, in the order they run.
inline constexpr const char* kBenchScenarios[] = {
    "input",  "latency", "fairness", "frames", "lifecycle", "open",
    "pacing", "hidden",  "focus",    "models", "memory", "scale",
    "transports", "peers"};

// As the user types it; the start of every error line.
inline constexpr char kBenchCommand[] = "tabsim bench";

// `args`: the words after `tabsim bench`. --quick changes the defaults of
// the options not given, wherever it stands.
Result<BenchOptions> ParseBenchOptions(const std::vector<std::string>& args);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_OPTIONS_H_
