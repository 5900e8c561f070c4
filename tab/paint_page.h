// sim://paint: an interactive page. Dragging with the left button draws
// strokes; typed text appears below the header. The strokes live in a
// private pixel buffer owned by the page (the shared frame buffers are only
// borrowed during Render()), the text is kept as a string and drawn on top,
// so Backspace can remove characters without erasing strokes.
#ifndef TABSIM_TAB_PAINT_PAGE_H_
#define TABSIM_TAB_PAINT_PAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tab/page.h"

namespace tabsim {

class PaintPage final : public Page {
 public:
  static constexpr uint32_t kBackground = Rgb(255, 255, 255);
  static constexpr uint32_t kStrokeColor = Rgb(30, 30, 90);
  static constexpr uint32_t kTextColor = Rgb(10, 10, 10);
  static constexpr int kStrokeThickness = 4;
  static constexpr int kHeaderHeight = 16;
  static constexpr int kTextScale = 2;
  static constexpr int kTextMargin = 4;
  static constexpr size_t kMaxTextLength = 4096;

  explicit PaintPage(std::string url);

  std::string Url() const override { return url_; }
  std::string Title() const override { return "Paint"; }
  void Start(Clock::time_point now, int width, int height) override;
  void OnMouse(const MouseInput& input) override;
  void OnKey(const KeyInput& input) override;
  void OnResize(int width, int height) override;
  bool NeedsFrame(Clock::time_point now) const override;
  std::optional<Clock::time_point> NextWakeup() const override;
  Rect Render(Canvas& canvas, Clock::time_point now) override;

  const std::string& text() const { return text_; }

 private:
  void ResizeStrokes(int width, int height);
  void DrawStroke(int x0, int y0, int x1, int y1);
  // `text_` wrapped to the page width; where the cursor goes after
  // `wrapped`; the area the text plus the cursor covers.
  std::string WrappedText() const;
  static Rect CursorRect(const std::string& wrapped);
  Rect TextArea() const;
  void SetText(std::string text);
  void AddDamage(const Rect& rect);

  std::string url_;
  int width_ = 0;
  int height_ = 0;
  std::vector<uint32_t> strokes_;  // width_ * height_, row-major
  std::string text_;
  bool drawing_ = false;
  int last_x_ = 0;
  int last_y_ = 0;
  bool needs_full_frame_ = true;
  Rect damage_{};  // accumulated since the last Render()
};

}  // namespace tabsim

#endif  // TABSIM_TAB_PAINT_PAGE_H_
