#include "manager/core/tab_session.h"

#include <algorithm>
#include <cstring>

#include "common/check.h"
#include "common/input_event_encoder.h"
#include "common/log.h"
#include "common/protocol.h"
#include "manager/base/text.h"
#include "manager/core/command_recorder.h"
#include "manager/core/input_builder.h"
#include "manager/core/tab_observer.h"

namespace tabsim {
namespace {

// Tab text is cleaned where it arrives (CleanTabText: valid UTF-8, no
// controls, no bidi overrides) and kept this short, so that no front end
// has to clean it again.
constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxLogLineBytes = 300;

// "tabs 3 and 5", "tab 4".
std::string TabList(const std::vector<int>& ids) {
  std::string text = ids.size() == 1 ? "tab " : "tabs ";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) text += i + 1 == ids.size() ? " and " : ", ";
    text += std::to_string(ids[i]);
  }
  return text;
}

}  // namespace

const char* ToString(TabState state) {
  switch (state) {
    case TabState::kStarting: return "starting";
    case TabState::kLive: return "live";
    case TabState::kUnresponsive: return "unresponsive";
    case TabState::kClosing: return "closing";
    case TabState::kClosed: return "closed";
    case TabState::kCrashed: return "crashed";
    case TabState::kDiscarded: return "discarded";
  }
  return "?";
}

TabSession::TabSession(Options options, TabObserver* observer)
    : options_(std::move(options)),
      observer_(observer),
      url_(options_.url),
      width_(options_.width),
      height_(options_.height),
      visible_(options_.visible),
      last_visible_at_(Clock::now()) {}

TabSession::~TabSession() {
  if (options_.scheduler) options_.scheduler->Remove(this);
}

std::string TabSession::RegionName() const {
  return "tabsim-tab-" + std::to_string(options_.id);
}

Error TabSession::NotLive() const {
  return Error{"tab " + std::to_string(id()) + " is " + ToString(state_), 0};
}

Status TabSession::Prepare() {
  TABSIM_CHECK(process_) << "Attach() before Prepare()";
  auto generation = frames_.AddRegion(RegionName(), width_, height_,
                                      process_->NextRegionGeneration());
  if (!generation.ok()) return generation.error();
  first_generation_ = *generation;
  time_origin_ = Clock::now();
  return Status::Ok();
}

void TabSession::FailToStart(const Error& error) {
  attached_ = false;
  state_ = TabState::kCrashed;
  cause_ = "failed to start: " + error.message;
  frames_.Clear();
}

UniqueFd TabSession::TakeFirstRegionFd() {
  return frames_.TakeFd(first_generation_);
}

void TabSession::Attach(std::shared_ptr<ProcessHost> process) {
  process_ = std::move(process);
  attached_ = true;
}

void TabSession::OnProcessSpawned() {
  spawned_at_ = Clock::now();
  last_frame_at_ = spawned_at_;
  stats_.Sample(spawned_at_);  // the rates' baseline
  TABSIM_LOG(kDebug) << "tab " << options_.id << " in process "
                     << process_id() << " (pid " << pid() << ")";
  if (observer_) observer_->OnTabSpawned(*this);
}

void TabSession::OnProcessLive() {
  if (options_.frames_over_socket) {
    for (auto& buffer : socket_frames_)
      buffer.assign(size_t(width_) * size_t(height_), 0);
  }
  // Closed while it was starting: the close stands.
  if (state_ != TabState::kStarting) return;
  state_ = TabState::kLive;
  UpdateBeginFrameSubscription();
  if (observer_) observer_->OnTabLive(*this);
}

void TabSession::SetVisible(bool visible) {
  if (visible == visible_) return;
  if (!visible) last_visible_at_ = Clock::now();
  visible_ = visible;
  if (attached_ && (state_ == TabState::kStarting || live())) {
    proto::ManagerToTab message;
    message.mutable_set_visible()->set_visible(visible);
    Send(message);
  }
  UpdateBeginFrameSubscription();
  if (observer_) observer_->OnTabStateChanged(*this);
}

void TabSession::UpdateBeginFrameSubscription() {
  FrameScheduler* scheduler = options_.scheduler;
  if (scheduler == nullptr) return;
  if (live() && visible_ && needs_begin_frames_) {
    scheduler->Add(this);
  } else {
    scheduler->Remove(this);
  }
}

void TabSession::OnBeginFrame(const BeginFrameArgs& args) {
  if (!live() || !visible_) return;
  if (args.tick <= last_tick_) return;  // had this frame's args already
  if (args.missed && outstanding_begin_ != 0) return;  // not a dropped frame
  last_tick_ = args.tick;
  if (outstanding_begin_ != 0) {
    // Still drawing the last one: this tick is a dropped frame.
    ++counters_.begin_frames_missed;
    return;
  }
  (void)BeginFrame(args.frame_time, args.interval);
}

Status TabSession::BeginFrame(Clock::time_point frame_time,
                              Clock::duration interval) {
  if (!live()) return NotLive();
  if (!paced())
    return Error{"tab " + std::to_string(id()) + " is not paced", EINVAL};
  if (outstanding_begin_ != 0)
    return Error{"tab " + std::to_string(id()) +
                     " has not answered its last BeginFrame",
                 EBUSY};
  proto::ManagerToTab message;
  auto* begin = message.mutable_begin_frame();
  begin->set_sequence(++begin_frame_sequence_);
  begin->set_frame_time_us(uint64_t(
      std::chrono::duration_cast<std::chrono::microseconds>(
          frame_time.time_since_epoch())
          .count()));
  begin->set_interval_us(uint64_t(
      std::chrono::duration_cast<std::chrono::microseconds>(interval).count()));
  outstanding_begin_ = begin_frame_sequence_;
  ++counters_.begin_frames;
  if (recorder_) recorder_->OnCommand(*this, message);
  Send(message);
  return Status::Ok();
}

void TabSession::OnProcessState(ProcessState state) {
  switch (state) {
    case ProcessState::kUnresponsive:
      if (state_ == TabState::kLive) SetState(TabState::kUnresponsive);
      break;
    case ProcessState::kLive:
      if (state_ == TabState::kUnresponsive) SetState(TabState::kLive);
      break;
    case ProcessState::kClosing:
      if (running()) SetState(TabState::kClosing);
      break;
    case ProcessState::kStarting:
    case ProcessState::kGone:
      break;
  }
}

void TabSession::SetState(TabState state) {
  if (state_ == state) return;
  state_ = state;
  if (observer_) observer_->OnTabStateChanged(*this);
}

void TabSession::End(TabState state, std::string cause) {
  attached_ = false;
  if (options_.scheduler) options_.scheduler->Remove(this);
  outstanding_begin_ = 0;
  state_ = state;
  cause_ = std::move(cause);
  // Only the record stays: the regions and any pixels go now; a discarded
  // tab keeps its last frame to show until it is reloaded.
  if (state != TabState::kDiscarded) {
    frames_.Clear();
    latest_ = FrameView{};
  }
  for (auto& buffer : socket_frames_) std::vector<uint32_t>().swap(buffer);
  raw_header_.reset();
  held_move_.reset();
  withheld_releases_.clear();
  outgoing_.Clear();
  TABSIM_LOG(kDebug) << "tab " << options_.id << " lost: " << cause_;
  if (observer_) observer_->OnTabLost(*this);
}

void TabSession::OnProcessGone(const std::string& cause, bool clean_close,
                               const std::vector<int>& others, bool discarded) {
  if (!attached_) return;
  std::string text = cause;
  if (!others.empty())
    text += " (with " + TabList(others) + ", in shared process " +
            std::to_string(process_id()) + ")";
  End(discarded     ? TabState::kDiscarded
      : clean_close ? TabState::kClosed
                    : TabState::kCrashed,
      std::move(text));
}

void TabSession::OnViewDestroyed() {
  End(TabState::kClosed, "closed (process " + std::to_string(process_id()) +
                             " goes on with its other tabs)");
}

void TabSession::OnProcessLog(const std::string& text) {
  if (observer_) observer_->OnTabLog(*this, CleanTabText(text, kMaxLogLineBytes));
}

std::optional<BadMessageReason> TabSession::OnMessage(
    const proto::TabToManager& message) {
  switch (message.message_case()) {
    case proto::TabToManager::kFrameReady:
      return HandleFrameReady(message.frame_ready());
    case proto::TabToManager::kInputAck: {
      uint64_t acked = message.input_ack().last_input_sequence();
      if (acked > counters_.inputs_sent)
        return BadMessageReason::kInputSequenceFromFuture;
      counters_.last_input_acked = std::max(counters_.last_input_acked, acked);
      if (observer_) observer_->OnInputAcked(*this, acked);
      return std::nullopt;
    }
    case proto::TabToManager::kTitleChanged:
      title_ = CleanTabText(message.title_changed().title(), kMaxTitleBytes);
      if (observer_) observer_->OnTitleChanged(*this);
      return std::nullopt;
    case proto::TabToManager::kLogLine: {
      if (!observer_) return std::nullopt;
      // Most lines are clean already: those go on without a copy.
      const std::string& line = message.log_line().text();
      if (IsCleanTabText(line, kMaxLogLineBytes))
        observer_->OnTabLog(*this, line);
      else
        observer_->OnTabLog(*this, CleanTabText(line, kMaxLogLineBytes));
      return std::nullopt;
    }
    case proto::TabToManager::kFramePixels:
      // Only legitimate from a tab started with --frames-over-socket.
      if (!options_.frames_over_socket)
        return BadMessageReason::kUnknownMessageType;
      return HandleFramePixels(message.frame_pixels());
    case proto::TabToManager::kDidNotProduceFrame:
      return HandleDidNotProduceFrame(message.did_not_produce_frame());
    case proto::TabToManager::kNeedsBeginFrames:
      // Meaningless unpaced, and harmless: kept for when it is paced.
      needs_begin_frames_ = message.needs_begin_frames().needs();
      UpdateBeginFrameSubscription();
      return std::nullopt;
    default:
      break;
  }
  return BadMessageReason::kUnknownMessageType;
}

std::optional<BadMessageReason> TabSession::HandleFrameReady(
    const proto::FrameReady& frame) {
  auto verdict = frames_.OnFrameReady(frame, counters_.inputs_sent,
                                      navigations_sent_);
  if (auto* reason = std::get_if<BadMessageReason>(&verdict)) return *reason;
  if (paced()) {
    // One frame per BeginFrame, for the BeginFrame outstanding.
    if (outstanding_begin_ == 0 || frame.begin_frame_sequence() == 0)
      return BadMessageReason::kFrameWithoutBeginFrame;
    if (frame.begin_frame_sequence() != outstanding_begin_)
      return BadMessageReason::kBeginFrameSequenceMismatch;
    outstanding_begin_ = 0;
  }
  auto& accepted = std::get<FrameLedger::Accepted>(verdict);
  if (accepted.release && process_->withhold_release()) {
    // Held back: once the tab has no buffer left it stops drawing.
    withheld_releases_.push_back(*accepted.release);
    process_->CountWithheldRelease();
  } else if (accepted.release) {
    // The previously held buffer goes back to the tab.
    proto::ManagerToTab release;
    release.mutable_frame_release()->set_buffer_index(accepted.release->index);
    release.mutable_frame_release()->set_region_generation(
        accepted.release->generation);
    Send(release);
    ++counters_.releases_sent;
  }
  AcceptFrame(accepted.view);
  return std::nullopt;
}

std::optional<BadMessageReason> TabSession::HandleDidNotProduceFrame(
    const proto::DidNotProduceFrame& answer) {
  if (!paced() || outstanding_begin_ == 0 ||
      answer.sequence() != outstanding_begin_)
    return BadMessageReason::kUnsolicitedDidNotProduceFrame;
  outstanding_begin_ = 0;
  ++counters_.did_not_produce;
  return std::nullopt;
}

void TabSession::SendWithheldReleases() {
  for (const FrameLedger::BufferId& buffer : withheld_releases_) {
    proto::ManagerToTab release;
    release.mutable_frame_release()->set_buffer_index(buffer.index);
    release.mutable_frame_release()->set_region_generation(buffer.generation);
    Send(release);
    ++counters_.releases_sent;
  }
  withheld_releases_.clear();
}

void TabSession::AcceptFrame(const FrameView& frame) {
  latest_ = frame;
  last_frame_at_ = Clock::now();
  stats_.FrameShown(frame.last_input_sequence, last_frame_at_);
  ++counters_.frames;
  if (frame.last_input_sequence > counters_.last_input_acked)
    counters_.last_input_acked = frame.last_input_sequence;
  if (observer_) observer_->OnFrame(*this, latest_);
}

std::optional<BadMessageReason> TabSession::HandleFramePixels(
    const proto::FramePixels& header) {
  // Protocol 4: one header per frame, the whole frame raw behind it.
  const uint64_t frame_bytes = FrameBytes(width_, height_);
  if (raw_header_) return BadMessageReason::kFramePixelsOutOfOrder;
  if (header.raw_length() != frame_bytes)
    return BadMessageReason::kFramePixelsRawLength;
  if (header.offset() != 0 || !header.last())
    return BadMessageReason::kFramePixelsOutOfOrder;
  if (!header.pixels().empty()) return BadMessageReason::kFramePixelsOutOfBounds;
  if (header.frame_sequence() <= frames_.last_sequence())
    return BadMessageReason::kFrameSequenceNotIncreasing;
  if (header.last_input_sequence() > counters_.inputs_sent)
    return BadMessageReason::kInputSequenceFromFuture;
  if (auto reason =
          frames_.CheckNavigation(header.navigation_id(), navigations_sent_))
    return reason;
  // (Sized here, not only when live: a tab closed while starting may still
  // send a frame.)
  std::vector<uint32_t>& target = socket_frames_[assembling_];
  if (target.size() != frame_bytes / kBytesPerPixel)
    target.assign(frame_bytes / kBytesPerPixel, 0);
  raw_header_ = header;
  return std::nullopt;
}

std::span<char> TabSession::RawFrameDestination() {
  if (!raw_header_) return {};
  std::vector<uint32_t>& target = socket_frames_[assembling_];
  return std::span<char>(reinterpret_cast<char*>(target.data()),
                         target.size() * sizeof(uint32_t));
}

void TabSession::CompleteRawFrame() {
  TABSIM_CHECK(raw_header_) << "no raw frame was due";
  const proto::FramePixels header = std::move(*raw_header_);
  raw_header_.reset();
  counters_.frame_bytes_over_socket += header.raw_length();
  FrameView view;
  view.pixels = socket_frames_[assembling_].data();
  view.width = width_;
  view.height = height_;
  view.sequence = header.frame_sequence();
  view.last_input_sequence = header.last_input_sequence();
  view.navigation_id = header.navigation_id();
  view.region_generation = 1;  // no resize with --frames-over-socket
  view.damage_width = width_;
  view.damage_height = height_;
  assembling_ ^= 1;  // the next frame goes into the other buffer
  frames_.set_last_sequence(view.sequence);
  AcceptFrame(view);
}

TabCounters TabSession::counters() const {
  TabCounters counters = counters_;
  if (process_) {
    counters.pings_sent = process_->pings_sent();
    counters.pongs_received = process_->pongs_received();
  }
  return counters;
}

const Channel* TabSession::channel() const {
  return attached_ && process_ ? process_->channel() : nullptr;
}

size_t TabSession::QueuedBytes(Direction direction) const {
  if (!attached_ || !process_) return 0;
  size_t bytes = process_->QueuedBytes(direction);
  if (direction == Direction::kToTab && held_move_)
    bytes += size_t(held_move_->ByteSizeLong());
  return bytes;
}

size_t TabSession::SocketBytes(Direction direction) const {
  return attached_ && process_ ? process_->SocketBytes(direction) : 0;
}

Status TabSession::InjectFault(const FaultSpec& spec) {
  if (!live()) return NotLive();
  return process_->InjectFault(spec);
}

void TabSession::ClearFaults() {
  if (attached_ && process_) process_->ClearFaults();
}

const FaultInjector& TabSession::faults() const {
  static const FaultInjector kNone;
  return process_ ? process_->faults() : kNone;
}

void TabSession::Send(proto::ManagerToTab& message) {
  process_->SendToView(*this, message);
}

Status TabSession::SendInput(const proto::InputEvent& event) {
  if (!live()) return NotLive();
  // The framing limit would CHECK on it; a library caller (replay of a
  // recording) may hand us anything. Only a key's text can make an event
  // big: mouse and wheel events are a few varints (and are not measured,
  // which would cost the hot path a pass over each).
  if (event.has_key() && event.ByteSizeLong() > kMaxInputEventBytes)
    return Error{"input event of " + std::to_string(event.ByteSizeLong()) +
                     " bytes, more than the " +
                     std::to_string(kMaxInputEventBytes) + " a message may carry",
                 EINVAL};
  const size_t backlog = process_->pending_bytes();
  const bool is_move = event.has_mouse() &&
                       event.mouse().action() == proto::MouseEvent::MOVE;
  if (is_move && backlog > options_.coalesce_above_bytes) {
    // The tab is behind: only the latest pointer position matters.
    if (held_move_) ++counters_.coalesced_moves;
    held_move_ = event;
    return Status::Ok();
  }
  if (backlog > options_.max_queued_bytes)
    return Error{"tab " + std::to_string(id()) + " is not reading its input (" +
                     std::to_string(backlog) + " bytes queued)",
                 EAGAIN};
  FlushHeldMove();  // keep the order: the move happened before this event
  SendInputNow(event);
  return Status::Ok();
}

void TabSession::FlushHeldMove() {
  if (!held_move_ || !live()) return;
  proto::InputEvent move = std::move(*held_move_);
  held_move_.reset();
  SendInputNow(move);
}

void TabSession::SendInputNow(const proto::InputEvent& event) {
  const uint64_t sequence = ++counters_.inputs_sent;
  stats_.InputSent(sequence, InputSentAt());
  // The fast path: the event's wire bytes straight into the channel, no
  // message built or serialized (common/input_event_encoder.h). A recorder
  // wants the message; a timeline, tracer or fault injector too (the
  // process host says no): they get the general path below.
  if (recorder_ == nullptr) {
    encoded_input_.clear();
    if (AppendInputEventFrame(event, sequence, static_cast<uint32_t>(id()),
                              kMaxMessageSize, &encoded_input_) > 0 &&
        process_->SendEncodedToView(*this, proto::ManagerToTab::kInput,
                                    encoded_input_))
      return;
  }
  // Fill the reused outgoing message in place: no allocation per event once
  // its sub-messages exist.
  proto::InputEvent* input = outgoing_.mutable_input();
  input->CopyFrom(event);
  input->set_sequence(sequence);
  if (recorder_) recorder_->OnCommand(*this, outgoing_);
  Send(outgoing_);
}

TabSession::Clock::time_point TabSession::InputSentAt() {
  if (options_.loop_pass == nullptr) return Clock::now();
  const uint64_t pass = options_.loop_pass->Current();
  if (pass != input_stamp_pass_) {
    input_stamp_ = Clock::now();
    input_stamp_pass_ = pass;
  }
  return input_stamp_;
}

Status TabSession::Navigate(const std::string& url) {
  if (!live()) return NotLive();
  // Bounded and printable, so the message always fits the framing limit.
  if (Status valid = ValidateUrl(url); !valid.ok()) return valid;
  proto::ManagerToTab message;
  message.mutable_navigate()->set_url(url);
  message.mutable_navigate()->set_navigation_id(++navigations_sent_);
  navigated_at_ = Clock::now();
  time_origin_ = navigated_at_;
  message.mutable_navigate()->set_time_origin_us(uint64_t(
      std::chrono::duration_cast<std::chrono::microseconds>(
          time_origin_.time_since_epoch())
          .count()));
  if (recorder_) recorder_->OnCommand(*this, message);
  Send(message);
  url_ = url;
  return Status::Ok();
}

Status TabSession::Resize(int width, int height) {
  if (!live()) return NotLive();
  if (options_.frames_over_socket)
    return Error{"resize is not supported with --frames-over-socket", ENOTSUP};
  if (width < 1 || height < 1 || width > kMaxFrameDimension ||
      height > kMaxFrameDimension)
    return Error{"size " + std::to_string(width) + "x" +
                     std::to_string(height) + " out of range",
                 EINVAL};
  auto generation = frames_.AddRegion(RegionName(), width, height,
                                      process_->NextRegionGeneration());
  if (!generation.ok()) return generation.error();
  UniqueFd fd = frames_.TakeFd(*generation);
  proto::ManagerToTab message;
  auto* resize = message.mutable_resize();
  resize->set_width(static_cast<uint32_t>(width));
  resize->set_height(static_cast<uint32_t>(height));
  resize->set_region_size(RegionBytes(width, height));
  resize->set_region_generation(*generation);
  width_ = width;
  height_ = height;
  if (recorder_) recorder_->OnCommand(*this, message);
  process_->SendToViewWithFd(*this, message, std::move(fd));
  return Status::Ok();
}

void TabSession::Close() {
  if (state_ == TabState::kStarting || live()) {
    FlushHeldMove();
    process_->CloseView(*this);
  }
}

Status TabSession::Kill(int signal) {
  if (!running() || !attached_)
    return Error{"tab " + std::to_string(id()) + " is not running", ESRCH};
  return process_->Kill(signal);
}

}  // namespace tabsim
