#include "tab/bounce_page.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace tabsim {
namespace {

constexpr uint32_t kBackground = Rgb(235, 245, 235);
constexpr uint32_t kBall = Rgb(220, 60, 40);
constexpr double kSpeedX = 260.0;  // pixels per second
constexpr double kSpeedY = 190.0;

// Position in [0, range] of something moving at `speed` from 0 and
// reflecting off both ends (a triangle wave).
int Reflect(double seconds, double speed, int range) {
  if (range <= 0) return 0;
  const double period = 2.0 * range;
  const double p = std::fmod(seconds * speed, period);
  const double folded = p <= range ? p : period - p;
  return std::clamp(static_cast<int>(folded), 0, range);
}

}  // namespace

BouncePage::BouncePage(std::string url) : url_(std::move(url)) {}

void BouncePage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  start_ = now;
  next_frame_ = now;
  needs_full_frame_ = true;
}

void BouncePage::OnResize(int /*width*/, int /*height*/) {
  needs_full_frame_ = true;
}

bool BouncePage::NeedsFrame(Clock::time_point now) const {
  return needs_full_frame_ || now >= next_frame_;
}

std::optional<Clock::time_point> BouncePage::NextWakeup() const {
  return next_frame_;
}

Rect BouncePage::BallRect(Clock::time_point now, int width, int height) const {
  const int side = std::min(width, height);
  const int diameter =
      std::max(1, std::min(side, 2 * std::clamp(side / 10, 4, 40)));
  const double seconds =
      std::max(0.0, std::chrono::duration<double>(now - start_).count());
  return Rect{Reflect(seconds, kSpeedX, width - diameter),
              Reflect(seconds, kSpeedY, height - diameter), diameter, diameter};
}

Rect BouncePage::Render(Canvas& canvas, Clock::time_point now) {
  const Rect ball = BallRect(now, canvas.width(), canvas.height());
  canvas.Clear(kBackground);
  const int radius = (ball.width - 1) / 2;
  canvas.FillCircle(ball.x + radius, ball.y + radius, radius, kBall);

  const Rect damage =
      needs_full_frame_
          ? canvas.bounds()
          : IntersectRects(UnionRects(last_ball_, ball), canvas.bounds());
  last_ball_ = ball;
  needs_full_frame_ = false;
  next_frame_ += kFramePeriod;
  if (next_frame_ <= now) next_frame_ = now + kFramePeriod;
  return damage;
}

}  // namespace tabsim
