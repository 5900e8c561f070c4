#include "manager/bench/bench_scale.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "common/protocol.h"
#include "manager/base/process_stats.h"
#include "manager/bench/bench_stats.h"
#include "manager/bench/bench_tabs.h"
#include "manager/core/containment.h"
#include "manager/core/memory_pressure.h"
#include "manager/core/process_host.h"
#include "manager/core/tab_capacity.h"
#include "manager/core/task_manager.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kSize = 16;            // a tab's frame: 16x16
constexpr char kUrl[] = "sim://blank";
constexpr size_t kPssSamples = 64;   // tabs whose PSS is read

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

uint64_t ManagerResidentBytes() {
  auto sample = ReadProcessSample(::getpid());
  return sample.ok() ? sample->rss_bytes : 0;
}

// The mean PSS (KiB) of up to kPssSamples of `ids`' processes, spread
// evenly; 0 if none could be read.
double MeanTabPssKib(BenchTabs& tabs, const std::vector<int>& ids) {
  const size_t step = std::max<size_t>(1, ids.size() / kPssSamples);
  uint64_t total = 0;
  size_t read = 0;
  for (size_t i = 0; i < ids.size() && read < kPssSamples; i += step) {
    TabSession* tab = tabs.Find(ids[i]);
    if (tab == nullptr || !tab->running()) continue;
    auto bytes = ReadProcessMemory(tab->pid());
    if (!bytes.ok()) continue;
    total += *bytes / 1024;
    ++read;
  }
  return read ? double(total) / double(read) : 0;
}

void RunCount(const ScaleRun& run, bool quick, const std::string& tab_exe,
              BenchReport* report) {
  const int count = run.tabs;
  const bool shared = run.model.shares();
  std::string model_key = run.model.ToString();  // "limit:1000" -> "limit=1000"
  std::replace(model_key.begin(), model_key.end(), ':', '=');
  const std::string suffix =
      ".tabs=" + std::to_string(count) + (shared ? "." + model_key : "");
  const std::string drawn_key = "scale.all_drawn_ms" + suffix;
  const std::vector<std::string> urls(size_t(count), kUrl);
  const long processes = ProcessesFor(run.model, urls, kMaxViewsPerProcess);
  if (Status fits = MakeRoomForTabs(
          DecideContainment().namespaces, count, processes,
          RegionBytes(kSize, kSize));
      !fits.ok()) {
    report->AddUnavailable("scale", drawn_key, fits.error().message);
    return;
  }
  const std::string text =
      std::to_string(count) + " tabs" +
      (shared ? " in " + std::to_string(processes) + " processes (" +
                    run.model.ToString() + ")"
              : "");
  std::fprintf(stderr, "bench: scale: %s\n", text.c_str());
  TabHost::Options host_options = BenchHostOptions(tab_exe, kSize, kSize, 60);
  host_options.process_model = run.model;
  host_options.memory_pressure = true;  // as `tabsim run` has it (no budget)
  BenchTabs tabs(host_options);
  const uint64_t resident0 = ManagerResidentBytes();
  std::vector<int> ids;
  ids.reserve(size_t(count));
  const auto start = Clock::now();
  Status opened = tabs.OpenMany(kUrl, count, &ids, [&](int n) {
    if (n % (count / 10 > 0 ? count / 10 : 1) == 0 && count >= 1000)
      std::fprintf(stderr, "bench: scale: %d/%d opened (%.1f s)\n", n, count,
                   MsSince(start) / 1000);
  });
  if (!opened.ok()) {
    report->AddUnavailable("scale", drawn_key,
                           "open " + std::to_string(ids.size() + 1) + ": " +
                               opened.error().message);
    return;
  }
  const double spawn_ms = MsSince(start);
  if (!tabs.RunUntilDrawn(ids, milliseconds(600000))) {
    report->AddUnavailable("scale", drawn_key,
                           "not every tab drew within 600 s");
    return;
  }
  const double drawn_ms = MsSince(start);
  const uint64_t resident1 = ManagerResidentBytes();
  // At rest, as `tabsim run` keeps it: nothing draws, the memory monitor
  // samples, the hang monitor pings, a task manager samples every second.
  TaskManager tasks(tabs.host());
  tasks.Sample(Clock::now());
  const double cpu0 = ProcessCpuSeconds();
  const auto rest_start = Clock::now();
  // Three seconds; --quick, a smoke run kept under 20 s, half of one.
  const int rest_steps = quick ? 1 : 3;
  const milliseconds rest_step(quick ? 500 : 1000);
  for (int step = 0; step < rest_steps; ++step) {
    tabs.RunUntil([] { return false; }, rest_step);
    tasks.Sample(Clock::now());
  }
  const double rest_percent =
      100 * (ProcessCpuSeconds() - cpu0) / (MsSince(rest_start) / 1000);
  report->AddFigure({"scale", drawn_key,
                     text + ": first open to every first frame", drawn_ms,
                     "ms", ""});
  report->AddFigure({"scale", "scale.spawn_ms" + suffix,
                     text + ": the opens (fork, exec, handshake sent)",
                     spawn_ms, "ms", ""});
  if (shared) {
    report->AddFigure({"scale", "scale.processes" + suffix,
                       text + ": tab processes",
                       double(tabs.host().processes().size()), "processes",
                       ""});
    report->AddFigure({"scale", "scale.pss_kib_per_tab" + suffix,
                       text + ": every tab process's PSS / tabs",
                       double(tabs.TabProcessesPssBytes()) / 1024 / count,
                       "KiB", ""});
  } else {
    report->AddFigure({"scale", "scale.tab_pss_kib" + suffix,
                       text + ": a tab process's PSS (mean of a sample)",
                       MeanTabPssKib(tabs, ids), "KiB", ""});
  }
  report->AddFigure({"scale", "scale.manager_rest_cpu_percent" + suffix,
                     text + ": the manager's CPU at rest (% of a core)",
                     rest_percent, "%", ""});
  report->AddFigure(
      {"scale", "scale.manager_bytes_per_tab" + suffix,
       text + ": the manager's resident growth per tab",
       resident1 > resident0 ? double(resident1 - resident0) / count : 0,
       "bytes", ""});
  std::fprintf(stderr, "bench: scale: %s drawn in %.1f s; closing\n",
               text.c_str(), drawn_ms / 1000);
}

}  // namespace

std::vector<int> ScaleCounts(bool quick) {
  return quick ? std::vector<int>{64} : std::vector<int>{1000, 10000};
}

std::vector<ScaleRun> ScaleRuns(bool quick) {
  std::vector<ScaleRun> runs;
  for (int count : ScaleCounts(quick)) runs.push_back({count, ProcessModel{}});
  runs.push_back({quick ? 64 : 10000,
                  ProcessModel::Parse(quick ? "limit:8" : "limit:1000").value()});
  return runs;
}

void RunScaleScenario(const BenchOptions& options, const std::string& tab_exe,
                      BenchReport* report) {
  for (const ScaleRun& run : ScaleRuns(options.quick))
    RunCount(run, options.quick, tab_exe, report);
}

}  // namespace tabsim
