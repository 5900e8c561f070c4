#include "tab/error_page.h"

#include <algorithm>
#include <utility>

namespace tabsim {
namespace {

constexpr uint32_t kBackground = Rgb(250, 250, 250);
constexpr uint32_t kBand = Rgb(200, 40, 40);
constexpr uint32_t kHeading = Rgb(255, 255, 255);
constexpr uint32_t kBody = Rgb(30, 30, 30);
constexpr int kMargin = 12;
constexpr size_t kMaxShownUrl = 600;

// Breaks `text` into lines of at most `columns` characters, preferring to
// break after a space; every character is kept.
std::string Wrap(std::string_view text, int columns) {
  const auto limit = static_cast<size_t>(std::max(columns, 1));
  std::string out;
  while (text.size() > limit) {
    size_t cut = text.substr(0, limit + 1).rfind(' ');
    if (cut == std::string_view::npos || cut == 0) cut = limit;
    out.append(text.substr(0, cut));
    out += '\n';
    text.remove_prefix(cut);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  }
  out.append(text);
  return out;
}

}  // namespace

ErrorPage::ErrorPage(std::string url, std::string reason)
    : url_(std::move(url)), reason_(std::move(reason)) {}

void ErrorPage::Start(Clock::time_point /*now*/, int /*width*/,
                      int /*height*/) {
  needs_frame_ = true;
}

void ErrorPage::OnResize(int /*width*/, int /*height*/) { needs_frame_ = true; }

bool ErrorPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_frame_;
}

std::optional<Clock::time_point> ErrorPage::NextWakeup() const {
  return std::nullopt;
}

Rect ErrorPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  const int scale = canvas.width() >= 480 ? 2 : 1;
  const int line = kGlyphHeight * scale;
  const int columns = (canvas.width() - 2 * kMargin) / (kGlyphWidth * scale);
  std::string shown_url = url_.substr(0, kMaxShownUrl);
  if (url_.size() > kMaxShownUrl) shown_url += "...";

  canvas.Clear(kBackground);
  const int band_height = line * 2 + kMargin;
  canvas.FillRect(Rect{0, 0, canvas.width(), band_height}, kBand);
  canvas.DrawText(kMargin, (band_height - line) / 2, "Error", scale, kHeading);
  const std::string what = Wrap("Cannot load " + shown_url, columns);
  const int what_top = band_height + kMargin;
  canvas.DrawText(kMargin, what_top, what, scale, kBody);
  const int what_bottom =
      what_top + Canvas::MeasureText(0, 0, what, scale).height;
  canvas.DrawText(kMargin, what_bottom + line, Wrap(reason_, columns), scale,
                  kBody);
  needs_frame_ = false;
  return canvas.bounds();
}

}  // namespace tabsim
