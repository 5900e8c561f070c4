// A non-owning view of a 32-bit pixel buffer plus the drawing primitives the
// simulated pages use.
//
// Pixel format (the same in the shared frame buffers, docs/protocol.md):
// each pixel is one little-endian uint32 0xAARRGGBB, i.e. bytes B, G, R, A
// in memory (Skia's N32 / Cairo's ARGB32 on x86). Alpha is always 0xFF.
// Rows are `stride` pixels apart (stride == width in tabsim buffers).
//
// Ownership: a Canvas never owns its pixels; whoever constructs it keeps the
// memory alive for the Canvas' lifetime. Every primitive clips to the
// canvas, so any coordinates (negative, huge) are safe.
#ifndef TABSIM_TAB_CANVAS_H_
#define TABSIM_TAB_CANVAS_H_

#include <cstdint>
#include <string_view>

namespace tabsim {

struct Rect {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  bool IsEmpty() const { return width <= 0 || height <= 0; }
};

// The smallest rectangle holding both (an empty operand is ignored), and
// the overlap (empty when there is none). Both saturate instead of
// overflowing for huge coordinates.
Rect UnionRects(const Rect& a, const Rect& b);
Rect IntersectRects(const Rect& a, const Rect& b);

// Packs an opaque colour.
constexpr uint32_t Rgb(uint8_t r, uint8_t g, uint8_t b) {
  return 0xFF000000u | (uint32_t{r} << 16) | (uint32_t{g} << 8) | uint32_t{b};
}

class Canvas {
 public:
  Canvas(uint32_t* pixels, int width, int height, int stride)
      : pixels_(pixels), width_(width), height_(height), stride_(stride) {}

  int width() const { return width_; }
  int height() const { return height_; }
  int stride() const { return stride_; }
  Rect bounds() const { return Rect{0, 0, width_, height_}; }
  uint32_t* row(int y) { return pixels_ + static_cast<long>(y) * stride_; }
  const uint32_t* row(int y) const {
    return pixels_ + static_cast<long>(y) * stride_;
  }

  void Clear(uint32_t color);
  void FillRect(const Rect& rect, uint32_t color);
  void FillCircle(int cx, int cy, int radius, uint32_t color);
  // A line `thickness` pixels wide from (x0,y0) to (x1,y1), round caps.
  void DrawLine(int x0, int y0, int x1, int y1, int thickness, uint32_t color);
  // Draws `text` with the built-in 8x8 bitmap font (printable ASCII; other
  // bytes draw as '?'), each font pixel scaled to `scale`x`scale`. '\n'
  // starts a new line. Returns the rectangle touched.
  Rect DrawText(int x, int y, std::string_view text, int scale,
                uint32_t color);
  // The unclipped rectangle DrawText(x, y, text, scale, ...) would cover.
  static Rect MeasureText(int x, int y, std::string_view text, int scale);
  // Copies `source` (same size as this canvas) into this canvas. Of a
  // differently sized source only the overlapping top-left part is copied.
  void CopyFrom(const Canvas& source);

 private:
  uint32_t* pixels_;
  int width_;
  int height_;
  int stride_;
};

// The font's cell size at scale 1.
inline constexpr int kGlyphWidth = 8;
inline constexpr int kGlyphHeight = 8;

}  // namespace tabsim

#endif  // TABSIM_TAB_CANVAS_H_
