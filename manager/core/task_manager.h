// The numbers of the task manager (Chrome's Shift+Esc): per tab CPU %,
// resident memory, messages and frames per second, input-to-frame latency;
// and the same for the manager itself, as the records of
// proto/records.proto. Shared by every front end (the TUI pane, `tabsim ctl
// list|stats`, the dashboard, `tabsim run --json`).
//
// Rates are recomputed by Sample(), which the owner calls about once a
// second (run_command.cc does, from a timer on the loop). Latency needs the
// time each input was sent, so front ends send input through SendInput()
// here rather than TabSession::SendInput() directly.
//
// Ownership: observes a TabHost it does not own (register it with
// AddObserver); keeps only numbers keyed by tab id, never session pointers.
// Single-threaded, on the manager's loop.
#ifndef TABSIM_MANAGER_CORE_TASK_MANAGER_H_
#define TABSIM_MANAGER_CORE_TASK_MANAGER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>

#include "common/result.h"
#include "manager/base/process_stats.h"
#include "manager/core/tab_observer.h"
#include "proto/records.pb.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class TabHost;
class TabSession;

// "focused", "shown" or "hidden": what the tab is to the user now (focus,
// the viewers and pins of `host`). For a running tab.
std::string VisibilityOf(const TabHost& host, const TabSession& tab);

class TaskManager : public TabObserver {
 public:
  using Clock = std::chrono::steady_clock;

  struct TabRates {
    pid_t pid = -1;
    double cpu_percent = -1;  // negative: not measured yet
    uint64_t rss_bytes = 0;
    double messages_in_per_second = 0;
    double messages_out_per_second = 0;
    double frames_per_second = 0;
    double input_latency_ms = 0;  // 0: no input answered yet
  };

  explicit TaskManager(TabHost& host);
  TaskManager(const TaskManager&) = delete;
  TaskManager& operator=(const TaskManager&) = delete;

  // Recomputes every rate from the counters since the last call.
  void Sample(Clock::time_point now);

  // Sends `event` to `tab` and remembers when, for the latency column.
  Status SendInput(TabSession& tab, proto::InputEvent event);

  // Rates of tab `id` (zeros for a tab never sampled).
  TabRates RatesOf(int id) const;
  // One task-manager row; for a gone tab the rates are zero and the
  // measurements unset (see records.proto).
  records::TabInfo Describe(const TabSession& tab) const;
  // Describe() of every tab of the host, in the host's order.
  records::TabList List() const;
  // The manager's own numbers; control_clients and control_path are left
  // to the control socket.
  records::ManagerStats ManagerStats() const;
  // The host's discard order with each tab's memory and why
  // (`tabsim ctl discards`), and ManagerStats().
  records::DiscardList Discards() const;
  // The IPC inspector's view of one tab's channel (its current process).
  records::ChannelStats DescribeChannel(const TabSession& tab) const;
  // Bumped by every Sample(), so a UI can tell the numbers changed.
  uint64_t generation() const { return generation_; }

  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTabLost(const TabSession& tab) override;

 private:
  struct PerTab {
    TabRates rates;
    CpuMeter cpu;
    uint64_t frames = 0;  // counters at the last Sample()
    uint64_t messages_in = 0;
    uint64_t messages_out = 0;
    pid_t counted_pid = -1;
    std::deque<std::pair<uint64_t, Clock::time_point>> sent;  // seq, time
  };

  TabHost& host_;
  std::map<int, PerTab> tabs_;
  Clock::time_point last_sample_;
  Clock::time_point started_;
  CpuMeter own_cpu_;
  double own_cpu_percent_ = 0;
  ProcessSample own_sample_;
  uint64_t frames_total_ = 0;
  uint64_t generation_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TASK_MANAGER_H_
