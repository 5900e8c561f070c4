#include "tab/blank_page.h"

#include <utility>

namespace tabsim {

BlankPage::BlankPage(std::string url) : url_(std::move(url)) {}

void BlankPage::Start(Clock::time_point /*now*/, int /*width*/,
                      int /*height*/) {
  needs_frame_ = true;
}

void BlankPage::OnResize(int /*width*/, int /*height*/) { needs_frame_ = true; }

bool BlankPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_frame_;
}

std::optional<Clock::time_point> BlankPage::NextWakeup() const {
  return std::nullopt;
}

Rect BlankPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  canvas.Clear(Rgb(255, 255, 255));
  needs_frame_ = false;
  return canvas.bounds();
}

}  // namespace tabsim
