#include "manager/core/tab_host.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

#include "common/check.h"
#include "common/log.h"
#include "manager/core/input_builder.h"

namespace tabsim {

namespace asio = boost::asio;

TabHost::TabHost(asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      rebalance_(io),
      all_finished_(io, asio::steady_timer::time_point::max()),
      top_up_(io),
      discarder_(options_.discard_settle),
      growth_(2 * options_.pressure_interval) {
  TABSIM_CHECK(options_.prelaunch >= 0);
  TABSIM_CHECK(options_.fps >= 0);
  if (options_.fps > 0 && !options_.frames_over_socket &&
      !options_.manual_pacing)
    scheduler_ = std::make_unique<FrameScheduler>(io_.get_executor(), options_.fps);
  if (!DecideContainment().namespaces) {
    orphans_ = std::make_unique<OrphanWatch>(io_.get_executor(),
                                             [this] { return running_ > 0; });
  }
  if (options_.apply_priorities) {
    renice_ = CanReraisePriority();
    if (!renice_)
      TABSIM_LOG(kWarning)
          << "priorities: background tabs keep nice 0: lowering a nice value "
             "again needs CAP_SYS_NICE or RLIMIT_NICE >= 20 (Chromium leaves "
             "them alone too); oom_score_adj is still applied";
  }
  if (options_.memory_pressure) {
    MemoryPressureMonitor::Options monitor;
    monitor.interval = options_.pressure_interval;
    monitor.fast_interval = options_.pressure_fast_interval;
    monitor.budget_bytes = options_.memory_budget;
    monitor.kernel = options_.kernel_pressure;
    pressure_monitor_ = std::make_unique<MemoryPressureMonitor>(
        io_.get_executor(), monitor, [this] { return SampleTabsMemory(); },
        [this](const PressureVerdict& verdict, const PressureSample& sample) {
          OnPressure(verdict, sample);
        });
    pressure_monitor_->Start();
  }
}

TabHost::~TabHost() {
  // Sessions still running here means the loop was stopped under them: their
  // ChildProcess destructors SIGKILL and reap, so no process outlives us.
}

void TabHost::AddObserver(TabObserver* observer) {
  observers_.push_back(observer);
}

void TabHost::RemoveObserver(TabObserver* observer) {
  observers_.erase(std::remove(observers_.begin(), observers_.end(), observer),
                   observers_.end());
}

void TabHost::SetTimeline(TimelineSink* sink) {
  timeline_ = sink;
  for (const auto& process : processes_) process->set_timeline(sink);
}

Result<TabSession*> TabHost::Open(const std::string& url) {
  if (shutting_down_) return Error{"the manager is shutting down", 0};
  // Bounded and printable, so the Hello always fits the framing limit.
  if (Status valid = ValidateUrl(url); !valid.ok()) return valid.error();
  // A spare only where the model wants a new process anyway.
  if (ChooseProcess(url) == nullptr) {
    if (TabSession* tab = TakeSpare(url)) return tab;
  }
  return StartSession(next_id_++, url, 0);
}

Result<TabSession*> TabHost::Reload(int id) {
  if (shutting_down_) return Error{"the manager is shutting down", 0};
  TabSession* old = Find(id);
  if (old == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
  if (!old->finished())
    return Error{"tab " + std::to_string(id) + " is still running", EBUSY};
  // Destroy the old record on a later turn of the loop, in case we are
  // inside one of its observer callbacks.
  asio::post(io_, [retired = std::move(sessions_[id])]() {});
  // Running again: no longer a finished record. (Left in, its entry made
  // TrimFinished count the tab twice once it finished again, so fewer than
  // max_finished_records records were kept, and dropped it early.)
  finished_order_.erase(
      std::remove(finished_order_.begin(), finished_order_.end(), id),
      finished_order_.end());
  return StartSession(id, old->url(), old->restarts() + 1);
}

std::unique_ptr<TabSession> TabHost::MakeSession(int id, const std::string& url,
                                                 int restarts) {
  TabSession::Options session_options;
  session_options.id = id;
  session_options.url = url;
  session_options.width = options_.width;
  session_options.height = options_.height;
  session_options.restarts = restarts;
  session_options.frames_over_socket = options_.frames_over_socket;
  session_options.coalesce_above_bytes = options_.coalesce_above_bytes;
  session_options.scheduler = scheduler_.get();
  session_options.loop_pass = &loop_pass_;
  session_options.manual_pacing = options_.manual_pacing;
  session_options.visible = ComputeVisible(id);
  return std::make_unique<TabSession>(std::move(session_options),
                                      static_cast<TabObserver*>(this));
}

std::shared_ptr<ProcessHost> TabHost::MakeProcess() {
  ProcessHost::Options process_options;
  process_options.id = next_process_id_++;
  process_options.tab_executable = options_.tab_executable;
  process_options.extra_tab_args = options_.extra_tab_args;
  process_options.handshake_timeout = options_.handshake_timeout;
  process_options.exit_grace = options_.exit_grace;
  process_options.ping_interval = options_.ping_interval;
  process_options.unresponsive_after = options_.unresponsive_after;
  process_options.kill_after = options_.kill_after;
  process_options.frames_over_socket = options_.frames_over_socket;
  process_options.namespaces = DecideContainment().namespaces;
  process_options.init_executable = DecideContainment().init_executable;
  process_options.kill_group_on_exit = !process_options.namespaces;
  // One socket for every process's output, made when the first needs it.
  if (!output_hub_) {
    auto hub = TabOutputHub::Create(io_.get_executor());
    if (hub.ok())
      output_hub_ = std::move(hub).value();
    else
      TABSIM_LOG(kError) << "tab output: " << hub.error().message;
  }
  process_options.output_hub = output_hub_;
  auto process = std::make_shared<ProcessHost>(io_.get_executor(),
                                               std::move(process_options));
  process->set_timeline(timeline_);
  return process;
}

ProcessHost* TabHost::ChooseProcess(const std::string& url) {
  const ProcessModel& model = options_.process_model;
  if (!model.shares() || options_.frames_over_socket) return nullptr;
  const std::string site = SiteOf(url);
  ProcessHost* same_site = nullptr;
  ProcessHost* least_loaded = nullptr;
  size_t tab_processes = 0;
  for (const auto& process : processes_) {
    if (FindSpareProcess(*process) || !process->running() ||
        process->state() == ProcessState::kClosing || process->views().empty())
      continue;
    ++tab_processes;
    if (process->views().size() >= kMaxViewsPerProcess) continue;  // full
    const auto& sites = process_sites_[process.get()];
    if ((!same_site || process->views().size() < same_site->views().size()) &&
        std::find(sites.begin(), sites.end(), site) != sites.end())
      same_site = process.get();
    if (!least_loaded || process->views().size() < least_loaded->views().size())
      least_loaded = process.get();
  }
  if (model.kind == ProcessModel::Kind::kPerSite) return same_site;
  // limit:N: a new process below the limit; at it, the site's, or the
  // least loaded.
  if (tab_processes < size_t(model.limit)) return nullptr;
  return same_site ? same_site : least_loaded;
}

Result<TabSession*> TabHost::StartSession(int id, const std::string& url,
                                          int restarts) {
  ProcessHost* shared = ChooseProcess(url);
  auto session = MakeSession(id, url, restarts);
  TabSession* tab = session.get();
  sessions_[id] = std::move(session);
  tab->set_recorder(options_.recorder);
  Status started = StartTab(tab, shared);
  if (!started.ok()) {
    const int error_number = started.error().error_number;
    spawn_fd_log_.Failed(error_number);
    finished_order_.push_back(id);  // a crashed record from the start
    TrimFinished();
    return Error{"tab " + std::to_string(id) + ": " + started.error().message +
                     DescribeFdExhaustion(error_number),
                 error_number};
  }
  spawn_fd_log_.Succeeded();
  return tab;
}

Status TabHost::StartTab(TabSession* tab, ProcessHost* shared) {
  const std::string site = SiteOf(tab->url());
  std::shared_ptr<ProcessHost> process;
  for (const auto& running : processes_)
    if (running.get() == shared) process = running;
  const bool is_new = process == nullptr;
  if (is_new) process = MakeProcess();
  tab->Attach(process);
  Status started = tab->Prepare();
  if (started.ok()) started = is_new ? process->Start(*tab) : process->AddView(*tab);
  if (!started.ok()) {
    tab->FailToStart(started.error());
    return started;
  }
  process_sites_[process.get()].push_back(site);
  if (is_new) RunProcess(std::move(process));
  return Status::Ok();
}

void TabHost::RunProcess(std::shared_ptr<ProcessHost> process) {
  ++running_;
  if (orphans_) orphans_->Start();
  processes_.push_back(process);
  ProcessHost* raw = process.get();
  asio::co_spawn(io_, raw->Run(),
                 [this, keep = std::move(process)](std::exception_ptr error) {
                   // Run() catches everything; an exception here is our bug.
                   TABSIM_CHECK(!error) << "tab process coroutine threw";
                   keep->MarkFinished();
                   OnProcessFinished(keep.get());
                 });
}

void TabHost::OnProcessFinished(ProcessHost* process) {
  TABSIM_CHECK(running_ > 0);
  --running_;
  process_sites_.erase(process);
  auto spare = std::find_if(spares_.begin(), spares_.end(), [process](const Spare& s) {
    return s.session->process() == process;
  });
  if (spare != spares_.end()) {
    // A spare died before anyone took it (OnTabLost judged it): forget it
    // (on a later turn, as Reload does) and start another.
    asio::post(io_, [retired = std::move(spare->session)]() {});
    spares_.erase(spare);
    PostTopUp();
  }
  // The tabs keep their last process for its numbers; the host lets go.
  auto it = std::find_if(processes_.begin(), processes_.end(),
                         [process](const auto& p) { return p.get() == process; });
  if (it != processes_.end()) {
    asio::post(io_, [retired = std::move(*it)]() {});
    processes_.erase(it);
  }
  // Its descendants are ours now, in the fallback: kill them at once, and
  // keep looking until nothing is left (the watch stops by itself).
  if (orphans_) {
    orphans_->PassNow();
    orphans_->Start();
  }
  if (running_ == 0) {
    all_finished_.cancel();
    rebalance_.cancel();  // nothing left to rank; io.run() may return
  }
}

Result<size_t> TabHost::Forget(int id) {
  if (id != 0) {
    TabSession* tab = Find(id);
    if (tab == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
    if (!tab->finished())
      return Error{"tab " + std::to_string(id) + " is still " +
                       ToString(tab->state()) + "; only a gone tab is forgotten",
                   EBUSY};
    DropRecord(id);
    return size_t{1};
  }
  std::vector<int> gone;
  for (const auto& [tab_id, session] : sessions_)
    if (session->finished()) gone.push_back(tab_id);
  for (int tab_id : gone) DropRecord(tab_id);
  return gone.size();
}

void TabHost::DropRecord(int id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  asio::post(io_, [retired = std::move(it->second)]() {});
  sessions_.erase(it);
  pins_.erase(id);
  finished_order_.erase(
      std::remove(finished_order_.begin(), finished_order_.end(), id),
      finished_order_.end());
}

void TabHost::TrimFinished() {
  while (finished_order_.size() > options_.max_finished_records) {
    const int oldest = finished_order_.front();
    finished_order_.pop_front();
    TabSession* tab = Find(oldest);
    // Reloaded since, and running again: not a finished record any more.
    if (tab == nullptr || !tab->finished()) continue;
    DropRecord(oldest);
  }
}

bool TabHost::ComputeVisible(int id) const {
  auto pin = pins_.find(id);
  if (pin != pins_.end() && pin->second != Pin::kNone)
    return pin->second == Pin::kShown;
  if (viewers_.empty()) return true;  // nobody is looking: headless, shown
  for (const auto& [viewer, tabs] : viewers_)
    if (std::find(tabs.begin(), tabs.end(), id) != tabs.end()) return true;
  return false;
}

Status TabHost::SetPin(int id, Pin pin) {
  if (Find(id) == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
  pins_[id] = pin;
  PostGovern();
  return Status::Ok();
}

TabHost::Pin TabHost::pin_of(int id) const {
  auto pin = pins_.find(id);
  return pin == pins_.end() ? Pin::kNone : pin->second;
}

void TabHost::SetViewerTabs(const void* viewer, std::vector<int> tabs) {
  std::sort(tabs.begin(), tabs.end());
  auto it = viewers_.find(viewer);
  if (it != viewers_.end() && it->second == tabs) return;
  viewers_[viewer] = std::move(tabs);
  PostGovern();
}

void TabHost::RemoveViewer(const void* viewer) {
  if (viewers_.erase(viewer)) PostGovern();
}

Status TabHost::SetFocus(int id) {
  TabSession* tab = id != 0 ? Find(id) : nullptr;
  if (id != 0 && tab == nullptr)
    return Error{"no tab " + std::to_string(id), ENOENT};
  // Like activating a tab in a browser: the user means to see it, so a
  // `hide` pin on it goes.
  auto pin = pins_.find(id);
  if (pin != pins_.end() && pin->second == Pin::kHidden) {
    pins_.erase(pin);
    PostGovern();
  }
  // Focusing a discarded tab brings it back, as selecting one does in
  // Chrome and Firefox.
  if (tab != nullptr && tab->state() == TabState::kDiscarded && tab->finished()) {
    auto reloaded = Reload(id);
    if (!reloaded.ok()) return reloaded.error();
  }
  const auto now = std::chrono::steady_clock::now();
  if (focused_id_ != 0) last_focused_[focused_id_] = now;
  if (id != 0) last_focused_[id] = now;
  if (focused_id_ != id) {
    focused_id_ = id;
    PostGovern();
  }
  return Status::Ok();
}

void TabHost::PostGovern() {
  if (govern_posted_) return;
  govern_posted_ = true;
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    govern_posted_ = false;
    Govern();
  });
}

void TabHost::Govern() {
  // Visibility first: priorities follow from it.
  for (auto& [id, session] : sessions_)
    if (session->running()) session->SetVisible(ComputeVisible(id));
  if (!options_.apply_priorities) return;
  std::vector<ProcessHost*> processes;
  std::vector<ProcessStanding> standings;
  for (const auto& process : processes_) {
    if (!process->running()) continue;
    ProcessStanding standing;
    standing.spare = FindSpareProcess(*process);
    for (const TabSession* view : process->views()) {
      standing.focused |= view->id() == focused_id_;
      standing.visible |= view->visible() && !standing.spare;
      standing.last_visible = std::max(standing.last_visible, view->last_visible_at());
    }
    processes.push_back(process.get());
    standings.push_back(standing);
  }
  const std::vector<ProcessPriority> priorities = RankProcesses(standings);
  // The band spreads the background processes evenly by rank, so one
  // more of them moves every other one's score: applied at every change,
  // that wrote every background process's /proc/PID/oom_score_adj each
  // time a tab went live or away (3,280 writes while 300 hidden tabs
  // opened). Importance and nice go at once; a background process whose
  // only change is its place in the band waits for the next rebalance,
  // at most once every kRebalanceInterval, as Chromium's
  // TabManagerDelegate redistributes its OOM scores on a timer.
  const auto now = std::chrono::steady_clock::now();
  const bool rebalance = now >= next_rebalance_;
  bool owed = false;
  for (size_t i = 0; i < processes.size(); ++i) {
    ProcessHost& process = *processes[i];
    const ProcessPriority& want = priorities[i];
    const ProcessPriority& has = process.priority();
    if (!rebalance && process.priority_known() &&
        want.importance == Importance::kBackground &&
        has.importance == Importance::kBackground && want.nice == has.nice) {
      owed |= want.oom_score_adj != has.oom_score_adj;
      continue;
    }
    process.ApplyPriority(want, renice_);
  }
  if (rebalance) next_rebalance_ = now + kRebalanceInterval;
  if (owed && !rebalance_armed_) {
    rebalance_armed_ = true;
    rebalance_.expires_at(next_rebalance_);
    rebalance_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                              const boost::system::error_code& error) {
      if (alive.expired()) return;
      rebalance_armed_ = false;
      if (!error) PostGovern();
    });
  }
}

TabSession* TabHost::TakeSpare(const std::string& url) {
  // Only a spare that is live and answering pings; the oldest first, so
  // ids handed out from the spares stay in order.
  auto spare = std::find_if(spares_.begin(), spares_.end(), [](const Spare& s) {
    return s.session->state() == TabState::kLive;
  });
  if (spare == spares_.end()) return nullptr;
  std::unique_ptr<TabSession> session = std::move(spare->session);
  spares_.erase(spare);
  TabSession* tab = session.get();
  const int id = tab->id();
  TABSIM_CHECK(sessions_.find(id) == sessions_.end());
  sessions_[id] = std::move(session);
  // Live and a valid URL (checked by Open): Navigate cannot refuse.
  Status navigated = tab->Navigate(url);
  TABSIM_CHECK(navigated.ok()) << navigated.error().message;
  process_sites_[tab->process()] = {SiteOf(url)};
  tab->SetVisible(ComputeVisible(id));
  PostGovern();
  tab->MarkTakenFromSpares();
  tab->set_recorder(options_.recorder);
  ++spares_taken_;
  // The observers never heard of this process: it is new to them now.
  for (TabObserver* o : observers_) o->OnTabSpawned(*tab);
  for (TabObserver* o : observers_) o->OnTabLive(*tab);
  spare_failures_ = 0;
  awaiting_first_frame_ = id;
  awaiting_until_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(100);
  PostTopUp();
  return tab;
}

void TabHost::StartSpares() {
  spares_started_ = true;
  TopUpSpares();
}

size_t TabHost::ready_spare_count() const {
  return size_t(std::count_if(spares_.begin(), spares_.end(), [](const Spare& s) {
    return s.session->state() == TabState::kLive;
  }));
}

std::vector<pid_t> TabHost::spare_pids() const {
  std::vector<pid_t> pids;
  for (const Spare& spare : spares_) pids.push_back(spare.session->pid());
  return pids;
}

void TabHost::PostTopUp() {
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (!alive.expired()) TopUpSpares();
  });
}

void TabHost::ArmTopUp(std::chrono::steady_clock::time_point when) {
  top_up_.expires_at(when);
  top_up_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                         boost::system::error_code error) {
    // Re-armed or cancelled: whoever did that decides what happens next.
    if (error == asio::error::operation_aborted || alive.expired()) return;
    TopUpSpares();
  });
}

void TabHost::TopUpSpares() {
  if (!spares_started_ || shutting_down_ || prelaunch_stopped_) return;
  // Under memory pressure spares are dropped, not made (Chromium does not
  // keep a spare renderer then either).
  if (pressure_.level >= PressureLevel::kModerate) return;
  const auto now = std::chrono::steady_clock::now();
  auto not_before = backoff_until_;
  if (awaiting_first_frame_ != 0)
    not_before = std::max(not_before, awaiting_until_);
  if (last_pressure_at_ != std::chrono::steady_clock::time_point{})
    not_before = std::max(not_before, last_pressure_at_ + kSpareResumeAfter);
  if (now < not_before) {
    ArmTopUp(not_before);
    return;
  }
  awaiting_first_frame_ = 0;
  while (spares_.size() < size_t(options_.prelaunch)) {
    if (!SpawnSpare()) break;
  }
}

void TabHost::SpareFailed(const std::string& why) {
  if (++spare_failures_ >= 3) {
    prelaunch_stopped_ = true;
    top_up_.cancel();
    TABSIM_LOG(kError) << "prelaunch stopped: " << spare_failures_
                       << " spare tabs in a row failed; the last: " << why;
    return;
  }
  const auto delay = std::chrono::milliseconds(100) * (1 << (spare_failures_ - 1));
  backoff_until_ = std::chrono::steady_clock::now() + delay;
  TABSIM_LOG(kWarning) << why << "; another spare in " << delay.count()
                       << " ms";
}

bool TabHost::SpawnSpare() {
  const int id = next_id_++;
  // In the list before it starts, so its OnTabSpawned is recognised as a
  // spare's.
  spares_.push_back(Spare{MakeSession(id, kSparePage, 0)});
  TabSession* tab = spares_.back().session.get();
  tab->SetVisible(false);  // a spare is nobody's to see, like Chromium's
  ++spares_spawned_;
  Status started = StartTab(tab, nullptr);
  if (!started.ok()) {
    spawn_fd_log_.Failed(started.error().error_number);
    // The tab never ran: it can go at once.
    spares_.pop_back();
    SpareFailed("spare tab " + std::to_string(id) + ": " +
                started.error().message);
    if (!prelaunch_stopped_) ArmTopUp(backoff_until_);
    return false;
  }
  return true;
}

TabHost::Spare* TabHost::FindSpare(const TabSession& tab) {
  for (Spare& spare : spares_)
    if (spare.session.get() == &tab) return &spare;
  return nullptr;
}

bool TabHost::FindSpareProcess(const ProcessHost& process) const {
  for (const Spare& spare : spares_)
    if (spare.session->process() == &process) return true;
  return false;
}

size_t TabHost::tab_process_count() const {
  size_t count = 0;
  for (const auto& process : processes_)
    if (process->running() && !process->views().empty() &&
        !FindSpareProcess(*process))
      ++count;
  return count;
}

TabSession* TabHost::Find(int id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

std::vector<TabSession*> TabHost::tabs() {
  std::vector<TabSession*> result;
  for (auto& [id, session] : sessions_) result.push_back(session.get());
  return result;
}

size_t TabHost::running_count() const {
  size_t count = 0;
  for (const auto& [id, session] : sessions_)
    if (!session->finished()) ++count;
  return count;
}

asio::awaitable<void> TabHost::Shutdown() {
  shutting_down_ = true;
  top_up_.cancel();
  if (pressure_monitor_) pressure_monitor_->Stop();
  // Every process closes whole (tabs sharing one go with it).
  std::vector<std::shared_ptr<ProcessHost>> processes = processes_;
  for (const auto& process : processes) process->Close();
  while (running_ > 0) {
    all_finished_.expires_at(asio::steady_timer::time_point::max());
    co_await all_finished_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

// Spares are invisible to the observers until Open() takes one; the host
// watches them itself.
void TabHost::OnTabSpawned(const TabSession& tab) {
  if (FindSpare(tab)) return;
  for (TabObserver* o : observers_) o->OnTabSpawned(tab);
}
void TabHost::OnTabLive(const TabSession& tab) {
  PostGovern();
  if (FindSpare(tab)) return;
  for (TabObserver* o : observers_) o->OnTabLive(tab);
}
void TabHost::OnFrame(const TabSession& tab, const FrameView& frame) {
  if (FindSpare(tab)) return;
  if (awaiting_first_frame_ == tab.id() &&
      frame.navigation_id == tab.navigation_id()) {
    // The taken tab shows its page: now the replacement may fork.
    awaiting_first_frame_ = 0;
    PostTopUp();
  }
  for (TabObserver* o : observers_) o->OnFrame(tab, frame);
}
void TabHost::OnTitleChanged(const TabSession& tab) {
  if (FindSpare(tab)) return;
  for (TabObserver* o : observers_) o->OnTitleChanged(tab);
}
void TabHost::OnTabStateChanged(const TabSession& tab) {
  if (FindSpare(tab)) return;
  for (TabObserver* o : observers_) o->OnTabStateChanged(tab);
}
void TabHost::OnTabLog(const TabSession& tab, const std::string& line) {
  if (FindSpare(tab)) return;
  for (TabObserver* o : observers_) o->OnTabLog(tab, line);
}
void TabHost::OnInputAcked(const TabSession& tab, uint64_t sequence) {
  if (FindSpare(tab)) return;
  for (TabObserver* o : observers_) o->OnInputAcked(tab, sequence);
}
void TabHost::OnTabLost(const TabSession& tab) {
  if (tab.id() == focused_id_) focused_id_ = 0;
  PostGovern();
  if (!FindSpare(tab) && Find(tab.id()) == &tab) {
    finished_order_.push_back(tab.id());
    // After the observers heard of it (they may look it up).
    asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
      if (!alive.expired()) TrimFinished();
    });
  }
  if (FindSpare(tab)) {
    // Closed when asked: dropped under memory pressure, not a failure.
    if (prelaunch_stopped_ || shutting_down_ || tab.state() == TabState::kClosed)
      return;
    const std::string why = "spare tab " + std::to_string(tab.id()) +
                            " (pid " + std::to_string(tab.pid()) +
                            ") lost: " + tab.cause();
    if (std::chrono::steady_clock::now() - tab.spawned_at() < kSpareMinLifetime) {
      SpareFailed(why);
    } else {
      // It served as a spare for a while: a kill or an accident, not a
      // broken tab program.
      spare_failures_ = 0;
      TABSIM_LOG(kWarning) << why << "; replacing it";
    }
    return;
  }
  for (TabObserver* o : observers_) o->OnTabLost(tab);
}

bool TabHost::OnScreen(int id) const {
  auto pin = pins_.find(id);
  if (pin != pins_.end() && pin->second != Pin::kNone)
    return pin->second == Pin::kShown;
  for (const auto& [viewer, tabs] : viewers_)
    if (std::find(tabs.begin(), tabs.end(), id) != tabs.end()) return true;
  return false;
}

std::shared_ptr<ProcessHost> TabHost::ProcessOf(const TabSession& tab) const {
  for (const auto& process : processes_)
    if (process.get() == tab.process()) return process;
  return nullptr;
}

std::vector<DiscardCandidate> TabHost::DiscardCandidates() const {
  std::vector<DiscardCandidate> candidates;
  for (const auto& [id, session] : sessions_) {
    const TabSession& tab = *session;
    std::shared_ptr<ProcessHost> process = ProcessOf(tab);
    DiscardCandidate c;
    c.tab_id = id;
    c.process_id = tab.process_id();
    c.pid = tab.pid();
    c.url = tab.url();
    c.running = tab.running() && process && process->running() &&
                !process->discarding();
    c.focused = id == focused_id_;
    c.visible = c.running && tab.visible() && OnScreen(id);
    c.is_protected = discarder_.is_protected(id);
    // Least recently used: shown on a screen is now; hidden, since it was
    // hidden; headless (shown to nobody), since its page was loaded.
    if (!tab.visible())
      c.last_active = tab.last_visible_at();
    else if (OnScreen(id))
      c.last_active = std::chrono::steady_clock::now();
    else
      c.last_active = tab.navigated_at();
    if (auto focused = last_focused_.find(id); focused != last_focused_.end())
      c.last_active = std::max(c.last_active, focused->second);
    if (auto memory = process_memory_.find(c.process_id);
        memory != process_memory_.end() && c.running)
      c.memory_bytes = memory->second;
    if (c.running) c.growth_bytes_per_s = growth_.RateOf(c.process_id);
    candidates.push_back(std::move(c));
  }
  return candidates;
}

std::vector<DiscardEntry> TabHost::DiscardOrder() const {
  return tabsim::DiscardOrder(DiscardCandidates(), std::chrono::steady_clock::now());
}

Status TabHost::SetProtected(int id, bool on) {
  TabSession* tab = Find(id);
  if (tab == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
  discarder_.SetProtected(id, on);
  return Status::Ok();
}

Status TabHost::Discard(int id, const std::string& why) {
  TabSession* tab = Find(id);
  if (tab == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
  std::shared_ptr<ProcessHost> process = ProcessOf(*tab);
  if (!tab->running() || process == nullptr || !process->running())
    return Error{"tab " + std::to_string(id) + " is " + ToString(tab->state()),
                 ESRCH};
  if (process->discarding())
    return Error{"tab " + std::to_string(id) + " is being discarded", EBUSY};
  // A process goes whole: every tab in it must be discardable.
  for (const TabSession* view : process->views())
    if (discarder_.is_protected(view->id()))
      return Error{"tab " + std::to_string(id) +
                       (view->id() == id ? " is protected"
                                         : " shares process " +
                                               std::to_string(process->id()) +
                                               " with protected tab " +
                                               std::to_string(view->id())),
                   EPERM};
  if (Status ended = process->Discard("discarded: " + why); !ended.ok())
    return ended;
  discarder_.Discarded(std::chrono::steady_clock::now());
  TABSIM_LOG(kInfo) << "tab " << id << " (process " << process->id()
                    << ") discarded: " << why;
  return Status::Ok();
}

MemoryPressureMonitor::TabsMemory TabHost::SampleTabsMemory() {
  process_memory_.clear();
  // Growth only of processes past their handshake: one still starting
  // grows by loading (exec, a sanitizer's start-up), not by leaking.
  MemoryGrowth::Bytes live;
  uint64_t total = 0;
  for (const auto& process : processes_) {
    if (!process->running() || process->discarding() || process->pid() <= 0)
      continue;
    auto memory = ReadProcessMemory(process->pid());
    if (!memory.ok()) continue;  // exiting: it is giving its memory back
    process_memory_[process->id()] = *memory;
    if (process->live()) live[process->id()] = *memory;
    total += *memory;
  }
  growth_.Add(std::chrono::steady_clock::now(), std::move(live));
  return {total, growth_.TotalRate()};
}

bool TabHost::DiscardPending() const {
  for (const auto& process : processes_)
    if (process->discarding()) return true;
  return false;
}

void TabHost::DropSpares() {
  for (Spare& spare : spares_) {
    TabSession& tab = *spare.session;
    if (tab.running() && tab.state() != TabState::kClosing) {
      tab.Close();
      ++spares_dropped_;
    }
  }
}

void TabHost::OnPressure(const PressureVerdict& verdict,
                         const PressureSample& sample) {
  if (shutting_down_) return;
  const PressureLevel before = pressure_.level;
  pressure_ = verdict;
  tabs_memory_ = sample.tabs_bytes;
  if (verdict.level != before)
    TABSIM_LOG(kInfo) << "memory pressure " << ToString(verdict.level)
                      << (verdict.reason.empty() ? "" : ": " + verdict.reason);
  if (verdict.level >= PressureLevel::kModerate) {
    last_pressure_at_ = std::chrono::steady_clock::now();
    DropSpares();
  } else if (before >= PressureLevel::kModerate) {
    PostTopUp();
  }
  if (verdict.level != PressureLevel::kCritical) return;
  TabDiscarder::Context context;
  context.growing_over_budget = verdict.growing_over_budget;
  context.last_discard_released = !DiscardPending();
  auto chosen = discarder_.Choose(DiscardCandidates(),
                                  std::chrono::steady_clock::now(), context);
  if (!chosen) return;
  Status discarded =
      Discard(chosen->tab.tab_id, "memory pressure (" + verdict.reason + ")");
  if (!discarded.ok())
    TABSIM_LOG(kWarning) << "discarding tab " << chosen->tab.tab_id << ": "
                         << discarded.error().message;
}

}  // namespace tabsim
