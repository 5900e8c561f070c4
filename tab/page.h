// A simulated web page running inside a tab process.
//
// Ownership: the tab process (tab/tab_process.cc) owns exactly one Page at a
// time and replaces it on navigation. A Page owns whatever private state it
// needs (a paint canvas, a ball position); it never owns the shared frame
// buffers: Render() is handed a Canvas that points into a buffer the tab owns
// for the duration of the call only.
//
// Threading: single-threaded; every method is called from the tab's loop.
//
// Failure: pages never report errors to the caller. Misbehaving pages
// (sim://crash, sim://hang, ...) misbehave on purpose inside Tick().
#ifndef TABSIM_TAB_PAGE_H_
#define TABSIM_TAB_PAGE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tab/canvas.h"

namespace tabsim {

using Clock = std::chrono::steady_clock;

enum class MouseAction { kMove, kDown, kUp };
enum class KeyAction { kDown, kUp };

struct MouseInput {
  MouseAction action = MouseAction::kMove;
  int button = 0;  // 0 left, 1 middle, 2 right
  int x = 0;       // in page pixels; may lie outside the page
  int y = 0;
};

struct KeyInput {
  KeyAction action = KeyAction::kDown;
  uint32_t key_code = 0;  // see KeyCode in proto/tabsim.proto
  std::string text;       // UTF-8 text the key produces, may be empty
};

struct WheelInput {
  int x = 0;
  int y = 0;
  int delta_x = 0;
  int delta_y = 0;
};

class Page {
 public:
  virtual ~Page() = default;

  // The URL this page was created for, e.g. "sim://clock".
  virtual std::string Url() const = 0;
  virtual std::string Title() const = 0;

  // Called once, right after construction, before the first Render().
  virtual void Start(Clock::time_point now, int width, int height) = 0;

  // Input. The default ignores it.
  virtual void OnMouse(const MouseInput& /*input*/) {}
  virtual void OnKey(const KeyInput& /*input*/) {}
  virtual void OnWheel(const WheelInput& /*input*/) {}
  // The bitmap changed size; the next Render() gets a canvas of that size.
  virtual void OnResize(int width, int height) = 0;

  // Called on every loop iteration (at least every NextWakeup()). Hostile
  // pages do their damage here (crash, hang, ...).
  virtual void Tick(Clock::time_point /*now*/) {}

  // True when the page has something new to show (animation due, input
  // applied, first frame). The tab renders only when this is true and a
  // buffer is free.
  virtual bool NeedsFrame(Clock::time_point now) const = 0;

  // When the page next wants Tick()/NeedsFrame() to be polled without any
  // input arriving, e.g. the next animation frame. nullopt = only on input.
  virtual std::optional<Clock::time_point> NextWakeup() const = 0;

  // The wake-up a hidden page still needs: its timers (a title that
  // changes, a hostile page's work in Tick()), which the tab throttles to
  // one a second. Animation frames are not timers: a hidden page gets none,
  // as Chromium runs no requestAnimationFrame callbacks for a hidden page.
  // Default: every wake-up is a timer; a page that only animates says
  // nullopt and costs nothing while hidden.
  virtual std::optional<Clock::time_point> NextTimer() const {
    return NextWakeup();
  }

  // Draws the complete page into `canvas` (the whole buffer must be
  // written: the buffer may hold a frame from two renders ago). Returns the
  // rectangle that differs from the previous frame (the damage).
  virtual Rect Render(Canvas& canvas, Clock::time_point now) = 0;
};

class PageHost;

// Creates the page for `url`. Never returns null: an unknown or malformed
// URL yields an error page that shows the URL and why it failed. `host`
// (may be null, e.g. in unit tests) must outlive the page; only the hostile
// pages use it, and without one they do nothing to the channel.
std::unique_ptr<Page> CreatePage(const std::string& url,
                                 PageHost* host = nullptr);

}  // namespace tabsim

#endif  // TABSIM_TAB_PAGE_H_
