#include "tab/tab_process.h"

#include <google/protobuf/arena.h>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

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

void TabProcess::Fail(int code, const std::string& why) {
  TABSIM_LOG(kError) << why;
  exit_code_ = code;
  running_ = false;
}

int TabProcess::PollTimeoutMs() {
  const Clock::time_point now = Clock::now();
  std::optional<Clock::time_point> next;
  for (const auto& [id, view] : views_) {
    auto wakeup = view->NextWakeup(now);
    if (wakeup && (!next || *wakeup < *next)) next = wakeup;
  }
  return next ? MillisecondsUntil(*next, now) : -1;
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
    const Clock::time_point now = Clock::now();
    for (auto& [id, view] : views_) view->Update(now);
    if (!running_ || !Flush()) break;
    pollfd poll_fd{channel_.get(), POLLIN, 0};
    if (!outbox_.empty()) poll_fd.events |= POLLOUT;
    int ready = ::poll(&poll_fd, 1, PollTimeoutMs());
    if (ready < 0 && errno != EINTR) {
      Fail(kTabExitChannel, "poll: " + std::string(strerror(errno)));
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
    // With the fds that may come with the bytes: a CreateView or Resize can
    // share this read with the Hello.
    auto got = ReceiveWithFds(channel_.get(), space.data(), space.size(),
                              &received_fds_);
    if (!got.ok()) {
      const int error = got.error().error_number;
      if (error == EAGAIN || error == EINTR) continue;
      TABSIM_LOG(kError) << "handshake read: " << got.error().message;
      return kTabExitChannel;
    }
    if (*got == 0) return kTabExitOk;  // the manager went away
    decoder_.Commit(*got);
  }

  const proto::Hello hello = incoming_.hello();
  hello_width_ = int(hello.width());
  hello_height_ = int(hello.height());
  if (hello.protocol_version() != options_.protocol_version) {
    SendHelloReply(options_.protocol_version);
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
  if (hello_width_ < 1 || hello_height_ < 1 ||
      hello_width_ > kMaxFrameDimension || hello_height_ > kMaxFrameDimension ||
      hello.region_size() != RegionBytes(hello_width_, hello_height_)) {
    TABSIM_LOG(kError) << "Hello with a bad frame size";
    return kTabExitProtocol;
  }
  paced_ = hello.paced() && !options_.frames_over_socket;
  SendHelloReply(options_.protocol_version);
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
  const uint32_t view_id =
      hello.view_id() != 0 ? hello.view_id() : uint32_t(options_.tab_id);
  TabView::Config config;
  config.id = view_id;
  config.paced = paced_;
  config.visible = hello.visible() || !hello.paced();
  config.time_origin = hello.time_origin_us() != 0
                           ? Clock::time_point(std::chrono::microseconds(
                                 hello.time_origin_us()))
                           : Clock::now();
  auto view = std::make_unique<TabView>(*this, config);
  if (!view->Start(std::move(initial_region_fd_), hello.region_generation(),
                   hello_width_, hello_height_, hello.region_size(),
                   hello.url()))
    return exit_code_ != kTabExitOk ? exit_code_ : kTabExitProtocol;
  views_[view_id] = std::move(view);
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

bool TabProcess::ReadAvailable() {
  for (int i = 0; i < kMaxReadsPerIteration; ++i) {
    std::span<char> space = decoder_.PrepareWrite(64 * 1024);
    auto got = ReceiveWithFds(channel_.get(), space.data(), space.size(),
                              &received_fds_);
    if (!got.ok()) {
      if (got.error().error_number == EAGAIN) break;
      Fail(kTabExitChannel, got.error().message);
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
    arena_options.initial_block = arena_block_.get();
    arena_options.initial_block_size = kArenaBlockBytes;
    google::protobuf::Arena arena(arena_options);
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = decoder_.Next(&payload)) ==
           FrameDecoder::Result::kMessage) {
      auto* message =
          google::protobuf::Arena::CreateMessage<proto::ManagerToTab>(&arena);
      if (!message->ParseFromArray(payload.data(), int(payload.size()))) {
        Fail(kTabExitProtocol, "unparsable message from the manager");
        return false;
      }
      if (!HandleMessage(*message)) return false;
    }
    if (result != FrameDecoder::Result::kNeedMore) {
      Fail(kTabExitProtocol,
           std::string("framing error from the manager: ") + ToString(result));
      return false;
    }
    if (*got < space.size()) break;  // drained
  }
  return true;
}

TabView* TabProcess::FindView(uint32_t view_id) {
  auto it = views_.find(view_id);
  if (it != views_.end()) return it->second.get();
  Fail(kTabExitProtocol, "a message for view " + std::to_string(view_id) +
                             ", which this process does not have");
  return nullptr;
}

UniqueFd TabProcess::TakeReceivedFd(const char* what) {
  if (received_fds_.empty()) {
    Fail(kTabExitProtocol, std::string(what) + " without a region fd");
    return UniqueFd();
  }
  UniqueFd fd = std::move(received_fds_.front());
  received_fds_.erase(received_fds_.begin());
  return fd;
}

bool TabProcess::CreateView(uint32_t view_id, const proto::CreateView& create) {
  UniqueFd fd = TakeReceivedFd("CreateView");
  if (!fd.IsValid()) return false;
  if (view_id == 0 || views_.count(view_id)) {
    Fail(kTabExitProtocol, "CreateView for view " + std::to_string(view_id) +
                               ", which is taken");
    return false;
  }
  TabView::Config config;
  config.id = view_id;
  config.paced = paced_;
  config.visible = create.visible() || !paced_;
  config.time_origin = create.time_origin_us() != 0
                           ? Clock::time_point(std::chrono::microseconds(
                                 create.time_origin_us()))
                           : Clock::now();
  auto view = std::make_unique<TabView>(*this, config);
  if (!view->Start(std::move(fd), create.region_generation(),
                   int(create.width()), int(create.height()),
                   create.region_size(), create.url()))
    return false;
  views_[view_id] = std::move(view);
  return true;
}

bool TabProcess::HandleMessage(const proto::ManagerToTab& message) {
  using M = proto::ManagerToTab;
  switch (message.message_case()) {
    case M::kPing:
      outgoing_.mutable_pong()->set_nonce(message.ping().nonce());
      SendToManager(outgoing_, kMaxMessageSize);
      return true;
    case M::kShutdown:
      shutdown_received_ = true;
      running_ = false;
      exit_code_ = kTabExitOk;
      return false;
    case M::kHello:
      Fail(kTabExitProtocol, "a second Hello");
      return false;
    case M::kCreateView:
      return CreateView(message.view_id(), message.create_view());
    case M::kDestroyView:
      if (FindView(message.view_id()) == nullptr) return false;
      views_.erase(message.view_id());
      return true;
    case M::MESSAGE_NOT_SET:
      Fail(kTabExitProtocol, "unknown message from the manager");
      return false;
    default:
      break;
  }
  TabView* view = FindView(message.view_id());
  if (view == nullptr) return false;
  switch (message.message_case()) {
    case M::kInput:
      view->OnInput(message.input());
      return true;
    case M::kResize: {
      UniqueFd fd = TakeReceivedFd("Resize");
      return fd.IsValid() && view->OnResize(message.resize(), std::move(fd));
    }
    case M::kNavigate:
      view->OnNavigate(message.navigate());
      return true;
    case M::kFrameRelease:
      view->OnFrameRelease(message.frame_release());
      return true;
    case M::kBeginFrame:
      return view->OnBeginFrame(message.begin_frame());
    case M::kSetVisible:
      view->OnSetVisible(message.set_visible().visible());
      return true;
    default:
      break;
  }
  Fail(kTabExitProtocol, "unknown message from the manager");
  return false;
}

std::string& TabProcess::OutboxTail() {
  if (outbox_.empty() || !outbox_.back().raw.empty()) outbox_.emplace_back();
  return outbox_.back().owned;
}

void TabProcess::SendToManager(const proto::TabToManager& message,
                               size_t max_message_size) {
  if (shutdown_write_pending_ || write_shut_) return;
  std::string& tail = OutboxTail();
  const size_t before = tail.size();
  AppendFrame(message, max_message_size, &tail);
  queued_bytes_ += tail.size() - before;
}

void TabProcess::SendWithRawBytes(const proto::TabToManager& header,
                                  std::span<const char> raw) {
  if (shutdown_write_pending_ || write_shut_) return;
  SendToManager(header, kMaxMessageSize);
  if (raw.empty()) return;
  outbox_.push_back(OutSegment{{}, raw});
  queued_bytes_ += raw.size();
}

bool TabProcess::RawBytesQueued(const void* data) const {
  if (data == nullptr) return false;
  for (const OutSegment& segment : outbox_)
    if (segment.raw.data() == data) return true;
  return false;
}

void TabProcess::SendLog(std::string_view text) {
  auto* line = outgoing_.mutable_log_line();
  line->set_level(proto::LogLine::WARNING);
  line->set_text(std::string(text));
  outgoing_.set_view_id(0);
  SendToManager(outgoing_, kMaxMessageSize);
}

void TabProcess::SendRawBytes(std::string_view bytes) {
  if (shutdown_write_pending_ || write_shut_ || bytes.empty()) return;
  OutboxTail().append(bytes);
  queued_bytes_ += bytes.size();
}

void TabProcess::SendHelloReply(uint32_t protocol_version) {
  auto* reply = outgoing_.mutable_hello_reply();
  reply->set_protocol_version(protocol_version);
  reply->set_tab_id(static_cast<uint32_t>(options_.tab_id));
  reply->set_width(static_cast<uint32_t>(hello_width_));
  reply->set_height(static_cast<uint32_t>(hello_height_));
  reply->set_pid(::getpid());
  outgoing_.set_view_id(0);
  SendToManager(outgoing_, kMaxMessageSize);
}

void TabProcess::ConsumeOutbox(size_t sent) {
  queued_bytes_ -= sent;
  while (sent > 0) {
    OutSegment& front = outbox_.front();
    const size_t size = front.raw.empty() ? front.owned.size() : front.raw.size();
    const size_t step = std::min(sent, size - outbox_sent_);
    outbox_sent_ += step;
    sent -= step;
    if (outbox_sent_ == size) {
      outbox_.pop_front();
      outbox_sent_ = 0;
    }
  }
  // A front segment still being appended to: drop its sent half now and
  // then (amortised linear), never the whole remainder per send.
  if (!outbox_.empty() && outbox_.front().raw.empty() &&
      outbox_sent_ >= 64 * 1024 && 2 * outbox_sent_ >= outbox_.front().owned.size()) {
    outbox_.front().owned.erase(0, outbox_sent_);
    outbox_sent_ = 0;
  }
}

bool TabProcess::Flush() {
  if (write_shut_) return true;
  constexpr size_t kMaxIovecs = 16;
  while (!outbox_.empty()) {
    iovec iov[kMaxIovecs];
    size_t count = 0;
    for (const OutSegment& segment : outbox_) {
      if (count == kMaxIovecs) break;
      const char* data =
          segment.raw.empty() ? segment.owned.data() : segment.raw.data();
      size_t size = segment.raw.empty() ? segment.owned.size() : segment.raw.size();
      if (count == 0) {
        data += outbox_sent_;
        size -= outbox_sent_;
      }
      iov[count++] = iovec{const_cast<char*>(data), size};
    }
    msghdr header{};
    header.msg_iov = iov;
    header.msg_iovlen = count;
    ssize_t sent = ::sendmsg(channel_.get(), &header, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;  // poll for POLLOUT and retry
      if (errno == EPIPE || errno == ECONNRESET) {
        running_ = false;  // the manager is gone
        outbox_.clear();
        outbox_sent_ = 0;
        queued_bytes_ = 0;
        return false;
      }
      Fail(kTabExitChannel, "sendmsg: " + std::string(strerror(errno)));
      return false;
    }
    ConsumeOutbox(static_cast<size_t>(sent));
  }
  if (shutdown_write_pending_ && outbox_.empty()) {
    // The manager sees end of stream; we keep running and reading.
    ::shutdown(channel_.get(), SHUT_WR);
    shutdown_write_pending_ = false;
    write_shut_ = true;
  }
  return true;
}

}  // namespace tabsim
