// `tabsim bench`: runs the floors, the transports and the TabHost scenarios
// in one process (the manager side single-threaded, peers forked), prints
// the table with every figure's ratio to its floor, and writes the JSON and
// the SVG plot when asked. See docs/benchmarks.md.
#include "manager/bench/bench_command.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "common/fd_limit.h"
#include "manager/base/cli.h"
#include "manager/bench/bench_floor.h"
#include "manager/bench/bench_options.h"
#include "manager/bench/bench_plot_svg.h"
#include "manager/bench/bench_report.h"
#include "manager/bench/bench_governance.h"
#include "manager/bench/bench_memory.h"
#include "manager/bench/bench_peers.h"
#include "manager/bench/bench_process_models.h"
#include "manager/bench/bench_scale.h"
#include "manager/bench/bench_scenarios.h"
#include "manager/bench/bench_stats.h"
#include "manager/bench/bench_transports.h"
#include "manager/core/tab_executable.h"

namespace tabsim {
namespace {

std::string Join(const std::vector<int>& values) {
  std::string out;
  for (int v : values) {
    if (!out.empty()) out += ',';
    out += std::to_string(v);
  }
  return out;
}

void AddTargets(const BenchOptions& options, BenchReport* report) {
  report->AddRatio("input, 1 tab / raw batched protobuf floor",
                   "input.events_per_s.tabs=1", "floor.batched_protobuf", 0.8,
                   true);
  report->AddRatio("input->ack p50 idle / raw ping-pong p50",
                   "latency.idle.p50", "floor.pingpong_rtt_p50", 1.2, false);
  report->AddRatio("input->ack p50 busy / raw ping-pong p50",
                   "latency.busy.p50", "floor.pingpong_rtt_p50", std::nullopt,
                   false);
  report->AddRatio("1080p frames/s: memfd / socket copy",
                   "frames.memfd.fps.1920x1080", "frames.socket.fps.1920x1080",
                   3.0, true);
  report->AddRatio("1080p frames/s via socket / raw socketpair frame floor",
                   "frames.socket.fps.1920x1080",
                   "floor.socket_frame.1920x1080", 0.8, true);
  report->AddRatio("1080p frames/s via memfd / memcpy of one frame",
                   "frames.memfd.fps.1920x1080", "floor.memcpy.1920x1080",
                   std::nullopt, true);
  int most = options.tab_counts.back();
  report->AddRatio("input, " + std::to_string(most) + " tabs / 1 tab",
                   "input.events_per_s.tabs=" + std::to_string(most),
                   "input.events_per_s.tabs=1", 0.8, true);
  report->AddRatio("raw one write per message / batched (why batching)",
                   "floor.one_write_per_message", "floor.batched_protobuf",
                   std::nullopt, true);
  report->AddRatio("healthy tab's input beside sim://flood / alone",
                   "fairness.beside_flood", "fairness.alone", 0.8, true);
  report->AddBudget("spawn to first frame p50 / 5 ms",
                    "lifecycle.spawn_first_frame.p50", 5.0, "5 ms");
  report->AddBudget("kill noticed p50 / 1 ms", "lifecycle.kill_noticed.p50",
                    1.0, "1 ms");
  report->AddRatio("open to first frame p50: spawning / prelaunched spare",
                   "open.first_frame.cold.p50", "open.first_frame.prelaunch.p50",
                   std::nullopt, true);
  // The figures are for 1,000 tabs; --quick measures fewer.
  const std::string scaled = std::to_string(ScaleCounts(options.quick).front());
  report->AddBudget(scaled + " tabs: first open to every first frame / 5 s",
                    "scale.all_drawn_ms.tabs=" + scaled, 5000, "5 s");
  report->AddBudget("a tab process's PSS (" + scaled + " tabs) / 2 MiB",
                    "scale.tab_pss_kib.tabs=" + scaled, 2048, "2 MiB");
  report->AddRatio("manager CPU per event: " + std::to_string(most) +
                       " tabs / 1 tab",
                   "input.cpu_ns_per_event.tabs=" + std::to_string(most),
                   "input.cpu_ns_per_event.tabs=1",
                   most >= 4096 ? std::optional<double>(1.3) : std::nullopt,
                   false);
  // The same count with every tab's rounds as deep as a few tabs' (no
  // target: it says what the split window's figure is made of).
  if (InputDeepPointMeasured(most))
    report->AddRatio(
        "manager CPU per event: " + std::to_string(most) + " tabs, " +
            std::to_string(kInputDeepWindow) + " events a tab in flight / 1 tab",
        "input.deep.cpu_ns_per_event.tabs=" + std::to_string(most),
        "input.cpu_ns_per_event.tabs=1", std::nullopt, false);
}

}  // namespace

int BenchCommand(const std::vector<std::string>& args) {
  auto parsed = ParseBenchOptions(args);
  if (!parsed.ok()) return ReportUsageError(kBenchCommand, parsed.error());
  BenchOptions options = std::move(parsed).value();
  if (!options.help.empty()) return PrintHelp(options.help);
  auto tab_exe = FindTabExecutable(options.tab_executable);
  if (!tab_exe.ok()) {
    std::fprintf(stderr, "tabsim bench: %s (set --tab-exe)\n",
                 tab_exe.error().message.c_str());
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);
  RaiseFdLimit();

  const std::vector<std::pair<int, int>> frame_sizes = {
      {1280, 720}, {1920, 1080}, {3840, 2160}};
  BenchReport report;
  report.SetSetting("mode", options.quick ? "quick" : "full");
  report.SetSetting("tab_counts", Join(options.tab_counts));
  report.SetSetting("seconds_per_point", std::to_string(options.seconds));
  report.SetSetting("latency_samples",
                    std::to_string(options.latency_samples));
  report.SetSetting("lifecycle_samples",
                    std::to_string(options.lifecycle_samples));
  report.SetSetting("frames_page", options.frames_page);
  report.SetSetting("input_page", "sim://blank");
  report.SetSetting("tab_executable", *tab_exe);

  auto start = BenchClock::now();
  std::fprintf(stderr, "bench: floors\n");
  RunFloors(options, frame_sizes, &report);
  auto want = [&](const char* name) {
    return options.only.empty() || options.only.count(name) > 0;
  };
  if (want("input")) RunInputScenario(options, *tab_exe, &report);
  if (want("latency")) RunLatencyScenario(options, *tab_exe, &report);
  if (want("fairness")) RunFairnessScenario(options, *tab_exe, &report);
  if (want("frames")) RunFramesScenario(options, *tab_exe, frame_sizes, &report);
  if (want("lifecycle")) RunLifecycleScenario(options, *tab_exe, &report);
  if (want("open")) RunOpenScenario(options, *tab_exe, &report);
  if (want("pacing")) {
    RunPacingDemoScenario(options, *tab_exe, &report);
    RunPacingIntervalScenario(options, *tab_exe, &report);
  }
  if (want("hidden")) RunHiddenScenario(options, *tab_exe, &report);
  if (want("focus")) RunFocusLatencyScenario(options, *tab_exe, &report);
  if (want("models")) RunProcessModelScenario(options, *tab_exe, &report);
  if (want("memory")) RunMemoryScenario(options, *tab_exe, &report);
  if (want("scale")) RunScaleScenario(options, *tab_exe, &report);
  if (want("transports")) RunTransports(options, &report);
  if (want("peers")) RunPeers(options, &report);
  AddTargets(options, &report);
  AddPeerTargets(&report);
  std::fprintf(stderr, "bench: done in %.1f s\n", SecondsSince(start));

  std::printf("tabsim bench (%s; %ld cores, %s; %s)\n",
              options.quick ? "quick" : "full", ::sysconf(_SC_NPROCESSORS_ONLN),
              CpuModel().c_str(), KernelRelease().c_str());
  report.PrintTable(stdout);
  std::fflush(stdout);

  int exit_code = 0;
  if (!options.json_path.empty()) {
    Status written = report.WriteJson(options.json_path);
    if (!written.ok()) {
      std::fprintf(stderr, "tabsim bench: %s\n",
                   written.error().message.c_str());
      exit_code = 1;
    }
  }
  if (!options.plot_path.empty()) {
    Status written = WriteBenchSvg(report, options.plot_path);
    if (!written.ok()) {
      std::fprintf(stderr, "tabsim bench: %s\n",
                   written.error().message.c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace tabsim
