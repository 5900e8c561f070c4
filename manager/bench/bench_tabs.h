// BenchTabs: the real manager (a TabHost on its own single-threaded
// io_context) with real tabsim-tab processes, wrapped for the benchmark's
// scenarios: open tabs, run the loop until a condition holds, hear tab
// events through plain callbacks, and shut everything down in order.
//
// Ownership: owns the io_context and the TabHost (and so every tab). The
// destructor shuts the tabs down (Shutdown, then SIGKILL after the grace
// period); no process outlives it. Callbacks run on the loop, inside the
// session that changed, as for any TabObserver; they may send input.
#ifndef TABSIM_MANAGER_BENCH_BENCH_TABS_H_
#define TABSIM_MANAGER_BENCH_BENCH_TABS_H_

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_observer.h"

namespace tabsim {

// The options every scenario starts from: the tab program, the frame
// size, the display rate (0: unpaced, what throughput figures use) and a
// handshake deadline generous enough for a loaded machine.
TabHost::Options BenchHostOptions(const std::string& tab_exe, int width,
                                  int height, double fps);

class BenchTabs final : public TabObserver {
 public:
  explicit BenchTabs(TabHost::Options options);
  BenchTabs(const BenchTabs&) = delete;
  BenchTabs& operator=(const BenchTabs&) = delete;
  ~BenchTabs() override;

  Result<TabSession*> Open(const std::string& url);
  // Opens `count` tabs of `url`, appending each id to `ids` and calling
  // `opened(n)` after the n-th. Every kOpenBurst opens the loop runs what
  // is ready (poll), so with thousands to spawn the first ones handshake
  // meanwhile. Stops at the first failed open and returns its error
  // (`ids` then holds the tabs opened before it).
  static constexpr int kOpenBurst = 16;
  Status OpenMany(const std::string& url, int count, std::vector<int>* ids,
                  const std::function<void(int)>& opened = nullptr);
  // Runs the loop until `done()` (checked after every handler) or the
  // timeout; returns done().
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds timeout);
  // RunUntil every tab of `ids` has drawn a frame (a tab gone never has).
  bool RunUntilDrawn(const std::vector<int>& ids,
                     std::chrono::milliseconds timeout);
  // Closes every tab and waits until all are reaped (bounded by the grace
  // period). Idempotent.
  void Shutdown();

  // The PSS of every running tab process together, in bytes (PSS counts
  // shared pages 1/N to each of N sharers, so the sum is what the
  // processes cost together); a process that cannot be read (exiting)
  // adds nothing.
  uint64_t TabProcessesPssBytes();

  TabHost& host() { return host_; }
  boost::asio::io_context& io() { return io_; }
  TabSession* Find(int id) { return host_.Find(id); }

  std::function<void(TabSession&, uint64_t)> on_ack;
  std::function<void(TabSession&, const FrameView&)> on_frame;
  std::function<void(TabSession&)> on_lost;

 private:
  void OnInputAcked(const TabSession& tab, uint64_t sequence) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTabLost(const TabSession& tab) override;

  boost::asio::io_context io_{1};
  TabHost host_;
  bool shut_down_ = false;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_TABS_H_
