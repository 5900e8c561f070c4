#include "manager/core/fault_injector.h"

#include <cerrno>

namespace tabsim {

namespace {
constexpr const char* kNames[] = {"drop",    "delay",   "duplicate",
                                  "corrupt", "reorder", "withhold-release",
                                  "withhold-pong"};
}  // namespace

const char* ToString(FaultKind kind) { return kNames[int(kind)]; }

Result<FaultKind> ParseFaultKind(const std::string& name) {
  for (int i = 0; i < int(std::size(kNames)); ++i)
    if (name == kNames[i]) return FaultKind(i);
  return Error{"unknown fault '" + name +
                   "' (have: drop, delay, duplicate, corrupt, reorder, "
                   "withhold-release, withhold-pong, clear)",
               EINVAL};
}

tabsim::Status FaultInjector::Set(const FaultSpec& spec) {
  if (!(spec.rate > 0 && spec.rate <= 1))
    return Error{"fault rate must be in (0, 1]", EINVAL};
  if (spec.kind == FaultKind::kDelay &&
      (spec.delay.count() <= 0 || spec.delay > kMaxDelay))
    return Error{"delay needs --ms between 1 and " +
                     std::to_string(kMaxDelay.count()),
                 EINVAL};
  if (spec.kind == FaultKind::kWithholdRelease) {
    withhold_release_.spec = spec;
    withhold_release_.active = true;
    ever_release_ = true;
    return tabsim::Status::Ok();
  }
  if (spec.kind == FaultKind::kWithholdPong) {
    withhold_pong_.spec = spec;
    withhold_pong_.active = true;
    ever_pong_ = true;
    return tabsim::Status::Ok();
  }
  const int d = Index(spec.direction);
  Status& slot = message_[size_t(d)][size_t(spec.kind)];
  if (!slot.active) ++active_[size_t(d)];
  slot.spec = spec;
  slot.active = true;
  ever_[size_t(d)][size_t(spec.kind)] = true;
  return tabsim::Status::Ok();
}

void FaultInjector::Clear() {
  for (auto& direction : message_)
    for (Status& slot : direction) slot.active = false;
  active_ = {};
  withhold_release_.active = false;
  withhold_pong_.active = false;
}

bool FaultInjector::Roll(double rate) {
  if (rate >= 1) return true;
  return std::uniform_real_distribution<double>(0, 1)(random_) < rate;
}

FaultInjector::Decision FaultInjector::Decide(Direction direction) {
  Decision decision;
  auto& slots = message_[size_t(Index(direction))];
  auto hit = [&](FaultKind kind) {
    Status& slot = slots[size_t(kind)];
    if (!slot.active || !Roll(slot.spec.rate)) return false;
    ++slot.injected;
    return true;
  };
  // A dropped message suffers nothing else.
  if (hit(FaultKind::kDrop)) {
    decision.drop = true;
    return decision;
  }
  decision.corrupt = hit(FaultKind::kCorrupt);
  if (hit(FaultKind::kDelay)) decision.delay = slots[size_t(FaultKind::kDelay)].spec.delay;
  decision.duplicate = hit(FaultKind::kDuplicate);
  decision.reorder = hit(FaultKind::kReorder);
  return decision;
}

std::vector<FaultInjector::Status> FaultInjector::Describe() const {
  std::vector<Status> all;
  for (int d = 0; d < 2; ++d)
    for (int k = 0; k < kMessageFaultKinds; ++k)
      if (ever_[size_t(d)][size_t(k)]) all.push_back(message_[size_t(d)][size_t(k)]);
  if (ever_release_) all.push_back(withhold_release_);
  if (ever_pong_) all.push_back(withhold_pong_);
  return all;
}

void FaultInjector::Corrupt(std::string* payload) {
  // Field number 0 with wire type 7: invalid in every protobuf message.
  if (payload->empty()) payload->push_back('\x07');
  else (*payload)[0] = '\x07';
}

}  // namespace tabsim
