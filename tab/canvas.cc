#include "tab/canvas.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "tab/font8x8.h"

namespace tabsim {
namespace {

constexpr int64_t kIntMin = std::numeric_limits<int>::min();
constexpr int64_t kIntMax = std::numeric_limits<int>::max();

int Saturate(int64_t v) {
  return static_cast<int>(std::clamp(v, kIntMin, kIntMax));
}

Rect RectFromEdges(int64_t left, int64_t top, int64_t right, int64_t bottom) {
  if (right <= left || bottom <= top) return Rect{};
  left = std::clamp(left, kIntMin, kIntMax);
  top = std::clamp(top, kIntMin, kIntMax);
  return Rect{static_cast<int>(left), static_cast<int>(top),
              Saturate(right - left), Saturate(bottom - top)};
}

// Clamps a floating coordinate into [lo, hi] before converting, so huge or
// non-finite values never overflow an int.
int64_t ClampToRange(double v, int64_t lo, int64_t hi) {
  if (!(v >= static_cast<double>(lo))) return lo;  // also catches NaN
  if (v > static_cast<double>(hi)) return hi;
  return static_cast<int64_t>(v);
}

}  // namespace

Rect UnionRects(const Rect& a, const Rect& b) {
  if (a.IsEmpty()) return b.IsEmpty() ? Rect{} : b;
  if (b.IsEmpty()) return a;
  return RectFromEdges(
      std::min<int64_t>(a.x, b.x), std::min<int64_t>(a.y, b.y),
      std::max(int64_t{a.x} + a.width, int64_t{b.x} + b.width),
      std::max(int64_t{a.y} + a.height, int64_t{b.y} + b.height));
}

Rect IntersectRects(const Rect& a, const Rect& b) {
  if (a.IsEmpty() || b.IsEmpty()) return Rect{};
  return RectFromEdges(
      std::max<int64_t>(a.x, b.x), std::max<int64_t>(a.y, b.y),
      std::min(int64_t{a.x} + a.width, int64_t{b.x} + b.width),
      std::min(int64_t{a.y} + a.height, int64_t{b.y} + b.height));
}

void Canvas::Clear(uint32_t color) {
  for (int y = 0; y < height_; ++y) std::fill_n(row(y), width_, color);
}

void Canvas::FillRect(const Rect& rect, uint32_t color) {
  const Rect clipped = IntersectRects(rect, bounds());
  for (int y = clipped.y; y < clipped.y + clipped.height; ++y) {
    std::fill_n(row(y) + clipped.x, clipped.width, color);
  }
}

void Canvas::FillCircle(int cx, int cy, int radius, uint32_t color) {
  if (radius < 0 || width_ <= 0 || height_ <= 0) return;
  const int64_t r = radius;
  const int64_t y_begin = std::max<int64_t>(0, int64_t{cy} - r);
  const int64_t y_end = std::min<int64_t>(height_ - 1, int64_t{cy} + r);
  for (int64_t y = y_begin; y <= y_end; ++y) {
    const int64_t dy = y - cy;
    const int64_t limit = r * r - dy * dy;  // fits: |r|,|dy| < 2^32
    auto half = static_cast<int64_t>(std::sqrt(static_cast<double>(limit)));
    while (half > 0 && half * half > limit) --half;
    while ((half + 1) * (half + 1) <= limit) ++half;
    const int64_t x0 = std::max<int64_t>(0, int64_t{cx} - half);
    const int64_t x1 = std::min<int64_t>(width_ - 1, int64_t{cx} + half);
    if (x0 > x1) continue;
    std::fill_n(row(static_cast<int>(y)) + x0, x1 - x0 + 1, color);
  }
}

// Covers every pixel centre within thickness/2 of the segment (a capsule).
// The capsule is convex, so each row meets it in one span: the union of the
// spans of the two end discs and of the band between them.
void Canvas::DrawLine(int x0, int y0, int x1, int y1, int thickness,
                      uint32_t color) {
  if (width_ <= 0 || height_ <= 0) return;
  const double r = std::max(thickness, 1) / 2.0;
  const double ax = x0, ay = y0, bx = x1, by = y1;
  const double dx = bx - ax, dy = by - ay;
  const double len2 = dx * dx + dy * dy;
  constexpr double kEps = 1e-9;
  const int64_t y_begin =
      ClampToRange(std::floor(std::min(ay, by) - r), 0, height_ - 1);
  const int64_t y_end =
      ClampToRange(std::ceil(std::max(ay, by) + r), 0, height_ - 1);
  for (int64_t y = y_begin; y <= y_end; ++y) {
    const double py = static_cast<double>(y);
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    auto disc = [&](double cx, double cy) {
      const double ddy = py - cy;
      const double rest = r * r - ddy * ddy;
      if (rest < -kEps) return;
      const double half = std::sqrt(std::max(rest, 0.0));
      lo = std::min(lo, cx - half);
      hi = std::max(hi, cx + half);
    };
    disc(ax, ay);
    disc(bx, by);
    if (len2 > 0) {
      // Along the segment: 0 <= (p-a).d <= len2; across it:
      // |(p-a) x d| <= r*|d|. Both are linear in x for this row.
      double band_lo = -std::numeric_limits<double>::infinity();
      double band_hi = -band_lo;
      auto constrain = [&](double a, double b, double min_v, double max_v) {
        // a*x + b in [min_v, max_v]
        if (a == 0) {
          if (b < min_v - kEps || b > max_v + kEps) band_lo = 1, band_hi = 0;
          return;
        }
        double u = (min_v - b) / a, v = (max_v - b) / a;
        if (u > v) std::swap(u, v);
        band_lo = std::max(band_lo, u);
        band_hi = std::min(band_hi, v);
      };
      constrain(dx, (py - ay) * dy - ax * dx, 0, len2);
      const double across = r * std::sqrt(len2);
      constrain(dy, -(py - ay) * dx - ax * dy, -across, across);
      if (band_lo <= band_hi) {
        lo = std::min(lo, band_lo);
        hi = std::max(hi, band_hi);
      }
    }
    if (lo > hi) continue;
    const int64_t span_begin = ClampToRange(std::ceil(lo - kEps), 0, width_);
    const int64_t span_end =
        ClampToRange(std::floor(hi + kEps), -1, width_ - 1);
    if (span_begin > span_end) continue;
    std::fill_n(row(static_cast<int>(y)) + span_begin,
                span_end - span_begin + 1, color);
  }
}

Rect Canvas::MeasureText(int x, int y, std::string_view text, int scale) {
  if (text.empty()) return Rect{x, y, 0, 0};
  scale = std::max(scale, 1);
  int64_t lines = 1, longest = 0, current = 0;
  for (char c : text) {
    if (c == '\n') {
      ++lines;
      current = 0;
    } else {
      longest = std::max(longest, ++current);
    }
  }
  const int64_t right = int64_t{x} + longest * kGlyphWidth * scale;
  const int64_t bottom = int64_t{y} + lines * kGlyphHeight * scale;
  Rect rect{x, y, Saturate(right - x), Saturate(bottom - y)};
  if (longest == 0) rect.width = 0;
  return rect;
}

Rect Canvas::DrawText(int x, int y, std::string_view text, int scale,
                      uint32_t color) {
  scale = std::max(scale, 1);
  const int64_t cell_w = int64_t{kGlyphWidth} * scale;
  const int64_t cell_h = int64_t{kGlyphHeight} * scale;
  int64_t pen_x = x, pen_y = y;
  for (char c : text) {
    if (c == '\n') {
      pen_x = x;
      pen_y += cell_h;
      continue;
    }
    const bool visible = pen_x < width_ && pen_x + cell_w > 0 &&
                         pen_y < height_ && pen_y + cell_h > 0;
    if (visible) {
      const uint8_t* rows = GlyphRows(c);
      for (int gy = 0; gy < kGlyphHeight; ++gy) {
        const int bits = rows[gy];
        int gx = 0;
        while (gx < kGlyphWidth) {
          if (!(bits & (1 << gx))) {
            ++gx;
            continue;
          }
          const int run_begin = gx;
          while (gx < kGlyphWidth && (bits & (1 << gx))) ++gx;
          const Rect run = RectFromEdges(
              pen_x + int64_t{run_begin} * scale, pen_y + int64_t{gy} * scale,
              pen_x + int64_t{gx} * scale, pen_y + int64_t{gy + 1} * scale);
          FillRect(run, color);
        }
      }
    }
    pen_x += cell_w;
  }
  return IntersectRects(MeasureText(x, y, text, scale), bounds());
}

void Canvas::CopyFrom(const Canvas& source) {
  const int w = std::min(width_, source.width());
  const int h = std::min(height_, source.height());
  if (w <= 0) return;
  for (int y = 0; y < h; ++y) {
    std::memmove(row(y), source.row(y),
                 static_cast<size_t>(w) * sizeof(uint32_t));
  }
}

}  // namespace tabsim
