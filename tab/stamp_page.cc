#include "tab/stamp_page.h"

#include <algorithm>
#include <utility>

namespace tabsim {

StampPage::StampPage(std::string url) : url_(std::move(url)) {}

uint32_t StampPage::ColorOfFrame(uint64_t n) {
  return 0xFF000000u | static_cast<uint32_t>(n & 0xFFFFFFu);
}

void StampPage::Start(Clock::time_point /*now*/, int /*width*/,
                      int /*height*/) {}

void StampPage::OnResize(int /*width*/, int /*height*/) {}

bool StampPage::NeedsFrame(Clock::time_point /*now*/) const { return true; }

std::optional<Clock::time_point> StampPage::NextWakeup() const {
  return Clock::now();
}

Rect StampPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  const uint32_t color = ColorOfFrame(++frames_rendered_);
  for (int y = 0; y < canvas.height(); ++y) {
    std::fill_n(canvas.row(y), canvas.width(), color);
  }
  return canvas.bounds();
}

}  // namespace tabsim
