// sim://hang[?after=MS]: a hostile test page that exercises the manager's
// handling of a misbehaving tab. It renders one frame; the first Tick() that
// comes after that frame and at least `after` (default 0) past Start()
// spins in a busy loop forever and never returns.
// Never run one in a process you care about.
#ifndef TABSIM_TAB_HANG_PAGE_H_
#define TABSIM_TAB_HANG_PAGE_H_

#include <chrono>
#include <string>

#include "tab/page.h"

namespace tabsim {

class HangPage final : public Page {
 public:
  HangPage(std::string url, std::chrono::milliseconds after);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Hang"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  void Tick(Clock::time_point now) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  std::chrono::milliseconds after() const { return after_; }

 private:
  std::string url_;
  std::chrono::milliseconds after_;
  Clock::time_point start_{};
  bool rendered_ = false;
  bool needs_frame_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_HANG_PAGE_H_
