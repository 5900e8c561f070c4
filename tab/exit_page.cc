#include "tab/exit_page.h"

#include <cstdlib>
#include <string>
#include <utility>

namespace tabsim {

ExitPage::ExitPage(std::string url, Mode mode, int exit_code,
                   std::chrono::milliseconds after)
    : url_(std::move(url)), mode_(mode), exit_code_(exit_code), after_(after) {}

std::string ExitPage::Title() const {
  return mode_ == Mode::kAbort ? "Abort" : "Exit";
}

void ExitPage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  start_ = now;
}

void ExitPage::OnResize(int /*width*/, int /*height*/) { needs_frame_ = true; }

void ExitPage::Tick(Clock::time_point now) {
  if (!rendered_ || now < start_ + after_) return;
  if (mode_ == Mode::kAbort) std::abort();
  std::exit(exit_code_);
}

bool ExitPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_frame_;
}

std::optional<Clock::time_point> ExitPage::NextWakeup() const {
  return start_ + after_;
}

Rect ExitPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  canvas.Clear(Rgb(255, 240, 230));
  const std::string what = mode_ == Mode::kAbort
                               ? std::string("call abort()")
                               : "exit with code " + std::to_string(exit_code_);
  canvas.DrawText(16, 16, mode_ == Mode::kAbort ? "About to abort" : "About to exit",
                  3, Rgb(170, 60, 0));
  canvas.DrawText(16, 56,
                  "This tab will " + what + " after " +
                      std::to_string(after_.count()) + " ms.",
                  1, Rgb(60, 60, 60));
  rendered_ = true;
  needs_frame_ = false;
  return canvas.bounds();
}

}  // namespace tabsim
