#include "tab/tab_view.h"

#include <algorithm>

#include "common/check.h"
#include "tab/tab_process.h"

namespace tabsim {
namespace {

// LogLines from pages are cut to this many bytes.
constexpr size_t kMaxLogText = 1024;

}  // namespace

TabView::TabView(ViewOwner& owner, Config config)
    : owner_(owner), config_(config), last_tick_(config.time_origin) {}

TabView::~TabView() = default;

bool TabView::Start(UniqueFd region, uint32_t generation, int width, int height,
                    uint64_t size, const std::string& url) {
  if (!AdoptRegion(std::move(region), generation, width, height, size))
    return false;
  LoadPage(url, config_.time_origin);
  return true;
}

bool TabView::AdoptRegion(UniqueFd fd, uint32_t generation, int width,
                          int height, uint64_t size) {
  if (width < 1 || height < 1 || width > kMaxFrameDimension ||
      height > kMaxFrameDimension || size != RegionBytes(width, height)) {
    owner_.Fail(kTabExitProtocol, "view " + std::to_string(id()) +
                                      ": a region with a bad size");
    return false;
  }
  auto memory = SharedMemoryRegion::Adopt(std::move(fd), size);
  if (!memory.ok()) {
    owner_.Fail(kTabExitProtocol, "frame region: " + memory.error().message);
    return false;
  }
  auto mapping = memory->MapWritable();
  if (!mapping.ok()) {
    owner_.Fail(kTabExitProtocol, "frame region: " + mapping.error().message);
    return false;
  }
  auto region = std::make_unique<Region>();
  region->generation = generation;
  region->width = width;
  region->height = height;
  region->memory = std::move(memory).value();
  region->mapping = std::move(mapping).value();
  region_ = std::move(region);
  return true;
}

void TabView::LoadPage(const std::string& url, Clock::time_point origin) {
  page_ = CreatePage(url, this);
  page_->Start(origin, region_->width, region_->height);
  last_tick_ = origin;
  force_frame_ = true;
}

void TabView::Send(proto::TabToManager& message, size_t max_message_size) {
  message.set_view_id(config_.id);
  owner_.SendToManager(message, max_message_size);
}

void TabView::OnInput(const proto::InputEvent& input) {
  last_input_applied_ = std::max(last_input_applied_, input.sequence());
  if (input.has_mouse()) {
    const auto& m = input.mouse();
    MouseInput event;
    event.action = m.action() == proto::MouseEvent::DOWN ? MouseAction::kDown
                   : m.action() == proto::MouseEvent::UP ? MouseAction::kUp
                                                         : MouseAction::kMove;
    event.button = static_cast<int>(m.button());
    event.x = m.x();
    event.y = m.y();
    page_->OnMouse(event);
  } else if (input.has_key()) {
    const auto& k = input.key();
    KeyInput event;
    event.action =
        k.action() == proto::KeyEvent::UP ? KeyAction::kUp : KeyAction::kDown;
    event.key_code = static_cast<uint32_t>(k.key_code());
    event.text = k.text();
    page_->OnKey(event);
  } else if (input.has_wheel()) {
    const auto& w = input.wheel();
    page_->OnWheel(WheelInput{w.x(), w.y(), w.delta_x(), w.delta_y()});
  }
}

bool TabView::OnResize(const proto::Resize& resize, UniqueFd region) {
  if (!AdoptRegion(std::move(region), resize.region_generation(),
                   int(resize.width()), int(resize.height()),
                   resize.region_size()))
    return false;
  page_->OnResize(region_->width, region_->height);
  force_frame_ = true;
  return true;
}

void TabView::OnNavigate(const proto::Navigate& navigate) {
  navigation_applied_ = navigate.navigation_id();
  LoadPage(navigate.url(), navigate.time_origin_us() != 0
                               ? Clock::time_point(std::chrono::microseconds(
                                     navigate.time_origin_us()))
                               : Clock::now());
}

void TabView::OnFrameRelease(const proto::FrameRelease& release) {
  // Releases for a region we have already replaced are stale: ignore.
  if (release.region_generation() == region_->generation &&
      release.buffer_index() < kBuffersPerRegion)
    region_->owned[release.buffer_index()] = true;
}

bool TabView::OnBeginFrame(const proto::BeginFrame& begin) {
  if (!config_.paced) {
    owner_.Fail(kTabExitProtocol, "a BeginFrame for an unpaced view");
    return false;
  }
  if (pending_begin_) {
    owner_.Fail(kTabExitProtocol, "a second BeginFrame before the first was answered");
    return false;
  }
  pending_begin_ = begin;
  if (begin.interval_us() > 0)
    interval_ = std::chrono::microseconds(begin.interval_us());
  return true;
}

void TabView::OnSetVisible(bool visible) {
  if (visible && !config_.visible) force_frame_ = true;  // WasShown: draw
  config_.visible = visible;
}

void TabView::TickPage(Clock::time_point now) {
  if (!config_.visible && now - last_tick_ < kHiddenTimerPeriod) return;
  last_tick_ = now;
  page_->Tick(now);
}

bool TabView::HasFreeBuffer() const {
  if (owner_.FramesOverSocket()) {
    // At most two frames queued: one buffer's bytes may still be going out.
    return !owner_.RawBytesQueued(socket_frames_[0].data()) ||
           !owner_.RawBytesQueued(socket_frames_[1].data());
  }
  return region_->owned[0] || region_->owned[1];
}

void TabView::Update(Clock::time_point now) {
  TickPage(now);
  if (config_.paced) {
    if (pending_begin_) AnswerBeginFrame();
  } else if (config_.visible && (force_frame_ || page_->NeedsFrame(now)) &&
             HasFreeBuffer()) {
    if (owner_.FramesOverSocket()) {
      RenderToSocket(now);
    } else {
      RenderToRegion(now, 0);
    }
  }
  if (page_->Title() != last_title_) {
    last_title_ = page_->Title();
    outgoing_.mutable_title_changed()->set_title(last_title_);
    Send(outgoing_);
  }
  if (last_input_applied_ > last_input_acked_) {
    last_input_acked_ = last_input_applied_;
    outgoing_.mutable_input_ack()->set_last_input_sequence(last_input_applied_);
    Send(outgoing_);
  }
  if (config_.paced) UpdateBeginFrameSubscription(now);
}

void TabView::AnswerBeginFrame() {
  const proto::BeginFrame begin = *pending_begin_;
  pending_begin_.reset();
  const Clock::time_point frame_time{
      std::chrono::microseconds(begin.frame_time_us())};
  // Asked whether it has something new by the middle of the interval, as
  // a frame drawn now is shown at the next tick: a page animating at the
  // display rate draws on every BeginFrame despite rounding.
  const bool needs =
      force_frame_ || page_->NeedsFrame(frame_time + interval_ / 2);
  if (needs && HasFreeBuffer() && !owner_.FramesOverSocket() &&
      RenderToRegion(frame_time, begin.sequence()))
    return;
  outgoing_.mutable_did_not_produce_frame()->set_sequence(begin.sequence());
  Send(outgoing_);
}

void TabView::UpdateBeginFrameSubscription(Clock::time_point now) {
  // Wanted while the page has, or soon will have, something to show.
  bool wants = false;
  if (config_.visible) {
    const auto wakeup = page_->NextWakeup();
    wants = force_frame_ || page_->NeedsFrame(now + interval_ / 2) ||
            (wakeup && *wakeup <= now + 2 * interval_);
  }
  if (wants == needs_begin_frames_sent_) return;
  needs_begin_frames_sent_ = wants;
  outgoing_.mutable_needs_begin_frames()->set_needs(wants);
  Send(outgoing_);
}

std::optional<TabView::Clock::time_point> TabView::NextWakeup(
    Clock::time_point now) const {
  if (!config_.visible) {
    // Hidden: timers only, at most one a second (animation waits for
    // WasShown, which brings a fresh frame).
    std::optional<Clock::time_point> timer = page_->NextTimer();
    if (!timer) return std::nullopt;
    return std::max(*timer, last_tick_ + kHiddenTimerPeriod);
  }
  std::optional<Clock::time_point> wakeup = page_->NextWakeup();
  if (!config_.paced && (force_frame_ || page_->NeedsFrame(now))) {
    // Something to draw: now, or once a buffer comes back (a message
    // wakes us then), or once the outbox drains (POLLOUT does).
    if (HasFreeBuffer()) return now;
    if (wakeup && *wakeup <= now) return std::nullopt;
  }
  // Paced, a page whose time has come draws at the next BeginFrame, a
  // message: no reason to spin until it arrives.
  if (config_.paced && wakeup && *wakeup <= now) return std::nullopt;
  return wakeup;
}

bool TabView::RenderToRegion(Clock::time_point time,
                             uint64_t begin_frame_sequence) {
  const int index = region_->owned[0] ? 0 : region_->owned[1] ? 1 : -1;
  if (index < 0) return false;  // both buffers are with the manager
  Region& r = *region_;
  auto* pixels = reinterpret_cast<uint32_t*>(
      static_cast<uint8_t*>(r.mapping.data()) +
      size_t(index) * FrameBytes(r.width, r.height));
  Canvas canvas(pixels, r.width, r.height, r.width);
  Rect damage = page_->Render(canvas, time);
  force_frame_ = false;
  // Clamp to the bitmap: the manager rejects damage outside it.
  int x0 = std::clamp(damage.x, 0, r.width);
  int y0 = std::clamp(damage.y, 0, r.height);
  int x1 = std::clamp(damage.x + std::max(damage.width, 0), 0, r.width);
  int y1 = std::clamp(damage.y + std::max(damage.height, 0), 0, r.height);
  r.owned[index] = false;
  last_frame_buffer_ = index;
  auto* frame = outgoing_.mutable_frame_ready();
  frame->set_buffer_index(static_cast<uint32_t>(index));
  frame->set_frame_sequence(++frame_sequence_);
  frame->set_last_input_sequence(last_input_applied_);
  frame->set_region_generation(r.generation);
  frame->set_navigation_id(navigation_applied_);
  frame->set_begin_frame_sequence(begin_frame_sequence);
  auto* rect = frame->mutable_damage();
  rect->set_x(static_cast<uint32_t>(x0));
  rect->set_y(static_cast<uint32_t>(y0));
  rect->set_width(static_cast<uint32_t>(x1 - x0));
  rect->set_height(static_cast<uint32_t>(y1 - y0));
  Send(outgoing_);
  return true;
}

void TabView::RenderToSocket(Clock::time_point time) {
  const Region& r = *region_;
  // A buffer whose bytes are still queued must not change under the send.
  const int index = !owner_.RawBytesQueued(socket_frames_[0].data()) ? 0 : 1;
  std::vector<uint32_t>& frame = socket_frames_[index];
  TABSIM_CHECK(frame.empty() || !owner_.RawBytesQueued(frame.data()));
  frame.resize(size_t(r.width) * size_t(r.height));
  Canvas canvas(frame.data(), r.width, r.height, r.width);
  page_->Render(canvas, time);  // the whole frame travels: damage unused
  force_frame_ = false;
  const size_t total = FrameBytes(r.width, r.height);
  auto* header = outgoing_.mutable_frame_pixels();
  header->set_frame_sequence(++frame_sequence_);
  header->set_offset(0);
  header->set_last(true);
  header->set_last_input_sequence(last_input_applied_);
  header->set_navigation_id(navigation_applied_);
  header->set_raw_length(total);
  outgoing_.set_view_id(config_.id);
  owner_.SendWithRawBytes(
      outgoing_, std::span<const char>(
                     reinterpret_cast<const char*>(frame.data()), total));
}

void TabView::SendLog(std::string_view text) {
  auto* line = outgoing_.mutable_log_line();
  line->set_level(proto::LogLine::WARNING);
  line->set_text(std::string(text.substr(0, kMaxLogText)));
  Send(outgoing_);
}

void TabView::SendFrameReadyForView(uint32_t view_id, uint32_t buffer_index) {
  const Region& r = *region_;
  auto* frame = outgoing_.mutable_frame_ready();
  frame->set_buffer_index(buffer_index);
  frame->set_frame_sequence(++frame_sequence_);
  frame->set_last_input_sequence(last_input_applied_);
  frame->set_region_generation(r.generation);
  frame->set_navigation_id(navigation_applied_);
  auto* rect = frame->mutable_damage();
  rect->set_x(0);
  rect->set_y(0);
  rect->set_width(static_cast<uint32_t>(r.width));
  rect->set_height(static_cast<uint32_t>(r.height));
  outgoing_.set_view_id(view_id);
  owner_.SendToManager(outgoing_);
}

}  // namespace tabsim
