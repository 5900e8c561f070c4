#include "manager/core/tab_discarder.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace tabsim {
namespace {

// What keeps a tab from being discarded on its own, by rank (higher is
// more important); 0: nothing.
enum Block { kFree = 0, kShared = 1, kProtected = 2, kVisible = 3, kFocused = 4, kGone = 5 };

Block OwnBlock(const DiscardCandidate& tab) {
  if (!tab.running) return kGone;
  if (tab.focused) return kFocused;
  if (tab.visible) return kVisible;
  if (tab.is_protected) return kProtected;
  return kFree;
}

const char* BlockName(Block block) {
  switch (block) {
    case kGone: return "not running";
    case kFocused: return "focused";
    case kVisible: return "visible";
    case kProtected: return "protected";
    case kShared:
    case kFree: break;
  }
  return "";
}

std::string HiddenFor(DiscardCandidate::Clock::duration age) {
  char text[48];
  std::snprintf(text, sizeof text, "hidden %.1f s ago",
                std::chrono::duration<double>(age).count());
  return text;
}

}  // namespace

std::vector<DiscardEntry> DiscardOrder(const std::vector<DiscardCandidate>& tabs,
                                       DiscardCandidate::Clock::time_point now) {
  // A process may go only if each running tab in it may.
  std::map<int, const DiscardCandidate*> process_blocker;
  for (const DiscardCandidate& tab : tabs) {
    if (tab.process_id == 0 || !tab.running || OwnBlock(tab) == kFree) continue;
    const DiscardCandidate*& blocker = process_blocker[tab.process_id];
    if (blocker == nullptr || OwnBlock(tab) > OwnBlock(*blocker)) blocker = &tab;
  }
  std::vector<std::pair<Block, DiscardEntry>> ranked;
  for (const DiscardCandidate& tab : tabs) {
    Block block = OwnBlock(tab);
    DiscardEntry entry{tab, false, BlockName(block)};
    if (block == kFree) {
      auto blocker = process_blocker.find(tab.process_id);
      if (blocker != process_blocker.end()) {
        block = kShared;
        entry.reason = "shares process " + std::to_string(tab.process_id) +
                       " with tab " + std::to_string(blocker->second->tab_id) +
                       " (" + BlockName(OwnBlock(*blocker->second)) + ")";
      } else {
        entry.discardable = true;
        entry.reason = HiddenFor(now - tab.last_active);
      }
    }
    ranked.emplace_back(block, std::move(entry));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.second.tab.last_active != b.second.tab.last_active)
      return a.second.tab.last_active < b.second.tab.last_active;
    return a.second.tab.tab_id < b.second.tab.tab_id;
  });
  std::vector<DiscardEntry> order;
  order.reserve(ranked.size());
  for (auto& [block, entry] : ranked) order.push_back(std::move(entry));
  return order;
}

std::optional<DiscardEntry> TabDiscarder::Choose(
    const std::vector<DiscardCandidate>& tabs, Clock::time_point now) {
  if (settling(now)) return std::nullopt;
  for (DiscardEntry& entry : DiscardOrder(tabs, now)) {
    if (!entry.discardable) break;  // the discardable ones come first
    return std::move(entry);
  }
  return std::nullopt;
}

void TabDiscarder::Discarded(Clock::time_point now) {
  ++discards_;
  last_discard_ = now;
}

void TabDiscarder::SetProtected(int tab_id, bool on) {
  if (on)
    protected_.insert(tab_id);
  else
    protected_.erase(tab_id);
}

}  // namespace tabsim
