// FrameLedger: the manager's record of a tab's frame regions and of which
// buffer it holds, and the judge of every FrameReady the tab sends.
//
// It creates each region itself (sealed memfd, mapped read-only here), so
// every pixel the manager reads lies inside a mapping it made, whatever the
// tab claims. A FrameReady is accepted only if it names a region the ledger
// still has, a buffer index inside it, a buffer the manager does not hold,
// a sequence above the last, an input sequence the manager has sent, and
// damage inside the frame; otherwise the reason is returned and nothing
// changes. No process or socket is involved, so the fuzzer drives it
// directly (tests/fuzz/tab_message_fuzzer.cc).
//
// Ownership: the ledger owns its regions' mappings, and each region's fd
// until TakeFd() hands it to the tab. A FrameView it returns stays valid
// until the next accepted frame or Clear().
#ifndef TABSIM_MANAGER_CORE_FRAME_LEDGER_H_
#define TABSIM_MANAGER_CORE_FRAME_LEDGER_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <variant>

#include "common/result.h"
#include "common/shared_memory.h"
#include "manager/core/bad_message.h"
#include "manager/core/frame_view.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class FrameLedger {
 public:
  struct BufferId {
    uint32_t generation = 0;
    uint32_t index = 0;
  };
  struct Accepted {
    FrameView view;
    std::optional<BufferId> release;  // give this buffer back to the tab
  };
  // Regions the tab has not caught up with yet, at most.
  static constexpr size_t kMaxRegions = 4;

  // Creates, seals and maps read-only a region for frames of the given size
  // named `name` (/memfd:NAME). Returns its generation: `generation` when
  // given (it must exceed every earlier one: a tab process numbers the
  // regions of all its views from one counter, so a view's frame can never
  // name another view's region), else the next of this ledger's own (1, 2,
  // ...).
  Result<uint32_t> AddRegion(const std::string& name, int width, int height,
                             uint32_t generation = 0);
  // Region `generation`'s fd, to hand to the tab: once per region (CHECKed),
  // after which the ledger keeps only its read-only mapping. So a running
  // tab costs the manager no fd for its regions (4 fds a tab under
  // tabsim-init, 3 without; manager/core/tab_capacity.h).
  UniqueFd TakeFd(uint32_t generation);
  size_t region_count() const { return regions_.size(); }

  // `inputs_sent` and `navigations_sent`: the last input sequence and
  // navigation id the manager has sent; a frame may not claim more.
  std::variant<Accepted, BadMessageReason> OnFrameReady(
      const proto::FrameReady& frame, uint64_t inputs_sent,
      uint64_t navigations_sent);
  // The same navigation checks for frames that arrived another way; on
  // success the navigation id is remembered.
  std::optional<BadMessageReason> CheckNavigation(uint64_t navigation_id,
                                                  uint64_t navigations_sent);

  const FrameView& latest() const { return latest_; }
  uint64_t last_sequence() const { return last_sequence_; }
  // Raises the sequence floor (frames that arrived another way).
  void set_last_sequence(uint64_t sequence) { last_sequence_ = sequence; }
  // Unmaps everything; the ledger is then empty.
  void Clear();

 private:
  struct Region {
    uint32_t generation = 0;
    int width = 0;
    int height = 0;
    UniqueFd fd;  // until TakeFd()
    Mapping mapping;
  };
  const Region* Find(uint32_t generation) const;
  Region* Find(uint32_t generation);
  // The navigation checks both paths share; changes nothing.
  std::optional<BadMessageReason> NavigationVerdict(
      uint64_t navigation_id, uint64_t navigations_sent) const;

  std::deque<Region> regions_;  // oldest first
  uint32_t next_generation_ = 1;
  std::optional<BufferId> held_;
  uint64_t last_sequence_ = 0;
  uint64_t last_navigation_ = 0;
  FrameView latest_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_FRAME_LEDGER_H_
