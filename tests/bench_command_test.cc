// End to end: runs the real `tabsim bench --quick --json` (the binary ctest
// passes in TABSIM_EXE) and checks the JSON for completeness and sanity:
// every scenario present, every figure finite and > 0, the ratios present.
// This tests the harness, not the speed of the machine.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "manager/bench/bench_options.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// prefix + text + suffix (appends; GCC 12's -Wrestrict trips over
// const char* + std::string chains).
std::string Wrap(const char* prefix, const std::string& text,
                 const char* suffix) {
  std::string out(prefix);
  out += text;
  out += suffix;
  return out;
}

// Runs `command` through the shell; returns its exit status.
int RunShell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(BenchOptions, QuickSetsSmokeDefaults) {
  auto options = ParseBenchOptions({"--json", "x.json", "--quick"});
  ASSERT_TRUE(options.ok());
  EXPECT_TRUE(options->quick);
  EXPECT_EQ(options->json_path, "x.json");
  EXPECT_LT(options->seconds, 1.0);
  EXPECT_EQ(options->tab_counts, (std::vector<int>{1, 4, 16, 64}));
  auto full = ParseBenchOptions({});
  ASSERT_TRUE(full.ok());
  EXPECT_FALSE(full->quick);
  EXPECT_EQ(full->seconds, 2.0);
  EXPECT_EQ(full->tab_counts, (std::vector<int>{1, 4, 16, 64, 256}));
  EXPECT_EQ(full->latency_samples, 20000);
  EXPECT_EQ(full->lifecycle_samples, 40);
}

TEST(BenchOptions, GivenOptionsWinOverQuickWhereverItStands) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"--quick", "--seconds", "3", "--latency-samples", "99"},
           {"--seconds", "3", "--latency-samples", "99", "--quick"}}) {
    auto options = ParseBenchOptions(args);
    ASSERT_TRUE(options.ok()) << options.error().message;
    EXPECT_EQ(options->seconds, 3.0);
    EXPECT_EQ(options->latency_samples, 99);
    EXPECT_EQ(options->lifecycle_samples, 8);  // --quick's
  }
  // A file named --quick is a file name, not --quick.
  auto named = ParseBenchOptions({"--json", "--quick"});
  ASSERT_TRUE(named.ok());
  EXPECT_FALSE(named->quick);
  EXPECT_EQ(named->json_path, "--quick");
}

TEST(BenchOptions, RejectsBadOptionsWithOneLine) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bogus"}, "unknown option --bogus (see tabsim bench --help)"},
      {{"--tabs", "0"}, "--tabs: '0' is not a whole number from 1 to 1024"},
      {{"--tabs", "1,x"}, "--tabs: 'x' is not a whole number from 1 to 1024"},
      {{"--tabs", "1,,4"}, "--tabs: '' is not a whole number from 1 to 1024"},
      {{"--seconds"}, "--seconds needs a value (see tabsim bench --help)"},
      {{"--seconds", "nan"},
       "--seconds: 'nan' is not a number of seconds from 0.05 to 600"},
      {{"--latency-samples", "9"},
       "--latency-samples: '9' is not a whole number from 10 to 10000000"},
      {{"--lifecycle-samples", "1"},
       "--lifecycle-samples: '1' is not a whole number from 2 to 10000"},
      {{"--plot", "out.png"}, "--plot: 'out.png' is not a file name ending in .svg"},
      {{"--json", ""}, "--json: empty file name"},
      {{"stray"}, "unexpected argument 'stray' (see tabsim bench --help)"}};
  for (const auto& [args, message] : cases) {
    auto options = ParseBenchOptions(args);
    ASSERT_FALSE(options.ok()) << args[0];
    EXPECT_EQ(options.error().message, message);
  }
}

TEST(BenchOptions, ParsesTabList) {
  auto options = ParseBenchOptions({"--tabs", "16,1,4,4"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->tab_counts, (std::vector<int>{1, 4, 16}));
}

TEST(BenchOptions, HelpIsTheTextToPrint) {
  auto options = ParseBenchOptions({"--help"});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->help.rfind("usage: tabsim bench [options]\n", 0), 0u)
      << options->help;
  // Wrapped at 80 columns: compare with the blanks folded.
  std::string folded =
      std::regex_replace(options->help, std::regex("\\s+"), " ");
  EXPECT_NE(folded.find("--seconds S measuring time per throughput point (a "
                        "number of seconds from 0.05 to 600; default: 2; 0.25 "
                        "with --quick)"),
            std::string::npos)
      << options->help;
}

TEST(BenchCommand, BadOptionIsAOneLineErrorAndExit2) {
  std::string out = ::testing::TempDir() + "/bench_bad.txt";
  int code = RunShell(testing::ManagerExecutable() + " bench --frobnicate 2>" + out);
  EXPECT_EQ(code, 2);
  std::string text = ReadFile(out);
  EXPECT_EQ(text,
            "tabsim bench: unknown option --frobnicate (see tabsim bench --help)\n");
}

TEST(BenchCommand, QuickRunWritesCompleteSaneJson) {
  std::string dir = ::testing::TempDir();
  std::string json_path = dir + "/bench_quick.json";
  std::string svg_path = dir + "/bench_quick.svg";
  std::string command = testing::ManagerExecutable() +
                        " bench --quick --tab-exe " +
                        testing::TabExecutable() + " --json " + json_path +
                        " --plot " + svg_path + " >" + dir +
                        "/bench_quick.out 2>&1";
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShell(command), 0) << ReadFile(dir + "/bench_quick.out");
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  EXPECT_LT(seconds, 60.0) << "--quick is meant to be a smoke run";
  std::string json = ReadFile(json_path);
  ASSERT_FALSE(json.empty());

  for (const char* field : {"\"machine\"", "\"cores\"", "\"cpu_model\"",
                            "\"kernel\"", "\"settings\"", "\"ratios\""})
    EXPECT_NE(json.find(field), std::string::npos) << field;
  for (const char* scenario : {"input", "latency", "frames", "lifecycle",
                               "open", "fairness", "transports", "floor"})
    EXPECT_NE(json.find(Wrap("\"", scenario, "\": {\"figures\": [\n")),
              std::string::npos)
        << "scenario " << scenario << " missing or empty";
  // No scenario may quietly fail: nothing is reported unavailable.
  EXPECT_EQ(json.find("\"reason\""), std::string::npos)
      << "a scenario was unavailable:\n" << json;
  EXPECT_EQ(json.find(": nan"), std::string::npos);
  EXPECT_EQ(json.find(": inf"), std::string::npos);

  // Every figure's value is a finite number > 0.
  std::regex value_re("\"value\": ([^,}]+)");
  int figures = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), value_re);
       it != std::sregex_iterator(); ++it) {
    std::string text = (*it)[1];
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    EXPECT_TRUE(end != text.c_str() && std::isfinite(value) && value > 0)
        << "figure value '" << text << "'";
    ++figures;
  }
  EXPECT_GT(figures, 40);

  // The figures the targets need are there, each with its ratio.
  for (const char* key :
       {"input.events_per_s.tabs=1", "input.events_per_s.tabs=64",
        "latency.idle.p50", "latency.busy.p50", "latency.idle.p999",
        "frames.memfd.fps.1920x1080", "frames.memfd.cpu_us_per_frame.3840x2160",
        "lifecycle.spawn_first_frame.p50", "lifecycle.kill_noticed.p50",
        "open.first_frame.cold.p50", "open.first_frame.prelaunch.p50",
        "floor.batched_protobuf", "floor.pingpong_rtt_p50",
        "floor.memcpy_bandwidth", "transports.fifo.open_wait",
        "frames.socket.fps.1920x1080", "fairness.alone", "fairness.beside_flood",
        "transports.shm_ring.stream.batched.msgs"})
    EXPECT_NE(json.find(Wrap("\"key\": \"", key, "\"")),
              std::string::npos)
        << key;
  std::regex ratio_re("\"ratio\": ([^,}]+)");
  int ratios = 0;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), ratio_re);
       it != std::sregex_iterator(); ++it) {
    std::string text = (*it)[1];
    EXPECT_NE(text, "null") << "a ratio is missing its figures";
    double value = std::strtod(text.c_str(), nullptr);
    EXPECT_TRUE(std::isfinite(value) && value > 0) << text;
    ++ratios;
  }
  EXPECT_GE(ratios, 7);
  EXPECT_NE(json.find("\"ratio_to_floor\""), std::string::npos);

  std::string svg = ReadFile(svg_path);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("polyline"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace tabsim
