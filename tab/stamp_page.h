// sim://stamp: a test page whose every frame is distinguishable. The N-th
// Render() (from 1) paints every pixel 0xFF000000 | (N & 0xFFFFFF), top row
// first, so a test can detect torn or stale frames in the shared buffers.
// It always wants a frame, i.e. renders as fast as buffers are released.
#ifndef TABSIM_TAB_STAMP_PAGE_H_
#define TABSIM_TAB_STAMP_PAGE_H_

#include <cstdint>
#include <string>

#include "tab/page.h"

namespace tabsim {

class StampPage final : public Page {
 public:
  explicit StampPage(std::string url);

  // The colour of the frame produced by the `n`-th Render().
  static uint32_t ColorOfFrame(uint64_t n);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Stamp"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  // Only animation: nothing to do while hidden.
  std::optional<Clock::time_point> NextTimer() const override {
    return std::nullopt;
  }
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  uint64_t frames_rendered() const { return frames_rendered_; }

 private:
  std::string url_;
  uint64_t frames_rendered_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_STAMP_PAGE_H_
