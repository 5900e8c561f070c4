#include "tab/page.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tab/key_codes.h"
#include "tab/paint_page.h"
#include "tab/slow_page.h"
#include "tab/stamp_page.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;

constexpr uint32_t kPoison = 0x12345678u;

// A heap frame buffer plus a Canvas over it, prefilled with garbage so a
// page that fails to write every pixel is caught.
struct Frame {
  Frame(int w, int h)
      : width(w), height(h), pixels(static_cast<size_t>(w) * h, kPoison) {}
  Canvas canvas() { return Canvas(pixels.data(), width, height, width); }
  uint32_t at(int x, int y) const {
    return pixels[static_cast<size_t>(y) * width + x];
  }
  bool AnyPoison() const {
    for (uint32_t p : pixels)
      if (p == kPoison) return true;
    return false;
  }
  int width, height;
  std::vector<uint32_t> pixels;
};

struct Started {
  std::unique_ptr<Page> page;
  Clock::time_point start;
};

Started StartPage(const std::string& url, int w, int h) {
  Started s{CreatePage(url), Clock::now()};
  s.page->Start(s.start, w, h);
  return s;
}

Rect RenderInto(Page& page, Frame& frame, Clock::time_point now) {
  Canvas canvas = frame.canvas();
  return page.Render(canvas, now);
}

TEST(PageFactoryTest, KnownPagesHaveTheirTitles) {
  const std::pair<const char*, const char*> cases[] = {
      {"sim://blank", "Blank"},   {"sim://clock", "Clock"},
      {"sim://bounce", "Bounce"}, {"sim://paint", "Paint"},
      {"sim://crash", "Crash"},   {"sim://crash?after=250", "Crash"},
      {"sim://hang", "Hang"},     {"sim://hang?after=0", "Hang"},
      {"sim://stamp", "Stamp"},   {"SIM://Blank/", "Blank"},
      {"sim://abort", "Abort"},   {"sim://abort?after=10", "Abort"},
      {"sim://exit", "Exit"},     {"sim://exit?code=0", "Exit"},
      {"sim://exit?code=255&after=5", "Exit"},
      {"sim://slow", "Slow"},     {"sim://leak", "Leak"},
      {"sim://flood", "Flood"},   {"sim://fork-bomb", "Fork bomb"},
      {"sim://escape", "Escape"}, {"sim://bad-syscall", "Bad syscall"},
      {"sim://frames", "Frames"}, {"SIM://Fork-Bomb/", "Fork bomb"},
      {"sim://bad-message?kind=oversized-length", "Bad message"},
      {"sim://bad-message?kind=garbage", "Bad message"},
      {"sim://bad-message?kind=truncated", "Bad message"},
      {"sim://bad-message?kind=unknown-type", "Bad message"},
      {"sim://bad-message?kind=bad-buffer-index", "Bad message"},
      {"sim://bad-message?kind=held-buffer", "Bad message"},
      {"sim://bad-message?kind=wrong-version", "Bad message"},
      {"sim://bad-message?kind=shrink-memfd", "Bad message"},
      {"sim://bad-message?kind=grow-memfd", "Bad message"},
  };
  for (const auto& [url, title] : cases) {
    const auto page = CreatePage(url);
    ASSERT_NE(page, nullptr) << url;
    EXPECT_EQ(page->Title(), title) << url;
    EXPECT_EQ(page->Url(), url);
  }
}

TEST(PageFactoryTest, BadUrlsGiveTheErrorPage) {
  const char* urls[] = {
      "",
      "sim://",
      "sim://nope",
      "http://example.com",
      "blank",
      "sim:/blank",
      "sim://crash?after=abc",
      "sim://crash?after=-5",
      "sim://crash?after=",
      "sim://crash?after=3600001",
      "sim://hang?after=99999999999999999999999",
      "sim://hang?after=1&after=2",
      "sim://hang?delay=5",
      "sim://hang?after",
      "sim://clock?after=5",
      "sim://blank?x=1",
      "sim://blank\x01\xff",
      "sim://exit?code=256",
      "sim://exit?code=-1",
      "sim://exit?code=",
      "sim://exit?code=1e2",
      "sim://exit?code=0007",
      "sim://exit?code=1&code=2",
      "sim://abort?code=1",
      "sim://bad-message",
      "sim://bad-message?kind=",
      "sim://bad-message?kind=Garbage",
      "sim://bad-message?kind=nope",
      "sim://bad-message?kind=garbage&after=1",
      "sim://escape?x=1",
      "sim://leak?limit=5",
      "sim://frames?fast=1",
      "sim://forkbomb",
  };
  for (const char* url : urls) {
    const auto page = CreatePage(url);
    ASSERT_NE(page, nullptr) << url;
    EXPECT_EQ(page->Title(), "Error") << url;
    EXPECT_EQ(page->Url(), url);
  }
  EXPECT_EQ(CreatePage("sim://crash?after=3600000")->Title(), "Crash");
  EXPECT_EQ(CreatePage(std::string(100000, 'x'))->Title(), "Error");
}

TEST(PageTest, EveryPageRendersEveryPixelAtAnySize) {
  // sim://slow is left out: each of its frames takes 200 ms.
  const char* urls[] = {"sim://blank", "sim://clock", "sim://bounce",
                        "sim://paint", "sim://crash", "sim://hang",
                        "sim://stamp", "sim://what?", "sim://crash?after=abc",
                        "sim://abort", "sim://exit?code=3", "sim://leak",
                        "sim://flood", "sim://fork-bomb", "sim://escape",
                        "sim://bad-syscall", "sim://frames",
                        "sim://bad-message?kind=garbage"};
  const std::pair<int, int> sizes[] = {{1, 1}, {2, 1},   {1, 3},    {3, 2},
                                       {7, 5}, {33, 17}, {640, 480}};
  for (const char* url : urls) {
    auto s = StartPage(url, 1, 1);
    auto now = s.start;
    for (const auto& [w, h] : sizes) {
      s.page->OnResize(w, h);
      EXPECT_TRUE(s.page->NeedsFrame(now)) << url;
      Frame frame(w, h);
      const Rect damage = RenderInto(*s.page, frame, now);
      EXPECT_FALSE(frame.AnyPoison()) << url << " " << w << "x" << h;
      EXPECT_FALSE(damage.IsEmpty()) << url;
      EXPECT_GE(damage.x, 0);
      EXPECT_GE(damage.y, 0);
      EXPECT_LE(damage.x + damage.width, w);
      EXPECT_LE(damage.y + damage.height, h);
      // Input at any coordinates is harmless.
      s.page->OnMouse({MouseAction::kDown, 0, -50, h + 100});
      s.page->OnMouse({MouseAction::kMove, 0, w * 3, -7});
      s.page->OnMouse({MouseAction::kUp, 0, w / 2, h / 2});
      s.page->OnKey({KeyAction::kDown, kKeyCharacter, "Z"});
      s.page->OnWheel({0, 0, 0, 120});
      now += milliseconds(20);
    }
  }
}

TEST(PageTest, NeedsFrameBeforeTheFirstFrame) {
  for (const char* url :
       {"sim://blank", "sim://clock", "sim://bounce", "sim://paint",
        "sim://crash?after=1000", "sim://hang?after=1000", "sim://stamp",
        "sim://bad"}) {
    auto s = StartPage(url, 100, 80);
    EXPECT_TRUE(s.page->NeedsFrame(s.start)) << url;
  }
}

TEST(PageTest, StaticPagesRenderOnlyWhenNeeded) {
  for (const char* url : {"sim://blank", "sim://bad"}) {
    auto s = StartPage(url, 100, 80);
    Frame frame(100, 80);
    RenderInto(*s.page, frame, s.start);
    EXPECT_FALSE(s.page->NeedsFrame(s.start + milliseconds(500))) << url;
    EXPECT_FALSE(s.page->NextWakeup().has_value()) << url;
    s.page->OnResize(50, 50);
    EXPECT_TRUE(s.page->NeedsFrame(s.start)) << url;
  }
}

TEST(StampPageTest, NthRenderFillsEveryPixelWithN) {
  auto s = StartPage("sim://stamp", 37, 23);
  for (uint32_t n = 1; n <= 5; ++n) {
    EXPECT_TRUE(s.page->NeedsFrame(s.start));
    ASSERT_TRUE(s.page->NextWakeup().has_value());
    const auto wakeup = *s.page->NextWakeup();
    EXPECT_LE(wakeup, Clock::now());
    Frame frame(37, 23);
    const Rect damage = RenderInto(*s.page, frame, s.start);
    for (uint32_t p : frame.pixels) ASSERT_EQ(p, 0xFF000000u | n);
    EXPECT_EQ(damage.x, 0);
    EXPECT_EQ(damage.y, 0);
    EXPECT_EQ(damage.width, 37);
    EXPECT_EQ(damage.height, 23);
  }
  EXPECT_EQ(StampPage::ColorOfFrame(0x1000002u), 0xFF000002u);
}

TEST(PaintPageTest, DragDrawsAStrokeAtTheGivenCoordinates) {
  auto s = StartPage("sim://paint", 200, 120);
  EXPECT_EQ(s.page->Title(), "Paint");
  Frame first(200, 120);
  RenderInto(*s.page, first, s.start);
  EXPECT_FALSE(s.page->NeedsFrame(s.start));
  EXPECT_EQ(first.at(100, 90), PaintPage::kBackground);

  s.page->OnMouse({MouseAction::kDown, 0, 10, 50});
  s.page->OnMouse({MouseAction::kMove, 0, 60, 50});
  s.page->OnMouse({MouseAction::kUp, 0, 60, 50});
  s.page->OnMouse({MouseAction::kMove, 0, 150, 100});  // not drawing any more
  EXPECT_TRUE(s.page->NeedsFrame(s.start));

  Frame frame(200, 120);
  const Rect damage = RenderInto(*s.page, frame, s.start);
  for (int x = 10; x <= 60; ++x) {
    EXPECT_EQ(frame.at(x, 50), PaintPage::kStrokeColor) << x;
    EXPECT_EQ(frame.at(x, 49), PaintPage::kStrokeColor) << x;
    EXPECT_EQ(frame.at(x, 51), PaintPage::kStrokeColor) << x;
  }
  EXPECT_EQ(frame.at(150, 100), PaintPage::kBackground);
  EXPECT_EQ(frame.at(100, 90), PaintPage::kBackground);
  EXPECT_EQ(frame.at(35, 60), PaintPage::kBackground);
  EXPECT_LE(damage.x, 10);
  EXPECT_GE(damage.x + damage.width, 61);
  EXPECT_LE(damage.y, 50);
  EXPECT_GE(damage.y + damage.height, 51);
  EXPECT_LT(damage.width, 200);

  // The stroke persists in the page's own memory across frames.
  Frame again(200, 120);
  RenderInto(*s.page, again, s.start);
  EXPECT_EQ(again.at(35, 50), PaintPage::kStrokeColor);
  // And across a resize (the kept part).
  s.page->OnResize(100, 70);
  Frame smaller(100, 70);
  RenderInto(*s.page, smaller, s.start);
  EXPECT_EQ(smaller.at(35, 50), PaintPage::kStrokeColor);
  EXPECT_EQ(smaller.at(90, 65), PaintPage::kBackground);
}

TEST(PaintPageTest, OtherButtonsDoNotDraw) {
  auto s = StartPage("sim://paint", 100, 100);
  Frame before(100, 100);
  RenderInto(*s.page, before, s.start);
  s.page->OnMouse({MouseAction::kDown, 2, 10, 50});
  s.page->OnMouse({MouseAction::kMove, 2, 60, 50});
  s.page->OnMouse({MouseAction::kUp, 2, 60, 50});
  EXPECT_FALSE(s.page->NeedsFrame(s.start));
  Frame after(100, 100);
  RenderInto(*s.page, after, s.start);
  EXPECT_EQ(after.pixels, before.pixels);
}

TEST(PaintPageTest, TypingDrawsTextAndBackspaceRemovesIt) {
  auto s = StartPage("sim://paint", 200, 120);
  Frame blank(200, 120);
  RenderInto(*s.page, blank, s.start);

  s.page->OnKey({KeyAction::kDown, kKeyCharacter, "h"});
  s.page->OnKey({KeyAction::kUp, kKeyCharacter, "h"});
  s.page->OnKey({KeyAction::kDown, kKeyCharacter, "i"});
  EXPECT_TRUE(s.page->NeedsFrame(s.start));
  Frame typed(200, 120);
  const Rect damage = RenderInto(*s.page, typed, s.start);
  const auto* paint = static_cast<const PaintPage*>(s.page.get());
  EXPECT_EQ(paint->text(), "hi");

  // Text area: two scale-2 cells below the header.
  const int top = PaintPage::kHeaderHeight + PaintPage::kTextMargin;
  int text_pixels = 0;
  for (int y = top; y < top + 16; ++y)
    for (int x = PaintPage::kTextMargin; x < PaintPage::kTextMargin + 32; ++x)
      text_pixels += typed.at(x, y) == PaintPage::kTextColor;
  EXPECT_GT(text_pixels, 20);
  EXPECT_FALSE(damage.IsEmpty());
  EXPECT_LT(damage.width, 200);

  s.page->OnKey({KeyAction::kDown, kKeyEnter, ""});
  s.page->OnKey({KeyAction::kDown, kKeyCharacter, "x"});
  EXPECT_EQ(paint->text(), "hi\nx");
  s.page->OnKey({KeyAction::kDown, kKeyBackspace, ""});
  s.page->OnKey({KeyAction::kDown, kKeyBackspace, ""});
  s.page->OnKey({KeyAction::kDown, kKeyBackspace, ""});
  s.page->OnKey({KeyAction::kDown, kKeyBackspace, ""});
  s.page->OnKey({KeyAction::kDown, kKeyBackspace, ""});  // on empty: no-op
  EXPECT_EQ(paint->text(), "");
  Frame erased(200, 120);
  RenderInto(*s.page, erased, s.start);
  EXPECT_EQ(erased.pixels, blank.pixels);
}

TEST(BouncePageTest, AnimatesAt60Fps) {
  auto s = StartPage("sim://bounce", 320, 240);
  EXPECT_EQ(s.page->Title(), "Bounce");
  Frame frame(320, 240);
  const Rect first = RenderInto(*s.page, frame, s.start);
  EXPECT_EQ(first.width, 320);  // first frame: everything
  ASSERT_TRUE(s.page->NextWakeup().has_value());
  const auto wakeup = *s.page->NextWakeup();
  EXPECT_GT(wakeup, s.start);
  EXPECT_LE(wakeup, s.start + milliseconds(17));
  EXPECT_FALSE(s.page->NeedsFrame(s.start + milliseconds(1)));
  EXPECT_TRUE(s.page->NeedsFrame(wakeup));

  Frame next(320, 240);
  const Rect damage = RenderInto(*s.page, next, wakeup);
  EXPECT_FALSE(damage.IsEmpty());
  EXPECT_LT(damage.width, 320);  // only around the ball
  EXPECT_LT(damage.height, 240);
  EXPECT_NE(next.pixels, frame.pixels);  // it moved
  // Everything outside the damage is unchanged.
  for (int y = 0; y < 240; ++y) {
    for (int x = 0; x < 320; ++x) {
      const bool inside = x >= damage.x && x < damage.x + damage.width &&
                          y >= damage.y && y < damage.y + damage.height;
      if (!inside) {
        ASSERT_EQ(next.at(x, y), frame.at(x, y)) << x << "," << y;
      }
    }
  }
  EXPECT_GT(*s.page->NextWakeup(), wakeup);
}

TEST(ClockPageTest, AnimatesAbout30Fps) {
  auto s = StartPage("sim://clock", 400, 200);
  Frame frame(400, 200);
  RenderInto(*s.page, frame, s.start);
  ASSERT_TRUE(s.page->NextWakeup().has_value());
  const auto wakeup = *s.page->NextWakeup();
  EXPECT_GE(wakeup, s.start + milliseconds(20));
  EXPECT_LE(wakeup, s.start + milliseconds(40));
  EXPECT_FALSE(s.page->NeedsFrame(s.start));
  EXPECT_TRUE(s.page->NeedsFrame(wakeup));
  const Rect damage = RenderInto(*s.page, frame, wakeup);
  EXPECT_LT(damage.height, 200);
}

TEST(HostilePageTest, CrashAndHangWakeUpAfterTheirDelay) {
  for (const char* url : {"sim://crash?after=500", "sim://hang?after=500"}) {
    auto s = StartPage(url, 100, 100);
    Frame frame(100, 100);
    RenderInto(*s.page, frame, s.start);
    EXPECT_FALSE(s.page->NeedsFrame(s.start));
    ASSERT_TRUE(s.page->NextWakeup().has_value());
    EXPECT_EQ(*s.page->NextWakeup(), s.start + milliseconds(500));
    s.page->Tick(s.start + milliseconds(100));  // too early: harmless
  }
}

TEST(HostilePageTest, CrashWaitsForItsFirstFrame) {
  auto s = StartPage("sim://crash", 100, 100);
  s.page->Tick(s.start + milliseconds(10));  // not rendered yet: survives
  SUCCEED();
}

TEST(HostilePageDeathTest, CrashSegfaults) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  // The threadsafe style re-executes this binary; under AddressSanitizer,
  // let the fault kill the child instead of ASan turning it into exit(1).
  const char* asan = std::getenv("ASAN_OPTIONS");
  const std::string options =
      std::string(asan ? asan : "") + (asan ? ":" : "") + "handle_segv=0";
  setenv("ASAN_OPTIONS", options.c_str(), 1);
  EXPECT_EXIT(
      {
        auto s = StartPage("sim://crash?after=5", 64, 64);
        Frame frame(64, 64);
        RenderInto(*s.page, frame, s.start);
        s.page->Tick(s.start + milliseconds(5));
      },
      testing::KilledBySignal(SIGSEGV), "");
}

TEST(SlowPageTest, EveryRenderTakesItsTime) {
  auto s = StartPage("sim://slow", 80, 60);
  Frame frame(80, 60);
  const auto before = Clock::now();
  RenderInto(*s.page, frame, s.start);
  EXPECT_GE(Clock::now() - before, SlowPage::kRenderTime);
  EXPECT_FALSE(frame.AnyPoison());
  EXPECT_FALSE(s.page->NeedsFrame(s.start));
  s.page->OnKey({KeyAction::kDown, kKeyCharacter, "a"});
  EXPECT_TRUE(s.page->NeedsFrame(s.start));
}

}  // namespace
}  // namespace tabsim
