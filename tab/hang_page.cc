#include "tab/hang_page.h"

#include <cstdint>
#include <string>
#include <utility>

namespace tabsim {
namespace {

[[noreturn]] void HangNow() {
  // The volatile access is an observable side effect, so this loop is
  // neither undefined behaviour nor optimised away.
  volatile uint64_t counter = 0;
  for (;;) counter = counter + 1;
}

}  // namespace

HangPage::HangPage(std::string url, std::chrono::milliseconds after)
    : url_(std::move(url)), after_(after) {}

void HangPage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  start_ = now;
}

void HangPage::OnResize(int /*width*/, int /*height*/) { needs_frame_ = true; }

void HangPage::Tick(Clock::time_point now) {
  if (rendered_ && now >= start_ + after_) HangNow();
}

bool HangPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_frame_;
}

std::optional<Clock::time_point> HangPage::NextWakeup() const {
  return start_ + after_;
}

Rect HangPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  canvas.Clear(Rgb(255, 250, 225));
  canvas.DrawText(16, 16, "About to hang", 3, Rgb(150, 100, 0));
  canvas.DrawText(16, 56,
                  "This tab will spin forever after " +
                      std::to_string(after_.count()) + " ms.",
                  1, Rgb(60, 60, 60));
  rendered_ = true;
  needs_frame_ = false;
  return canvas.bounds();
}

}  // namespace tabsim
