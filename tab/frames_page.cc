#include "tab/frames_page.h"

#include <algorithm>
#include <utility>

#include "tab/stamp_page.h"

namespace tabsim {

FramesPage::FramesPage(std::string url) : url_(std::move(url)) {}

int FramesPage::BandTop(uint64_t n, int height) {
  if (height <= 0) return 0;
  return static_cast<int>(((n - 1) * kBandStep) % static_cast<uint64_t>(height));
}

void FramesPage::Start(Clock::time_point /*now*/, int /*width*/,
                       int /*height*/) {
  full_damage_ = true;
}

void FramesPage::OnResize(int /*width*/, int /*height*/) {
  full_damage_ = true;
}

bool FramesPage::NeedsFrame(Clock::time_point /*now*/) const { return true; }

std::optional<Clock::time_point> FramesPage::NextWakeup() const {
  return Clock::now();
}

Rect FramesPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  const uint64_t n = ++frames_rendered_;
  const int top = BandTop(n, canvas.height());
  const Rect band =
      IntersectRects(Rect{0, top, canvas.width(), kBandHeight}, canvas.bounds());
  const uint32_t color = StampPage::ColorOfFrame(n);
  for (int y = 0; y < canvas.height(); ++y) {
    const bool in_band = y >= band.y && y < band.y + band.height;
    std::fill_n(canvas.row(y), canvas.width(), in_band ? color : kBackground);
  }
  Rect damage = full_damage_ ? canvas.bounds() : UnionRects(previous_band_, band);
  previous_band_ = band;
  full_damage_ = false;
  return damage;
}

}  // namespace tabsim
