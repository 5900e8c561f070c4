#include "manager/core/channel_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tabsim {

const char* ToString(Direction direction) {
  return direction == Direction::kToTab ? "to-tab" : "from-tab";
}

double LatencyHistogram::UpperBoundMs(int bucket) {
  if (bucket >= kBuckets - 1) return std::numeric_limits<double>::infinity();
  return std::ldexp(1.0, bucket);  // 1, 2, 4, ... 1024
}

void LatencyHistogram::Add(double ms) {
  int bucket = 0;
  while (bucket < kBuckets - 1 && ms >= UpperBoundMs(bucket)) ++bucket;
  ++buckets_[size_t(bucket)];
  ++count_;
  max_ms_ = std::max(max_ms_, ms);
}

double LatencyHistogram::PercentileMs(double p) const {
  if (count_ == 0) return 0;
  const double wanted = std::max(1.0, std::ceil(p * double(count_)));
  uint64_t seen = 0;
  for (int bucket = 0; bucket < kBuckets; ++bucket) {
    seen += buckets_[size_t(bucket)];
    if (double(seen) >= wanted)
      return bucket == kBuckets - 1 ? max_ms_
                                    : std::min(UpperBoundMs(bucket), max_ms_);
  }
  return max_ms_;
}

void ChannelStats::InputSent(uint64_t sequence, Clock::time_point when) {
  if (pending_inputs_.size() >= kMaxPendingInputs) pending_inputs_.pop_front();
  pending_inputs_.emplace_back(sequence, when);
}

void ChannelStats::FrameShown(uint64_t last_input_sequence,
                              Clock::time_point when) {
  // Every input this frame covers gets its own latency: a burst of keys
  // shows as a burst of samples, not as one.
  while (!pending_inputs_.empty() &&
         pending_inputs_.front().first <= last_input_sequence) {
    latency_.Add(std::chrono::duration<double, std::milli>(
                     when - pending_inputs_.front().second)
                     .count());
    pending_inputs_.pop_front();
  }
}

void ChannelStats::Sample(Clock::time_point now) {
  const double elapsed =
      last_sample_ == Clock::time_point{}
          ? 0
          : std::chrono::duration<double>(now - last_sample_).count();
  PerDirection* directions[2] = {&to_tab_, &from_tab_};
  for (int i = 0; i < 2; ++i) {
    PerDirection& d = *directions[i];
    if (elapsed > 0) {
      d.messages_per_second = double(d.messages - sampled_[i][0]) / elapsed;
      d.bytes_per_second = double(d.bytes - sampled_[i][1]) / elapsed;
    }
    sampled_[i][0] = d.messages;
    sampled_[i][1] = d.bytes;
  }
  last_sample_ = now;
}

size_t ChannelStats::FramedSize(size_t payload_bytes) {
  size_t prefix = 1;
  for (size_t rest = payload_bytes >> 7; rest != 0; rest >>= 7) ++prefix;
  return prefix + payload_bytes;
}

}  // namespace tabsim
