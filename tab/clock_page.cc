#include "tab/clock_page.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <utility>

namespace tabsim {
namespace {

constexpr uint32_t kBackground = Rgb(245, 245, 250);
constexpr uint32_t kDigits = Rgb(20, 30, 60);
constexpr uint32_t kTrack = Rgb(210, 215, 225);
constexpr uint32_t kBar = Rgb(40, 120, 220);
constexpr uint32_t kCaption = Rgb(110, 110, 120);
constexpr int kTextChars = 10;  // "HH:MM:SS.t"

}  // namespace

ClockPage::ClockPage(std::string url) : url_(std::move(url)) {}

void ClockPage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  start_ = now;
  wall_at_start_ = std::chrono::system_clock::now();
  next_frame_ = now;
  needs_full_frame_ = true;
}

void ClockPage::OnResize(int /*width*/, int /*height*/) {
  needs_full_frame_ = true;
}

bool ClockPage::NeedsFrame(Clock::time_point now) const {
  return needs_full_frame_ || now >= next_frame_;
}

std::optional<Clock::time_point> ClockPage::NextWakeup() const {
  return next_frame_;
}

void ClockPage::TimeAt(Clock::time_point now, std::string* text,
                       double* minute_fraction) const {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  const auto wall =
      wall_at_start_ +
      duration_cast<std::chrono::system_clock::duration>(now - start_);
  const auto since_epoch_ms =
      duration_cast<milliseconds>(wall.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(since_epoch_ms / 1000);
  const int millis = static_cast<int>(since_epoch_ms % 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d:%02d.%d", local.tm_hour,
                local.tm_min, local.tm_sec, millis / 100);
  *text = buffer;
  *minute_fraction = (local.tm_sec % 60 + millis / 1000.0) / 60.0;
}

Rect ClockPage::Render(Canvas& canvas, Clock::time_point now) {
  std::string text;
  double fraction = 0;
  TimeAt(now, &text, &fraction);

  const int w = canvas.width();
  const int h = canvas.height();
  const int scale =
      std::max(1, std::min({8, (w - 16) / (kTextChars * kGlyphWidth),
                            h / (3 * kGlyphHeight)}));
  const Rect text_size = Canvas::MeasureText(0, 0, text, scale);
  const int text_x = (w - text_size.width) / 2;
  const int text_y = std::max(0, (h - text_size.height) / 2 - scale * 4);
  const int bar_height = std::max(2, scale * 2);
  const Rect track{w / 10, text_y + text_size.height + scale * 4,
                   w - 2 * (w / 10), bar_height};
  const Rect bar{track.x, track.y, static_cast<int>(track.width * fraction),
                 track.height};

  canvas.Clear(kBackground);
  canvas.DrawText(8, 8, "sim://clock", 1, kCaption);
  const Rect text_rect = canvas.DrawText(text_x, text_y, text, scale, kDigits);
  canvas.FillRect(track, kTrack);
  canvas.FillRect(bar, kBar);

  Rect damage;
  if (needs_full_frame_) {
    damage = canvas.bounds();
  } else {
    damage = IntersectRects(track, canvas.bounds());
    if (text != last_text_) damage = UnionRects(damage, text_rect);
  }
  last_text_ = std::move(text);
  needs_full_frame_ = false;
  next_frame_ += kFramePeriod;
  if (next_frame_ <= now) next_frame_ = now + kFramePeriod;
  return damage;
}

}  // namespace tabsim
