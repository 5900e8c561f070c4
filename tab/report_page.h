// ReportPage: the base of the hostile pages that attempt something and
// report what happened (sim://escape, sim://leak, sim://bad-message, ...).
// It shows a heading, a one-line explanation and the report lines; each
// line also goes to the manager as a LogLine through the PageHost, when
// there is one.
//
// Subclasses do their work in Tick() (see Page) and call Report(); after
// the first frame has been rendered, `frames_rendered() > 0`, which the
// pages use to misbehave only once the manager has seen the tab working.
// Until a subclass calls SetIdle(), NextWakeup() asks for Tick() on every
// loop iteration; after it, only input or a resize wakes the page.
//
// Ownership: `host` may be null and must outlive the page. The page keeps
// the last kMaxLines lines.
#ifndef TABSIM_TAB_REPORT_PAGE_H_
#define TABSIM_TAB_REPORT_PAGE_H_

#include <cstdint>
#include <deque>
#include <string>

#include "tab/page.h"

namespace tabsim {

class PageHost;

class ReportPage : public Page {
 public:
  static constexpr size_t kMaxLines = 40;

  ReportPage(std::string url, std::string title, std::string explanation,
             uint32_t accent, PageHost* host);

  std::string Url() const override { return url_; }
  std::string Title() const override { return title_; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  const std::deque<std::string>& lines() const { return lines_; }
  uint64_t frames_rendered() const { return frames_rendered_; }

 protected:
  // Shows `line` and sends it to the manager as a LogLine.
  void Report(const std::string& line);
  void SetTitle(std::string title) { title_ = std::move(title); }
  void SetNeedsFrame() { needs_frame_ = true; }
  void SetIdle() { idle_ = true; }
  bool idle() const { return idle_; }
  PageHost* host() const { return host_; }
  Clock::time_point start() const { return start_; }

 private:
  std::string url_;
  std::string title_;
  std::string explanation_;
  uint32_t accent_;
  PageHost* host_;
  std::deque<std::string> lines_;
  Clock::time_point start_{};
  uint64_t frames_rendered_ = 0;
  bool needs_frame_ = true;
  bool idle_ = false;
};

// "EPERM (Operation not permitted)" for an errno value, and just "EPERM".
std::string DescribeErrno(int error_number);
std::string ErrnoName(int error_number);

}  // namespace tabsim

#endif  // TABSIM_TAB_REPORT_PAGE_H_
