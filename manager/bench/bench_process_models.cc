#include "manager/bench/bench_process_models.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "manager/bench/bench_tabs.h"
#include "manager/core/memory_pressure.h"
#include "manager/core/process_host.h"
#include "manager/core/process_model.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// PSS (shared pages counted 1/N to each of N sharers, so a sum over
// processes is what they cost together) in KiB; 0 for a process gone.
uint64_t PssKib(pid_t pid) {
  auto bytes = ReadProcessMemory(pid);
  return bytes.ok() ? *bytes / 1024 : 0;
}

const char* const kSites[] = {"sim://clock", "sim://bounce", "sim://paint",
                              "sim://stamp", "sim://blank", "sim://slow",
                              "sim://frames", "sim://nosuchpage"};

}  // namespace

void RunProcessModelScenario(const BenchOptions& options,
                             const std::string& tab_exe, BenchReport* report) {
  const int tabs_count = options.quick ? 8 : 64;
  const int sites = options.quick ? 4 : 8;
  struct Model {
    const char* key;
    const char* text;
  };
  for (const Model& m : {Model{"per_tab", "per-tab"}, Model{"per_site", "per-site"},
                         Model{"limit_4", "limit:4"}}) {
    std::fprintf(stderr, "bench: models: %d tabs over %d sites, %s\n",
                 tabs_count, sites, m.text);
    const std::string prefix = std::string("models.") + m.key;
    TabHost::Options host_options = BenchHostOptions(tab_exe, 160, 100, 30);
    host_options.process_model = ProcessModel::Parse(m.text).value();
    BenchTabs tabs(host_options);
    const auto start = Clock::now();
    std::vector<int> ids;
    bool opened = true;
    for (int i = 0; i < tabs_count && opened; ++i) {
      // ?n keeps the site and makes each URL its own.
      auto tab = tabs.Open(std::string(kSites[i % sites]) + "?" + std::to_string(i));
      if (!tab.ok()) {
        report->AddUnavailable("models", prefix + ".processes", tab.error().message);
        opened = false;
        break;
      }
      ids.push_back((*tab)->id());
    }
    if (!opened) continue;
    const bool drawn = tabs.RunUntilDrawn(ids, milliseconds(120000));
    if (!drawn) {
      report->AddUnavailable("models", prefix + ".processes",
                             "not every tab drew within 120 s");
      continue;
    }
    const double drawn_ms =
        std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    tabs.RunUntil([] { return false; },
                  milliseconds(options.quick ? 300 : 1000));  // settle
    const uint64_t pss = tabs.TabProcessesPssBytes() / 1024;
    const auto& processes = tabs.host().processes();
    const uint64_t manager_pss = PssKib(::getpid());
    report->AddFigure({"models", prefix + ".processes",
                       std::string(m.text) + ": tab processes",
                       double(processes.size()), "processes", ""});
    report->AddFigure({"models", prefix + ".pss_per_tab_kib",
                       std::string(m.text) + ": tab processes' PSS per tab",
                       double(pss) / tabs_count, "KiB", ""});
    report->AddFigure({"models", prefix + ".manager_pss_kib",
                       std::string(m.text) + ": the manager's PSS",
                       double(manager_pss), "KiB", ""});
    report->AddFigure({"models", prefix + ".all_drawn_ms",
                       std::string(m.text) + ": opens to every first frame",
                       drawn_ms, "ms", ""});
    // The blast radius: SIGKILL the process of the first tab.
    TabSession* first = tabs.Find(ids.front());
    (void)::kill(first->pid(), SIGKILL);
    size_t lost = 0;
    tabs.RunUntil([&] { return !first->running(); }, milliseconds(10000));
    tabs.RunUntil([] { return false; }, milliseconds(200));
    for (int id : ids)
      if (!tabs.Find(id)->running()) ++lost;
    report->AddFigure({"models", prefix + ".blast_radius",
                       std::string(m.text) + ": tabs lost to one process crash",
                       double(lost), "tabs", ""});
  }
  report->AddRatio("PSS per tab: per-site / per-tab",
                   "models.per_site.pss_per_tab_kib",
                   "models.per_tab.pss_per_tab_kib", std::nullopt, false);
  report->AddRatio("PSS per tab: limit:4 / per-tab",
                   "models.limit_4.pss_per_tab_kib",
                   "models.per_tab.pss_per_tab_kib", std::nullopt, false);
}

}  // namespace tabsim
