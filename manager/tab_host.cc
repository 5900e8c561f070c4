#include "manager/tab_host.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <exception>

#include "common/check.h"
#include "manager/input_builder.h"

namespace tabsim {

namespace asio = boost::asio;

TabHost::TabHost(asio::io_context& io, Options options)
    : io_(io),
      options_(std::move(options)),
      all_finished_(io, asio::steady_timer::time_point::max()) {}

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

Result<TabSession*> TabHost::Open(const std::string& url) {
  if (shutting_down_) return Error{"the manager is shutting down", 0};
  // Bounded and printable, so the Hello always fits the framing limit.
  if (Status valid = ValidateUrl(url); !valid.ok()) return valid.error();
  return StartSession(next_id_++, url, 0);
}

Result<TabSession*> TabHost::Reload(int id) {
  if (shutting_down_) return Error{"the manager is shutting down", 0};
  TabSession* old = Find(id);
  if (old == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
  if (!old->finished())
    return Error{"tab " + std::to_string(id) + " is still running", EBUSY};
  // The old session's coroutine has completed (finished()); destroy it on
  // a later turn of the loop all the same, in case we are inside one of
  // its observer callbacks.
  asio::post(io_, [retired = std::move(sessions_[id])]() {});
  return StartSession(id, old->url(), old->restarts() + 1);
}

Result<TabSession*> TabHost::StartSession(int id, const std::string& url,
                                          int restarts) {
  TabSession::Options session_options;
  session_options.id = id;
  session_options.url = url;
  session_options.width = options_.width;
  session_options.height = options_.height;
  session_options.tab_executable = options_.tab_executable;
  session_options.extra_tab_args = options_.extra_tab_args;
  session_options.handshake_timeout = options_.handshake_timeout;
  session_options.exit_grace = options_.exit_grace;
  session_options.restarts = restarts;
  session_options.ping_interval = options_.ping_interval;
  session_options.unresponsive_after = options_.unresponsive_after;
  session_options.kill_after = options_.kill_after;
  session_options.frames_over_socket = options_.frames_over_socket;
  auto session = std::make_unique<TabSession>(io_.get_executor(),
                                              std::move(session_options),
                                              static_cast<TabObserver*>(this));
  TabSession* tab = session.get();
  sessions_[id] = std::move(session);
  Status started = tab->Start();
  if (!started.ok()) {
    return Error{"tab " + std::to_string(id) + ": " + started.error().message,
                 started.error().error_number};
  }
  ++running_;
  asio::co_spawn(io_, tab->Run(), [this, tab](std::exception_ptr error) {
    // Run() catches everything; an exception here is our bug.
    TABSIM_CHECK(!error) << "tab session coroutine threw";
    tab->MarkFinished();
    TABSIM_CHECK(running_ > 0);
    if (--running_ == 0) all_finished_.cancel();
  });
  return tab;
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

size_t TabHost::running_count() const { return running_; }

asio::awaitable<void> TabHost::Shutdown() {
  shutting_down_ = true;
  for (auto& [id, session] : sessions_) session->Close();
  while (running_ > 0) {
    all_finished_.expires_at(asio::steady_timer::time_point::max());
    co_await all_finished_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

void TabHost::OnTabSpawned(const TabSession& tab) {
  for (TabObserver* o : observers_) o->OnTabSpawned(tab);
}
void TabHost::OnTabLive(const TabSession& tab) {
  for (TabObserver* o : observers_) o->OnTabLive(tab);
}
void TabHost::OnFrame(const TabSession& tab, const FrameView& frame) {
  for (TabObserver* o : observers_) o->OnFrame(tab, frame);
}
void TabHost::OnTitleChanged(const TabSession& tab) {
  for (TabObserver* o : observers_) o->OnTitleChanged(tab);
}
void TabHost::OnTabStateChanged(const TabSession& tab) {
  for (TabObserver* o : observers_) o->OnTabStateChanged(tab);
}
void TabHost::OnTabLog(const TabSession& tab, const std::string& line) {
  for (TabObserver* o : observers_) o->OnTabLog(tab, line);
}
void TabHost::OnInputAcked(const TabSession& tab, uint64_t sequence) {
  for (TabObserver* o : observers_) o->OnInputAcked(tab, sequence);
}
void TabHost::OnTabLost(const TabSession& tab) {
  for (TabObserver* o : observers_) o->OnTabLost(tab);
}

}  // namespace tabsim
