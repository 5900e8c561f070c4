// TabHost: the manager's table of tabs, in the role of tmux's server.c.
//
// It opens tabs (spawning each process and starting its session coroutine
// on the one io_context), finds them by id, fans tab events out to every
// registered observer, and shuts everything down in order.
//
// Ownership: the host owns every TabSession for its whole life, including
// sessions whose tab is gone (they are the record users see in summaries
// and lists). Observers are not owned and must outlive the host or be
// removed. Tab ids start at 1 and are never reused.
//
// Threading: everything on the io_context's single thread.
#ifndef TABSIM_MANAGER_TAB_HOST_H_
#define TABSIM_MANAGER_TAB_HOST_H_

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/tab_observer.h"
#include "manager/tab_session.h"

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
  };

  TabHost(boost::asio::io_context& io, Options options);
  TabHost(const TabHost&) = delete;
  TabHost& operator=(const TabHost&) = delete;
  ~TabHost() override;

  void AddObserver(TabObserver* observer);
  void RemoveObserver(TabObserver* observer);

  // Spawns a tab showing `url` and starts serving it. On a spawn or exec
  // failure the error says why; the failed tab stays in the table as
  // crashed. Refused while shutting down.
  Result<TabSession*> Open(const std::string& url);
  // Starts a new process for tab `id` (same id, same URL) once its previous
  // process is gone, like reloading Chrome's sad tab. The old record is
  // replaced; restarts() of the new session counts the reloads.
  Result<TabSession*> Reload(int id);
  // nullptr when there is no such tab.
  TabSession* Find(int id);
  std::vector<TabSession*> tabs();
  // Tabs whose session has not finished yet.
  size_t running_count() const;

  // Closes every tab (Shutdown message, SIGKILL after the grace period)
  // and returns once every session has ended and every process is reaped.
  boost::asio::awaitable<void> Shutdown();
  bool shutting_down() const { return shutting_down_; }

  const Options& options() const { return options_; }

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

  boost::asio::io_context& io_;
  Options options_;
  std::map<int, std::unique_ptr<TabSession>> sessions_;
  std::vector<TabObserver*> observers_;
  int next_id_ = 1;
  size_t running_ = 0;
  bool shutting_down_ = false;
  Result<TabSession*> StartSession(int id, const std::string& url,
                                   int restarts);
  boost::asio::steady_timer all_finished_;  // cancelled when running_ hits 0
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TAB_HOST_H_
