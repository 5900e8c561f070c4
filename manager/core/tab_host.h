// TabHost: the manager's table of tabs and of their processes, in the role
// of tmux's server.c (and of Chromium's RenderProcessHost bookkeeping).
//
// It opens tabs, choosing for each a process by the process model
// (manager/core/process_model.h: a new one, or a running one the tab
// shares), starts each process's coroutine on the one io_context, finds
// tabs by id, fans tab events out to every registered observer, and shuts
// everything down in order.
//
// Ownership: the host owns every TabSession for its whole life, including
// sessions whose tab is gone (they are the record users see in summaries
// and lists), and every running process (ProcessHost, shared with its
// tabs). Observers are not owned and must outlive the host or be removed.
// Tab ids and process numbers start at 1 and are never reused.
//
// Threading: everything on the io_context's single thread.
#ifndef TABSIM_MANAGER_CORE_TAB_HOST_H_
#define TABSIM_MANAGER_CORE_TAB_HOST_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/fd_limit.h"
#include "common/result.h"
#include "manager/core/command_recorder.h"
#include "manager/core/containment.h"
#include "manager/core/frame_scheduler.h"
#include "manager/core/loop_pass.h"
#include "manager/core/memory_growth.h"
#include "manager/core/memory_pressure.h"
#include "manager/core/process_host.h"
#include "manager/core/tab_output_hub.h"
#include "manager/core/process_priority.h"
#include "manager/core/process_model.h"
#include "manager/core/tab_discarder.h"
#include "manager/core/tab_observer.h"
#include "manager/core/tab_session.h"
#include "manager/core/timeline_sink.h"

namespace tabsim {

class TabHost : private TabObserver {
 public:
  struct Options {
    std::string tab_executable;  // required
    int width = 480;
    int height = 320;
    std::vector<std::string> extra_tab_args;
    std::chrono::milliseconds handshake_timeout{5000};
    std::chrono::milliseconds exit_grace{2000};
    // Hang monitor and backpressure; see TabSession::Options.
    std::chrono::milliseconds ping_interval{1000};
    std::chrono::milliseconds unresponsive_after{3000};
    std::chrono::milliseconds kill_after{20000};
    bool frames_over_socket = false;
    // See TabSession::Options. Replay turns coalescing off (SIZE_MAX) so
    // every recorded event reaches the tab.
    size_t coalesce_above_bytes = 64 * 1024;
    // Prelaunch (Chromium's spare renderer, Firefox's preallocated
    // process): keep this many tab processes spawned, handshaken and
    // sandboxed on kSparePage, idle, for Open() to take. 0: none.
    int prelaunch = 0;
    // Which process a new tab goes to (tabsim run --process-model).
    ProcessModel process_model;
    // The display rate of frame pacing (tabsim run --fps): tabs draw only
    // when sent a BeginFrame, at most this often. 0: unpaced, every tab
    // draws as fast as it can (the benchmark's throughput mode).
    double fps = 60;
    // Paced with no display clock: whoever drives the host sends each
    // tab's BeginFrames (tabsim replay). fps is then ignored.
    bool manual_pacing = false;
    // Tell the kernel each process's importance (nice, oom_score_adj).
    bool apply_priorities = true;
    // Finished tab records kept (closed, crashed, killed: what summaries
    // and `ctl list` show of them); past this the oldest finished ones are
    // dropped, as `ctl forget` drops them. Running tabs are never dropped.
    size_t max_finished_records = 256;
    // Hears every user tab's inputs, navigations and resizes (tabsim run
    // --record); not owned, must outlive the host. A spare gets it when
    // Open() takes it, after the navigation that gives it its page.
    CommandRecorder* recorder = nullptr;
    // Memory pressure (docs/memory.md): every pressure_interval (every
    // pressure_fast_interval near the budget) the host reads the kernel's
    // signals (unless kernel_pressure is false) and the tabs' PSS and its
    // growth against memory_budget (bytes; 0: none). Moderate drops the
    // spares; critical discards the least important tab, then waits
    // discard_settle before it may discard another (a growing tab may go
    // once the last discarded process is reaped; TabDiscarder).
    bool memory_pressure = false;
    bool kernel_pressure = true;
    uint64_t memory_budget = 0;
    std::chrono::milliseconds pressure_interval{100};
    std::chrono::milliseconds pressure_fast_interval{20};
    std::chrono::milliseconds discard_settle{1000};
  };
  // The page a spare idles on until Open() navigates it.
  static constexpr const char* kSparePage = "sim://blank";

  TabHost(boost::asio::io_context& io, Options options);
  TabHost(const TabHost&) = delete;
  TabHost& operator=(const TabHost&) = delete;
  ~TabHost() override;

  void AddObserver(TabObserver* observer);
  void RemoveObserver(TabObserver* observer);
  // The timeline's hook (manager/core/timeline_sink.h) in every running
  // process and every later one, spares included; nullptr turns it off.
  // Not owned: clear it before `sink` goes. Safe to call from inside a
  // sink or observer call.
  void SetTimeline(TimelineSink* sink);
  TimelineSink* timeline() const { return timeline_; }

  // Spawns a tab showing `url` and starts serving it. On a spawn or exec
  // failure the error says why; the failed tab stays in the table as
  // crashed. Refused while shutting down.
  //
  // With prelaunch, a live spare is taken instead: it is navigated to
  // `url`, enters the table under the id it was spawned with (ids come
  // from one counter, so they stay unique but a cold-opened tab may get a
  // higher id than a later one taken from the spares), and observers hear
  // OnTabSpawned and OnTabLive for it then. A replacement spare is spawned
  // once that tab's first frame of `url` is in (or after 100 ms), so its
  // fork does not delay that frame. With no live spare, spawns as without.
  Result<TabSession*> Open(const std::string& url);
  // Spawns spares until options().prelaunch of them exist. Call once the
  // initial tabs are open; afterwards the host keeps the count itself.
  // A spare that dies before being taken is replaced. One that could not be
  // spawned, or died within kSpareMinLifetime of its spawn, is a failure:
  // the replacement waits 100 ms, then 200 ms, and after three failures in
  // a row prelaunching stops (logged as an error), so a broken tab program
  // (or one that crashes right after its handshake) cannot make the
  // manager fork in a loop. A spare taken, or one that lived longer, resets
  // the count.
  void StartSpares();
  static constexpr std::chrono::seconds kSpareMinLifetime{5};
  static constexpr std::chrono::seconds kSpareResumeAfter{5};
  bool prelaunch_stopped() const { return prelaunch_stopped_; }
  // Spare processes spawned so far (replacements included).
  uint64_t spares_spawned() const { return spares_spawned_; }
  // Spare processes that exist / are live and can be taken now.
  size_t spare_count() const { return spares_.size(); }
  size_t ready_spare_count() const;
  // The spares' processes, oldest first (for ps-style views and tests).
  std::vector<pid_t> spare_pids() const;
  // Tabs opened from a spare so far.
  uint64_t spares_taken() const { return spares_taken_; }
  // Starts a new process for tab `id` (same id, same URL) once its previous
  // process is gone, like reloading Chrome's sad tab. The old record is
  // replaced; restarts() of the new session counts the reloads.
  Result<TabSession*> Reload(int id);
  // Drops the record of finished tab `id` (not a running one), or of every
  // finished tab (id 0). Returns how many were dropped; an error names a
  // tab that does not exist or still runs.
  Result<size_t> Forget(int id);
  // nullptr when there is no such tab.
  TabSession* Find(int id);
  std::vector<TabSession*> tabs();
  // Tabs whose session has not finished yet (spares not counted).
  size_t running_count() const;
  // Processes whose Run() has not completed (spares included).
  const std::vector<std::shared_ptr<ProcessHost>>& processes() const {
    return processes_;
  }
  // The processes that are not spares and still serve tabs.
  size_t tab_process_count() const;

  // Closes every tab and spare (Shutdown message, SIGKILL after the grace
  // period) and returns once every session has ended and every process is
  // reaped.
  boost::asio::awaitable<void> Shutdown();
  bool shutting_down() const { return shutting_down_; }

  const Options& options() const { return options_; }

  // ---- Visibility and focus (docs/architecture.md, "Governing tabs").
  // A tab is shown when some viewer (a front end: the terminal UI, a
  // dashboard) shows it, or, with no viewer at all, always; a pin (ctl
  // hide/show, run --hidden) overrides that until unpinned.
  enum class Pin { kNone, kShown, kHidden };
  Status SetPin(int id, Pin pin);
  Pin pin_of(int id) const;
  // `viewer` (any stable pointer) shows exactly `tabs` now.
  void SetViewerTabs(const void* viewer, std::vector<int> tabs);
  void RemoveViewer(const void* viewer);
  // The tab with the user's focus (0: none); it and its process come first.
  // Focusing a tab that `hide` pinned removes that pin.
  Status SetFocus(int id);
  int focused_id() const { return focused_id_; }
  FrameScheduler* scheduler() { return scheduler_.get(); }
  // Whether nice values are applied (CanReraisePriority()).
  bool renicing() const { return renice_; }

  // ---- Memory pressure and discarding (docs/memory.md).
  // Ends tab `id`'s process to give its memory back: the tab becomes
  // kDiscarded with cause "discarded: <why>" and keeps its last frame;
  // Reload() (or focusing it) brings it back at the same URL. Tabs sharing
  // the process are discarded with it. Refused for a tab that is not
  // running, or protected (or sharing a process with a protected tab).
  Status Discard(int id, const std::string& why);
  // A protected tab is never discarded (Chromium's "auto discardable"
  // off). Not for gone tabs.
  Status SetProtected(int id, bool on);
  bool is_protected(int id) const { return discarder_.is_protected(id); }
  // Every tab in discard order, the first to go first, with why
  // (about:unloads); each with its process's memory at the last sample.
  std::vector<DiscardEntry> DiscardOrder() const;
  const PressureVerdict& pressure() const { return pressure_; }
  // The tabs' total PSS at the last sample (spares included); 0 when
  // memory pressure is off.
  uint64_t tabs_memory_bytes() const { return tabs_memory_; }
  uint64_t discards() const { return discarder_.discards(); }
  // Of those, how many went before the settle time was over (growing tabs).
  uint64_t early_discards() const { return discarder_.early_discards(); }
  // Moderate or critical pressure seen so far (samples).
  uint64_t spares_dropped() const { return spares_dropped_; }

 private:
  // TabObserver, fanned out.
  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabStateChanged(const TabSession& tab) override;
  void OnTabLog(const TabSession& tab, const std::string& line) override;
  void OnInputAcked(const TabSession& tab, uint64_t sequence) override;
  void OnTabLost(const TabSession& tab) override;

  struct Spare {
    std::unique_ptr<TabSession> session;  // its process has only this view
  };

  std::unique_ptr<TabSession> MakeSession(int id, const std::string& url,
                                          int restarts);
  bool ComputeVisible(int id) const;
  // Shown by a viewer or a pin: on a screen. Headless (no viewer), every
  // tab is visible for pacing but none is on a screen, so visibility
  // protects none from discarding.
  bool OnScreen(int id) const;
  std::vector<DiscardCandidate> DiscardCandidates() const;
  // The monitor's listener.
  void OnPressure(const PressureVerdict& verdict, const PressureSample& sample);
  // Sums the PSS of every running process; remembers each one's, and
  // gives the growth rate over growth_'s window.
  MemoryPressureMonitor::TabsMemory SampleTabsMemory();
  // A discarded process not yet reaped: its memory is still being given
  // back, so the total measured now does not yet show the discard.
  bool DiscardPending() const;
  void DropSpares();
  std::shared_ptr<ProcessHost> ProcessOf(const TabSession& tab) const;
  // Visibility and priorities are recomputed on a later turn of the loop,
  // once for any number of changes in this one.
  void PostGovern();
  void Govern();
  std::shared_ptr<ProcessHost> MakeProcess();
  // Puts `tab` (Prepare()d) in a process: `shared` if given (CreateView),
  // else a new one. On failure the tab is kCrashed "failed to start".
  Status StartTab(TabSession* tab, ProcessHost* shared);
  // The process model's choice for a new tab of `url`: a running process
  // to share, or nullptr for a new one.
  ProcessHost* ChooseProcess(const std::string& url);
  // Puts the tab `id` (new, or reloaded) in the table and in a process.
  Result<TabSession*> StartSession(int id, const std::string& url,
                                   int restarts);
  // Starts Run() of a process that Start()ed; counts it in running_.
  void RunProcess(std::shared_ptr<ProcessHost> process);
  void OnProcessFinished(ProcessHost* process);
  // Drops the record `id` on a later turn of the loop (we may be inside
  // one of its callbacks).
  void DropRecord(int id);
  // Keeps at most options_.max_finished_records finished records.
  void TrimFinished();
  // Takes a live spare, navigates it to `url` and makes it a user tab;
  // nullptr when none is ready.
  TabSession* TakeSpare(const std::string& url);
  bool SpawnSpare();
  // Spawns spares up to the count, unless a backoff or a taken tab's first
  // frame is pending: then it arms the timer for when it may.
  void TopUpSpares();
  void PostTopUp();  // TopUpSpares() on a later turn of the loop
  void ArmTopUp(std::chrono::steady_clock::time_point when);
  // A spare failed (spawn error or early death): back off, or stop.
  void SpareFailed(const std::string& why);
  Spare* FindSpare(const TabSession& tab);
  bool FindSpareProcess(const ProcessHost& process) const;

  boost::asio::io_context& io_;
  Options options_;
  // Before the sessions: each paced session removes itself from it when
  // destroyed.
  std::unique_ptr<FrameScheduler> scheduler_;  // null when unpaced
  LoopPass loop_pass_{io_.get_executor()};     // the sessions' input stamps
  std::map<int, std::unique_ptr<TabSession>> sessions_;
  std::vector<std::shared_ptr<ProcessHost>> processes_;  // Run() going
  // The sites each running process was chosen for (per-site, limit:N).
  std::map<const ProcessHost*, std::vector<std::string>> process_sites_;
  int next_process_id_ = 1;
  // Every tab process's stdout and stderr (shared with the processes).
  std::shared_ptr<TabOutputHub> output_hub_;
  std::map<int, Pin> pins_;
  std::map<const void*, std::vector<int>> viewers_;
  int focused_id_ = 0;
  bool renice_ = false;
  bool govern_posted_ = false;
  // A background process's place in the oom_score_adj band (its rank
  // among the background processes) is re-applied at most once every
  // kRebalanceInterval; importance and nice, at once (Govern()).
  static constexpr std::chrono::milliseconds kRebalanceInterval{1000};
  std::chrono::steady_clock::time_point next_rebalance_{};
  boost::asio::steady_timer rebalance_;  // armed only while one is owed
  bool rebalance_armed_ = false;
  std::vector<TabObserver*> observers_;
  TimelineSink* timeline_ = nullptr;
  // Finished tabs in the order they finished (ids; a reloaded one leaves).
  std::deque<int> finished_order_;
  // The fallback containment's orphan pass (manager/core/containment.h);
  // null with namespaces.
  std::unique_ptr<OrphanWatch> orphans_;
  int next_id_ = 1;
  size_t running_ = 0;  // processes whose Run() is going, spares included
  bool shutting_down_ = false;
  boost::asio::steady_timer all_finished_;  // cancelled when running_ hits 0
  // Prelaunch.
  std::deque<Spare> spares_;  // oldest first; each one's Run() is going
  bool spares_started_ = false;
  bool prelaunch_stopped_ = false;
  int spare_failures_ = 0;  // in a row; see StartSpares()
  uint64_t spares_taken_ = 0;
  uint64_t spares_spawned_ = 0;
  std::chrono::steady_clock::time_point backoff_until_{};
  // The tab last taken from the spares, until its first frame of the new
  // page (or awaiting_until_); only then is the replacement forked.
  int awaiting_first_frame_ = 0;
  std::chrono::steady_clock::time_point awaiting_until_{};
  boost::asio::steady_timer top_up_;
  // Spawns that fail for lack of fds are logged once per episode.
  FdExhaustionLog spawn_fd_log_{"spawning tabs"};
  // Expires with the host, so a timer handler still queued after we are
  // gone does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  // Memory pressure.
  TabDiscarder discarder_;
  std::unique_ptr<MemoryPressureMonitor> pressure_monitor_;  // null: off
  PressureVerdict pressure_;
  uint64_t tabs_memory_ = 0;
  std::map<int, uint64_t> process_memory_;  // by process id, last sample
  MemoryGrowth growth_;
  std::map<int, std::chrono::steady_clock::time_point> last_focused_;
  uint64_t spares_dropped_ = 0;
  // The last sample at moderate or worse: spares are made again only
  // kSpareResumeAfter later, so spares that alone are over the budget are
  // not dropped and made in a loop.
  std::chrono::steady_clock::time_point last_pressure_at_{};
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_HOST_H_
