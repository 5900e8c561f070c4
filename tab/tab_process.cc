#include "tab/tab_process.h"

#include <google/protobuf/arena.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/fd_passing.h"
#include "common/log.h"
#include "common/protocol.h"
#include "tab/sandbox.h"

namespace tabsim {
namespace {

constexpr int kHandshakeTimeoutMs = 10000;
// Reads per loop iteration: enough to drain a burst, bounded so a flood of
// input cannot starve rendering.
constexpr int kMaxReadsPerIteration = 16;
// After a Shutdown, how long to wait for the manager to close its end.
constexpr int kCloseDrainMs = 500;
// LogLines from pages are cut to this many bytes.
constexpr size_t kMaxLogText = 1024;

int MillisecondsUntil(Clock::time_point when, Clock::time_point now) {
  if (when <= now) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(when - now).count();
  return static_cast<int>(std::min<long long>(ms, 60'000));
}

}  // namespace

TabProcess::TabProcess(TabProcessOptions options, UniqueFd channel,
                       UniqueFd region)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      initial_region_fd_(std::move(region)),
      decoder_(kMaxMessageSize) {}

void TabProcess::Fatal(int code, const std::string& why) {
  TABSIM_LOG(kError) << why;
  exit_code_ = code;
  running_ = false;
}

int TabProcess::Run() {
  int flags = ::fcntl(channel_.get(), F_GETFL);
  if (flags < 0 || ::fcntl(channel_.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    TABSIM_LOG(kError) << "fd " << kChannelFd << ": not usable as a channel";
    return kTabExitChannel;
  }
  if (int rc = Handshake(); rc != kTabExitOk) return rc;
  // The HelloReply goes out before the page's first (maybe slow) frame.
  Flush();

  while (running_) {
    Clock::time_point now = Clock::now();
    page_->Tick(now);
    MaybeRender();
    if (page_->Title() != last_title_) {
      last_title_ = page_->Title();
      outgoing_.mutable_title_changed()->set_title(last_title_);
      Send(outgoing_);
    }
    if (!Flush()) break;

    now = Clock::now();
    int timeout = -1;
    const bool needs_frame = page_->NeedsFrame(now);
    if (needs_frame && CanRender()) {
      timeout = 0;
    } else if (auto wakeup = page_->NextWakeup()) {
      timeout = MillisecondsUntil(*wakeup, now);
      // A frame that cannot be rendered yet waits for a buffer to come
      // back (the release wakes us) or, over the socket, for the outbox to
      // drain (POLLOUT wakes us), not in a busy loop.
      if (needs_frame && timeout == 0) timeout = -1;
    }
    pollfd poll_fd{channel_.get(), POLLIN, 0};
    if (!outbox_.empty()) poll_fd.events |= POLLOUT;
    int ready = ::poll(&poll_fd, 1, timeout);
    if (ready < 0 && errno != EINTR) {
      Fatal(kTabExitChannel, "poll: " + std::string(strerror(errno)));
      break;
    }
    if (ready > 0 && (poll_fd.revents & (POLLIN | POLLHUP | POLLERR))) {
      if (!ReadAvailable()) break;
    }
  }
  Flush();
  if (shutdown_received_) CloseGracefully();
  return exit_code_;
}

void TabProcess::CloseGracefully() {
  // Closing a UNIX socket with unread bytes (a FrameRelease still in
  // flight) makes the manager's next read fail with ECONNRESET. Instead:
  // end our side, then discard input until the manager closes its side.
  if (!write_shut_) ::shutdown(channel_.get(), SHUT_WR);
  write_shut_ = true;
  const auto deadline = Clock::now() + std::chrono::milliseconds(kCloseDrainMs);
  char discard[4096];
  for (;;) {
    ssize_t got = ::recv(channel_.get(), discard, sizeof(discard), 0);
    if (got == 0) return;  // the manager closed its end
    if (got < 0 && errno != EAGAIN && errno != EINTR) return;
    if (got > 0) continue;
    const int timeout = MillisecondsUntil(deadline, Clock::now());
    if (timeout == 0) return;
    pollfd poll_fd{channel_.get(), POLLIN, 0};
    if (::poll(&poll_fd, 1, timeout) == 0) return;
  }
}

int TabProcess::Handshake() {
  auto deadline = Clock::now() + std::chrono::milliseconds(kHandshakeTimeoutMs);
  for (;;) {
    std::string_view payload;
    auto result = decoder_.Next(&payload);
    if (result == FrameDecoder::Result::kMessage) {
      if (!incoming_.ParseFromArray(payload.data(), int(payload.size())) ||
          !incoming_.has_hello()) {
        TABSIM_LOG(kError) << "the first message is not a Hello";
        return kTabExitProtocol;
      }
      break;
    }
    if (result != FrameDecoder::Result::kNeedMore) {
      TABSIM_LOG(kError) << "handshake: " << ToString(result);
      return kTabExitProtocol;
    }
    pollfd poll_fd{channel_.get(), POLLIN, 0};
    int ready =
        ::poll(&poll_fd, 1, MillisecondsUntil(deadline, Clock::now()));
    if (ready == 0) {
      TABSIM_LOG(kError) << "no Hello from the manager within "
                         << kHandshakeTimeoutMs << " ms";
      return kTabExitProtocol;
    }
    if (ready < 0 && errno == EINTR) continue;
    std::span<char> space = decoder_.PrepareWrite(4096);
    ssize_t got = ::recv(channel_.get(), space.data(), space.size(), 0);
    if (got == 0) return kTabExitOk;  // the manager went away
    if (got < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      TABSIM_LOG(kError) << "handshake read: " << strerror(errno);
      return kTabExitChannel;
    }
    decoder_.Commit(static_cast<size_t>(got));
  }

  const proto::Hello& hello = incoming_.hello();
  auto* reply = outgoing_.mutable_hello_reply();
  reply->set_protocol_version(options_.protocol_version);
  reply->set_tab_id(hello.tab_id());
  reply->set_width(hello.width());
  reply->set_height(hello.height());
  reply->set_pid(::getpid());
  if (hello.protocol_version() != options_.protocol_version) {
    Send(outgoing_);
    Flush();
    TABSIM_LOG(kError) << "protocol version mismatch: manager speaks "
                       << hello.protocol_version() << ", this tab speaks "
                       << options_.protocol_version;
    return kTabExitProtocol;
  }
  if (hello.tab_id() != static_cast<uint32_t>(options_.tab_id)) {
    TABSIM_LOG(kError) << "Hello for tab " << hello.tab_id() << ", I am tab "
                       << options_.tab_id;
    return kTabExitProtocol;
  }
  int width = static_cast<int>(hello.width());
  int height = static_cast<int>(hello.height());
  if (width < 1 || height < 1 || width > kMaxFrameDimension ||
      height > kMaxFrameDimension ||
      hello.region_size() != RegionBytes(width, height)) {
    TABSIM_LOG(kError) << "Hello with a bad frame size";
    return kTabExitProtocol;
  }
  if (!AdoptRegion(std::move(initial_region_fd_), hello.region_generation(),
                   width, height, hello.region_size())) {
    return kTabExitProtocol;
  }
  std::string url = hello.url();
  Send(outgoing_);
  if (options_.sandbox) {
    SandboxOptions sandbox;
    sandbox.memory_limit_bytes = options_.memory_limit_bytes;
    if (Status status = EnterSandbox(sandbox); !status.ok()) {
      TABSIM_LOG(kError) << "cannot enter the sandbox: "
                         << status.error().message;
      return kTabExitSandbox;
    }
  } else {
    SendLog("SANDBOX DISABLED (--no-sandbox): this tab can open files, "
            "connect, fork and exec as the user running tabsim");
  }
  if (options_.frames_over_socket)
    SendLog("frames over the socket (--frames-over-socket)");
  LoadPage(url);
  // Messages that came in the same read as the Hello.
  std::string_view payload;
  FrameDecoder::Result result;
  while ((result = decoder_.Next(&payload)) == FrameDecoder::Result::kMessage) {
    if (!incoming_.ParseFromArray(payload.data(), int(payload.size())))
      return kTabExitProtocol;
    if (!HandleMessage(incoming_)) {
      // Closed while starting: the loop ends at once, and we exit 0.
      if (shutdown_received_) return kTabExitOk;
      return exit_code_ != kTabExitOk ? exit_code_ : kTabExitProtocol;
    }
  }
  return kTabExitOk;
}

bool TabProcess::AdoptRegion(UniqueFd fd, uint32_t generation, int width,
                             int height, uint64_t size) {
  auto memory = SharedMemoryRegion::Adopt(std::move(fd), size);
  if (!memory.ok()) {
    Fatal(kTabExitProtocol, "frame region: " + memory.error().message);
    return false;
  }
  auto mapping = memory->MapWritable();
  if (!mapping.ok()) {
    Fatal(kTabExitProtocol, "frame region: " + mapping.error().message);
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

void TabProcess::LoadPage(const std::string& url) {
  page_ = CreatePage(url, this);
  page_->Start(Clock::now(), region_->width, region_->height);
}

bool TabProcess::ReadAvailable() {
  for (int i = 0; i < kMaxReadsPerIteration; ++i) {
    std::span<char> space = decoder_.PrepareWrite(64 * 1024);
    auto got = ReceiveWithFds(channel_.get(), space.data(), space.size(),
                              &received_fds_);
    if (!got.ok()) {
      if (got.error().error_number == EAGAIN) break;
      Fatal(kTabExitChannel, got.error().message);
      return false;
    }
    if (*got == 0) {
      // The manager closed the channel: it is gone or done with us.
      running_ = false;
      return false;
    }
    decoder_.Commit(*got);
    // One arena per read, over a reused block: parsing a burst of input
    // then costs no malloc/free per message (the oneof sub-messages of a
    // reused heap message would be freed and reallocated each time).
    google::protobuf::ArenaOptions arena_options;
    arena_options.initial_block = arena_block_.data();
    arena_options.initial_block_size = arena_block_.size();
    google::protobuf::Arena arena(arena_options);
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = decoder_.Next(&payload)) ==
           FrameDecoder::Result::kMessage) {
      auto* message =
          google::protobuf::Arena::CreateMessage<proto::ManagerToTab>(&arena);
      if (!message->ParseFromArray(payload.data(), int(payload.size()))) {
        Fatal(kTabExitProtocol, "unparsable message from the manager");
        return false;
      }
      if (!HandleMessage(*message)) return false;
    }
    if (result != FrameDecoder::Result::kNeedMore) {
      Fatal(kTabExitProtocol,
            std::string("framing error from the manager: ") + ToString(result));
      return false;
    }
    if (*got < space.size()) break;  // drained
  }
  if (last_input_applied_ > last_input_acked_) {
    last_input_acked_ = last_input_applied_;
    outgoing_.mutable_input_ack()->set_last_input_sequence(last_input_applied_);
    Send(outgoing_);
  }
  return true;
}

bool TabProcess::HandleMessage(const proto::ManagerToTab& message) {
  switch (message.message_case()) {
    case proto::ManagerToTab::kInput: {
      const proto::InputEvent& input = message.input();
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
      return true;
    }
    case proto::ManagerToTab::kResize: {
      const proto::Resize& resize = message.resize();
      if (received_fds_.empty()) {
        Fatal(kTabExitProtocol, "Resize without a region fd");
        return false;
      }
      UniqueFd fd = std::move(received_fds_.front());
      received_fds_.erase(received_fds_.begin());
      int width = static_cast<int>(resize.width());
      int height = static_cast<int>(resize.height());
      if (width < 1 || height < 1 || width > kMaxFrameDimension ||
          height > kMaxFrameDimension ||
          resize.region_size() != RegionBytes(width, height)) {
        Fatal(kTabExitProtocol, "Resize with a bad size");
        return false;
      }
      if (!AdoptRegion(std::move(fd), resize.region_generation(), width, height,
                       resize.region_size()))
        return false;
      page_->OnResize(width, height);
      return true;
    }
    case proto::ManagerToTab::kNavigate:
      navigation_applied_ = message.navigate().navigation_id();
      LoadPage(message.navigate().url());
      return true;
    case proto::ManagerToTab::kFrameRelease: {
      const auto& release = message.frame_release();
      // Releases for a region we have already replaced are stale: ignore.
      if (release.region_generation() == region_->generation &&
          release.buffer_index() < kBuffersPerRegion)
        region_->owned[release.buffer_index()] = true;
      return true;
    }
    case proto::ManagerToTab::kPing:
      outgoing_.mutable_pong()->set_nonce(message.ping().nonce());
      Send(outgoing_);
      return true;
    case proto::ManagerToTab::kShutdown:
      shutdown_received_ = true;
      running_ = false;
      exit_code_ = kTabExitOk;
      return false;
    case proto::ManagerToTab::kHello:
      Fatal(kTabExitProtocol, "a second Hello");
      return false;
    case proto::ManagerToTab::MESSAGE_NOT_SET:
      break;
  }
  Fatal(kTabExitProtocol, "unknown message from the manager");
  return false;
}

bool TabProcess::CanRender() const {
  if (options_.frames_over_socket) {
    // At most ~2 frames of bytes queued: render while one or less is.
    return !write_shut_ &&
           outbox_.size() <= FrameBytes(region_->width, region_->height);
  }
  return region_->owned[0] || region_->owned[1];
}

void TabProcess::RenderToSocket() {
  Clock::time_point now = Clock::now();
  if (!page_->NeedsFrame(now) || !CanRender()) return;
  const Region& r = *region_;
  socket_frame_.resize(size_t(r.width) * size_t(r.height));
  Canvas canvas(socket_frame_.data(), r.width, r.height, r.width);
  page_->Render(canvas, now);  // the whole frame travels: damage unused
  const uint64_t sequence = ++frame_sequence_;
  const auto* bytes = reinterpret_cast<const char*>(socket_frame_.data());
  const size_t total = FrameBytes(r.width, r.height);
  for (size_t offset = 0; offset < total; offset += kFramePixelsChunk) {
    const size_t size = std::min(kFramePixelsChunk, total - offset);
    auto* chunk = outgoing_.mutable_frame_pixels();
    chunk->set_frame_sequence(sequence);
    chunk->set_offset(offset);
    chunk->set_pixels(bytes + offset, size);
    chunk->set_last(offset + size == total);
    chunk->set_last_input_sequence(last_input_applied_);
    chunk->set_navigation_id(navigation_applied_);
    Send(outgoing_, kMaxFramePixelsMessageSize);
  }
  // Do not keep a frame's worth of bytes alive in the reused message.
  outgoing_.Clear();
}

void TabProcess::MaybeRender() {
  if (options_.frames_over_socket) {
    RenderToSocket();
    return;
  }
  Clock::time_point now = Clock::now();
  if (!page_->NeedsFrame(now)) return;
  int index = region_->owned[0] ? 0 : region_->owned[1] ? 1 : -1;
  if (index < 0) return;  // both buffers are with the manager
  Region& r = *region_;
  auto* pixels = reinterpret_cast<uint32_t*>(
      static_cast<uint8_t*>(r.mapping.data()) +
      size_t(index) * FrameBytes(r.width, r.height));
  Canvas canvas(pixels, r.width, r.height, r.width);
  Rect damage = page_->Render(canvas, now);
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
  auto* rect = frame->mutable_damage();
  rect->set_x(static_cast<uint32_t>(x0));
  rect->set_y(static_cast<uint32_t>(y0));
  rect->set_width(static_cast<uint32_t>(x1 - x0));
  rect->set_height(static_cast<uint32_t>(y1 - y0));
  Send(outgoing_);
}

void TabProcess::Send(const proto::TabToManager& message,
                      size_t max_message_size) {
  if (shutdown_write_pending_ || write_shut_) return;
  AppendFrame(message, max_message_size, &outbox_);
}

void TabProcess::SendLog(std::string_view text) {
  auto* line = outgoing_.mutable_log_line();
  line->set_level(proto::LogLine::WARNING);
  line->set_text(std::string(text.substr(0, kMaxLogText)));
  Send(outgoing_);
}

void TabProcess::SendRawBytes(std::string_view bytes) {
  if (shutdown_write_pending_ || write_shut_) return;
  outbox_.append(bytes);
}

void TabProcess::SendFrameReady(uint32_t buffer_index) {
  const Region& r = *region_;
  auto* frame = outgoing_.mutable_frame_ready();
  frame->set_buffer_index(buffer_index);
  frame->set_frame_sequence(++frame_sequence_);
  frame->set_last_input_sequence(last_input_applied_);
  frame->set_region_generation(r.generation);
  auto* rect = frame->mutable_damage();
  rect->set_x(0);
  rect->set_y(0);
  rect->set_width(static_cast<uint32_t>(r.width));
  rect->set_height(static_cast<uint32_t>(r.height));
  Send(outgoing_);
}

void TabProcess::SendHelloReply(uint32_t protocol_version) {
  auto* reply = outgoing_.mutable_hello_reply();
  reply->set_protocol_version(protocol_version);
  reply->set_tab_id(static_cast<uint32_t>(options_.tab_id));
  reply->set_width(static_cast<uint32_t>(region_->width));
  reply->set_height(static_cast<uint32_t>(region_->height));
  reply->set_pid(::getpid());
  Send(outgoing_);
}

void TabProcess::ShutdownWrite() { shutdown_write_pending_ = true; }

bool TabProcess::Flush() {
  if (write_shut_) return true;
  size_t position = 0;
  while (position < outbox_.size()) {
    ssize_t sent = ::send(channel_.get(), outbox_.data() + position,
                          outbox_.size() - position, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;  // poll for POLLOUT and retry
      if (errno == EPIPE || errno == ECONNRESET) {
        running_ = false;  // the manager is gone
        outbox_.clear();
        return false;
      }
      Fatal(kTabExitChannel, "send: " + std::string(strerror(errno)));
      return false;
    }
    position += static_cast<size_t>(sent);
  }
  outbox_.erase(0, position);
  if (shutdown_write_pending_ && outbox_.empty()) {
    // The manager sees end of stream; we keep running and reading.
    ::shutdown(channel_.get(), SHUT_WR);
    shutdown_write_pending_ = false;
    write_shut_ = true;
  }
  return true;
}

}  // namespace tabsim
