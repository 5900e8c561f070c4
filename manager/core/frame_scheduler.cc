#include "manager/core/frame_scheduler.h"

#include <algorithm>

#include "common/check.h"

namespace tabsim {

FrameScheduler::FrameScheduler(boost::asio::any_io_executor executor, double fps)
    : timer_(std::move(executor)),
      fps_(fps),
      interval_(std::chrono::nanoseconds(int64_t(1e9 / fps))) {
  TABSIM_CHECK(fps > 0 && fps <= 1000) << "display rate " << fps;
}

FrameScheduler::~FrameScheduler() = default;

void FrameScheduler::Add(BeginFrameClient* client) {
  if (Has(client)) return;
  const bool was_idle = !armed_ && !ticking_;
  clients_.push_back(client);
  Arm();
  if (ticking_) return;  // this tick's loop reaches it
  // The display's grid runs on while nobody listens: the frame now is the
  // last grid point at or before now.
  const uint64_t current = uint64_t((Clock::now() - origin_) / interval_);
  BeginFrameArgs args;
  if (last_args_.tick != 0 && last_index_ == current) {
    args = last_args_;  // ticked this frame already: the same args
  } else if (was_idle) {
    // Idle until now: the current frame never ticked. It gets a number of
    // its own; the timer Arm() set waits for the grid point after it.
    args.tick = ++ticks_;
    args.frame_time = origin_ + current * interval_;
    args.interval = interval_;
    last_args_ = args;
    last_index_ = current;
  } else {
    return;  // the timer is late for this frame and about to deliver it
  }
  args.missed = true;
  client->OnBeginFrame(args);
}

void FrameScheduler::Remove(BeginFrameClient* client) {
  auto it = std::find(clients_.begin(), clients_.end(), client);
  if (it != clients_.end()) *it = nullptr;  // compacted after the tick
  // With nobody left the timer simply runs out once: no wakeups after.
}

bool FrameScheduler::Has(BeginFrameClient* client) const {
  return std::find(clients_.begin(), clients_.end(), client) != clients_.end();
}

void FrameScheduler::Arm() {
  if (armed_) return;
  const Clock::time_point now = Clock::now();
  if (origin_ == Clock::time_point{}) origin_ = now;
  // The next grid point after now: the display keeps its phase across idle
  // stretches, as a real vsync does.
  const uint64_t index = uint64_t((now - origin_) / interval_) + 1;
  next_index_ = std::max(next_index_, index);
  armed_ = true;
  timer_.expires_at(origin_ + next_index_ * interval_);
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                        boost::system::error_code error) {
    if (alive.expired() || error) return;
    armed_ = false;
    OnTimer();
  });
}

void FrameScheduler::OnTimer() {
  const Clock::time_point now = Clock::now();
  // Grid points already past by a whole interval were missed: skip them.
  const uint64_t due = uint64_t((now - origin_) / interval_);
  if (due > next_index_) {
    ticks_skipped_ += due - next_index_;
    next_index_ = due;
  }
  clients_.erase(std::remove(clients_.begin(), clients_.end(), nullptr),
                 clients_.end());
  if (clients_.empty()) return;  // idle: stop ticking until someone asks
  BeginFrameArgs args;
  args.tick = ++ticks_;
  args.frame_time = origin_ + next_index_ * interval_;
  args.interval = interval_;
  ++next_index_;
  last_args_ = args;
  last_index_ = next_index_ - 1;
  // By index: a client may Remove() (nulling its slot) or Add() (growing
  // the vector) from inside the call.
  ticking_ = true;
  for (size_t i = 0; i < clients_.size(); ++i)
    if (clients_[i] != nullptr) clients_[i]->OnBeginFrame(args);
  ticking_ = false;
  clients_.erase(std::remove(clients_.begin(), clients_.end(), nullptr),
                 clients_.end());
  if (clients_.empty()) return;
  // Grid points that passed while the clients ran are missed too.
  const uint64_t now_index = uint64_t((Clock::now() - origin_) / interval_);
  if (now_index >= next_index_) {
    ticks_skipped_ += now_index - next_index_ + 1;
    next_index_ = now_index + 1;
  }
  Arm();
}

}  // namespace tabsim
