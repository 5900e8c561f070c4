// FaultInjector: the faults a user has injected into one tab's channel
// (`tabsim ctl fault`), and the per-message decisions that apply them.
//
// Message faults act on one direction (from-tab: on the manager's receive
// path, before validation; to-tab: on its send path) at a rate:
//   drop       the message vanishes;
//   delay      it is handed on N ms late (order is kept: later messages
//              wait behind it);
//   duplicate  it is handled (or sent) twice;
//   corrupt    its first byte (the field tag) becomes 0x07, a tag no
//              protobuf message can start with, so it fails to parse;
//   reorder    it is held back and handed on after the next message.
// Two faults act on the frame and hang protocols instead:
//   withhold-release  the manager stops releasing frame buffers;
//   withhold-pong     the manager ignores pongs.
// What each does to a tab is documented and tested (docs/inspect.md,
// tests/tab_session_test.cc). TabSession applies the decisions; this class
// only decides and counts, so it is unit-tested without processes.
//
// Costs nothing when idle: TabSession checks affects(direction), one bool.
// Decisions use a PRNG with a fixed seed, so a rate gives the same pattern
// every run. Single-threaded; owned by the TabSession.
#ifndef TABSIM_MANAGER_CORE_FAULT_INJECTOR_H_
#define TABSIM_MANAGER_CORE_FAULT_INJECTOR_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/core/channel_stats.h"

namespace tabsim {

enum class FaultKind {
  kDrop,
  kDelay,
  kDuplicate,
  kCorrupt,
  kReorder,
  kWithholdRelease,
  kWithholdPong,
};
inline constexpr int kMessageFaultKinds = 5;  // kDrop .. kReorder
const char* ToString(FaultKind kind);         // "drop", "withhold-pong", ...
// "drop" -> kDrop; an error naming the known kinds otherwise.
Result<FaultKind> ParseFaultKind(const std::string& name);

struct FaultSpec {
  FaultKind kind = FaultKind::kDrop;
  Direction direction = Direction::kFromTab;  // message faults only
  double rate = 1.0;                          // 0 < rate <= 1
  std::chrono::milliseconds delay{0};         // kDelay only: > 0
};

class FaultInjector {
 public:
  static constexpr std::chrono::milliseconds kMaxDelay{60000};

  // What to do with one message.
  struct Decision {
    bool drop = false;
    bool duplicate = false;
    bool corrupt = false;
    bool reorder = false;
    std::chrono::milliseconds delay{0};
  };
  struct Status {
    FaultSpec spec;
    bool active = false;
    uint64_t injected = 0;
  };

  FaultInjector() : random_(0x7ab5) {}

  // Turns a fault on (replacing the same kind in the same direction).
  // Errors: a rate outside (0, 1], a delay of 0 or over kMaxDelay.
  tabsim::Status Set(const FaultSpec& spec);
  // Turns every fault off. Counts are kept.
  void Clear();

  // True when some message fault is on in `direction`.
  bool affects(Direction direction) const {
    return active_[Index(direction)] != 0;
  }
  // Rolls the dice for one message in `direction` and counts what it did.
  Decision Decide(Direction direction);

  bool withhold_release() const { return withhold_release_.active; }
  bool withhold_pong() const { return withhold_pong_.active; }
  void CountWithheldRelease() { ++withhold_release_.injected; }
  void CountWithheldPong() { ++withhold_pong_.injected; }

  // Every fault ever set on this tab (active or cleared), in a fixed order.
  std::vector<Status> Describe() const;

  // The corrupt fault's change to a message's bytes (see above).
  static void Corrupt(std::string* payload);

 private:
  static int Index(Direction direction) {
    return direction == Direction::kToTab ? 0 : 1;
  }
  bool Roll(double rate);

  std::array<std::array<Status, kMessageFaultKinds>, 2> message_{};
  std::array<int, 2> active_{};  // active message faults per direction
  Status withhold_release_;
  Status withhold_pong_;
  bool ever_release_ = false;
  bool ever_pong_ = false;
  std::array<std::array<bool, kMessageFaultKinds>, 2> ever_{};
  std::minstd_rand random_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_FAULT_INJECTOR_H_
