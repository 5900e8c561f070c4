// sim://frames: the benchmark page. It always wants a frame (like
// sim://stamp) and every frame differs from the previous one only in a
// kBandHeight-row band that moves down by kBandStep rows per frame; the
// band of the N-th Render() (from 1) has colour StampPage::ColorOfFrame(N)
// and the rest is kBackground.
//
// Cost: every Render() rewrites the whole buffer (a std::fill per row,
// width * height * 4 bytes), because with double buffering the buffer it
// gets holds the frame from two renders ago; that is a memset of the frame,
// well under the cost of copying it through a socket. The reported damage
// is only the union of the previous and the current band.
#ifndef TABSIM_TAB_FRAMES_PAGE_H_
#define TABSIM_TAB_FRAMES_PAGE_H_

#include <cstdint>
#include <string>

#include "tab/page.h"

namespace tabsim {

class FramesPage final : public Page {
 public:
  static constexpr int kBandHeight = 8;
  static constexpr int kBandStep = 4;
  static constexpr uint32_t kBackground = Rgb(32, 32, 40);

  explicit FramesPage(std::string url);

  // The top row of the band in the `n`-th frame (from 1) of a page
  // `height` rows high.
  static int BandTop(uint64_t n, int height);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Frames"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  uint64_t frames_rendered() const { return frames_rendered_; }

 private:
  std::string url_;
  uint64_t frames_rendered_ = 0;
  Rect previous_band_{};
  bool full_damage_ = true;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_FRAMES_PAGE_H_
