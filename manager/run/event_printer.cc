#include "manager/run/event_printer.h"

#include <string>

#include "manager/core/tab_session.h"

namespace tabsim {
namespace {

std::string Milliseconds(std::chrono::steady_clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f ms",
                std::chrono::duration<double, std::milli>(d).count());
  return text;
}

}  // namespace

EventPrinter::EventPrinter(std::FILE* out)
    : out_(out), start_(std::chrono::steady_clock::now()) {}

void EventPrinter::Print(const TabSession& tab, const std::string& text) {
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                           start_)
                 .count();
  std::fprintf(out_, "[%8.3f] tab %d %s\n", t, tab.id(), text.c_str());
  std::fflush(out_);
}

void EventPrinter::OnTabSpawned(const TabSession& tab) {
  Print(tab, std::string(tab.taken_from_spares() ? "taken from the spares: pid "
                                                  : "spawned: pid ") +
                 std::to_string(tab.pid()) + ", " + tab.url());
}

void EventPrinter::OnTabLive(const TabSession& tab) {
  if (tab.taken_from_spares()) {
    Print(tab, "live (prelaunched " +
                   Milliseconds(std::chrono::steady_clock::now() -
                                tab.spawned_at()) +
                   " ago)");
    return;
  }
  Print(tab, "live (handshake after " +
                 Milliseconds(std::chrono::steady_clock::now() -
                              tab.spawned_at()) +
                 ")");
}

void EventPrinter::OnFrame(const TabSession& tab, const FrameView& frame) {
  // A tab taken from the spares: its blank page before the navigation does
  // not count, and the time runs from the open (that navigation).
  const bool spare = tab.taken_from_spares();
  if (spare && frame.navigation_id < tab.navigation_id()) return;
  if (!first_frame_seen_.insert({tab.id(), int(tab.pid())}).second) return;
  Print(tab, "first frame (" +
                 Milliseconds(std::chrono::steady_clock::now() -
                              (spare ? tab.navigated_at() : tab.spawned_at())) +
                 (spare ? " after open)" : " after spawn)"));
}

void EventPrinter::OnTitleChanged(const TabSession& tab) {
  Print(tab, "title: " + tab.title());
}

void EventPrinter::OnTabLog(const TabSession& tab, const std::string& line) {
  LogBudget& budget = log_budget_[int(tab.pid())];
  auto now = std::chrono::steady_clock::now();
  if (now - budget.window_start >= std::chrono::seconds(1)) {
    if (budget.suppressed > 0)
      Print(tab, "log: (" + std::to_string(budget.suppressed) +
                     " more lines suppressed)");
    budget = LogBudget{now, 0, 0};
  }
  if (budget.printed >= kLogBurst) {
    ++budget.suppressed;
    return;
  }
  ++budget.printed;
  Print(tab, "log: " + line);  // cleaned by the session (CleanTabText)
}

void EventPrinter::OnTabLost(const TabSession& tab) {
  Print(tab, std::string(tab.state() == TabState::kClosed ? "closed" : "lost") +
                 ": " + tab.cause());
}

}  // namespace tabsim
