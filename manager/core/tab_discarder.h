// Which tab to discard under memory pressure, and when, in the role of
// Chromium's page_discarding_helper / TabManager and Firefox's TabUnloader
// (about:unloads). See docs/memory.md.
//
// Importance, most important first: the focused tab, visible tabs,
// protected tabs (`protect ID`), then background tabs by how recently they
// were used (shown, focused) weighed against their memory, the least
// recently used and biggest first in line. A
// focused, visible or protected tab is never discarded by pressure. Tabs
// share a process under per-site and limit:N process models; a process's
// memory can only be given back by ending the process, so a shared process
// is discarded whole, and only if every tab in it could be discarded on
// its own; otherwise its tabs are skipped ("shares process 3 with tab 5
// (visible)").
//
// After a discard the discarder waits a settle time before it chooses
// again, so the memory of the ended process is given back and measured
// before anything else goes: a critical level that lasts discards one tab
// per settle time, never a burst. One exception, for leaks: once the last
// discarded process has been reaped (its memory is back and the total was
// measured without it) and the tabs' memory is still growing over the
// budget, a tab that is itself growing may go without waiting; waiting a
// second while a leak grows 600 MiB/s is how a budget is overshot by half.
// A still tab never goes early, so a budget the remaining tabs cannot
// meet still discards one tab per settle time, and a growing tab that may
// not go (focused, protected) does not make the others go early. While the
// tabs grow over the budget a growing tab goes before a still one even
// after the settle time: a still tab's few MiB cannot stop a leak.
//
// Pure logic on plain data with the time passed in (testable with a fake
// clock); TabHost gathers the candidates and does the discarding.
// Single-threaded.
#ifndef TABSIM_MANAGER_CORE_TAB_DISCARDER_H_
#define TABSIM_MANAGER_CORE_TAB_DISCARDER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tabsim {

// One tab as the discarder sees it.
struct DiscardCandidate {
  using Clock = std::chrono::steady_clock;
  int tab_id = 0;
  int process_id = 0;  // tabs with the same process_id share a process
  pid_t pid = -1;
  std::string url;
  bool running = true;  // a gone tab has nothing left to discard
  bool focused = false;
  bool visible = false;
  bool is_protected = false;
  Clock::time_point last_active{};  // last shown or focused
  uint64_t memory_bytes = 0;        // its process's PSS (0: unknown)
  double growth_bytes_per_s = 0;    // its process's (MemoryGrowth::RateOf)
};

// A candidate's place in the discard order, and why.
struct DiscardEntry {
  DiscardCandidate tab;
  bool discardable = false;
  // "focused", "visible", "protected", "not running", "shares process 3
  // with tab 5 (visible)", or for a discardable one "hidden 12.3 s ago".
  std::string reason;
};

// Every candidate, the first to go first: the discardable ones by their
// rank by last_active (oldest 0) plus their rank by memory (biggest 0),
// lowest first, ties to the bigger, then the older; then the kept ones by importance
// (sharing a process with a kept tab, protected, visible, focused; gone
// tabs at the very end).
std::vector<DiscardEntry> DiscardOrder(const std::vector<DiscardCandidate>& tabs,
                                       DiscardCandidate::Clock::time_point now);

// What the pressure is made of, for TabDiscarder::Choose().
struct DiscardContext {
  // The budget is critical and the tabs' memory still grows: a growing
  // tab goes before a still one (discarding a still tab cannot stop a
  // leak), whatever the order.
  bool growing_over_budget = false;
  // The last discarded process has been reaped, so its memory is back
  // and the total was measured without it: with growing_over_budget, a
  // growing tab need not wait out the settle time.
  bool last_discard_released = false;
};

class TabDiscarder {
 public:
  using Clock = std::chrono::steady_clock;
  explicit TabDiscarder(std::chrono::milliseconds settle) : settle_(settle) {}

  using Context = DiscardContext;
  // Under critical pressure at `now`: the tab to discard (the first of
  // DiscardOrder() that may go, the first growing one when the tabs grow
  // over the budget; a shared process's first tab stands for all of it),
  // or nullopt while settling after the last discard (see Context for the
  // one exception) or when nothing may go. The caller discards it and
  // calls Discarded().
  std::optional<DiscardEntry> Choose(const std::vector<DiscardCandidate>& tabs,
                                     Clock::time_point now,
                                     const Context& context = {});
  // A discard happened (automatic or asked for): counts it and starts the
  // settle time.
  void Discarded(Clock::time_point now);
  bool settling(Clock::time_point now) const {
    return discards_ > 0 && now < last_discard_ + settle_;
  }

  void SetProtected(int tab_id, bool on);
  bool is_protected(int tab_id) const { return protected_.count(tab_id) > 0; }
  uint64_t discards() const { return discards_; }
  // Discards made before the settle time was over: growing tabs chosen
  // early, and discards asked for (`discard ID`) while settling.
  uint64_t early_discards() const { return early_discards_; }
  std::chrono::milliseconds settle() const { return settle_; }

 private:
  std::chrono::milliseconds settle_;
  std::set<int> protected_;
  uint64_t discards_ = 0;
  uint64_t early_discards_ = 0;
  Clock::time_point last_discard_{};
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_DISCARDER_H_
