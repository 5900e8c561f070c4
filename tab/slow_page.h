// sim://slow: a hostile test page whose every Render() takes
// kRenderTime (it sleeps), so that input arriving faster than that backs up
// in the channel and the manager sees InputAck and frames lag behind. It
// renders on input and at least every kIdleInterval, showing how many
// input events it has applied.
#ifndef TABSIM_TAB_SLOW_PAGE_H_
#define TABSIM_TAB_SLOW_PAGE_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "tab/page.h"

namespace tabsim {

class SlowPage final : public Page {
 public:
  static constexpr std::chrono::milliseconds kRenderTime{200};
  static constexpr std::chrono::milliseconds kIdleInterval{1000};

  explicit SlowPage(std::string url);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Slow"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnMouse(const MouseInput& input) override;
  void OnKey(const KeyInput& input) override;
  void OnWheel(const WheelInput& input) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  uint64_t inputs() const { return inputs_; }

 private:
  void OnInput();

  std::string url_;
  uint64_t inputs_ = 0;
  uint64_t renders_ = 0;
  Clock::time_point last_render_{};
  bool dirty_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_SLOW_PAGE_H_
