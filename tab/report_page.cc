#include "tab/report_page.h"

#include <cstring>
#include <utility>

#include "tab/page_host.h"

namespace tabsim {

ReportPage::ReportPage(std::string url, std::string title,
                       std::string explanation, uint32_t accent,
                       PageHost* host)
    : url_(std::move(url)),
      title_(std::move(title)),
      explanation_(std::move(explanation)),
      accent_(accent),
      host_(host) {}

void ReportPage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  start_ = now;
  needs_frame_ = true;
}

void ReportPage::OnResize(int /*width*/, int /*height*/) {
  needs_frame_ = true;
}

bool ReportPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_frame_;
}

std::optional<Clock::time_point> ReportPage::NextWakeup() const {
  if (idle_) return std::nullopt;
  return start_;  // in the past: Tick() again right away
}

Rect ReportPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  canvas.Clear(Rgb(250, 250, 250));
  const int band = 2 * kGlyphHeight + 16;
  canvas.FillRect(Rect{0, 0, canvas.width(), band}, accent_);
  canvas.DrawText(12, 8, title_, 2, Rgb(255, 255, 255));
  canvas.DrawText(12, band + 8, explanation_, 1, Rgb(60, 60, 60));
  int y = band + 8 + 2 * kGlyphHeight;
  for (const std::string& line : lines_) {
    canvas.DrawText(12, y, line, 1, Rgb(20, 20, 20));
    y += kGlyphHeight + 4;
    if (y >= canvas.height()) break;
  }
  ++frames_rendered_;
  needs_frame_ = false;
  return canvas.bounds();
}

void ReportPage::Report(const std::string& line) {
  lines_.push_back(line);
  while (lines_.size() > kMaxLines) lines_.pop_front();
  needs_frame_ = true;
  if (host_ != nullptr) host_->SendLog(url_ + ": " + line);
}

std::string ErrnoName(int error_number) {
  const char* name = strerrorname_np(error_number);
  return name ? name : "errno " + std::to_string(error_number);
}

std::string DescribeErrno(int error_number) {
  return ErrnoName(error_number) + " (" + std::strerror(error_number) + ")";
}

}  // namespace tabsim
