#include "tab/flood_page.h"

#include <string>
#include <utility>

#include "tab/page_host.h"

namespace tabsim {
namespace {

constexpr auto kRenderInterval = std::chrono::seconds(1);

}  // namespace

FloodPage::FloodPage(std::string url, PageHost* host)
    : ReportPage(std::move(url), "Flood",
                 "Sends valid LogLine messages as fast as the socket takes "
                 "them.",
                 Rgb(0, 110, 140), host) {}

void FloodPage::Tick(Clock::time_point /*now*/) {
  if (host() == nullptr || frames_rendered() == 0) return;
  while (host()->QueuedBytes() < kHighWater) {
    host()->SendLog("flood " + std::to_string(++sent_));
  }
}

bool FloodPage::NeedsFrame(Clock::time_point now) const {
  return ReportPage::NeedsFrame(now) || now >= last_render_ + kRenderInterval;
}

std::optional<Clock::time_point> FloodPage::NextWakeup() const {
  // While the queue is full the tab waits for POLLOUT, not for a timer.
  if (host() != nullptr && frames_rendered() > 0 &&
      host()->QueuedBytes() < kHighWater)
    return Clock::now();
  return last_render_ + kRenderInterval;
}

Rect FloodPage::Render(Canvas& canvas, Clock::time_point now) {
  Rect damage = ReportPage::Render(canvas, now);
  canvas.DrawText(12, canvas.height() - 2 * kGlyphHeight,
                  "messages queued so far: " + std::to_string(sent_), 1,
                  Rgb(20, 20, 20));
  last_render_ = now;
  return damage;
}

}  // namespace tabsim
