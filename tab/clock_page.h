// sim://clock: an animated page. Shows the wall-clock time as HH:MM:SS.t in
// large font-scaled digits plus a bar that fills over each minute, at about
// 30 frames per second. What it shows is a function of the `now` passed to
// Render() (wall time at Start() plus the steady time elapsed since), so it
// is deterministic for a given Start() and `now`.
#ifndef TABSIM_TAB_CLOCK_PAGE_H_
#define TABSIM_TAB_CLOCK_PAGE_H_

#include <chrono>
#include <string>

#include "tab/page.h"

namespace tabsim {

class ClockPage final : public Page {
 public:
  static constexpr std::chrono::milliseconds kFramePeriod{33};

  explicit ClockPage(std::string url);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Clock"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

 private:
  // "HH:MM:SS.t" local time and the fraction of the current minute elapsed.
  void TimeAt(Clock::time_point now, std::string* text,
              double* minute_fraction) const;

  std::string url_;
  Clock::time_point start_{};
  std::chrono::system_clock::time_point wall_at_start_{};
  Clock::time_point next_frame_{};
  bool needs_full_frame_ = true;
  std::string last_text_;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_CLOCK_PAGE_H_
