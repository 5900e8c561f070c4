// A tab process's own stdout and stderr, captured: the spawner points both
// at a sender of the manager's TabOutputHub (tab_output_hub.h), which
// hands each write of the process here, on the manager's loop. What a tab
// writes never reaches the user's terminal raw; it becomes that tab's log
// lines (TabObserver::OnTabLog: the event lines, the terminal UI,
// `tabsim ctl logs ID`).
//
// Bounded at every step, because the writer is not trusted:
//   - the hub takes at most kReadBytes of one write;
//   - lines are split at '\n' and cut at kMaxLineBytes (the rest of a long
//     line is skipped, and the line says "[cut]");
//   - at most kLinesPerSecond lines a second are delivered; the rest are
//     counted and reported as one line ("... 1234 lines dropped") when the
//     second is over (FlushDroppedIfDue, which the hub calls) or when the
//     process ends (Finish);
//   - each line goes through CleanTabText (manager/base/text.h: valid
//     UTF-8, no C0 or C1 controls, DEL or bidi controls) before anyone
//     sees it;
//   - the last kRecentLines delivered lines are kept for `logs`.
//
// Ownership: owns no fd; the delivered lines go to the sink, which must
// outlive it. Single-threaded, on the loop's thread.
#ifndef TABSIM_MANAGER_CORE_TAB_OUTPUT_H_
#define TABSIM_MANAGER_CORE_TAB_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>

namespace tabsim {

class TabOutput {
 public:
  static constexpr size_t kReadBytes = 4096;
  static constexpr size_t kMaxLineBytes = 300;
  static constexpr int kLinesPerSecond = 20;
  static constexpr size_t kRecentLines = 64;
  using Clock = std::chrono::steady_clock;
  using Sink = std::function<void(const std::string& line)>;

  explicit TabOutput(Sink sink);
  TabOutput(const TabOutput&) = delete;
  TabOutput& operator=(const TabOutput&) = delete;

  // What the process wrote, at time `now` (one of its writes, or part).
  void Consume(std::string_view bytes, Clock::time_point now);
  // Says how many lines were dropped once their second is over; true
  // while a count is still to be said.
  bool FlushDroppedIfDue(Clock::time_point now);
  bool dropped_pending() const { return window_dropped_ > 0; }
  // After the process ended: the last partial line, the dropped count.
  // Idempotent.
  void Finish();

  // The last lines delivered (and the dropped-count notices), oldest first.
  const std::deque<std::string>& recent() const { return recent_; }
  uint64_t lines_delivered() const { return delivered_; }
  uint64_t lines_dropped() const { return dropped_total_; }
  uint64_t bytes_read() const { return bytes_read_; }

  // Says the dropped count now (tests).
  void FlushDropped();

 private:
  // `cut`: the line was longer than kMaxLineBytes (it ends in " [cut]").
  void Line(std::string line, Clock::time_point now, bool cut = false);
  void Deliver(std::string line);

  Sink sink_;
  std::string partial_;
  bool skipping_ = false;  // inside a line already cut
  Clock::time_point window_start_{};
  int window_lines_ = 0;
  uint64_t window_dropped_ = 0;
  std::deque<std::string> recent_;
  uint64_t delivered_ = 0;
  uint64_t dropped_total_ = 0;
  uint64_t bytes_read_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_OUTPUT_H_
