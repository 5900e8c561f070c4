// A tab process's own stdout and stderr, captured: the spawner points both
// at the write end of a pipe (common/child_process.h, SpawnOptions::
// output_fd) and the manager reads the other end here, on its loop. What a
// tab writes never reaches the user's terminal raw; it becomes that tab's
// log lines (TabObserver::OnTabLog: the event lines, the terminal UI,
// `tabsim ctl logs ID`).
//
// Bounded at every step, because the writer is not trusted:
//   - one read of at most kReadBytes per wake-up of the loop;
//   - lines are split at '\n' and cut at kMaxLineBytes (the rest of a long
//     line is skipped, and the line says "[cut]");
//   - at most kLinesPerSecond lines a second are delivered; the rest are
//     counted and reported as one line ("... 1234 lines dropped") when the
//     second is over (or when the process ends);
//   - each line goes through CleanTabText (manager/base/text.h: valid
//     UTF-8, no C0 or C1 controls, DEL or bidi controls) before anyone
//     sees it;
//   - the last kRecentLines delivered lines are kept for `logs`;
//   - after the process ends Drain() reads what is left, at most
//     kDrainBytes, without waiting: a descendant that kept the pipe open
//     (it cannot, with namespaces; it may in the fallback) cannot hold the
//     manager.
//
// Ownership: owns the pipe's read end until Drain() (or destruction)
// closes it; the delivered lines go to the sink, which must outlive Run().
// Single-threaded, on the loop's thread.
#ifndef TABSIM_MANAGER_CORE_TAB_OUTPUT_H_
#define TABSIM_MANAGER_CORE_TAB_OUTPUT_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace tabsim {

class TabOutput {
 public:
  static constexpr size_t kReadBytes = 4096;
  static constexpr size_t kMaxLineBytes = 300;
  static constexpr int kLinesPerSecond = 20;
  static constexpr size_t kRecentLines = 64;
  static constexpr size_t kDrainBytes = 64 * 1024;
  using Clock = std::chrono::steady_clock;
  using Sink = std::function<void(const std::string& line)>;

  // `read_end` is the pipe's read end (CLOEXEC).
  TabOutput(boost::asio::any_io_executor executor, UniqueFd read_end, Sink sink);
  TabOutput(const TabOutput&) = delete;
  TabOutput& operator=(const TabOutput&) = delete;

  // Reads until cancelled. At end of file (every writer gone) it goes on
  // waiting for the cancellation, so it can be one branch of an `||`
  // without ending the others. Never throws.
  boost::asio::awaitable<void> Run();
  // After the process ended: what is left (bounded), the last partial
  // line, the dropped count; then closes the pipe. Idempotent.
  void Drain();

  // The last lines delivered (and the dropped-count notices), oldest first.
  const std::deque<std::string>& recent() const { return recent_; }
  uint64_t lines_delivered() const { return delivered_; }
  uint64_t lines_dropped() const { return dropped_total_; }
  uint64_t bytes_read() const { return bytes_read_; }

  // For tests: the same text as Run() feeds, at time `now`.
  void Consume(std::string_view bytes, Clock::time_point now);
  void FlushDropped();

 private:
  // `cut`: the line was longer than kMaxLineBytes (it ends in " [cut]").
  void Line(std::string line, Clock::time_point now, bool cut = false);
  void Deliver(std::string line);

  std::optional<boost::asio::posix::stream_descriptor> pipe_;
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
