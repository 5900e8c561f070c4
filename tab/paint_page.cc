#include "tab/paint_page.h"

#include <algorithm>
#include <utility>

#include "tab/key_codes.h"

namespace tabsim {
namespace {

constexpr uint32_t kHeaderBackground = Rgb(225, 228, 235);
constexpr uint32_t kHeaderText = Rgb(70, 70, 80);
constexpr uint32_t kCursorColor = Rgb(120, 120, 200);
constexpr int kCell = kGlyphWidth * PaintPage::kTextScale;
constexpr int kTextTop = PaintPage::kHeaderHeight + PaintPage::kTextMargin;

// Keeps printable ASCII; every other UTF-8 character becomes one '?'.
std::string Printable(const std::string& utf8) {
  std::string out;
  for (char c : utf8) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out += c;
    } else if (byte >= 0xC0 || byte < 0x20 || byte == 0x7F) {
      out += '?';  // a lead byte or a control; continuation bytes vanish
    }
  }
  return out;
}

}  // namespace

PaintPage::PaintPage(std::string url) : url_(std::move(url)) {}

void PaintPage::Start(Clock::time_point /*now*/, int width, int height) {
  ResizeStrokes(width, height);
  needs_full_frame_ = true;
}

void PaintPage::ResizeStrokes(int width, int height) {
  width = std::max(width, 0);
  height = std::max(height, 0);
  if (width == width_ && height == height_) return;
  std::vector<uint32_t> resized(static_cast<size_t>(width) * height,
                                kBackground);
  const int keep_w = std::min(width, width_);
  const int keep_h = std::min(height, height_);
  for (int y = 0; y < keep_h; ++y) {
    std::copy_n(strokes_.begin() + static_cast<ptrdiff_t>(y) * width_, keep_w,
                resized.begin() + static_cast<ptrdiff_t>(y) * width);
  }
  strokes_ = std::move(resized);
  width_ = width;
  height_ = height;
  needs_full_frame_ = true;
}

void PaintPage::OnResize(int width, int height) {
  ResizeStrokes(width, height);
  needs_full_frame_ = true;
}

void PaintPage::AddDamage(const Rect& rect) {
  damage_ =
      UnionRects(damage_, IntersectRects(rect, Rect{0, 0, width_, height_}));
}

void PaintPage::DrawStroke(int x0, int y0, int x1, int y1) {
  Canvas canvas(strokes_.data(), width_, height_, width_);
  canvas.DrawLine(x0, y0, x1, y1, kStrokeThickness, kStrokeColor);
  const int64_t pad = kStrokeThickness;
  const int64_t left = std::min(x0, x1) - pad, top = std::min(y0, y1) - pad;
  const int64_t right = std::max(x0, x1) + pad + 1;
  const int64_t bottom = std::max(y0, y1) + pad + 1;
  // Clip in 64 bits first: the input may be anywhere.
  const int64_t cl = std::max<int64_t>(left, 0), ct = std::max<int64_t>(top, 0);
  const int64_t cr = std::min<int64_t>(right, width_);
  const int64_t cb = std::min<int64_t>(bottom, height_);
  if (cl < cr && ct < cb) {
    AddDamage(Rect{static_cast<int>(cl), static_cast<int>(ct),
                   static_cast<int>(cr - cl), static_cast<int>(cb - ct)});
  }
}

void PaintPage::OnMouse(const MouseInput& input) {
  switch (input.action) {
    case MouseAction::kDown:
      if (input.button != 0) return;
      drawing_ = true;
      DrawStroke(input.x, input.y, input.x, input.y);
      break;
    case MouseAction::kMove:
      if (!drawing_) return;
      DrawStroke(last_x_, last_y_, input.x, input.y);
      break;
    case MouseAction::kUp:
      if (!drawing_ || input.button != 0) return;
      DrawStroke(last_x_, last_y_, input.x, input.y);
      drawing_ = false;
      break;
  }
  last_x_ = input.x;
  last_y_ = input.y;
}

void PaintPage::OnKey(const KeyInput& input) {
  if (input.action != KeyAction::kDown) return;
  switch (input.key_code) {
    case kKeyEnter:
      SetText(text_ + '\n');
      break;
    case kKeyBackspace:
      if (!text_.empty()) SetText(text_.substr(0, text_.size() - 1));
      break;
    case kKeyCharacter:
    case kKeyUnknown:
      if (!input.text.empty()) SetText(text_ + Printable(input.text));
      break;
    default:
      break;
  }
}

void PaintPage::SetText(std::string text) {
  if (text.size() > kMaxTextLength) return;
  const Rect before = TextArea();
  text_ = std::move(text);
  AddDamage(UnionRects(before, TextArea()));
}

std::string PaintPage::WrappedText() const {
  const int columns = std::max(1, (width_ - 2 * kTextMargin) / kCell);
  std::string out;
  int column = 0;
  for (char c : text_) {
    if (c == '\n') {
      out += c;
      column = 0;
      continue;
    }
    if (column == columns) {
      out += '\n';
      column = 0;
    }
    out += c;
    ++column;
  }
  return out;
}

Rect PaintPage::CursorRect(const std::string& wrapped) {
  const size_t last_break = wrapped.rfind('\n');
  const size_t line_start =
      last_break == std::string::npos ? 0 : last_break + 1;
  const int lines =
      1 + static_cast<int>(std::count(wrapped.begin(), wrapped.end(), '\n'));
  const int column = static_cast<int>(wrapped.size() - line_start);
  return Rect{kTextMargin + column * kCell, kTextTop + (lines - 1) * kCell, 2,
              kCell};
}

Rect PaintPage::TextArea() const {
  const std::string wrapped = WrappedText();
  return UnionRects(
      Canvas::MeasureText(kTextMargin, kTextTop, wrapped, kTextScale),
      CursorRect(wrapped));
}

bool PaintPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_full_frame_ || !damage_.IsEmpty();
}

std::optional<Clock::time_point> PaintPage::NextWakeup() const {
  return std::nullopt;
}

Rect PaintPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  if (canvas.width() != width_ || canvas.height() != height_) {
    ResizeStrokes(canvas.width(), canvas.height());
  }
  canvas.CopyFrom(Canvas(strokes_.data(), width_, height_, width_));
  canvas.FillRect(Rect{0, 0, width_, kHeaderHeight}, kHeaderBackground);
  canvas.DrawText(kTextMargin, (kHeaderHeight - kGlyphHeight) / 2,
                  "Paint: drag to draw, type to write", 1, kHeaderText);
  const std::string wrapped = WrappedText();
  canvas.DrawText(kTextMargin, kTextTop, wrapped, kTextScale, kTextColor);
  canvas.FillRect(CursorRect(wrapped), kCursorColor);
  const Rect damage = needs_full_frame_ ? canvas.bounds() : damage_;
  needs_full_frame_ = false;
  damage_ = Rect{};
  return damage;
}

}  // namespace tabsim
