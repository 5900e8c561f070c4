// The display clock of the manager, in the role of viz's BeginFrameSource
// (components/viz/common/frame_sinks/delay_based_time_source.h and
// begin_frame_source.h): one timer at the display rate for every tab. Each
// tick hands BeginFrameArgs (sequence, frame_time, interval) to every
// subscribed client; a tab view subscribes while it is visible and its page
// wants frames (NeedsBeginFrames), so an idle or hidden tab costs nothing
// per tick, and with no subscriber the timer does not run at all.
//
// A client that subscribes between ticks gets the current frame's args at
// once, marked `missed` (viz's BeginFrameArgs::MISSED, which
// DelayBasedBeginFrameSource::AddObserver sends a new observer): a tab
// shown mid-frame draws now, not up to an interval later. The current frame
// is the last grid point at or before now, whether or not the clock was
// running (with nobody subscribed it was not): its args are the last
// tick's if that tick was this frame, else new ones. A client that already
// had a tick's args ignores them again (tick numbers only grow).
//
// Ticks are on a fixed grid (origin + n * interval), not "interval after
// the last one", so frame times never drift; a tick that fires late still
// carries its nominal frame_time, and ticks missed entirely (the loop was
// busy) are skipped and counted, not delivered in a burst.
//
// Ownership: owned by the TabHost; clients are not owned and must remove
// themselves before they go. Single-threaded, on the manager's loop.
#ifndef TABSIM_MANAGER_CORE_FRAME_SCHEDULER_H_
#define TABSIM_MANAGER_CORE_FRAME_SCHEDULER_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace tabsim {

struct BeginFrameArgs {
  uint64_t tick = 0;  // the scheduler's tick number, from 1
  std::chrono::steady_clock::time_point frame_time{};
  std::chrono::nanoseconds interval{};
  // The current frame's args, sent late to a client that just subscribed.
  bool missed = false;
};

class BeginFrameClient {
 public:
  virtual void OnBeginFrame(const BeginFrameArgs& args) = 0;

 protected:
  ~BeginFrameClient() = default;
};

class FrameScheduler {
 public:
  using Clock = std::chrono::steady_clock;

  // `fps` > 0: the display rate.
  FrameScheduler(boost::asio::any_io_executor executor, double fps);
  FrameScheduler(const FrameScheduler&) = delete;
  FrameScheduler& operator=(const FrameScheduler&) = delete;
  ~FrameScheduler();

  // Subscribes `client` to the ticks from the next one on; idempotent.
  // Outside a tick (whose loop reaches the client anyway), the client also
  // gets the current frame's args now, `missed`, synchronously, unless the
  // timer is already late for that frame and about to deliver it.
  void Add(BeginFrameClient* client);
  // Unsubscribes; idempotent. Safe from inside OnBeginFrame.
  void Remove(BeginFrameClient* client);
  bool Has(BeginFrameClient* client) const;

  std::chrono::nanoseconds interval() const { return interval_; }
  double fps() const { return fps_; }
  size_t client_count() const { return clients_.size(); }
  uint64_t ticks() const { return ticks_; }
  // Ticks that came too late to be delivered (the loop was busy).
  uint64_t ticks_skipped() const { return ticks_skipped_; }

 private:
  void Arm();
  void OnTimer();

  boost::asio::steady_timer timer_;
  double fps_;
  std::chrono::nanoseconds interval_;
  std::vector<BeginFrameClient*> clients_;
  bool armed_ = false;
  bool ticking_ = false;  // inside OnTimer's delivery loop
  BeginFrameArgs last_args_;  // the last tick's (tick 0: none yet)
  uint64_t last_index_ = 0;   // its grid point
  Clock::time_point origin_{};
  uint64_t next_index_ = 0;  // the grid point the timer waits for
  uint64_t ticks_ = 0;
  uint64_t ticks_skipped_ = 0;
  // Expires with the scheduler, so a handler still queued does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_FRAME_SCHEDULER_H_
