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
  struct Ranked {
    Block block;
    size_t weight;  // discardable ones only; see below
    DiscardEntry entry;
  };
  std::vector<Ranked> ranked;
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
    ranked.push_back(Ranked{block, 0, std::move(entry)});
  }
  // The discardable ones: least recently used first, weighed against
  // memory: each gets its rank by last use (0: the oldest) plus its rank
  // by memory (0: the biggest), and the lowest sum goes first (ties: the
  // bigger, then the older). So a big tab hidden a little later can go before a tiny one,
  // and tabs loaded together (headless) go biggest first.
  std::vector<Ranked*> free;
  for (Ranked& r : ranked)
    if (r.block == kFree) free.push_back(&r);
  auto by_age = free;
  std::stable_sort(by_age.begin(), by_age.end(), [](Ranked* a, Ranked* b) {
    return a->entry.tab.last_active < b->entry.tab.last_active;
  });
  auto by_memory = free;
  std::stable_sort(by_memory.begin(), by_memory.end(), [](Ranked* a, Ranked* b) {
    return a->entry.tab.memory_bytes > b->entry.tab.memory_bytes;
  });
  // Equal values share a rank (the count of those strictly before).
  for (size_t i = 0, rank = 0; i < by_age.size(); ++i) {
    if (i > 0 && by_age[i]->entry.tab.last_active != by_age[i - 1]->entry.tab.last_active)
      rank = i;
    by_age[i]->weight += rank;
  }
  for (size_t i = 0, rank = 0; i < by_memory.size(); ++i) {
    if (i > 0 && by_memory[i]->entry.tab.memory_bytes !=
                     by_memory[i - 1]->entry.tab.memory_bytes)
      rank = i;
    by_memory[i]->weight += rank;
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.block != b.block) return a.block < b.block;
    if (a.weight != b.weight) return a.weight < b.weight;
    if (a.entry.tab.memory_bytes != b.entry.tab.memory_bytes)
      return a.entry.tab.memory_bytes > b.entry.tab.memory_bytes;
    if (a.entry.tab.last_active != b.entry.tab.last_active)
      return a.entry.tab.last_active < b.entry.tab.last_active;
    return a.entry.tab.tab_id < b.entry.tab.tab_id;
  });
  std::vector<DiscardEntry> order;
  order.reserve(ranked.size());
  for (Ranked& r : ranked) order.push_back(std::move(r.entry));
  return order;
}

std::optional<DiscardEntry> TabDiscarder::Choose(
    const std::vector<DiscardCandidate>& tabs, Clock::time_point now,
    const Context& context) {
  const bool settle = settling(now);
  if (settle && !(context.growing_over_budget && context.last_discard_released))
    return std::nullopt;
  std::vector<DiscardEntry> order = DiscardOrder(tabs, now);
  if (context.growing_over_budget) {
    for (DiscardEntry& entry : order) {
      if (!entry.discardable) break;  // the discardable ones come first
      if (entry.tab.growth_bytes_per_s > 0) return std::move(entry);
    }
    if (settle) return std::nullopt;  // only a growing tab goes early
  }
  if (!order.empty() && order.front().discardable)
    return std::move(order.front());
  return std::nullopt;
}

void TabDiscarder::Discarded(Clock::time_point now) {
  if (settling(now)) ++early_discards_;
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
