#include "manager/core/memory_pressure.h"

#include <boost/asio/error.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "manager/base/process_stats.h"

namespace tabsim {
namespace {

Result<std::string> ReadProcFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error::FromErrno("open " + path);
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) return Error::FromErrno("read " + path);
  return text.str();
}

// The number after `key` (e.g. "MemAvailable:") on its line, or nullopt.
std::optional<uint64_t> FieldKib(const std::string& text, const std::string& key) {
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') {
      const char* start = text.c_str() + at + key.size();
      char* end = nullptr;
      unsigned long long value = std::strtoull(start, &end, 10);
      if (end == start) return std::nullopt;
      return uint64_t(value);
    }
    at += key.size();
  }
  return std::nullopt;
}

std::string Mib(uint64_t bytes) {
  return std::to_string((bytes + (uint64_t{1} << 19)) >> 20) + " MiB";
}

std::string Percent(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", value);
  return text;
}

}  // namespace

const char* ToString(PressureLevel level) {
  switch (level) {
    case PressureLevel::kNone: return "none";
    case PressureLevel::kModerate: return "moderate";
    case PressureLevel::kCritical: return "critical";
  }
  return "?";
}

Result<double> ParsePsiSomeAvg10(const std::string& text) {
  const std::string key = "some avg10=";
  size_t at = text.find(key);
  if (at == std::string::npos || (at != 0 && text[at - 1] != '\n'))
    return Error{"/proc/pressure/memory: no \"some avg10=\"", EINVAL};
  const char* start = text.c_str() + at + key.size();
  char* end = nullptr;
  double value = std::strtod(start, &end);
  if (end == start || value < 0 || value > 100)
    return Error{"/proc/pressure/memory: bad avg10", EINVAL};
  return value;
}

Result<MemInfo> ParseMemInfo(const std::string& text) {
  auto total = FieldKib(text, "MemTotal:");
  auto available = FieldKib(text, "MemAvailable:");
  if (!total || !available || *total == 0)
    return Error{"/proc/meminfo: no MemTotal or MemAvailable", EINVAL};
  return MemInfo{*total * 1024, *available * 1024};
}

Result<MemInfo> ReadMemInfo() {
  auto text = ReadProcFile("/proc/meminfo");
  if (!text.ok()) return text.error();
  return ParseMemInfo(*text);
}

Result<uint64_t> ParseSmapsRollupPss(const std::string& text) {
  auto pss = FieldKib(text, "Pss:");
  if (!pss) return Error{"smaps_rollup: no Pss line", EINVAL};
  return *pss * 1024;
}

Result<uint64_t> ReadProcessMemory(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  auto rollup = ReadProcFile(base + "/smaps_rollup");
  if (rollup.ok()) {
    auto pss = ParseSmapsRollupPss(*rollup);
    if (pss.ok()) return pss;
  }
  // Older kernels, or another user's process: RSS is the upper bound.
  auto sample = ReadProcessSample(pid);
  if (!sample.ok()) return sample.error();
  return sample->rss_bytes;
}

Result<uint64_t> ParseVmstatOomKill(const std::string& text) {
  auto count = FieldKib(text, "oom_kill ");
  if (!count) return Error{"/proc/vmstat: no oom_kill", EINVAL};
  return *count;
}

Result<uint64_t> ReadOomKillCount() {
  auto text = ReadProcFile("/proc/vmstat");
  if (!text.ok()) return text.error();
  return ParseVmstatOomKill(*text);
}

PressureVerdict ComputePressure(const PressureSample& sample,
                                const PressureThresholds& thresholds) {
  PressureVerdict worst;
  auto consider = [&worst](PressureLevel level, std::string reason) {
    if (level > worst.level) {
      worst.level = level;
      worst.reason = std::move(reason);
    }
  };
  if (sample.budget_bytes > 0) {
    const uint64_t budget = sample.budget_bytes;
    const double growth = sample.tabs_growth_bytes_per_s;
    const double ahead =
        double(sample.tabs_bytes) +
        growth * std::chrono::duration<double>(sample.horizon).count();
    if (sample.tabs_bytes > budget) {
      consider(PressureLevel::kCritical, "tabs " + Mib(sample.tabs_bytes) +
                                             " over a " + Mib(budget) + " budget");
    } else if (growth > 0 && ahead > double(budget)) {
      consider(PressureLevel::kCritical,
               "tabs " + Mib(sample.tabs_bytes) + " growing " +
                   Mib(uint64_t(growth)) + "/s, over a " + Mib(budget) +
                   " budget within " + std::to_string(sample.horizon.count()) +
                   " ms");
    } else if (double(sample.tabs_bytes) >
             PressureThresholds::kBudgetModerate * double(budget))
      consider(PressureLevel::kModerate,
               "tabs " + Mib(sample.tabs_bytes) + " near a " + Mib(budget) +
                   " budget (over " +
                   Percent(PressureThresholds::kBudgetModerate * 100) + ")");
  }
  // Set before the kernel's signals may take the reason: it is about the
  // budget, whichever signal is worst.
  worst.growing_over_budget = worst.level == PressureLevel::kCritical &&
                              sample.tabs_growth_bytes_per_s > 0;
  if (sample.psi_some_avg10) {
    const double psi = *sample.psi_some_avg10;
    const std::string reason = "memory PSI some avg10 " + Percent(psi);
    if (psi >= thresholds.psi_critical)
      consider(PressureLevel::kCritical, reason);
    else if (psi >= thresholds.psi_moderate)
      consider(PressureLevel::kModerate, reason);
  }
  if (sample.meminfo) {
    const double share = double(sample.meminfo->available_bytes) /
                         double(sample.meminfo->total_bytes);
    const std::string reason =
        "MemAvailable " + Percent(share * 100) + " of MemTotal";
    if (share < thresholds.available_critical)
      consider(PressureLevel::kCritical, reason);
    else if (share < thresholds.available_moderate)
      consider(PressureLevel::kModerate, reason);
  }
  return worst;
}

MemoryPressureMonitor::MemoryPressureMonitor(
    boost::asio::any_io_executor executor, Options options, TabsBytes tabs_bytes,
    Listener listener)
    : options_(options),
      tabs_bytes_(std::move(tabs_bytes)),
      listener_(std::move(listener)),
      timer_(executor) {}

MemoryPressureMonitor::~MemoryPressureMonitor() { Stop(); }

void MemoryPressureMonitor::Start() {
  if (running_) return;
  running_ = true;
  Arm();
}

void MemoryPressureMonitor::Stop() {
  running_ = false;
  timer_.cancel();
}

PressureSample MemoryPressureMonitor::Sample() const {
  PressureSample sample;
  sample.budget_bytes = options_.budget_bytes;
  sample.horizon = regular_interval();
  if (tabs_bytes_) {
    const TabsMemory tabs = tabs_bytes_();
    sample.tabs_bytes = tabs.bytes;
    sample.tabs_growth_bytes_per_s = tabs.growth_bytes_per_s;
  }
  if (options_.kernel) {
    if (auto text = ReadProcFile("/proc/pressure/memory"); text.ok())
      if (auto psi = ParsePsiSomeAvg10(*text); psi.ok())
        sample.psi_some_avg10 = *psi;
    if (auto info = ReadMemInfo(); info.ok()) sample.meminfo = *info;
  }
  return sample;
}

namespace {

// At least `interval`, and at least `share_inverse` times `cost`.
std::chrono::milliseconds Stretched(std::chrono::milliseconds interval,
                                    std::chrono::microseconds cost,
                                    int share_inverse) {
  const auto floor =
      std::chrono::ceil<std::chrono::milliseconds>(cost * share_inverse);
  return std::max(interval, floor);
}

}  // namespace

std::chrono::milliseconds MemoryPressureMonitor::regular_interval() const {
  return Stretched(options_.interval, sample_cost_, kRegularShareInverse);
}

std::chrono::milliseconds MemoryPressureMonitor::NextInterval() const {
  const uint64_t budget = options_.budget_bytes;
  const auto regular = regular_interval();
  if (budget == 0) return regular;
  const double ahead =
      double(sample_.tabs_bytes) +
      sample_.tabs_growth_bytes_per_s *
          std::chrono::duration<double>(regular).count();
  return ahead > PressureThresholds::kBudgetModerate * double(budget)
             ? std::min(Stretched(options_.fast_interval, sample_cost_,
                                  kFastShareInverse),
                        regular)
             : regular;
}

void MemoryPressureMonitor::Arm() {
  timer_.expires_after(NextInterval());
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                        boost::system::error_code error) {
    if (error == boost::asio::error::operation_aborted || alive.expired() ||
        !running_)
      return;
    const auto started = std::chrono::steady_clock::now();
    sample_ = Sample();
    sample_cost_ = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    verdict_ = ComputePressure(sample_, options_.thresholds);
    if (listener_) listener_(verdict_, sample_);
    if (running_) Arm();
  });
}

}  // namespace tabsim
