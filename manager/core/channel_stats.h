// ChannelStats: the IPC inspector's numbers for one tab on its channel, per
// direction: messages and bytes (totals, per message type, and rates), and
// the input-to-frame latency histogram. TabSession counts into it on its
// hot paths (a few additions, no allocation); Sample() turns the totals
// into rates about once a second (the TaskManager calls it).
//
// Queue depths are not counted here: they are read when asked for
// (TabSession::QueuedBytes / SocketBytes), so nobody pays for them unless
// someone looks.
//
// Ownership: a value type owned by the TabSession. A tab sharing its
// process with others counts its own messages and the process's (pings,
// the handshake); a reloaded tab starts from zero. Single-threaded, on the manager's loop.
#ifndef TABSIM_MANAGER_CORE_CHANNEL_STATS_H_
#define TABSIM_MANAGER_CORE_CHANNEL_STATS_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <utility>

namespace tabsim {

enum class Direction { kToTab, kFromTab };
const char* ToString(Direction direction);  // "to-tab", "from-tab"

// Log2 buckets of milliseconds: <1, <2, <4, ... <1024, and the rest.
class LatencyHistogram {
 public:
  static constexpr int kBuckets = 12;
  // The upper bound of `bucket` in ms; infinity for the last.
  static double UpperBoundMs(int bucket);

  void Add(double ms);
  uint64_t count() const { return count_; }
  double max_ms() const { return max_ms_; }
  const std::array<uint64_t, kBuckets>& buckets() const { return buckets_; }
  // The upper bound of the bucket holding the p-th fraction (0 < p <= 1);
  // for the last bucket, max_ms(). 0 when empty.
  double PercentileMs(double p) const;

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  double max_ms_ = 0;
};

class ChannelStats {
 public:
  using Clock = std::chrono::steady_clock;
  // Oneof cases of ManagerToTab / TabToManager are 1..11; 0 counts
  // messages that did not parse.
  static constexpr int kTypeSlots = 16;
  // Inputs remembered for latency; a page that never draws cannot grow it.
  static constexpr size_t kMaxPendingInputs = 4096;

  struct PerDirection {
    uint64_t messages = 0;
    uint64_t bytes = 0;
    std::array<uint64_t, kTypeSlots> by_type{};
    double messages_per_second = 0;
    double bytes_per_second = 0;
  };

  // `type` is the oneof case (0: unparsable); `bytes` the framed size.
  void CountMessage(Direction direction, int type, size_t bytes) {
    PerDirection& d = Of(direction);
    ++d.messages;
    d.bytes += bytes;
    ++d.by_type[type >= 0 && type < kTypeSlots ? type : 0];
  }
  void InputSent(uint64_t sequence, Clock::time_point when);
  // A frame covering inputs up to `last_input_sequence` was accepted.
  void FrameShown(uint64_t last_input_sequence, Clock::time_point when);
  // Rates since the previous Sample().
  void Sample(Clock::time_point now);

  const PerDirection& of(Direction direction) const {
    return direction == Direction::kToTab ? to_tab_ : from_tab_;
  }
  const LatencyHistogram& latency() const { return latency_; }

  // Framed size of a payload of `payload_bytes`: the varint prefix too.
  static size_t FramedSize(size_t payload_bytes);

 private:
  PerDirection& Of(Direction direction) {
    return direction == Direction::kToTab ? to_tab_ : from_tab_;
  }
  PerDirection to_tab_;
  PerDirection from_tab_;
  LatencyHistogram latency_;
  std::deque<std::pair<uint64_t, Clock::time_point>> pending_inputs_;
  Clock::time_point last_sample_{};
  uint64_t sampled_[2][2] = {};  // [direction][messages, bytes]
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_CHANNEL_STATS_H_
