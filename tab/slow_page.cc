#include "tab/slow_page.h"

#include <string>
#include <thread>
#include <utility>

namespace tabsim {

SlowPage::SlowPage(std::string url) : url_(std::move(url)) {}

void SlowPage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  last_render_ = now;
  dirty_ = true;
}

void SlowPage::OnInput() {
  ++inputs_;
  dirty_ = true;
}
void SlowPage::OnMouse(const MouseInput& /*input*/) { OnInput(); }
void SlowPage::OnKey(const KeyInput& /*input*/) { OnInput(); }
void SlowPage::OnWheel(const WheelInput& /*input*/) { OnInput(); }
void SlowPage::OnResize(int /*width*/, int /*height*/) { dirty_ = true; }

bool SlowPage::NeedsFrame(Clock::time_point now) const {
  return dirty_ || now >= last_render_ + kIdleInterval;
}

std::optional<Clock::time_point> SlowPage::NextWakeup() const {
  return last_render_ + kIdleInterval;
}

Rect SlowPage::Render(Canvas& canvas, Clock::time_point now) {
  // The slowness itself: nothing else happens in the tab meanwhile.
  std::this_thread::sleep_for(kRenderTime);
  ++renders_;
  canvas.Clear(Rgb(235, 235, 255));
  canvas.DrawText(16, 16, "Slow page", 3, Rgb(40, 40, 160));
  canvas.DrawText(16, 56,
                  "Every frame takes " + std::to_string(kRenderTime.count()) +
                      " ms to render.\ninput events applied: " +
                      std::to_string(inputs_) +
                      "\nframes rendered: " + std::to_string(renders_),
                  1, Rgb(60, 60, 60));
  last_render_ = now;
  dirty_ = false;
  return canvas.bounds();
}

}  // namespace tabsim
