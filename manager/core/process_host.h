// One tab process as the manager sees it, in the role of Chromium's
// RenderProcessHost: the child process, its channel, its handshake and hang
// monitor, its faults and statistics, and the one coroutine (Run) that
// serves it. The tabs it renders are its views (TabSession, one per tab):
// one with the default process model, several when tabs share a process
// (TabHost::Options::process_model; docs/architecture.md, "Process
// models").
//
// Lifecycle: Start() spawns the process with its first view (an exec
// failure is returned, and Run() must not be called). Run() handshakes
// within a deadline, serves messages, and ends through one lost-process
// path whatever happened: end of stream, I/O error, framing error, bad
// message, handshake timeout or refusal, the process exiting, a hang, or a
// close/kill asked for by the user. That path closes the channel, makes
// sure the process is gone (SIGKILL where the manager decided to end it; a
// grace period where the tab closed its end), reaps it, records the cause
// ("killed by signal 9 (SIGKILL)", "killed: bad message (BUFFER_STILL_HELD)")
// and ends every view still in it, each with that cause: killing a shared
// process is losing every tab in it. AddView() adds a tab to a live process
// (CreateView); a view closed while others remain is destroyed alone
// (DestroyView) and the process lives on; the last one closes the process.
//
// Ownership: TabHost owns processes (shared with the views that were in
// them, which keep their last process for its statistics); a process holds
// raw pointers to the views attached to it, which detach before they go.
// After Run() completes the process keeps no fd and no buffer: only its
// numbers and its cause. Everything runs on the manager's one loop thread.
//
// Trust: nothing a tab sends is trusted. A message naming a view this
// process was never given is a bad message; every frame is checked by the
// view's own FrameLedger, so a view cannot claim another's buffers.
#ifndef TABSIM_MANAGER_CORE_PROCESS_HOST_H_
#define TABSIM_MANAGER_CORE_PROCESS_HOST_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/channel.h"
#include "common/child_process.h"
#include "common/result.h"
#include "manager/core/bad_message.h"
#include "manager/core/channel_stats.h"
#include "manager/core/fault_injector.h"
#include "manager/core/process_priority.h"
#include "manager/core/tab_layers.h"
#include "manager/core/tab_output.h"
#include "manager/core/tab_output_hub.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class TabSession;
class TimelineSink;

enum class ProcessState {
  kStarting,      // spawned, handshake not done
  kLive,
  kUnresponsive,  // live, but has not answered a ping for a while
  kClosing,       // Shutdown sent, waiting for the exit
  kGone,          // reaped; cause() says why
};

// The most tabs one process hosts: each view holds a region fd in the tab,
// whose sandbox allows kSandboxMaxOpenFiles (tab/sandbox.h). Past it a
// shared process model starts another process (the limit is soft, as
// Chromium's renderer process limit is).
inline constexpr size_t kMaxViewsPerProcess = 1000;

class ProcessHost {
 public:
  static constexpr int kBackgroundPingFactor = 5;
  static constexpr int kMaxIdlePingFactor = 32;
  using Clock = std::chrono::steady_clock;
  struct Options {
    int id = 0;  // the manager's process number (not the pid)
    std::string tab_executable;
    std::vector<std::string> extra_tab_args;  // appended to the tab's argv
    std::chrono::milliseconds handshake_timeout{5000};
    std::chrono::milliseconds exit_grace{2000};
    // The hang monitor: a ping every ping_interval; no pong for
    // unresponsive_after marks the process (every view) unresponsive, for
    // kill_after kills it (0: never).
    std::chrono::milliseconds ping_interval{1000};
    // A background process (no view visible) is pinged only every
    // kBackgroundPingFactor intervals, and an idle one (nothing but pings
    // sent to it since its last ping) every twice as long as the last
    // time, up to kMaxIdlePingFactor intervals: the monitor does not wake
    // thousands of idle tabs every second (Chromium has no periodic ping at
    // all: its hang monitor watches the input a user waits on). Anything
    // else sent to it (input, a BeginFrame, a navigation) brings it back to
    // its base rate at the next tick, so a hang is noticed within that
    // interval plus unresponsive_after once the user gives it work.
    std::chrono::milliseconds unresponsive_after{3000};
    std::chrono::milliseconds kill_after{20000};
    // Everything queued to a process is bounded; past this the process is
    // killed (it is not reading its channel).
    size_t max_queued_bytes = 8 * 1024 * 1024;
    // The benchmark's comparison path: the tab sends pixels through the
    // socket (FramePixels) and the manager copies them out. One view.
    bool frames_over_socket = false;
    // Containment at spawn, decided by TabHost (docs/security.md): the
    // shared user and network namespaces, new PID and IPC namespaces; or,
    // where the kernel refuses them, the process group SIGKILLed when the
    // process is reaped.
    bool namespaces = false;
    std::string init_executable;  // tabsim-init, with namespaces
    bool kill_group_on_exit = false;
    // Where its stdout and stderr go: a sender of this hub, read as the
    // process's log lines (TabOutput). Required: Start() fails without it
    // (the manager could not make the hub's socket: out of fds).
    std::shared_ptr<TabOutputHub> output_hub;
  };

  ProcessHost(boost::asio::any_io_executor executor, Options options);
  ProcessHost(const ProcessHost&) = delete;
  ProcessHost& operator=(const ProcessHost&) = delete;
  ~ProcessHost();

  // Spawns the process with `first` as its first view (whose region goes
  // to fd 4). On failure the error says why and the view is not attached.
  Status Start(TabSession& first);
  // Serves the process until it is gone and reaped. Never throws.
  boost::asio::awaitable<void> Run();
  // Adds a view to a live (or starting) process: CreateView with the
  // view's region. Fails when the process is not running.
  Status AddView(TabSession& view);
  // A view closes: DestroyView if other views remain (the process lives
  // on), else an orderly Shutdown of the process.
  void CloseView(TabSession& view);
  // Orderly close: Shutdown, then SIGKILL if it has not exited after the
  // grace period.
  void Close();
  // Sends `signal` as a user would with kill(1). In namespaces it reaches
  // the tab program through tabsim-init (PID 1 there; the program is an
  // ordinary PID 2), SIGKILL goes to init and takes the namespace.
  Status Kill(int signal);
  // Ends the process to give its memory back (TabHost's discarding): it is
  // SIGKILLed and goes down the one lost-process path with `cause`
  // ("discarded: memory pressure (...)"), every view in it kDiscarded.
  // Fails when the process is not running.
  Status Discard(std::string cause);
  bool discarding() const { return !discard_cause_.empty(); }

  // Messages from views. The view id goes into the envelope.
  void SendToView(const TabSession& view, proto::ManagerToTab& message);
  void SendToViewWithFd(TabSession& view, proto::ManagerToTab& message,
                        UniqueFd fd);
  // The input fast path (TabSession::SendInputNow): `frame` is one whole
  // framed ManagerToTab of `type` for `view`, encoded by the caller. False,
  // having sent nothing, when the message must take SendToView's way:
  // a timeline or a tracer wants the message, or faults may touch it.
  bool SendEncodedToView(const TabSession& view, int type,
                         std::string_view frame);

  // The kernel's view of the process (manager/core/process_priority.h):
  // applied when it changes; `renice` false leaves the nice value alone.
  // Errors are logged once per process, not returned: priority is advice.
  void ApplyPriority(const ProcessPriority& priority, bool renice);
  const ProcessPriority& priority() const { return priority_; }
  bool priority_known() const { return priority_applied_; }
  // A foreground process (a focused or visible tab) is read without
  // pausing; a background one yields the loop every few messages, so a
  // flood from a hidden tab cannot delay the focused tab's frames.
  bool foreground() const { return priority_.importance <= Importance::kVisible; }

  // A new region generation for one of its views: one counter for the
  // whole process, so no two views' regions share a number.
  uint32_t NextRegionGeneration() { return ++region_generations_; }

  int id() const { return options_.id; }
  pid_t pid() const { return child_.pid(); }
  ProcessState state() const { return state_; }
  bool running() const { return state_ != ProcessState::kGone; }
  bool live() const {
    return state_ == ProcessState::kLive || state_ == ProcessState::kUnresponsive;
  }
  // True once Run() has completed entirely (set by the host).
  bool finished() const { return finished_; }
  void MarkFinished() { finished_ = true; }
  const std::string& cause() const { return cause_; }
  const Options& options() const { return options_; }
  Clock::time_point spawned_at() const { return spawned_at_; }
  // The views attached now, in the order they joined.
  const std::vector<TabSession*>& views() const { return views_; }
  // Every tab id that was ever a view of this process.
  const std::vector<int>& view_history() const { return view_history_; }
  const Channel* channel() const { return channel_ ? &*channel_ : nullptr; }
  // Bytes queued for the process's writer (0 once it is gone).
  size_t pending_bytes() const;
  // The sandbox layers the process has (manager/core/tab_layers.h): what
  // the manager set up, and what the kernel reports of the process (read
  // after the handshake and with each pong until seccomp shows).
  const TabLayers& layers() const { return layers_; }
  // Its captured stdout/stderr, the last lines (TabOutput::kRecentLines);
  // kept after the process is gone.
  std::vector<std::string> recent_output() const;
  uint64_t pings_sent() const { return pings_sent_; }
  uint64_t pongs_received() const { return pongs_received_; }
  // Ticks at which acknowledged input stood in for a ping and its pong.
  uint64_t acks_taken_as_pongs() const { return acks_taken_as_pongs_; }
  // How long after the last ping the next one is due: the base rate
  // doubled for each idle ping in a row (back to the base rate at the
  // first tick after something else was sent).
  std::chrono::milliseconds ping_interval_now() const;

  // The IPC inspector's queue depths (docs/inspect.md); the message counts
  // are each view's (TabSession::stats()).
  size_t QueuedBytes(Direction direction) const;
  size_t SocketBytes(Direction direction) const;

  // Fault injection (manager/core/fault_injector.h), on the channel. Only
  // while live.
  Status InjectFault(const FaultSpec& spec);
  // Turns every fault off and undoes what withholding held back.
  void ClearFaults();
  const FaultInjector& faults() const { return faults_; }
  bool withhold_release() const { return faults_.withhold_release(); }
  void CountWithheldRelease() { faults_.CountWithheldRelease(); }

  // The timeline's hook (manager/core/timeline_sink.h); null: off. Not
  // owned; the TabHost sets and clears it.
  void set_timeline(TimelineSink* sink) { timeline_ = sink; }

 private:
  struct Loss;
  struct OutMessage {
    std::string payload;
    int type = 0;  // ManagerToTab oneof case; 0 once corrupted
    uint32_t view_id = 0;
    std::string note;
    Clock::time_point due{};
  };

  boost::asio::awaitable<Loss> ReadLoop();
  // After a message: whether it was a FramePixels header, which raw bytes
  // follow (frames over the socket only).
  bool RawFrameFollows() const;
  // After a message: the view whose FramePixels header was just accepted
  // and where its raw bytes go, or nullptr when no raw bytes follow.
  TabSession* RawFrameDue(std::span<char>* into);
  // Reads the raw bytes RawFrameDue() named (those already in the decoder
  // first) and completes the frame; a loss if the stream ends or fails.
  boost::asio::awaitable<std::optional<Loss>> ReadRawFrame();
  boost::asio::awaitable<Loss> WriteLoop();
  boost::asio::awaitable<Loss> WatchExit();
  // Until the child has exited (not reaped) or `limit` has passed (nullopt:
  // no limit). Under tabsim-init the pidfd is opened here, when first
  // needed (Start() holds none while the tab runs); where none can be had
  // (no fd left) it looks every kExitPollInterval instead. Uses deadline_.
  boost::asio::awaitable<void> AwaitExit(
      std::optional<Clock::duration> limit);
  boost::asio::awaitable<Loss> WatchDeadline();
  // The tab has closed its end of the channel (exited, or hung up): its
  // end of file may be waiting to be read.
  bool ChannelClosedByPeer();
  boost::asio::awaitable<Loss> WatchHang();
  boost::asio::awaitable<Loss> DeliverDelayed();
  void RefreshLayers();
  boost::asio::awaitable<void> EndProcess(Loss& loss);
  std::optional<Loss> DrainAfterExit();
  void Finish(const Loss& loss);

  std::optional<Loss> HandleMessage(std::string_view payload,
                                    std::string_view trace_note = {});
  boost::asio::awaitable<std::optional<Loss>> HandleFaulty(
      std::string_view payload);
  std::optional<Loss> HandleHelloReply(const proto::HelloReply& reply);
  std::optional<Loss> HandlePong(const proto::Pong& pong);
  Loss BadMessage(BadMessageReason reason, std::string_view bytes);
  void SetState(ProcessState state);
  TabSession* FindView(uint32_t view_id) const;
  // Every tracer of the views `view_id` concerns (0: all of them).
  void Trace(uint32_t view_id, Direction direction, std::string_view payload,
             std::string_view note);
  bool Tracing() const;
  // Counts a message for view `view_id`, or for every view (0).
  void Count(uint32_t view_id, Direction direction, int type, size_t bytes);
  // Every byte ever queued to the process (written or still queued).
  uint64_t QueuedTotal() const;
  // The sum of its views' last acknowledged input sequences.
  uint64_t InputsAcked() const;
  // The tab answered (a pong, or input acknowledged): live again if it was
  // unresponsive.
  void OnAnswered();
  void SendToTab(const proto::ManagerToTab& message);
  void SendFaulty(OutMessage message);
  void ForwardOrDelay(OutMessage message, std::chrono::milliseconds delay);
  void WritePayload(const OutMessage& message);
  void Detach(TabSession& view);
  proto::Hello MakeHello(const TabSession& first) const;

  boost::asio::any_io_executor executor_;
  Options options_;
  ProcessState state_ = ProcessState::kStarting;
  bool finished_ = false;
  std::string cause_;
  ChildProcess child_;
  std::optional<Channel> channel_;
  std::optional<boost::asio::posix::stream_descriptor> exit_watch_;
  boost::asio::steady_timer deadline_;
  Clock::time_point spawned_at_{};
  std::vector<TabSession*> views_;
  uint32_t region_generations_ = 0;
  ProcessPriority priority_;
  bool priority_applied_ = false;
  bool priority_error_logged_ = false;
  std::string discard_cause_;  // set by Discard()
  // Out-of-memory evidence: the OOM killer's count at the spawn (unset if
  // unreadable), and whether the manager itself sent a SIGKILL (Kill()).
  std::optional<uint64_t> oom_kills_at_spawn_;
  bool sent_sigkill_ = false;
  std::vector<int> view_history_;
  // Views closed alone (DestroyView): their messages still in flight are
  // dropped, not judged.
  std::set<uint32_t> destroyed_views_;
  // Hang monitor.
  bool ping_outstanding_ = false;
  uint64_t ping_nonce_ = 0;
  Clock::time_point ping_sent_at_{};
  uint64_t pings_sent_ = 0;
  uint64_t pongs_received_ = 0;
  // Pings in a row with nothing else sent between them (the back-off), and
  // what had been queued to the process in all just after the last ping.
  int idle_pings_ = 0;
  uint64_t queued_total_at_ping_ = 0;
  uint64_t inputs_acked_seen_ = 0;
  uint64_t acks_taken_as_pongs_ = 0;
  std::unique_ptr<Loss> verdict_;
  bool handshake_done_ = false;
  std::string_view current_payload_;
  // Faults.
  FaultInjector faults_;
  bool pong_withheld_ = false;
  std::optional<std::string> reordered_in_;
  std::optional<OutMessage> reordered_out_;
  std::deque<OutMessage> delayed_out_;
  size_t delayed_bytes_ = 0;
  boost::asio::steady_timer delay_timer_;
  proto::TabToManager incoming_;  // reused to avoid an allocation a message
  TimelineSink* timeline_ = nullptr;
  // Containment (docs/security.md).
  std::unique_ptr<TabOutput> output_;
  // The pids output_ was added to the hub under (the program; its init).
  std::vector<pid_t> output_pids_;
  // Takes output_ off the hub, after what is queued for it was read.
  void FinishOutput();
  TabLayers layers_;
};

const char* ToString(ProcessState state);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_PROCESS_HOST_H_
