// One tab as the manager sees it: its process, its channel, its frame
// regions, its counters, and the one coroutine (Run) that serves it.
//
// Lifecycle: Start() spawns the process (an exec failure is returned, and
// the session never runs). Run() then handshakes within a deadline, serves
// messages, and ends through a single lost-tab path whatever happened: end
// of stream, I/O error, framing error, bad message, handshake timeout or
// refusal, the process exiting, or a close/kill asked for by the user. That
// path closes the channel, makes sure the process is gone (SIGKILL where the
// manager decided to end it; a grace period where the tab closed its end),
// reaps it, records the cause ("killed by signal 9 (SIGKILL)", "killed: bad
// message (BUFFER_STILL_HELD)") and tells the observer once.
//
// Ownership: the TabHost owns every TabSession and keeps it (and its
// record) after the tab is gone; a session owns its ChildProcess, Channel,
// regions and mappings. Everything runs on the manager's one loop thread.
//
// Trust: nothing a tab sends is trusted. Every index, size, generation and
// sequence number is checked against what the manager itself created or
// sent, and the manager reads only from read-only mappings of regions it
// created and sealed itself, so a tab cannot make it fault.
#ifndef TABSIM_MANAGER_CORE_TAB_SESSION_H_
#define TABSIM_MANAGER_CORE_TAB_SESSION_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/channel.h"
#include "common/child_process.h"
#include "common/result.h"
#include "common/shared_memory.h"
#include "manager/core/bad_message.h"
#include "manager/core/channel_stats.h"
#include "manager/core/fault_injector.h"
#include "manager/core/frame_ledger.h"
#include "manager/core/frame_view.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class CommandRecorder;
class MessageTracer;
class TabObserver;

enum class TabState {
  kStarting,  // spawned, handshake not done
  kLive,
  kUnresponsive,  // live, but has not answered a ping for a while
  kClosing,   // Shutdown sent, waiting for the exit
  kClosed,    // exited after the manager asked it to
  kCrashed,   // gone for any other reason (the "sad tab")
};
const char* ToString(TabState state);

struct TabCounters {
  uint64_t frames = 0;
  uint64_t messages_in = 0;
  uint64_t messages_out = 0;
  uint64_t inputs_sent = 0;         // == last input sequence assigned
  uint64_t last_input_acked = 0;
  uint64_t releases_sent = 0;
  uint64_t pings_sent = 0;
  uint64_t pongs_received = 0;
  uint64_t coalesced_moves = 0;  // mouse moves replaced by a later one
  uint64_t frame_bytes_over_socket = 0;
};

class TabSession {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int id = 0;
    std::string url;
    int width = 0;
    int height = 0;
    std::string tab_executable;
    std::vector<std::string> extra_tab_args;   // appended to the tab's argv
    std::chrono::milliseconds handshake_timeout{5000};
    std::chrono::milliseconds exit_grace{2000};
    int restarts = 0;  // how many processes this tab had before this one
    // The hang monitor: a ping every ping_interval; no pong for
    // unresponsive_after marks the tab unresponsive, for kill_after kills
    // it (0: never).
    std::chrono::milliseconds ping_interval{1000};
    std::chrono::milliseconds unresponsive_after{3000};
    std::chrono::milliseconds kill_after{20000};
    // Backpressure: while more than this many bytes wait to be written to
    // the tab, mouse moves are coalesced (the latest one wins); keys,
    // clicks and wheel events are never dropped. Past max_queued_bytes,
    // SendInput refuses with an error.
    size_t coalesce_above_bytes = 64 * 1024;
    size_t max_queued_bytes = 8 * 1024 * 1024;
    // The benchmark's comparison path: the tab sends pixels through the
    // socket (FramePixels) and the manager copies them out.
    bool frames_over_socket = false;
  };

  TabSession(boost::asio::any_io_executor executor, Options options,
             TabObserver* observer);
  TabSession(const TabSession&) = delete;
  TabSession& operator=(const TabSession&) = delete;
  ~TabSession();

  // Creates the first region and spawns the process. On failure the session
  // is kCrashed with the error as its cause, and Run() must not be called.
  Status Start();

  // Serves the tab until it is gone and reaped. Never throws.
  boost::asio::awaitable<void> Run();

  // Commands. They do nothing unless the tab is live (Kill: unless it is
  // still running) and report that as an error.
  Status SendInput(const proto::InputEvent& event);  // assigns the sequence
  Status Navigate(const std::string& url);
  Status Resize(int width, int height);
  // Orderly close: Shutdown, then SIGKILL if it has not exited after the
  // grace period.
  void Close();
  // Sends `signal` to the process as a user would with kill(1).
  Status Kill(int signal);

  int id() const { return options_.id; }
  pid_t pid() const { return child_.pid(); }
  const std::string& url() const { return url_; }
  const std::string& title() const { return title_; }
  TabState state() const { return state_; }
  bool running() const { return state_ <= TabState::kClosing; }
  bool live() const {
    return state_ == TabState::kLive || state_ == TabState::kUnresponsive;
  }
  // True once Run() has completed entirely (set by the host's completion
  // handler), so the session may be destroyed.
  bool finished() const { return finished_; }
  void MarkFinished() { finished_ = true; }
  // Set by the host when this process was a prelaunched spare that Open()
  // took and navigated (TabHost::Options::prelaunch).
  bool taken_from_spares() const { return taken_from_spares_; }
  void MarkTakenFromSpares() { taken_from_spares_ = true; }
  // Why the tab is gone; empty while it runs.
  const std::string& cause() const { return cause_; }
  const TabCounters& counters() const { return counters_; }
  const Channel* channel() const { return channel_ ? &*channel_ : nullptr; }
  int restarts() const { return options_.restarts; }
  int width() const { return width_; }
  int height() const { return height_; }
  Clock::time_point spawned_at() const { return spawned_at_; }
  // When the last frame was accepted; spawned_at() before the first.
  Clock::time_point last_frame_at() const { return last_frame_at_; }
  // The last accepted frame; invalid before the first frame and after the
  // tab is gone.
  FrameView latest_frame() const;

  // The IPC inspector (docs/inspect.md). Counters of this process's
  // channel; the owner calls stats().Sample() for the rates.
  ChannelStats& stats() { return stats_; }
  const ChannelStats& stats() const { return stats_; }
  // Bytes waiting in the manager for `direction` (to-tab: queued for the
  // writer or delayed by a fault; from-tab: read, not yet a whole message).
  size_t QueuedBytes(Direction direction) const;
  // Bytes in the kernel's buffers of the manager's socket (SIOCOUTQ /
  // SIOCINQ); 0 once the channel is closed.
  size_t SocketBytes(Direction direction) const;
  // Frame buffers whose release withhold-release is holding back.
  size_t withheld_releases() const { return withheld_releases_.size(); }

  // Fault injection (manager/fault_injector.h). Only while the tab is live.
  Status InjectFault(const FaultSpec& spec);
  // Turns every fault off and undoes what withholding held back: the
  // withheld releases are sent and an ignored pong counts again.
  void ClearFaults();
  const FaultInjector& faults() const { return faults_; }

  // While non-null, `tracer` hears about every message on the channel. Not
  // owned; whoever sets it clears it before it goes away.
  void set_tracer(MessageTracer* tracer) { tracer_ = tracer; }
  MessageTracer* tracer() const { return tracer_; }
  // While non-null, `recorder` hears about every input, navigate and
  // resize sent (manager/command_recorder.h). Not owned.
  void set_recorder(CommandRecorder* recorder) { recorder_ = recorder; }

  // The id of the last Navigate sent (0: only the page of the Hello). A
  // frame's navigation_id tells which page it shows.
  uint64_t navigation_id() const { return navigations_sent_; }
  // When the last Navigate was sent; spawned_at() before any.
  Clock::time_point navigated_at() const {
    return navigations_sent_ ? navigated_at_ : spawned_at_;
  }

 private:
  struct Loss;

  boost::asio::awaitable<Loss> ReadLoop();
  boost::asio::awaitable<Loss> WriteLoop();
  boost::asio::awaitable<Loss> WatchExit();
  boost::asio::awaitable<Loss> WatchDeadline();
  boost::asio::awaitable<Loss> WatchHang();
  // Sends to-tab messages a delay fault held back, each when it is due.
  boost::asio::awaitable<Loss> DeliverDelayed();
  boost::asio::awaitable<void> EndProcess(Loss& loss);
  // After the process exited: handles what it sent before dying (bounded),
  // returning a verdict if those bytes earn one.
  std::optional<Loss> DrainAfterExit();
  void Finish(const Loss& loss);

  // Returns a Loss when the message ends the session.
  std::optional<Loss> HandleMessage(std::string_view payload,
                                    std::string_view trace_note = {});
  // The receive path while a from-tab fault is on (or a message is held
  // back by reorder).
  boost::asio::awaitable<std::optional<Loss>> HandleFaulty(
      std::string_view payload);
  std::optional<Loss> HandleHelloReply(const proto::HelloReply& reply);
  std::optional<Loss> HandleFrameReady(const proto::FrameReady& frame);
  std::optional<Loss> HandlePong(const proto::Pong& pong);
  std::optional<Loss> HandleFramePixels(const proto::FramePixels& chunk);
  void AcceptFrame(const FrameView& frame);
  void SetState(TabState state);
  void SendInputNow(const proto::InputEvent& event);
  void FlushHeldMove();
  Loss BadMessage(BadMessageReason reason, std::string_view bytes);
  void SendToTab(const proto::ManagerToTab& message);
  // The send path while a to-tab fault is on (or messages are delayed or
  // held back).
  struct OutMessage {
    std::string payload;
    int type = 0;  // ManagerToTab oneof case; 0 once corrupted
    std::string note;
    Clock::time_point due{};
  };
  void SendFaulty(OutMessage message);
  void ForwardOrDelay(OutMessage message, std::chrono::milliseconds delay);
  void WritePayload(const OutMessage& message);
  std::string RegionName() const;

  boost::asio::any_io_executor executor_;
  Options options_;
  TabObserver* observer_;
  std::string url_;
  std::string title_;
  TabState state_ = TabState::kStarting;
  bool finished_ = false;
  bool taken_from_spares_ = false;
  std::string cause_;
  TabCounters counters_;
  int width_ = 0;
  int height_ = 0;

  ChildProcess child_;
  std::optional<Channel> channel_;
  std::optional<boost::asio::posix::stream_descriptor> exit_watch_;
  boost::asio::steady_timer deadline_;
  FrameLedger frames_;
  FrameView latest_;
  Clock::time_point spawned_at_{};
  Clock::time_point last_frame_at_{};
  // Hang monitor.
  bool ping_outstanding_ = false;
  uint64_t ping_nonce_ = 0;  // random per ping: a pong must echo what we sent
  // The first verdict any branch of Run() reached (a bad message, a
  // refusal). It beats a bare exit or end of stream that won the race.
  std::unique_ptr<Loss> verdict_;
  bool handshake_done_ = false;
  // The message being handled, for the bad-message log.
  std::string_view current_payload_;
  Clock::time_point ping_sent_at_{};
  // A mouse move held back under backpressure.
  std::optional<proto::InputEvent> held_move_;
  // --frames-over-socket: frames assembled from FramePixels chunks; the
  // other buffer is the latest whole frame.
  std::vector<uint32_t> socket_frames_[2];
  int assembling_ = 0;
  uint64_t assembling_sequence_ = 0;
  uint64_t assembled_bytes_ = 0;
  // The inspector, faults and tracing.
  ChannelStats stats_;
  FaultInjector faults_;
  MessageTracer* tracer_ = nullptr;
  CommandRecorder* recorder_ = nullptr;
  uint64_t navigations_sent_ = 0;
  Clock::time_point navigated_at_{};
  std::vector<FrameLedger::BufferId> withheld_releases_;
  bool pong_withheld_ = false;
  std::optional<std::string> reordered_in_;
  std::optional<OutMessage> reordered_out_;
  std::deque<OutMessage> delayed_out_;
  size_t delayed_bytes_ = 0;
  boost::asio::steady_timer delay_timer_;
  proto::TabToManager incoming_;  // reused to avoid an allocation a message
  proto::ManagerToTab outgoing_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_SESSION_H_
