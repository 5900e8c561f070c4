#include "manager/core/tab_output.h"

#include "manager/base/text.h"

namespace tabsim {

TabOutput::TabOutput(Sink sink) : sink_(std::move(sink)) {}

bool TabOutput::FlushDroppedIfDue(Clock::time_point now) {
  if (window_dropped_ == 0) return false;
  if (now - window_start_ < std::chrono::seconds(1)) return true;
  FlushDropped();
  return false;
}

void TabOutput::Finish() {
  if (!partial_.empty()) Line(std::move(partial_), Clock::now());
  partial_.clear();
  skipping_ = false;
  FlushDropped();
}

void TabOutput::Consume(std::string_view bytes, Clock::time_point now) {
  bytes_read_ += bytes.size();
  for (char c : bytes) {
    if (c == '\n') {
      if (!skipping_) Line(std::move(partial_), now);
      partial_.clear();
      skipping_ = false;
    } else if (!skipping_) {
      partial_ += c;
      if (partial_.size() >= kMaxLineBytes) {
        Line(std::move(partial_), now, /*cut=*/true);
        partial_.clear();
        skipping_ = true;
      }
    }
  }
}

void TabOutput::Line(std::string line, Clock::time_point now, bool cut) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (now - window_start_ >= std::chrono::seconds(1)) {
    FlushDropped();
    window_start_ = now;
    window_lines_ = 0;
  }
  if (window_lines_ >= kLinesPerSecond) {
    ++window_dropped_;
    ++dropped_total_;
    return;
  }
  ++window_lines_;
  ++delivered_;
  // The marker is ours, after the cleaning, so it survives the cut.
  static constexpr std::string_view kCut = " [cut]";
  if (!cut) return Deliver(CleanTabText(line, kMaxLineBytes));
  Deliver(CleanTabText(line, kMaxLineBytes - kCut.size()) + std::string(kCut));
}

void TabOutput::FlushDropped() {
  if (window_dropped_ == 0) return;
  Deliver("... " + std::to_string(window_dropped_) + " lines dropped");
  window_dropped_ = 0;
}

void TabOutput::Deliver(std::string line) {
  recent_.push_back(line);
  if (recent_.size() > kRecentLines) recent_.pop_front();
  if (sink_) sink_(line);
}

}  // namespace tabsim
