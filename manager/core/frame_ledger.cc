#include "manager/core/frame_ledger.h"

#include <utility>

#include "common/check.h"
#include "common/protocol.h"

namespace tabsim {

Result<uint32_t> FrameLedger::AddRegion(const std::string& name, int width,
                                        int height, uint32_t generation) {
  TABSIM_CHECK(width > 0 && height > 0 && width <= kMaxFrameDimension &&
               height <= kMaxFrameDimension);
  TABSIM_CHECK(generation == 0 || generation >= next_generation_)
      << "region generations must increase";
  if (regions_.size() >= kMaxRegions)
    return Error{"the tab has not caught up with earlier resizes", EBUSY};
  auto memory = SharedMemoryRegion::Create(name, RegionBytes(width, height));
  if (!memory.ok()) return memory.error();
  auto mapping = memory->MapReadOnly();
  if (!mapping.ok()) return mapping.error();
  Region region;
  if (generation != 0) next_generation_ = generation;
  region.generation = next_generation_++;
  region.width = width;
  region.height = height;
  region.fd = std::move(memory).value().TakeFd();
  region.mapping = std::move(mapping).value();
  regions_.push_back(std::move(region));
  return regions_.back().generation;
}

const FrameLedger::Region* FrameLedger::Find(uint32_t generation) const {
  for (const Region& region : regions_)
    if (region.generation == generation) return &region;
  return nullptr;
}

FrameLedger::Region* FrameLedger::Find(uint32_t generation) {
  return const_cast<Region*>(std::as_const(*this).Find(generation));
}

UniqueFd FrameLedger::TakeFd(uint32_t generation) {
  Region* region = Find(generation);
  TABSIM_CHECK(region != nullptr) << "no region " << generation;
  TABSIM_CHECK(region->fd.IsValid()) << "region " << generation << " handed over twice";
  return std::move(region->fd);
}

std::variant<FrameLedger::Accepted, BadMessageReason> FrameLedger::OnFrameReady(
    const proto::FrameReady& frame, uint64_t inputs_sent,
    uint64_t navigations_sent) {
  const Region* region = Find(frame.region_generation());
  if (region == nullptr) return BadMessageReason::kUnknownRegionGeneration;
  if (frame.buffer_index() >= kBuffersPerRegion)
    return BadMessageReason::kBufferIndexOutOfRange;
  if (held_ && held_->generation == frame.region_generation() &&
      held_->index == frame.buffer_index())
    return BadMessageReason::kBufferStillHeld;
  if (frame.frame_sequence() <= last_sequence_)
    return BadMessageReason::kFrameSequenceNotIncreasing;
  if (frame.last_input_sequence() > inputs_sent)
    return BadMessageReason::kInputSequenceFromFuture;
  if (auto reason = NavigationVerdict(frame.navigation_id(), navigations_sent))
    return *reason;
  const proto::DamageRect& damage = frame.damage();
  if (uint64_t{damage.x()} + damage.width() > uint64_t(region->width) ||
      uint64_t{damage.y()} + damage.height() > uint64_t(region->height))
    return BadMessageReason::kDamageOutOfBounds;

  Accepted accepted;
  accepted.release = held_;
  held_ = BufferId{frame.region_generation(), frame.buffer_index()};
  last_sequence_ = frame.frame_sequence();
  last_navigation_ = frame.navigation_id();
  // The tab has moved to this region: older ones are unmapped.
  while (regions_.front().generation != frame.region_generation())
    regions_.pop_front();
  region = &regions_.front();

  FrameView& view = latest_;
  view.pixels = reinterpret_cast<const uint32_t*>(
      region->mapping.bytes() +
      frame.buffer_index() * FrameBytes(region->width, region->height));
  view.width = region->width;
  view.height = region->height;
  view.sequence = frame.frame_sequence();
  view.last_input_sequence = frame.last_input_sequence();
  view.navigation_id = frame.navigation_id();
  view.region_generation = frame.region_generation();
  view.begin_frame_sequence = frame.begin_frame_sequence();
  view.buffer_index = int(frame.buffer_index());
  view.damage_x = static_cast<int>(damage.x());
  view.damage_y = static_cast<int>(damage.y());
  view.damage_width = static_cast<int>(damage.width());
  view.damage_height = static_cast<int>(damage.height());
  accepted.view = view;
  return accepted;
}

std::optional<BadMessageReason> FrameLedger::NavigationVerdict(
    uint64_t navigation_id, uint64_t navigations_sent) const {
  if (navigation_id > navigations_sent)
    return BadMessageReason::kNavigationFromFuture;
  if (navigation_id < last_navigation_)
    return BadMessageReason::kNavigationWentBack;
  return std::nullopt;
}

std::optional<BadMessageReason> FrameLedger::CheckNavigation(
    uint64_t navigation_id, uint64_t navigations_sent) {
  auto reason = NavigationVerdict(navigation_id, navigations_sent);
  if (!reason) last_navigation_ = navigation_id;
  return reason;
}

void FrameLedger::Clear() {
  regions_.clear();
  held_.reset();
  latest_ = FrameView{};
}

}  // namespace tabsim
