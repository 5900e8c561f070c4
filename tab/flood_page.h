// sim://flood: a hostile test page that sends valid messages as fast as
// the channel takes them: short LogLines ("flood N"), refilled every Tick()
// while fewer than kHighWater bytes are queued. The tab's loop keeps
// running, so it still answers pings and applies input; what suffers is the
// manager, which must keep up with (or throttle) a tab that never stops
// talking. Without a PageHost it only renders.
#ifndef TABSIM_TAB_FLOOD_PAGE_H_
#define TABSIM_TAB_FLOOD_PAGE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "tab/report_page.h"

namespace tabsim {

class FloodPage final : public ReportPage {
 public:
  static constexpr size_t kHighWater = 64 * 1024;

  FloodPage(std::string url, PageHost* host);

  void Tick(Clock::time_point now) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  uint64_t sent() const { return sent_; }

 private:
  uint64_t sent_ = 0;
  Clock::time_point last_render_{};
};

}  // namespace tabsim

#endif  // TABSIM_TAB_FLOOD_PAGE_H_
