// sim://bounce: a ball bouncing off the page edges at 60 frames per second.
// The ball's position is a pure function of the time since Start() and the
// page size, so a late frame skips ahead instead of slowing down.
#ifndef TABSIM_TAB_BOUNCE_PAGE_H_
#define TABSIM_TAB_BOUNCE_PAGE_H_

#include <chrono>
#include <string>

#include "tab/page.h"

namespace tabsim {

class BouncePage final : public Page {
 public:
  static constexpr std::chrono::microseconds kFramePeriod{16667};

  explicit BouncePage(std::string url);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Bounce"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  // Only animation: nothing to do while hidden.
  std::optional<Clock::time_point> NextTimer() const override {
    return std::nullopt;
  }
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  // The ball's bounding box at `now` on a width x height page.
  Rect BallRect(Clock::time_point now, int width, int height) const;

 private:
  std::string url_;
  Clock::time_point start_{};
  Clock::time_point next_frame_{};
  bool needs_full_frame_ = true;
  Rect last_ball_{};
};

}  // namespace tabsim

#endif  // TABSIM_TAB_BOUNCE_PAGE_H_
