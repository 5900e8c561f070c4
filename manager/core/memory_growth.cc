#include "manager/core/memory_growth.h"

#include <utility>

#include "common/check.h"

namespace tabsim {
namespace {

// A process growing slower than this is a page settling in (a tab's
// first frames, a sanitizer's start-up: a few MiB), not a leak worth
// discarding early for; sim://leak grows 64 MiB a tick, 300+ MiB/s over a
// 200 ms window whenever it ticks at all.
constexpr double kMinRateBytesPerS = 32.0 * (uint64_t{1} << 20);

}  // namespace

void MemoryGrowth::Add(Clock::time_point now, Bytes bytes) {
  TABSIM_CHECK(samples_.empty() || now >= samples_.back().at);
  samples_.push_back(Sample{now, std::move(bytes)});
  // Keep the newest sample that is at least the window old: the rate is
  // taken against the oldest sample, so it spans about one window.
  while (samples_.size() > 2 && now - samples_[1].at >= window_)
    samples_.pop_front();
}

double MemoryGrowth::RateOf(int process_id) const {
  if (samples_.size() < 2) return 0;
  const Sample& latest = samples_.back();
  auto now = latest.bytes.find(process_id);
  if (now == latest.bytes.end()) return 0;
  // The oldest sample that has this process.
  for (const Sample& then : samples_) {
    if (&then == &latest) break;
    auto before = then.bytes.find(process_id);
    if (before == then.bytes.end()) continue;
    if (now->second < before->second + kMinGrowthBytes) return 0;
    const double seconds =
        std::chrono::duration<double>(latest.at - then.at).count();
    if (seconds <= 0) return 0;
    const double rate = double(now->second - before->second) / seconds;
    return rate >= kMinRateBytesPerS ? rate : 0;
  }
  return 0;
}

double MemoryGrowth::TotalRate() const {
  if (samples_.empty()) return 0;
  double total = 0;
  for (const auto& [process_id, bytes] : samples_.back().bytes)
    total += RateOf(process_id);
  return total;
}

}  // namespace tabsim
