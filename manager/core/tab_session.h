// One tab as the manager sees it: its page, its frame regions, its input
// and navigation sequence, its counters and its record, in the role of
// Chromium's RenderViewHost/RenderFrameHost. It is a view of a tab process
// (manager/core/process_host.h): alone in it with the default process
// model, beside other tabs when processes are shared.
//
// Lifecycle: TabHost makes the session, Prepare()s its first region, and
// either starts a process with it or adds it to a running one. The process
// tells the view when it is live, unresponsive or closing, hands it the
// messages addressed to it, and, when the process is gone, ends it with the
// process's cause (OnProcessGone): a tab whose shared process was killed
// is lost with every other tab in it, and its cause names them. A tab
// closed alone in a shared process ends "closed" while the process lives
// on.
//
// Ownership: the TabHost owns every TabSession, including sessions whose
// tab is gone (they are the record users see in summaries and lists). A
// session shares ownership of its (last) process, for the process's
// numbers; it owns its regions and mappings, which go when the tab does.
// Everything runs on the manager's one loop thread.
//
// Trust: nothing a tab sends is trusted. Every index, size, generation and
// sequence number is checked against what the manager itself created or
// sent, and the manager reads only from read-only mappings of regions it
// created and sealed itself, so a tab cannot make it fault.
#ifndef TABSIM_MANAGER_CORE_TAB_SESSION_H_
#define TABSIM_MANAGER_CORE_TAB_SESSION_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/core/bad_message.h"
#include "manager/core/channel_stats.h"
#include "manager/core/fault_injector.h"
#include "manager/core/frame_ledger.h"
#include "manager/core/frame_scheduler.h"
#include "manager/core/frame_view.h"
#include "manager/core/loop_pass.h"
#include "manager/core/process_host.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class Channel;
class CommandRecorder;
class MessageTracer;
class TabObserver;

enum class TabState {
  kStarting,      // its process is spawned, the handshake not done
  kLive,
  kUnresponsive,  // live, but its process has not answered a ping
  kClosing,       // asked to close, waiting for the process to exit
  kClosed,        // closed when asked
  kCrashed,       // gone for any other reason (the "sad tab")
  kDiscarded,     // its process ended to give memory back (not a crash:
                  // the last frame stays; reload or focus brings it back)
};
const char* ToString(TabState state);

struct TabCounters {
  uint64_t frames = 0;
  uint64_t messages_in = 0;   // the view's messages and its process's
  uint64_t messages_out = 0;
  uint64_t inputs_sent = 0;         // == last input sequence assigned
  uint64_t last_input_acked = 0;
  uint64_t releases_sent = 0;
  uint64_t pings_sent = 0;          // of its current process
  uint64_t pongs_received = 0;
  uint64_t coalesced_moves = 0;  // mouse moves replaced by a later one
  uint64_t frame_bytes_over_socket = 0;
  // Frame pacing: BeginFrames sent, display ticks the tab missed because
  // it was still busy with the previous one (viz's dropped frames), and
  // BeginFrames answered with DidNotProduceFrame (nothing new to show).
  uint64_t begin_frames = 0;
  uint64_t begin_frames_missed = 0;
  uint64_t did_not_produce = 0;
};

class TabSession final : private BeginFrameClient {
 public:
  using Clock = std::chrono::steady_clock;
  struct Options {
    int id = 0;
    std::string url;
    int width = 0;
    int height = 0;
    int restarts = 0;  // how many processes this tab had before this one
    // Backpressure: while more than this many bytes wait to be written to
    // the tab's process, mouse moves are coalesced (the latest one wins);
    // keys, clicks and wheel events are never dropped. Past
    // max_queued_bytes, SendInput refuses with an error.
    size_t coalesce_above_bytes = 64 * 1024;
    size_t max_queued_bytes = 8 * 1024 * 1024;
    bool frames_over_socket = false;
    // The display clock (not owned): with one, the tab is paced (it draws
    // only when sent a BeginFrame); without, it draws as fast as it can.
    FrameScheduler* scheduler = nullptr;
    // Paced without a display clock: the owner sends BeginFrame() itself
    // (tabsim replay, which repeats a recording's BeginFrames).
    bool manual_pacing = false;
    bool visible = true;  // at the start
    // With one (not owned), the inputs sent to the tab within one pass of
    // the loop share one timestamp for their latency (one clock read a
    // burst); without, each reads the clock.
    LoopPass* loop_pass = nullptr;
  };

  TabSession(Options options, TabObserver* observer);
  TabSession(const TabSession&) = delete;
  TabSession& operator=(const TabSession&) = delete;
  ~TabSession();

  // Creates the first frame region (after Attach: its generation comes from
  // the process). On failure the session is kCrashed with the error as its
  // cause and must not be started.
  Status Prepare();
  // A start failure after Prepare (the process could not be spawned, or
  // the view could not be added): kCrashed, "failed to start: ...".
  void FailToStart(const Error& error);

  // Commands. They do nothing unless the tab is live (Kill, Close: unless
  // it is still running) and report that as an error.
  Status SendInput(const proto::InputEvent& event);  // assigns the sequence
  Status Navigate(const std::string& url);
  Status Resize(int width, int height);
  // Closes the tab: alone in its process, the process is asked to exit
  // (SIGKILL after the grace period); beside other tabs, only its view
  // goes.
  void Close();
  // Sends `signal` to the tab's process as a user would with kill(1):
  // every tab in that process gets it.
  Status Kill(int signal);

  int id() const { return options_.id; }
  // The process's pid (the last one's once the tab is gone).
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  // The manager's number for the process (0 before any).
  int process_id() const { return process_ ? process_->id() : 0; }
  // The tab's (last) process; null before one was attached.
  const ProcessHost* process() const { return process_.get(); }
  const std::string& url() const { return url_; }
  const std::string& title() const { return title_; }
  TabState state() const { return state_; }
  bool running() const { return state_ <= TabState::kClosing; }
  bool live() const {
    return state_ == TabState::kLive || state_ == TabState::kUnresponsive;
  }
  // True once the tab is gone and its process no longer serves it, so the
  // session may be replaced (reload) or destroyed.
  bool finished() const { return !running() && !attached_; }
  bool taken_from_spares() const { return taken_from_spares_; }
  void MarkTakenFromSpares() { taken_from_spares_ = true; }
  // Why the tab is gone; empty while it runs.
  const std::string& cause() const { return cause_; }
  TabCounters counters() const;
  const Channel* channel() const;
  int restarts() const { return options_.restarts; }
  int width() const { return width_; }
  int height() const { return height_; }
  Clock::time_point spawned_at() const { return spawned_at_; }
  Clock::time_point last_frame_at() const { return last_frame_at_; }
  // The last accepted frame; invalid before the first and after the tab is
  // gone, except for a discarded tab, which keeps its last frame (and the
  // region holding it) until it is reloaded.
  FrameView latest_frame() const { return latest_; }

  // The IPC inspector: this tab's messages (and its process's) on the
  // channel, and its input-to-frame latency. The owner calls
  // stats().Sample() for the rates.
  const ChannelStats& stats() const { return stats_; }
  ChannelStats& stats() { return stats_; }
  size_t QueuedBytes(Direction direction) const;
  size_t SocketBytes(Direction direction) const;
  size_t withheld_releases() const { return withheld_releases_.size(); }

  // Fault injection on the tab's process's channel. Only while live.
  Status InjectFault(const FaultSpec& spec);
  void ClearFaults();
  const FaultInjector& faults() const;

  // While non-null, `tracer` hears about every message of this tab (and of
  // its process) on the channel. Not owned; cleared before it goes away.
  void set_tracer(MessageTracer* tracer) { tracer_ = tracer; }
  MessageTracer* tracer() const { return tracer_; }
  // While non-null, `recorder` hears about every input, navigate and
  // resize sent. Not owned.
  void set_recorder(CommandRecorder* recorder) { recorder_ = recorder; }

  // Visibility (WasShown / WasHidden): a hidden tab gets no BeginFrames and
  // its page's timers run once a second. Set by the TabHost, which knows
  // what the front ends show.
  void SetVisible(bool visible);
  bool visible() const { return visible_; }
  bool paced() const {
    return options_.scheduler != nullptr || options_.manual_pacing;
  }
  // Sends a BeginFrame for `frame_time` (what the display clock does for a
  // paced tab; called directly with manual pacing). An error, sending
  // nothing, when one is outstanding or the tab is not live and paced.
  Status BeginFrame(Clock::time_point frame_time, Clock::duration interval);
  // A BeginFrame is sent and not answered yet.
  bool begin_frame_outstanding() const { return outstanding_begin_ != 0; }
  // The sequence of the last BeginFrame sent (0: none yet).
  uint64_t last_begin_frame_sequence() const { return begin_frame_sequence_; }
  // The current page's time origin (Hello, CreateView or Navigate): pages
  // animate from it, BeginFrame times are read against it.
  Clock::time_point time_origin() const { return time_origin_; }
  // Whether its page wants BeginFrames now (NeedsBeginFrames).
  bool needs_begin_frames() const { return needs_begin_frames_; }
  // The last time it was visible (now while it is); for the least recently
  // used order of background tabs.
  Clock::time_point last_visible_at() const {
    return visible_ ? Clock::now() : last_visible_at_;
  }

  uint64_t navigation_id() const { return navigations_sent_; }
  Clock::time_point navigated_at() const {
    return navigations_sent_ ? navigated_at_ : spawned_at_;
  }

  // ---- For ProcessHost (and TabHost), not for front ends.
  // Attaches the view to `process` (before Start/AddView).
  void Attach(std::shared_ptr<ProcessHost> process);
  // The first region's memfd (once: it goes to the tab process) and
  // generation, for the Hello or CreateView.
  UniqueFd TakeFirstRegionFd();
  uint32_t first_region_generation() const { return first_generation_; }
  void OnProcessSpawned();
  void OnProcessLive();
  void OnProcessState(ProcessState state);
  // A message addressed to this view; a bad message's reason to end the
  // process for.
  std::optional<BadMessageReason> OnMessage(const proto::TabToManager& message);
  // Frames over the socket: after OnMessage accepted a FramePixels header,
  // where its raw bytes go (the frame's whole assembly buffer); empty when
  // no raw bytes are due. The process host fills it from the stream, then
  // calls CompleteRawFrame(). Valid until then.
  std::span<char> RawFrameDestination();
  void CompleteRawFrame();
  // A message of this view, or of its process, crossed the channel.
  void CountMessage(Direction direction, int type, size_t bytes) {
    stats_.CountMessage(direction, type, bytes);
    ++(direction == Direction::kToTab ? counters_.messages_out
                                      : counters_.messages_in);
  }
  // A process-wide log line (the sandbox warning).
  void OnProcessLog(const std::string& text);
  // The channel drained: a held-back mouse move may go now.
  void OnChannelDrained() { FlushHeldMove(); }
  // The withhold-release fault was cleared: send what it held back.
  void SendWithheldReleases();
  // The process is gone with `cause` (and `clean_close`); `others` are the
  // other tabs it took with it.
  // `discarded`: the manager ended the process for memory (kDiscarded).
  void OnProcessGone(const std::string& cause, bool clean_close,
                     const std::vector<int>& others, bool discarded = false);
  // Closed alone in a shared process (DestroyView sent): "closed".
  void OnViewDestroyed();
  TabObserver* observer() const { return observer_; }

 private:
  void OnBeginFrame(const BeginFrameArgs& args) override;
  // Subscribed to the display clock iff paced, live, visible and wanted.
  void UpdateBeginFrameSubscription();
  std::optional<BadMessageReason> HandleFrameReady(const proto::FrameReady& frame);
  std::optional<BadMessageReason> HandleDidNotProduceFrame(
      const proto::DidNotProduceFrame& answer);
  std::optional<BadMessageReason> HandleFramePixels(const proto::FramePixels& chunk);
  void AcceptFrame(const FrameView& frame);
  void SetState(TabState state);
  void SendInputNow(const proto::InputEvent& event);
  // When an input sent now was sent, for its latency (Options::loop_pass).
  Clock::time_point InputSentAt();
  void FlushHeldMove();
  void Send(proto::ManagerToTab& message);
  // Ends the tab: its regions and buffers go, the observer hears once.
  void End(TabState state, std::string cause);
  std::string RegionName() const;
  Error NotLive() const;

  Options options_;
  TabObserver* observer_;
  std::shared_ptr<ProcessHost> process_;
  bool attached_ = false;
  std::string url_;
  std::string title_;
  TabState state_ = TabState::kStarting;
  bool taken_from_spares_ = false;
  std::string cause_;
  TabCounters counters_;
  int width_ = 0;
  int height_ = 0;
  uint32_t first_generation_ = 0;
  FrameLedger frames_;
  FrameView latest_;
  Clock::time_point spawned_at_{};
  Clock::time_point last_frame_at_{};
  std::optional<proto::InputEvent> held_move_;
  // Frames over the socket: the raw bytes of the next frame are read into
  // socket_frames_[assembling_] while the other holds the frame shown.
  std::vector<uint32_t> socket_frames_[2];
  int assembling_ = 0;
  std::optional<proto::FramePixels> raw_header_;  // its bytes are due
  ChannelStats stats_;
  MessageTracer* tracer_ = nullptr;
  CommandRecorder* recorder_ = nullptr;
  uint64_t navigations_sent_ = 0;
  Clock::time_point navigated_at_{};
  std::vector<FrameLedger::BufferId> withheld_releases_;
  // Pacing and visibility.
  bool visible_ = true;
  Clock::time_point last_visible_at_{};
  bool needs_begin_frames_ = false;
  Clock::time_point time_origin_{};
  uint64_t begin_frame_sequence_ = 0;  // the last one sent
  uint64_t outstanding_begin_ = 0;     // sent, not answered; 0: none
  uint64_t last_tick_ = 0;  // the display clock's last tick it was offered
  proto::ManagerToTab outgoing_;
  std::string encoded_input_;  // the input fast path's reused frame buffer
  uint64_t input_stamp_pass_ = 0;  // the loop pass input_stamp_ was read in
  Clock::time_point input_stamp_{};
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_SESSION_H_
