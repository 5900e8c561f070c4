#include "manager/bench/bench_options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace tabsim {

const char kBenchUsage[] =
    "usage: tabsim bench [options]\n"
    "\n"
    "Measures what the multi-process architecture costs, with the real\n"
    "manager and tab code paths, beside floors measured in the same run:\n"
    "input events to N tabs, input->ack latency (idle and busy), frames via\n"
    "memfd vs the socket, spawn and kill, open to first frame with and\n"
    "without a prelaunched spare, the classic IPC transports.\n"
    "The table goes to stdout, progress to stderr.\n"
    "\n"
    "  --quick              a smoke run of a few seconds\n"
    "  --tabs LIST          tab counts for the input scenario (1,4,16,64,256)\n"
    "  --seconds S          measuring time per throughput point (2; quick 0.25)\n"
    "  --latency-samples N  round trips per latency mode (20000; quick 1500)\n"
    "  --lifecycle-samples N  spawns and kills, and opens of each kind (40;\n"
    "                       quick 8)\n"
    "  --frames-page URL    page for the frame scenario (sim://stamp)\n"
    "  --json FILE          every figure, the machine and the settings\n"
    "  --plot FILE.svg      throughput vs tabs and the latency distribution\n"
    "  --tab-exe PATH       the tabsim-tab binary\n"
    "  --help               this text\n";

namespace {

Result<long> ParseLong(const std::string& option, const std::string& text,
                       long min, long max) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || value < min ||
      value > max)
    return Error{"bad value '" + text + "' for " + option + " (expected " +
                     std::to_string(min) + ".." + std::to_string(max) + ")",
                 EINVAL};
  return value;
}

}  // namespace

Result<BenchOptions> ParseBenchOptions(const std::vector<std::string>& args) {
  BenchOptions options;
  if (std::find(args.begin(), args.end(), "--quick") != args.end()) {
    options.quick = true;
    options.tab_counts = {1, 4, 16, 64};
    options.seconds = 0.25;
    options.latency_samples = 1500;
    options.lifecycle_samples = 8;
  } else {
    options.tab_counts = {1, 4, 16, 64, 256};
  }
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      options.help = true;
      continue;
    }
    if (arg == "--quick") continue;
    if (arg.rfind("--", 0) != 0)
      return Error{"unexpected argument '" + arg + "' (see --help)", EINVAL};
    static const char* const kWithValue[] = {
        "--tabs", "--seconds", "--latency-samples", "--lifecycle-samples",
        "--frames-page", "--json", "--plot", "--tab-exe"};
    if (std::find(std::begin(kWithValue), std::end(kWithValue), arg) ==
        std::end(kWithValue))
      return Error{"unknown option '" + arg + "' (see --help)", EINVAL};
    if (i + 1 >= args.size())
      return Error{"missing value for " + arg, EINVAL};
    const std::string& value = args[++i];
    if (arg == "--tabs") {
      options.tab_counts.clear();
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string part = value.substr(
            start, comma == std::string::npos ? std::string::npos
                                              : comma - start);
        auto count = ParseLong("--tabs", part, 1, 1024);
        if (!count.ok()) return count.error();
        options.tab_counts.push_back(static_cast<int>(*count));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      std::sort(options.tab_counts.begin(), options.tab_counts.end());
      options.tab_counts.erase(
          std::unique(options.tab_counts.begin(), options.tab_counts.end()),
          options.tab_counts.end());
    } else if (arg == "--seconds") {
      char* end = nullptr;
      double seconds = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0' || !std::isfinite(seconds) ||
          seconds < 0.05 || seconds > 600)
        return Error{"bad value '" + value +
                         "' for --seconds (expected 0.05..600)",
                     EINVAL};
      options.seconds = seconds;
    } else if (arg == "--latency-samples") {
      auto n = ParseLong(arg, value, 10, 10'000'000);
      if (!n.ok()) return n.error();
      options.latency_samples = static_cast<int>(*n);
    } else if (arg == "--lifecycle-samples") {
      auto n = ParseLong(arg, value, 2, 10'000);
      if (!n.ok()) return n.error();
      options.lifecycle_samples = static_cast<int>(*n);
    } else if (arg == "--frames-page") {
      options.frames_page = value;
    } else if (arg == "--json") {
      options.json_path = value;
    } else if (arg == "--plot") {
      options.plot_path = value;
    } else if (arg == "--tab-exe") {
      options.tab_executable = value;
    }
  }
  if (!options.plot_path.empty()) {
    const std::string& p = options.plot_path;
    if (p.size() < 4 || p.compare(p.size() - 4, 4, ".svg") != 0)
      return Error{"--plot writes SVG: the file name must end in .svg",
                   EINVAL};
  }
  return options;
}

}  // namespace tabsim
