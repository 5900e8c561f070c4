#include "tab/canvas.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <vector>

#include "tab/font8x8.h"

namespace tabsim {
namespace {

constexpr uint32_t kGuard = 0xDEADBEEFu;
constexpr uint32_t kWhite = Rgb(255, 255, 255);
constexpr uint32_t kInk = Rgb(1, 2, 3);

// A width x height canvas inside a larger buffer whose border (and the
// stride padding) holds kGuard, so stray writes are detectable.
class GuardedCanvas {
 public:
  GuardedCanvas(int width, int height, int pad = 8)
      : width_(width),
        height_(height),
        pad_(pad),
        stride_(width + 2 * pad),
        buffer_(static_cast<size_t>(stride_) * (height + 2 * pad), kGuard),
        canvas_(buffer_.data() + pad * stride_ + pad, width, height, stride_) {
    canvas_.Clear(kWhite);
  }

  Canvas& canvas() { return canvas_; }
  uint32_t at(int x, int y) const { return canvas_.row(y)[x]; }

  bool GuardIntact() const {
    for (int y = -pad_; y < height_ + pad_; ++y) {
      for (int x = -pad_; x < stride_ - pad_; ++x) {
        const bool inside = x >= 0 && x < width_ && y >= 0 && y < height_;
        if (!inside &&
            buffer_[static_cast<size_t>((y + pad_) * stride_ + x + pad_)] !=
                kGuard) {
          return false;
        }
      }
    }
    return true;
  }

  int CountColor(uint32_t color) const {
    int n = 0;
    for (int y = 0; y < height_; ++y)
      for (int x = 0; x < width_; ++x) n += at(x, y) == color;
    return n;
  }

 private:
  int width_, height_, pad_, stride_;
  std::vector<uint32_t> buffer_;
  Canvas canvas_;
};

TEST(CanvasTest, ClearWritesOnlyTheCanvas) {
  GuardedCanvas g(7, 5);
  g.canvas().Clear(kInk);
  EXPECT_EQ(g.CountColor(kInk), 35);
  EXPECT_TRUE(g.GuardIntact());
}

TEST(CanvasTest, FillRectExactPixels) {
  GuardedCanvas g(10, 10);
  g.canvas().FillRect(Rect{2, 3, 4, 2}, kInk);
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 10; ++x) {
      const bool inside = x >= 2 && x < 6 && y >= 3 && y < 5;
      EXPECT_EQ(g.at(x, y), inside ? kInk : kWhite) << x << "," << y;
    }
  }
  EXPECT_TRUE(g.GuardIntact());
}

TEST(CanvasTest, FillRectEmptyAndNegativeSizesDrawNothing) {
  GuardedCanvas g(10, 10);
  g.canvas().FillRect(Rect{2, 2, 0, 5}, kInk);
  g.canvas().FillRect(Rect{2, 2, -3, 5}, kInk);
  g.canvas().FillRect(Rect{5, 5, 3, -1}, kInk);
  EXPECT_EQ(g.CountColor(kInk), 0);
}

TEST(CanvasTest, FillRectClipsHugeAndNegativeCoordinates) {
  GuardedCanvas g(10, 10);
  g.canvas().FillRect(Rect{-5, -5, 8, 8}, kInk);
  EXPECT_EQ(g.CountColor(kInk), 9);
  g.canvas().FillRect(Rect{INT_MIN, INT_MIN, INT_MAX, INT_MAX}, kInk);
  g.canvas().FillRect(Rect{INT_MAX - 1, INT_MAX - 1, INT_MAX, INT_MAX}, kInk);
  g.canvas().FillRect(Rect{8, 8, INT_MAX, INT_MAX}, kInk);
  g.canvas().FillRect(Rect{-100, 4, 1000, 1}, kInk);
  EXPECT_TRUE(g.GuardIntact());
  EXPECT_EQ(g.at(9, 9), kInk);
  EXPECT_EQ(g.at(0, 4), kInk);
  EXPECT_EQ(g.at(9, 4), kInk);
}

TEST(CanvasTest, EveryPrimitiveClipsWildCoordinates) {
  GuardedCanvas g(13, 9);
  const int wild[] = {INT_MIN, INT_MIN / 2, -1000,       -20,    -1,
                      0,       4,           8,           12,     13,
                      50,      5000,        INT_MAX / 2, INT_MAX};
  Canvas& c = g.canvas();
  for (int a : wild) {
    for (int b : wild) {
      c.FillRect(Rect{a, b, 30, 30}, kInk);
      c.FillRect(Rect{a, b, INT_MAX, INT_MAX}, kInk);
      c.FillCircle(a, b, 7, kInk);
      c.FillCircle(6, 4, a < 0 ? 0 : a, kInk);
      c.DrawLine(a, b, a == INT_MIN ? INT_MAX : -a, 7, 3, kInk);
      c.DrawLine(a, b, b, a, 1, kInk);
      c.DrawLine(6, 4, a, b, 9, kInk);
      c.DrawText(a, b, "Hi!\nyo", 3, kInk);
      c.DrawText(a, b, "x", INT_MAX / 4, kInk);
    }
  }
  EXPECT_TRUE(g.GuardIntact());
}

TEST(CanvasTest, TinyCanvases) {
  for (int w = 1; w <= 3; ++w) {
    for (int h = 1; h <= 3; ++h) {
      GuardedCanvas g(w, h);
      g.canvas().FillCircle(0, 0, 5, kInk);
      g.canvas().DrawLine(-3, -3, 10, 10, 4, kInk);
      g.canvas().DrawText(0, 0, "WWW", 2, kInk);
      EXPECT_TRUE(g.GuardIntact()) << w << "x" << h;
    }
  }
}

TEST(CanvasTest, DrawTextGlyphA) {
  GuardedCanvas g(40, 20);
  const Rect r = g.canvas().DrawText(3, 2, "A", 1, kInk);
  EXPECT_EQ(r.x, 3);
  EXPECT_EQ(r.y, 2);
  EXPECT_EQ(r.width, kGlyphWidth);
  EXPECT_EQ(r.height, kGlyphHeight);
  // Pixels match the glyph bitmap (bit i = column i, not mirrored).
  const uint8_t* rows = GlyphRows('A');
  int inked = 0;
  for (int y = 0; y < kGlyphHeight; ++y) {
    for (int x = 0; x < kGlyphWidth; ++x) {
      const bool on = rows[y] & (1 << x);
      EXPECT_EQ(g.at(3 + x, 2 + y), on ? kInk : kWhite) << x << "," << y;
      inked += on;
    }
  }
  EXPECT_GT(inked, 10);
  EXPECT_EQ(g.CountColor(kInk), inked);
  EXPECT_TRUE(g.GuardIntact());
}

TEST(CanvasTest, DrawTextScaleLinesAndClippedRect) {
  GuardedCanvas g(100, 60);
  Rect r = g.canvas().DrawText(1, 1, "ab\ncde", 2, kInk);
  EXPECT_EQ(r.x, 1);
  EXPECT_EQ(r.y, 1);
  EXPECT_EQ(r.width, 3 * kGlyphWidth * 2);
  EXPECT_EQ(r.height, 2 * kGlyphHeight * 2);
  EXPECT_GT(g.CountColor(kInk), 0);

  r = g.canvas().DrawText(90, 50, "AAAA", 2, kInk);  // runs off the edge
  EXPECT_EQ(r.x, 90);
  EXPECT_EQ(r.y, 50);
  EXPECT_EQ(r.width, 10);
  EXPECT_EQ(r.height, 10);
  EXPECT_TRUE(g.GuardIntact());

  const Rect m = Canvas::MeasureText(90, 50, "AAAA", 2);
  EXPECT_EQ(m.width, 64);
  EXPECT_EQ(m.height, 16);
}

TEST(CanvasTest, NonAsciiDrawsAsQuestionMark) {
  GuardedCanvas a(8, 8), b(8, 8);
  a.canvas().DrawText(0, 0, "\x80", 1, kInk);
  b.canvas().DrawText(0, 0, "?", 1, kInk);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) EXPECT_EQ(a.at(x, y), b.at(x, y));
  EXPECT_GT(a.CountColor(kInk), 0);
}

TEST(CanvasTest, DrawLineEndpointsAndBody) {
  GuardedCanvas g(50, 50);
  g.canvas().DrawLine(5, 7, 40, 30, 1, kInk);
  EXPECT_EQ(g.at(5, 7), kInk);
  EXPECT_EQ(g.at(40, 30), kInk);
  EXPECT_EQ(g.at(45, 45), kWhite);
  EXPECT_EQ(g.at(5, 30), kWhite);
  // Thin lines are connected: one pixel per column for a shallow slope.
  for (int x = 5; x <= 40; ++x) {
    int in_column = 0;
    for (int y = 0; y < 50; ++y) in_column += g.at(x, y) == kInk;
    EXPECT_GE(in_column, 1) << x;
  }
  EXPECT_TRUE(g.GuardIntact());
}

TEST(CanvasTest, DrawThickHorizontalLine) {
  GuardedCanvas g(50, 20);
  g.canvas().DrawLine(10, 10, 30, 10, 4, kInk);
  for (int x = 10; x <= 30; ++x) {
    for (int y = 8; y <= 12; ++y) EXPECT_EQ(g.at(x, y), kInk) << x << "," << y;
    EXPECT_EQ(g.at(x, 6), kWhite);
    EXPECT_EQ(g.at(x, 14), kWhite);
  }
  EXPECT_EQ(g.at(8, 10), kInk);  // round cap
  EXPECT_EQ(g.at(33, 10), kWhite);
}

TEST(CanvasTest, DrawLineDegenerateIsADot) {
  GuardedCanvas g(20, 20);
  g.canvas().DrawLine(10, 10, 10, 10, 1, kInk);
  EXPECT_EQ(g.CountColor(kInk), 1);
  EXPECT_EQ(g.at(10, 10), kInk);
  g.canvas().DrawLine(0, 0, 0, 0, 0, kInk);  // thickness < 1 acts as 1
  EXPECT_EQ(g.at(0, 0), kInk);
}

TEST(CanvasTest, FillCircle) {
  GuardedCanvas g(30, 30);
  g.canvas().FillCircle(15, 15, 5, kInk);
  EXPECT_EQ(g.at(15, 15), kInk);
  EXPECT_EQ(g.at(20, 15), kInk);
  EXPECT_EQ(g.at(15, 10), kInk);
  EXPECT_EQ(g.at(21, 15), kWhite);
  EXPECT_EQ(g.at(19, 19), kWhite);  // outside the radius along the diagonal
  g.canvas().FillCircle(3, 3, -1, kInk);
  EXPECT_EQ(g.at(3, 3), kWhite);
  EXPECT_TRUE(g.GuardIntact());
}

TEST(CanvasTest, CopyFromRespectsStrides) {
  GuardedCanvas dst(6, 4);
  std::vector<uint32_t> src_pixels(10 * 4, kGuard);
  Canvas src(src_pixels.data(), 6, 4, 10);
  src.Clear(kInk);
  src.row(2)[5] = kWhite;
  dst.canvas().CopyFrom(src);
  EXPECT_EQ(dst.CountColor(kInk), 23);
  EXPECT_EQ(dst.at(5, 2), kWhite);
  EXPECT_TRUE(dst.GuardIntact());

  // A larger or smaller source copies only the overlap.
  std::vector<uint32_t> big(100 * 100, kGuard);
  dst.canvas().CopyFrom(Canvas(big.data(), 100, 100, 100));
  EXPECT_TRUE(dst.GuardIntact());
  dst.canvas().Clear(kWhite);
  uint32_t one = kInk;
  dst.canvas().CopyFrom(Canvas(&one, 1, 1, 1));
  EXPECT_EQ(dst.CountColor(kInk), 1);
  EXPECT_TRUE(dst.GuardIntact());
}

TEST(CanvasTest, RectHelpers) {
  const Rect u = UnionRects(Rect{0, 0, 2, 2}, Rect{5, 6, 1, 1});
  EXPECT_EQ(u.x, 0);
  EXPECT_EQ(u.y, 0);
  EXPECT_EQ(u.width, 6);
  EXPECT_EQ(u.height, 7);
  EXPECT_EQ(UnionRects(Rect{}, Rect{1, 2, 3, 4}).x, 1);
  EXPECT_TRUE(IntersectRects(Rect{0, 0, 2, 2}, Rect{5, 6, 1, 1}).IsEmpty());
  const Rect i = IntersectRects(Rect{0, 0, 4, 4}, Rect{2, 1, 10, 10});
  EXPECT_EQ(i.x, 2);
  EXPECT_EQ(i.y, 1);
  EXPECT_EQ(i.width, 2);
  EXPECT_EQ(i.height, 3);
  const Rect huge = UnionRects(Rect{INT_MIN, INT_MIN, INT_MAX, INT_MAX},
                               Rect{INT_MAX - 1, INT_MAX - 1, 1, 1});
  EXPECT_FALSE(huge.IsEmpty());
}

}  // namespace
}  // namespace tabsim
