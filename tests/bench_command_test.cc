// End to end: runs the real `tabsim bench --quick --json` (the binary ctest
// passes in TABSIM_EXE) and checks the JSON for completeness and sanity:
// every scenario present, every figure finite and > 0, the ratios present.
// This tests the harness, not the speed of the machine.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "manager/base/json.h"
#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
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
  EXPECT_EQ(full->tab_counts, (std::vector<int>{1, 4, 16, 64, 256, 1024, 4096}));
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
      {{"--tabs", "0"}, "--tabs: '0' is not a whole number from 1 to 100000"},
      {{"--tabs", "1,x"}, "--tabs: 'x' is not a whole number from 1 to 100000"},
      {{"--tabs", "1,,4"}, "--tabs: '' is not a whole number from 1 to 100000"},
      {{"--seconds"}, "--seconds needs a value (see tabsim bench --help)"},
      {{"--seconds", "nan"},
       "--seconds: 'nan' is not a number of seconds from 0.05 to 600"},
      {{"--latency-samples", "9"},
       "--latency-samples: '9' is not a whole number from 10 to 10000000"},
      {{"--lifecycle-samples", "1"},
       "--lifecycle-samples: '1' is not a whole number from 2 to 10000"},
      {{"--plot", "out.png"}, "--plot: 'out.png' is not a file name ending in .svg"},
      {{"--json", ""}, "--json: empty file name"},
      {{"--only", "hidden,nope"},
       "--only: unknown scenario 'nope' (one of: input,latency,fairness,"
       "frames,lifecycle,open,pacing,hidden,focus,models,memory,scale,"
       "transports,peers)"},
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

TEST(BenchOptions, OnlyNamesScenarios) {
  auto options = ParseBenchOptions({"--only", "hidden,focus,hidden"});
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->only, (std::set<std::string>{"focus", "hidden"}));
  EXPECT_TRUE(ParseBenchOptions({})->only.empty());
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
                        "number of seconds from 0.05 to 600; default: 2; 0.15 "
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

TEST(BenchReport, JsonIsOneDocumentWithNullForWhatIsMissing) {
  BenchReport report;
  report.AddFigure({"input", "input.a", "A", 2.0, "msg/s", "floor.x"});
  report.AddFigure({"floor", "floor.x", "X", 4.0, "msg/s", ""});
  report.AddFigure({"input", "input.broken", "broken", std::nan(""), "us", ""});
  report.AddUnavailable("open", "open.cold", "no tab program");
  report.AddRatio("a / x", "input.a", "floor.x", 0.25, true);
  report.AddRatio("cold / x", "open.cold", "floor.x", std::nullopt, true);
  report.SetSetting("quick", "yes");
  report.AddNote("a note with \"quotes\"");
  const std::string text = ToJson(report.Json());
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
  const boost::json::value json = boost::json::parse(text);
  EXPECT_EQ(json.at("kind"), "bench");
  // Scenarios in first-appearance order.
  std::vector<std::string> order;
  for (const auto& member : json.at("scenarios").as_object())
    order.emplace_back(member.key());
  EXPECT_EQ(order, (std::vector<std::string>{"input", "floor", "open"}));
  const boost::json::array& input = json.at("scenarios").at("input").at("figures").as_array();
  ASSERT_EQ(input.size(), 2u);
  EXPECT_EQ(input[0].at("ratio_to_floor").as_double(), 0.5);
  EXPECT_TRUE(input[1].at("value").is_null());
  EXPECT_EQ(json.at("scenarios").at("open").at("unavailable").at(0).at("reason"),
            "no tab program");
  const boost::json::array& ratios = json.at("ratios").as_array();
  EXPECT_EQ(ratios[0].at("ratio").as_double(), 0.5);
  EXPECT_EQ(ratios[0].at("met"), true);
  EXPECT_TRUE(ratios[1].at("ratio").is_null());
  EXPECT_EQ(ratios[1].at("unavailable"), "open.cold unavailable: no tab program");
  EXPECT_EQ(json.at("settings").at("quick"), "yes");
  EXPECT_EQ(json.at("notes").at(0), "a note with \"quotes\"");
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
  ASSERT_EQ(RunShell(command), 0) << ReadFile(dir + "/bench_quick.out");
  const std::string text = ReadFile(json_path);
  ASSERT_FALSE(text.empty());
  boost::json::object json;
  ASSERT_NO_THROW(json = boost::json::parse(text).as_object()) << text;
  EXPECT_EQ(json.at("schema").to_number<int>(), 1);
  EXPECT_EQ(json.at("kind"), "bench");
  const boost::json::object& machine = json.at("machine").as_object();
  EXPECT_GT(machine.at("cores").to_number<int>(), 0);
  EXPECT_TRUE(machine.at("cpu_model").is_string());
  EXPECT_TRUE(machine.at("kernel").is_string());
  EXPECT_TRUE(json.at("settings").is_object());
  EXPECT_TRUE(json.at("notes").is_array());

  const boost::json::object& scenarios = json.at("scenarios").as_object();
  int figures = 0;
  std::set<std::string> keys;
  bool ratio_to_floor = false;
  for (const char* scenario :
       {"input", "latency", "frames", "lifecycle", "open", "fairness",
        "pacing", "hidden", "focus", "models", "memory", "scale",
        "transports", "floor"}) {
    ASSERT_TRUE(scenarios.contains(scenario)) << "scenario " << scenario;
    const boost::json::object& s = scenarios.at(scenario).as_object();
    // No scenario may quietly fail: nothing is reported unavailable.
    EXPECT_TRUE(s.at("unavailable").as_array().empty())
        << "scenario " << scenario << " was unavailable: " << s.at("unavailable");
    EXPECT_FALSE(s.at("figures").as_array().empty()) << "scenario " << scenario;
    // Every figure's value is a finite number (a non-finite one would be
    // null), > 0 except counts of things that may rightly not happen
    // (BeginFrames missed, display ticks skipped, latency beyond the
    // interval, CPU of idle hidden tabs below the clock tick, discards
    // that must not or need not happen).
    for (const boost::json::value& figure : s.at("figures").as_array()) {
      const boost::json::value& value = figure.at("value");
      EXPECT_TRUE(value.is_number()) << figure;
      const std::string key(figure.at("key").as_string());
      const bool may_be_zero = key == "pacing.begin_frames_missed_per_s" ||
                               key == "pacing.ticks_skipped_per_s" ||
                               key == "pacing.interval.p99_excess_ms" ||
                               key == "hidden.cpu_percent" ||
                               key == "hidden.manager_cpu_percent" ||
                               key == "hidden.timer_pages_cpu_percent" ||
                               key == "memory.protected_or_focused_discarded" ||
                               key == "memory.bystanders_discarded" ||
                               key == "memory.early_discards" ||
                               // the allocator may reuse what an earlier
                               // run freed: no growth at all
                               key.rfind("scale.manager_bytes_per_tab", 0) == 0 ||
                               // below the clock tick at rest
                               key.rfind("scale.manager_rest_cpu_percent", 0) == 0;
      if (value.is_number()) {
        if (may_be_zero)
          EXPECT_GE(value.to_number<double>(), 0) << figure;
        else
          EXPECT_GT(value.to_number<double>(), 0) << figure;
      }
      keys.insert(std::string(figure.at("key").as_string()));
      ratio_to_floor |= figure.as_object().contains("ratio_to_floor");
      ++figures;
    }
  }
  EXPECT_GT(figures, 40);
  EXPECT_TRUE(ratio_to_floor);

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
        "transports.shm_ring.stream.batched.msgs", "memory.episode.p50_ms",
        "memory.episode.p99_ms", "memory.discards_per_episode",
        "memory.max_overshoot_ratio", "memory.protected_or_focused_discarded",
        "scale.all_drawn_ms.tabs=64", "scale.all_drawn_ms.tabs=64.limit=8",
        "scale.pss_kib_per_tab.tabs=64.limit=8", "scale.processes.tabs=64.limit=8"})
    EXPECT_EQ(keys.count(key), 1u) << key;
  // Correctness: the shared scale run kept to its process limit.
  for (const boost::json::value& figure :
       scenarios.at("scale").at("figures").as_array()) {
    if (figure.at("key") == "scale.processes.tabs=64.limit=8") {
      EXPECT_EQ(figure.at("value").to_number<double>(), 8) << figure;
    }
  }
  // Correctness, not timing: memory pressure never discards the focused
  // tab or a protected one.
  for (const boost::json::value& figure :
       scenarios.at("memory").at("figures").as_array()) {
    if (figure.at("key") == "memory.protected_or_focused_discarded") {
      EXPECT_EQ(figure.at("value").to_number<double>(), 0) << figure;
    }
  }
  int ratios = 0;
  for (const boost::json::value& ratio : json.at("ratios").as_array()) {
    const boost::json::value& value = ratio.at("ratio");
    // A peer library tabsim was built without is the one allowed gap.
    if (value.is_null() && ratio.as_object().contains("unavailable") &&
        std::string(ratio.at("unavailable").as_string()).find("built without") !=
            std::string::npos)
      continue;
    EXPECT_FALSE(value.is_null()) << "a ratio is missing its figures: " << ratio;
    // A budget met with nothing spent is 0.
    if (value.is_number()) {
      EXPECT_GE(value.to_number<double>(), 0) << ratio;
    }
    ++ratios;
  }
  EXPECT_GE(ratios, 7);

  std::string svg = ReadFile(svg_path);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("polyline"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

// The peers scenario alone: every figure it promises is there, a number
// > 0, or unavailable only because tabsim was built without that library.
// Its comparisons with tabsim's input are listed (unavailable here: the
// input and latency scenarios did not run).
TEST(BenchCommand, QuickPeersRunHasEveryPeerFigure) {
  std::string dir = ::testing::TempDir();
  std::string json_path = dir + "/bench_peers.json";
  std::string command = testing::ManagerExecutable() +
                        " bench --quick --only peers --tab-exe " +
                        testing::TabExecutable() + " --json " + json_path +
                        " >" + dir + "/bench_peers.out 2>&1";
  auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(RunShell(command), 0) << ReadFile(dir + "/bench_peers.out");
  // Floors plus four quick peer runs: a few seconds, not a full run.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  boost::json::object json;
  ASSERT_NO_THROW(json = boost::json::parse(ReadFile(json_path)).as_object());
  const boost::json::object& scenarios = json.at("scenarios").as_object();
  ASSERT_TRUE(scenarios.contains("peers"));
  EXPECT_FALSE(scenarios.contains("input"));
  const boost::json::object& peers = scenarios.at("peers").as_object();
  std::set<std::string> measured, missing;
  for (const boost::json::value& figure : peers.at("figures").as_array()) {
    ASSERT_TRUE(figure.at("value").is_number()) << figure;
    EXPECT_GT(figure.at("value").to_number<double>(), 0) << figure;
    measured.insert(std::string(figure.at("key").as_string()));
  }
  for (const boost::json::value& gap : peers.at("unavailable").as_array()) {
    EXPECT_EQ(std::string(gap.at("reason").as_string()).rfind("built without", 0),
              0u)
        << "a peer failed: " << gap;
    missing.insert(std::string(gap.at("key").as_string()));
  }
  for (const char* key :
       {"peers.zmq.pushpull.msgs", "peers.zmq.reqrep.rtt_p50",
        "peers.zmq.reqrep.rtt_p99", "peers.nng.pair.msgs",
        "peers.nng.pair.rtt_p50", "peers.nng.pair.rtt_p99"})
    EXPECT_EQ(measured.count(key) + missing.count(key), 1u) << key;
  std::set<std::string> denominators;
  for (const boost::json::value& ratio : json.at("ratios").as_array())
    denominators.insert(std::string(ratio.at("denominator").as_string()));
  for (const char* key : {"peers.zmq.pushpull.msgs", "peers.zmq.reqrep.rtt_p50",
                          "peers.nng.pair.msgs", "peers.nng.pair.rtt_p50"})
    EXPECT_EQ(denominators.count(key), 1u) << key;
}

// The input scenario at a count whose split window leaves each tab fewer
// than 2,048 events in flight (128 tabs: 1,536) measures the same tabs a
// second time with 2,048 each (the deep point), and lists its CPU per
// event against one tab's; one tab, whose split window is larger, has no
// deep point.
TEST(BenchCommand, InputMeasuresTheDeepPointWhereTheWindowIsSplitThin) {
  std::string dir = ::testing::TempDir();
  std::string json_path = dir + "/bench_deep.json";
  std::string command = testing::ManagerExecutable() +
                        " bench --quick --only input --tabs 1,128 --tab-exe " +
                        testing::TabExecutable() + " --json " + json_path +
                        " >" + dir + "/bench_deep.out 2>&1";
  ASSERT_EQ(RunShell(command), 0) << ReadFile(dir + "/bench_deep.out");
  boost::json::object json;
  ASSERT_NO_THROW(json = boost::json::parse(ReadFile(json_path)).as_object());
  const boost::json::object& input =
      json.at("scenarios").at("input").as_object();
  EXPECT_TRUE(input.at("unavailable").as_array().empty())
      << input.at("unavailable");
  std::set<std::string> keys;
  for (const boost::json::value& figure : input.at("figures").as_array()) {
    ASSERT_TRUE(figure.at("value").is_number()) << figure;
    EXPECT_GT(figure.at("value").to_number<double>(), 0) << figure;
    keys.insert(std::string(figure.at("key").as_string()));
  }
  EXPECT_EQ(keys, (std::set<std::string>{
                      "input.events_per_s.tabs=1",
                      "input.cpu_ns_per_event.tabs=1",
                      "input.events_per_s.tabs=128",
                      "input.cpu_ns_per_event.tabs=128",
                      "input.deep.events_per_s.tabs=128",
                      "input.deep.cpu_ns_per_event.tabs=128"}));
  bool listed = false;
  for (const boost::json::value& ratio : json.at("ratios").as_array()) {
    if (ratio.at("numerator") != "input.deep.cpu_ns_per_event.tabs=128")
      continue;
    listed = true;
    EXPECT_EQ(ratio.at("denominator"), "input.cpu_ns_per_event.tabs=1");
    EXPECT_TRUE(ratio.at("ratio").is_number()) << ratio;
  }
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace tabsim
