#include "tab/crash_page.h"

#include <csignal>
#include <cstdlib>
#include <string>
#include <utility>

namespace tabsim {
namespace {

// Volatile so the compiler can neither prove the pointer null (and replace
// the store with a trap instruction, SIGILL) nor drop the store.
int* volatile g_null_pointer = nullptr;

// UBSan would report the null store and exit instead of letting it fault.
[[noreturn]] __attribute__((no_sanitize("null"))) void CrashNow() {
  *static_cast<volatile int*>(g_null_pointer) = 0xDEAD;
  // Only reached if SIGSEGV was handled and the handler returned.
  std::raise(SIGSEGV);
  std::abort();
}

}  // namespace

CrashPage::CrashPage(std::string url, std::chrono::milliseconds after)
    : url_(std::move(url)), after_(after) {}

void CrashPage::Start(Clock::time_point now, int /*width*/, int /*height*/) {
  start_ = now;
}

void CrashPage::OnResize(int /*width*/, int /*height*/) { needs_frame_ = true; }

void CrashPage::Tick(Clock::time_point now) {
  if (rendered_ && now >= start_ + after_) CrashNow();
}

bool CrashPage::NeedsFrame(Clock::time_point /*now*/) const {
  return needs_frame_;
}

std::optional<Clock::time_point> CrashPage::NextWakeup() const {
  return start_ + after_;
}

Rect CrashPage::Render(Canvas& canvas, Clock::time_point /*now*/) {
  canvas.Clear(Rgb(255, 235, 235));
  canvas.DrawText(16, 16, "About to crash", 3, Rgb(180, 20, 20));
  canvas.DrawText(16, 56,
                  "This tab will dereference a null pointer after " +
                      std::to_string(after_.count()) + " ms.",
                  1, Rgb(60, 60, 60));
  rendered_ = true;
  needs_frame_ = false;
  return canvas.bounds();
}

}  // namespace tabsim
