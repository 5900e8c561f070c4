#include "manager/bench/bench_scale.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "common/protocol.h"
#include "manager/base/process_stats.h"
#include "manager/bench/bench_tabs.h"
#include "manager/core/containment.h"
#include "manager/core/memory_pressure.h"
#include "manager/core/tab_capacity.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr int kSize = 16;            // a tab's frame: 16x16
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

void RunCount(int count, const std::string& tab_exe, BenchReport* report) {
  const std::string suffix = ".tabs=" + std::to_string(count);
  const std::string drawn_key = "scale.all_drawn_ms" + suffix;
  if (Status fits = CheckTabCapacity(ReadCapacityFacts(DecideContainment().namespaces), count,
                                     RegionBytes(kSize, kSize));
      !fits.ok()) {
    report->AddUnavailable("scale", drawn_key, fits.error().message);
    return;
  }
  std::fprintf(stderr, "bench: scale: %d tabs\n", count);
  BenchTabs tabs(BenchHostOptions(tab_exe, kSize, kSize, 60));
  const uint64_t resident0 = ManagerResidentBytes();
  std::vector<int> ids;
  ids.reserve(size_t(count));
  const auto start = Clock::now();
  Status opened = tabs.OpenMany("sim://blank", count, &ids, [&](int n) {
    if (n % (count / 10 > 0 ? count / 10 : 1) == 0 && count >= 1000)
      std::fprintf(stderr, "bench: scale: %d/%d spawned (%.1f s)\n", n, count,
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
  const std::string text = std::to_string(count) + " tabs";
  report->AddFigure({"scale", drawn_key,
                     text + ": first open to every first frame", drawn_ms,
                     "ms", ""});
  report->AddFigure({"scale", "scale.spawn_ms" + suffix,
                     text + ": the opens (fork, exec, handshake sent)",
                     spawn_ms, "ms", ""});
  report->AddFigure({"scale", "scale.tab_pss_kib" + suffix,
                     text + ": a tab process's PSS (mean of a sample)",
                     MeanTabPssKib(tabs, ids), "KiB", ""});
  report->AddFigure(
      {"scale", "scale.manager_bytes_per_tab" + suffix,
       text + ": the manager's resident growth per tab",
       resident1 > resident0 ? double(resident1 - resident0) / count : 0,
       "bytes", ""});
  std::fprintf(stderr, "bench: scale: %d tabs drawn in %.1f s; closing\n",
               count, drawn_ms / 1000);
}

}  // namespace

std::vector<int> ScaleCounts(bool quick) {
  return quick ? std::vector<int>{64} : std::vector<int>{1000, 10000};
}

void RunScaleScenario(const BenchOptions& options, const std::string& tab_exe,
                      BenchReport* report) {
  for (int count : ScaleCounts(options.quick)) RunCount(count, tab_exe, report);
}

}  // namespace tabsim
