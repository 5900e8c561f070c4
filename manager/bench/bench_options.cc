#include "manager/bench/bench_options.h"

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <string_view>

#include "manager/base/cli.h"
#include "manager/base/units.h"
#include "manager/core/input_builder.h"
#include "manager/core/tab_executable.h"

namespace tabsim {

namespace {

constexpr char kDescription[] =
    "Measures what the multi-process architecture costs, with the real "
    "manager and tab code paths, beside floors measured in the same run: "
    "input events to N tabs, input->ack latency (idle and busy), frames via "
    "memfd vs the socket, spawn and kill, open to first frame with and "
    "without a prelaunched spare, how many tabs the machine holds and what "
    "each costs (scale), the classic IPC transports, ZeroMQ and nng peers. "
    "The table goes "
    "to stdout, progress to stderr.";

constexpr int kMaxTabs = 100000;  // the machine's own limits are checked per scenario

// The settings --quick changes, as a full run and as a smoke run has them.
struct Effort {
  std::vector<int> tab_counts;
  double seconds;
  int latency_samples;
  int lifecycle_samples;
};
const Effort kFull = {{1, 4, 16, 64, 256, 1024, 4096}, 2.0, 20000, 40};
const Effort kQuick = {{1, 4, 16, 64}, 0.15, 300, 8};

std::string Join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) out += (out.empty() ? "" : ",") + std::to_string(v);
  return out;
}

// "16,1,4,4" -> {1, 4, 16}.
Result<std::vector<int>> ParseTabCounts(const std::string& text) {
  std::vector<int> counts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    auto count =
        ParseInteger("--tabs", text.substr(start, comma - start), 1, kMaxTabs);
    if (!count.ok()) return count.error();
    counts.push_back(static_cast<int>(*count));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());
  return counts;
}

// "2; 0.15 with --quick".
std::string Defaults(const std::string& full, const std::string& quick) {
  return full + "; " + quick + " with --quick";
}

void AddEffortOptions(CommandLine& cli, BenchOptions* options) {
  cli.AddFlag({.name = "--quick", .help = "a smoke run of a few seconds"},
              &options->quick);
  cli.AddValue({.name = "--tabs",
                .value_name = "LIST",
                .help = "tab counts for the input scenario, separated by "
                        "commas (each a whole number from 1 to " +
                        std::to_string(kMaxTabs) + ")",
                .default_text =
                    Defaults(Join(kFull.tab_counts), Join(kQuick.tab_counts))},
               [options](const std::string& text) {
                 auto counts = ParseTabCounts(text);
                 if (!counts.ok()) return Status(counts.error());
                 options->tab_counts = std::move(counts).value();
                 return Status::Ok();
               });
  cli.AddNumber({.name = "--seconds",
                 .value_name = "S",
                 .help = "measuring time per throughput point",
                 .default_text = Defaults(FormatNumber(kFull.seconds),
                                          FormatNumber(kQuick.seconds))},
                &options->seconds,
                {.min = 0.05, .max = 600, .noun = "a number of seconds"});
  cli.AddInteger(
      {.name = "--latency-samples",
       .value_name = "N",
       .help = "round trips per latency mode",
       .default_text = Defaults(std::to_string(kFull.latency_samples),
                                std::to_string(kQuick.latency_samples))},
      &options->latency_samples, 10, 10'000'000);
  cli.AddInteger(
      {.name = "--lifecycle-samples",
       .value_name = "N",
       .help = "spawns and kills, and opens of each kind",
       .default_text = Defaults(std::to_string(kFull.lifecycle_samples),
                                std::to_string(kQuick.lifecycle_samples))},
      &options->lifecycle_samples, 2, 10'000);
}

void AddOutputOptions(CommandLine& cli, BenchOptions* options) {
  cli.AddText({.name = "--frames-page",
               .value_name = "URL",
               .help = "page for the frame scenario"},
              &options->frames_page, "URL", [](const std::string& url) {
                if (Status valid = ValidateUrl(url); !valid.ok())
                  return Status(
                      Error{"--frames-page: " + valid.error().message, EINVAL});
                return Status::Ok();
              });
  cli.AddText({.name = "--json",
               .value_name = "FILE",
               .help = "every figure, the machine and the settings"},
              &options->json_path, "file name");
  cli.AddText(
      {.name = "--plot",
       .value_name = "FILE.svg",
       .help = "throughput vs tabs and the latency distribution, "
               "as SVG"},
      &options->plot_path, "file name", [](const std::string& path) {
        if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".svg") == 0)
          return Status::Ok();
        return Status(
            Error{"--plot: '" + path + "' is not a file name ending in .svg",
                  EINVAL});
      });
  std::string names;
  for (const char* name : kBenchScenarios)
    names += (names.empty() ? "" : ",") + std::string(name);
  cli.AddValue({.name = "--only",
                .value_name = "LIST",
                .help = "run only these scenarios (and the floors), "
                        "separated by commas: " + names},
               [options, names](const std::string& text) {
                 size_t start = 0;
                 while (true) {
                   const size_t comma = text.find(',', start);
                   const std::string name = text.substr(start, comma - start);
                   if (std::find(std::begin(kBenchScenarios),
                                 std::end(kBenchScenarios),
                                 std::string_view(name)) == std::end(kBenchScenarios))
                     return Status(Error{"--only: unknown scenario '" + name +
                                             "' (one of: " + names + ")",
                                         EINVAL});
                   options->only.insert(name);
                   if (comma == std::string::npos) break;
                   start = comma + 1;
                 }
                 return Status::Ok();
               });
  AddTabExecutableOption(cli, &options->tab_executable);
}

}  // namespace

Result<BenchOptions> ParseBenchOptions(const std::vector<std::string>& args) {
  BenchOptions options;
  CommandLine cli(kBenchCommand, kDescription);
  AddEffortOptions(cli, &options);
  AddOutputOptions(cli, &options);
  if (Status parsed = cli.Parse(args); !parsed.ok()) return parsed.error();
  if (cli.help_requested()) {
    options.help = cli.Help();
    return options;
  }
  const Effort& effort = options.quick ? kQuick : kFull;
  if (!cli.Given("--tabs")) options.tab_counts = effort.tab_counts;
  if (!cli.Given("--seconds")) options.seconds = effort.seconds;
  if (!cli.Given("--latency-samples"))
    options.latency_samples = effort.latency_samples;
  if (!cli.Given("--lifecycle-samples"))
    options.lifecycle_samples = effort.lifecycle_samples;
  return options;
}

}  // namespace tabsim
