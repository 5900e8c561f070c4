#include "manager/core/tab_session.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>
#include <exception>
#include <variant>

#include "common/log.h"
#include "common/protocol.h"
#include "manager/base/text.h"
#include "manager/core/command_recorder.h"
#include "manager/core/input_builder.h"
#include "manager/core/tab_observer.h"
#include "manager/core/trace.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// Tab text is cleaned where it arrives (CleanTabText: valid UTF-8, no
// controls, no bidi overrides) and kept this short, so that no front end
// has to clean it again.
constexpr size_t kMaxTitleBytes = 200;
constexpr size_t kMaxLogLineBytes = 300;

// Ping nonces a tab cannot predict: answering pongs without reading its
// channel must not keep a tab "responsive".
uint64_t RandomNonce() {
  uint64_t nonce = 0;
  if (::getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
    nonce = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) *
            0x9E3779B97F4A7C15ull;
  return nonce | 1;  // never 0
}

// How a session ended, before the process' exit status is known.
struct TabSession::Loss {
  enum class Kind {
    kNone,           // placeholder for branches cancelled by another
    kChildExited,    // the process exited first; its status is the cause
    kEndOfStream,    // the tab closed its end; wait for it to exit
    kIoError,
    kBadMessage,
    kHandshakeTimeout,
    kHandshakeRefused,
    kCloseTimeout,   // asked to close, did not exit in time
  };
  Kind kind = Kind::kNone;
  std::string detail;
  // True when the manager decided to end the tab: SIGKILL it now and report
  // `detail` rather than the bare signal.
  bool kill = false;
};

const char* ToString(TabState state) {
  switch (state) {
    case TabState::kStarting: return "starting";
    case TabState::kLive: return "live";
    case TabState::kUnresponsive: return "unresponsive";
    case TabState::kClosing: return "closing";
    case TabState::kClosed: return "closed";
    case TabState::kCrashed: return "crashed";
  }
  return "?";
}

TabSession::TabSession(asio::any_io_executor executor, Options options,
                       TabObserver* observer)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      observer_(observer),
      url_(options_.url),
      width_(options_.width),
      height_(options_.height),
      deadline_(executor_),
      delay_timer_(executor_, Clock::time_point::max()) {}

TabSession::~TabSession() = default;

std::string TabSession::RegionName() const {
  return "tabsim-tab-" + std::to_string(options_.id);
}

Status TabSession::Start() {
  auto fail = [this](const Error& error) {
    state_ = TabState::kCrashed;
    finished_ = true;
    cause_ = "failed to start: " + error.message;
    return Status(error);
  };
  auto generation = frames_.AddRegion(RegionName(), width_, height_);
  if (!generation.ok()) return fail(generation.error());

  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return fail(Error::FromErrno("socketpair"));
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);

  SpawnOptions spawn;
  spawn.executable = options_.tab_executable;
  spawn.argv = {options_.tab_executable, "--tab-id", std::to_string(options_.id),
                "--manager-pid", std::to_string(::getpid()), "--page", url_};
  spawn.argv.insert(spawn.argv.end(), options_.extra_tab_args.begin(),
                    options_.extra_tab_args.end());
  if (options_.frames_over_socket) spawn.argv.push_back("--frames-over-socket");
  spawn.fds = {{theirs.get(), kChannelFd},
               {frames_.RegionFd(*generation), kRegionFd}};
  auto child = Spawn(spawn);
  if (!child.ok()) return fail(child.error());
  child_ = std::move(child).value();
  spawned_at_ = Clock::now();
  last_frame_at_ = spawned_at_;
  stats_.Sample(spawned_at_);  // the rates' baseline
  theirs.reset();

  int watch_fd = ::fcntl(child_.pidfd(), F_DUPFD_CLOEXEC, 0);
  if (watch_fd < 0) return fail(Error::FromErrno("dup pidfd"));
  exit_watch_.emplace(executor_, watch_fd);
  channel_.emplace(
      Channel::Socket(executor_, asio::local::stream_protocol(), ours.release()),
      options_.frames_over_socket ? kMaxFramePixelsMessageSize
                                  : kMaxMessageSize);
  channel_->set_on_drained([this] { FlushHeldMove(); });

  proto::ManagerToTab hello;
  auto* h = hello.mutable_hello();
  h->set_protocol_version(kProtocolVersion);
  h->set_tab_id(static_cast<uint32_t>(options_.id));
  h->set_width(static_cast<uint32_t>(width_));
  h->set_height(static_cast<uint32_t>(height_));
  h->set_region_size(RegionBytes(width_, height_));
  h->set_region_generation(*generation);
  h->set_url(url_);
  SendToTab(hello);
  deadline_.expires_after(options_.handshake_timeout);
  TABSIM_LOG(kDebug) << "tab " << options_.id << " spawned pid "
                     << child_.pid();
  if (observer_) observer_->OnTabSpawned(*this);
  return Status::Ok();
}

asio::awaitable<void> TabSession::Run() {
  Loss loss;
  try {
    auto first = co_await (ReadLoop() || WriteLoop() || WatchExit() ||
                           WatchDeadline() || WatchHang() || DeliverDelayed());
    loss = std::visit([](Loss& l) { return std::move(l); }, first);
    // The exit (or EOF) may have won the race against a reader that had
    // already read, and judged, the tab's last bytes.
    if (verdict_ && (loss.kind == Loss::Kind::kChildExited ||
                     loss.kind == Loss::Kind::kEndOfStream ||
                     loss.kind == Loss::Kind::kNone))
      loss = *verdict_;
    co_await EndProcess(loss);
  } catch (const std::exception& e) {
    // Our bug or resource exhaustion; still end this tab, not the manager.
    TABSIM_LOG(kError) << "tab " << options_.id << ": session error: "
                       << e.what();
    loss = Loss{Loss::Kind::kIoError, std::string("internal error: ") + e.what(),
                true};
    if (!child_.reaped()) {
      (void)child_.Signal(SIGKILL);
      child_.Reap();
    }
  }
  Finish(loss);
}

std::optional<TabSession::Loss> TabSession::DrainAfterExit() {
  FrameDecoder& decoder = channel_->decoder();
  const int fd = channel_->socket().native_handle();
  // A dead process sent a finite amount; still bound the work.
  for (int reads = 0; reads < 64; ++reads) {
    std::span<char> space = decoder.PrepareWrite(Channel::kReadChunk);
    ssize_t got = ::recv(fd, space.data(), Channel::kReadChunk, MSG_DONTWAIT);
    if (got <= 0) break;
    decoder.Commit(static_cast<size_t>(got));
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = decoder.Next(&payload)) == FrameDecoder::Result::kMessage) {
      if (auto loss = HandleMessage(payload)) return loss;
    }
    if (result == FrameDecoder::Result::kOversized)
      return BadMessage(BadMessageReason::kOversizedLength, {});
    if (result == FrameDecoder::Result::kBadLength)
      return BadMessage(BadMessageReason::kMalformedLength, {});
  }
  return std::nullopt;
}

asio::awaitable<void> TabSession::EndProcess(Loss& loss) {
  if (loss.kind == Loss::Kind::kChildExited) {
    // The exit may have won the race against the last messages: a refusal
    // or a bad message among them is the better verdict.
    if (auto late = DrainAfterExit()) loss = std::move(*late);
  }
  const bool truncated =
      loss.kind == Loss::Kind::kEndOfStream && !loss.detail.empty();
  if (truncated && !child_.TryReap()) {
    // Half a message, then a hang-up. A crash mid-write looks the same for
    // a moment, so give the process a short while to die before judging,
    // and do it before closing our end (a tab may exit on that).
    deadline_.expires_after(std::chrono::milliseconds(200));
    co_await (exit_watch_->async_wait(asio::posix::descriptor_base::wait_read,
                                      kNoThrow) ||
              deadline_.async_wait(kNoThrow));
    if (!child_.TryReap()) loss = BadMessage(BadMessageReason::kTruncatedMessage, {});
  }
  channel_->Close();
  channel_->set_on_drained(nullptr);
  held_move_.reset();
  delayed_out_.clear();
  delayed_bytes_ = 0;
  reordered_out_.reset();
  reordered_in_.reset();
  withheld_releases_.clear();
  if (loss.kill) (void)child_.Signal(SIGKILL);
  if (!child_.TryReap()) {
    // The tab closed its end (or we killed it). If it is dying anyway its
    // exit status is the cause; give it the grace period.
    auto wait = loss.kill ? std::chrono::milliseconds(0) : options_.exit_grace;
    deadline_.expires_after(wait);
    co_await (exit_watch_->async_wait(asio::posix::descriptor_base::wait_read,
                                      kNoThrow) ||
              deadline_.async_wait(kNoThrow));
    if (!child_.TryReap()) {
      (void)child_.Signal(SIGKILL);
      // SIGKILL cannot be caught or blocked; the exit is imminent.
      co_await exit_watch_->async_wait(asio::posix::descriptor_base::wait_read,
                                       kNoThrow);
      child_.Reap();
      if (!loss.kill) {
        // We had to end it: say why, rather than the bare SIGKILL.
        loss = Loss{Loss::Kind::kIoError,
                    "closed its channel but did not exit within " +
                        std::to_string(wait.count()) + " ms",
                    true};
      }
    }
  }
  exit_watch_.reset();
}

void TabSession::Finish(const Loss& loss) {
  const std::string exit_text = child_.reaped() ? child_.exit()->Describe()
                                                : std::string("not reaped");
  bool clean_close = state_ == TabState::kClosing && child_.reaped() &&
                     child_.exit()->code == CLD_EXITED &&
                     child_.exit()->status == 0;
  switch (loss.kind) {
    case Loss::Kind::kBadMessage:
      cause_ = "killed: bad message (" + loss.detail + ")";
      break;
    case Loss::Kind::kHandshakeTimeout:
    case Loss::Kind::kHandshakeRefused:
    case Loss::Kind::kCloseTimeout:
    case Loss::Kind::kIoError:
      cause_ = "killed: " + loss.detail;
      break;
    case Loss::Kind::kEndOfStream:
      cause_ = loss.detail.empty() ? exit_text : exit_text + " (" + loss.detail + ")";
      break;
    case Loss::Kind::kChildExited:
    case Loss::Kind::kNone:
      cause_ = exit_text;
      break;
  }
  if (child_.reaped() && child_.exit()->code != CLD_EXITED &&
      child_.exit()->status == SIGSYS && loss.kind != Loss::Kind::kBadMessage)
    cause_ += ": sandbox violation (seccomp)";
  state_ = clean_close ? TabState::kClosed : TabState::kCrashed;
  // Only the record stays: the channel (its socket and read buffer), the
  // exit watch, the regions and any pixels go now, so a manager that has
  // seen thousands of tabs holds no fd and little memory for them.
  frames_.Clear();
  latest_ = FrameView{};
  channel_.reset();
  exit_watch_.reset();
  for (auto& buffer : socket_frames_) std::vector<uint32_t>().swap(buffer);
  held_move_.reset();
  delayed_out_.clear();
  incoming_.Clear();
  outgoing_.Clear();
  TABSIM_LOG(kDebug) << "tab " << options_.id << " lost: " << cause_;
  if (observer_) observer_->OnTabLost(*this);
}

asio::awaitable<TabSession::Loss> TabSession::ReadLoop() {
  FrameDecoder& decoder = channel_->decoder();
  for (;;) {
    error_code error = co_await channel_->ReadSome();
    std::string_view payload;
    FrameDecoder::Result result;
    while ((result = decoder.Next(&payload)) ==
           FrameDecoder::Result::kMessage) {
      std::optional<Loss> loss;
      if (faults_.affects(Direction::kFromTab) || reordered_in_)
        loss = co_await HandleFaulty(payload);
      else
        loss = HandleMessage(payload);
      if (loss) {
        if (!verdict_) verdict_ = std::make_unique<Loss>(*loss);
        co_return std::move(*loss);
      }
    }
    if (result == FrameDecoder::Result::kOversized)
      co_return BadMessage(BadMessageReason::kOversizedLength,
                           "declared length " +
                               std::to_string(decoder.last_declared_length()));
    if (result == FrameDecoder::Result::kBadLength)
      co_return BadMessage(BadMessageReason::kMalformedLength, {});
    // A peer that died with unread input resets the connection instead of
    // closing it: either way the tab is gone and its exit says why.
    if (error == asio::error::eof || error == asio::error::connection_reset) {
      if (decoder.buffered() > 0) {
        // Either it died mid-write (the exit status will say so) or it
        // sent half a message and hung up: judged once it has had the grace
        // period to exit.
        co_return Loss{Loss::Kind::kEndOfStream,
                       "channel closed inside a message", false};
      }
      co_return Loss{Loss::Kind::kEndOfStream, {}, false};
    }
    if (error) {
      if (error == asio::error::operation_aborted) co_return Loss{};
      co_return Loss{Loss::Kind::kIoError, "read error: " + error.message(),
                     true};
    }
  }
}

asio::awaitable<TabSession::Loss> TabSession::WriteLoop() {
  error_code error = co_await channel_->WriteLoop();
  if (error == asio::error::operation_aborted) co_return Loss{};
  if (error == asio::error::broken_pipe ||
      error == asio::error::connection_reset) {
    // The tab is going away; its exit (or the reader's EOF) says why.
    co_await exit_watch_->async_wait(asio::posix::descriptor_base::wait_read,
                                     kNoThrow);
    co_return Loss{Loss::Kind::kChildExited, {}, false};
  }
  co_return Loss{Loss::Kind::kIoError, "write error: " + error.message(), true};
}

asio::awaitable<TabSession::Loss> TabSession::WatchExit() {
  auto [error] = co_await exit_watch_->async_wait(
      asio::posix::descriptor_base::wait_read, kNoThrow);
  if (error) co_return Loss{};
  co_return Loss{Loss::Kind::kChildExited, {}, false};
}

asio::awaitable<TabSession::Loss> TabSession::WatchDeadline() {
  for (;;) {
    auto [error] = co_await deadline_.async_wait(kNoThrow);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return Loss{};
    if (error) continue;  // re-armed by a state change
    if (state_ == TabState::kStarting) {
      co_return Loss{Loss::Kind::kHandshakeTimeout,
                     "no handshake within " +
                         std::to_string(options_.handshake_timeout.count()) +
                         " ms",
                     true};
    }
    if (state_ == TabState::kClosing) {
      co_return Loss{Loss::Kind::kCloseTimeout,
                     "did not exit within " +
                         std::to_string(options_.exit_grace.count()) +
                         " ms of shutdown",
                     true};
    }
    deadline_.expires_at(Clock::time_point::max());
  }
}

asio::awaitable<TabSession::Loss> TabSession::WatchHang() {
  asio::steady_timer timer(executor_);
  for (;;) {
    timer.expires_after(options_.ping_interval);
    auto [error] = co_await timer.async_wait(kNoThrow);
    if (error) co_return Loss{};  // cancelled: the session is ending
    // Everything queued to a tab is bounded, not only input: a tab that
    // never reads but keeps sending frames would otherwise grow our queue
    // of FrameReleases (and pings) without end.
    if (size_t queued = channel_->pending_bytes();
        queued > options_.max_queued_bytes) {
      co_return Loss{Loss::Kind::kIoError,
                     "not reading its channel (" + std::to_string(queued) +
                         " bytes queued, limit " +
                         std::to_string(options_.max_queued_bytes) + ")",
                     true};
    }
    if (!live()) continue;
    Clock::time_point now = Clock::now();
    if (!ping_outstanding_) {
      proto::ManagerToTab ping;
      ping_nonce_ = RandomNonce();
      ping.mutable_ping()->set_nonce(ping_nonce_);
      SendToTab(ping);
      ++counters_.pings_sent;
      ping_outstanding_ = true;
      ping_sent_at_ = now;
      continue;
    }
    auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        now - ping_sent_at_);
    if (options_.kill_after.count() > 0 && waited >= options_.kill_after) {
      co_return Loss{Loss::Kind::kIoError,
                     "unresponsive for " + std::to_string(waited.count()) +
                         " ms (hang monitor)",
                     true};
    }
    if (waited >= options_.unresponsive_after &&
        state_ == TabState::kLive) {
      TABSIM_LOG(kInfo) << "tab " << options_.id << " unresponsive for "
                        << waited.count() << " ms";
      SetState(TabState::kUnresponsive);
    }
  }
}

void TabSession::SetState(TabState state) {
  if (state_ == state) return;
  state_ = state;
  if (observer_) observer_->OnTabStateChanged(*this);
}

TabSession::Loss TabSession::BadMessage(BadMessageReason reason,
                                        std::string_view bytes) {
  // Checks deeper than HandleMessage pass no bytes: log the message itself.
  if (bytes.empty()) bytes = current_payload_;
  std::string hex;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 32); ++i) {
    static const char kDigits[] = "0123456789abcdef";
    auto byte = static_cast<unsigned char>(bytes[i]);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  TABSIM_LOG(kWarning) << "tab " << options_.id << " (pid " << child_.pid()
                       << "): bad message " << ToString(reason) << " ("
                       << bytes.size() << " bytes: " << hex
                       << (bytes.size() > 32 ? "..." : "") << "); killing it";
  return Loss{Loss::Kind::kBadMessage, ToString(reason), true};
}

std::optional<TabSession::Loss> TabSession::HandleMessage(
    std::string_view payload, std::string_view trace_note) {
  ++counters_.messages_in;
  if (tracer_) tracer_->OnMessage(*this, Direction::kFromTab, payload, trace_note);
  if (!incoming_.ParseFromArray(payload.data(),
                                static_cast<int>(payload.size()))) {
    stats_.CountMessage(Direction::kFromTab, 0,
                        ChannelStats::FramedSize(payload.size()));
    return BadMessage(BadMessageReason::kUnparsableMessage, payload);
  }
  current_payload_ = payload;
  // Cleared on every way out: the view points into the decoder's buffer.
  struct ClearOnExit {
    std::string_view& view;
    ~ClearOnExit() { view = {}; }
  } clear_payload{current_payload_};
  auto kind = incoming_.message_case();
  stats_.CountMessage(Direction::kFromTab, int(kind),
                      ChannelStats::FramedSize(payload.size()));
  TABSIM_LOG(kDebug) << "tab " << options_.id << " -> manager: type "
                     << int(kind) << " size " << payload.size();
  if (kind == proto::TabToManager::MESSAGE_NOT_SET)
    return BadMessage(BadMessageReason::kUnknownMessageType, payload);
  if (!handshake_done_ && kind != proto::TabToManager::kHelloReply)
    return BadMessage(BadMessageReason::kUnexpectedBeforeHandshake, payload);

  switch (kind) {
    case proto::TabToManager::kHelloReply:
      // (A tab asked to close during its handshake still answers honestly.)
      if (handshake_done_)
        return BadMessage(BadMessageReason::kDuplicateHandshake, payload);
      return HandleHelloReply(incoming_.hello_reply());
    case proto::TabToManager::kFrameReady:
      return HandleFrameReady(incoming_.frame_ready());
    case proto::TabToManager::kInputAck: {
      uint64_t acked = incoming_.input_ack().last_input_sequence();
      if (acked > counters_.inputs_sent)
        return BadMessage(BadMessageReason::kInputSequenceFromFuture, payload);
      counters_.last_input_acked = std::max(counters_.last_input_acked, acked);
      if (observer_) observer_->OnInputAcked(*this, acked);
      return std::nullopt;
    }
    case proto::TabToManager::kPong:
      return HandlePong(incoming_.pong());
    case proto::TabToManager::kTitleChanged:
      title_ = CleanTabText(incoming_.title_changed().title(), kMaxTitleBytes);
      if (observer_) observer_->OnTitleChanged(*this);
      return std::nullopt;
    case proto::TabToManager::kLogLine: {
      if (!observer_) return std::nullopt;
      // Most lines are clean already: those go on without a copy.
      const std::string& line = incoming_.log_line().text();
      if (IsCleanTabText(line, kMaxLogLineBytes))
        observer_->OnTabLog(*this, line);
      else
        observer_->OnTabLog(*this, CleanTabText(line, kMaxLogLineBytes));
      return std::nullopt;
    }
    case proto::TabToManager::kFramePixels:
      // Only legitimate from a tab started with --frames-over-socket.
      if (!options_.frames_over_socket)
        return BadMessage(BadMessageReason::kUnknownMessageType, payload);
      return HandleFramePixels(incoming_.frame_pixels());
    case proto::TabToManager::MESSAGE_NOT_SET:
      break;
  }
  return BadMessage(BadMessageReason::kUnknownMessageType, payload);
}

std::optional<TabSession::Loss> TabSession::HandleHelloReply(
    const proto::HelloReply& reply) {
  if (reply.protocol_version() != kProtocolVersion) {
    return Loss{Loss::Kind::kHandshakeRefused,
                "refused: protocol version mismatch (tab speaks " +
                    std::to_string(reply.protocol_version()) +
                    ", manager speaks " + std::to_string(kProtocolVersion) +
                    ")",
                true};
  }
  if (reply.tab_id() != static_cast<uint32_t>(options_.id))
    return BadMessage(BadMessageReason::kHandshakeTabIdMismatch, {});
  if (reply.width() != static_cast<uint32_t>(width_) ||
      reply.height() != static_cast<uint32_t>(height_))
    return BadMessage(BadMessageReason::kHandshakeSizeMismatch, {});
  handshake_done_ = true;
  if (options_.frames_over_socket) {
    for (auto& buffer : socket_frames_)
      buffer.assign(size_t(width_) * size_t(height_), 0);
  }
  // Closed while it was starting: the shutdown (and its deadline) stand.
  if (state_ != TabState::kStarting) return std::nullopt;
  state_ = TabState::kLive;
  deadline_.expires_at(Clock::time_point::max());
  if (observer_) observer_->OnTabLive(*this);
  return std::nullopt;
}

std::optional<TabSession::Loss> TabSession::HandleFrameReady(
    const proto::FrameReady& frame) {
  auto verdict = frames_.OnFrameReady(frame, counters_.inputs_sent,
                                      navigations_sent_);
  if (auto* reason = std::get_if<BadMessageReason>(&verdict))
    return BadMessage(*reason, {});
  auto& accepted = std::get<FrameLedger::Accepted>(verdict);
  if (accepted.release && faults_.withhold_release()) {
    // Held back: once the tab has no buffer left it stops drawing.
    withheld_releases_.push_back(*accepted.release);
    faults_.CountWithheldRelease();
  } else if (accepted.release) {
    // The previously held buffer goes back to the tab.
    proto::ManagerToTab release;
    release.mutable_frame_release()->set_buffer_index(accepted.release->index);
    release.mutable_frame_release()->set_region_generation(
        accepted.release->generation);
    SendToTab(release);
    ++counters_.releases_sent;
  }
  AcceptFrame(accepted.view);
  return std::nullopt;
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

std::optional<TabSession::Loss> TabSession::HandlePong(const proto::Pong& pong) {
  if (!ping_outstanding_ || pong.nonce() != ping_nonce_)
    return BadMessage(BadMessageReason::kUnsolicitedPong, {});
  if (faults_.withhold_pong()) {
    // As if it never came: the hang monitor goes on waiting.
    pong_withheld_ = true;
    faults_.CountWithheldPong();
    return std::nullopt;
  }
  ping_outstanding_ = false;
  ++counters_.pongs_received;
  if (state_ == TabState::kUnresponsive) SetState(TabState::kLive);
  return std::nullopt;
}

std::optional<TabSession::Loss> TabSession::HandleFramePixels(
    const proto::FramePixels& chunk) {
  const uint64_t frame_bytes = FrameBytes(width_, height_);
  if (chunk.offset() == 0) {
    if (chunk.frame_sequence() <= frames_.last_sequence())
      return BadMessage(BadMessageReason::kFrameSequenceNotIncreasing, {});
    assembling_sequence_ = chunk.frame_sequence();
    assembled_bytes_ = 0;
  } else if (chunk.frame_sequence() != assembling_sequence_ ||
             chunk.offset() != assembled_bytes_) {
    return BadMessage(BadMessageReason::kFramePixelsOutOfOrder, {});
  }
  const std::string& pixels = chunk.pixels();
  if (chunk.offset() + pixels.size() > frame_bytes ||
      (chunk.last() && chunk.offset() + pixels.size() != frame_bytes))
    return BadMessage(BadMessageReason::kFramePixelsOutOfBounds, {});
  if (chunk.last_input_sequence() > counters_.inputs_sent)
    return BadMessage(BadMessageReason::kInputSequenceFromFuture, {});
  if (auto reason =
          frames_.CheckNavigation(chunk.navigation_id(), navigations_sent_))
    return BadMessage(*reason, {});
  std::vector<uint32_t>& target = socket_frames_[assembling_];
  std::memcpy(reinterpret_cast<char*>(target.data()) + chunk.offset(),
              pixels.data(), pixels.size());
  assembled_bytes_ += pixels.size();
  counters_.frame_bytes_over_socket += pixels.size();
  if (!chunk.last()) return std::nullopt;
  FrameView view;
  view.pixels = target.data();
  view.width = width_;
  view.height = height_;
  view.sequence = chunk.frame_sequence();
  view.last_input_sequence = chunk.last_input_sequence();
  view.navigation_id = chunk.navigation_id();
  view.region_generation = 1;  // no resize with --frames-over-socket
  view.damage_width = width_;
  view.damage_height = height_;
  assembling_ ^= 1;  // the next frame goes into the other buffer
  frames_.set_last_sequence(view.sequence);
  AcceptFrame(view);
  return std::nullopt;
}

FrameView TabSession::latest_frame() const { return latest_; }

void TabSession::SendToTab(const proto::ManagerToTab& message) {
  ++counters_.messages_out;
  const int type = int(message.message_case());
  TABSIM_LOG(kDebug) << "manager -> tab " << options_.id << ": type " << type;
  // The handshake and Shutdown are never faulted: a tab must be able to
  // start and to be closed whatever the user injects.
  const bool exempt = type == proto::ManagerToTab::kHello ||
                      type == proto::ManagerToTab::kShutdown;
  if (!exempt && (faults_.affects(Direction::kToTab) || reordered_out_ ||
                  !delayed_out_.empty())) {
    SendFaulty(OutMessage{message.SerializeAsString(), type, {}, {}});
    return;
  }
  const size_t before = channel_->pending_bytes();
  channel_->Send(message);
  stats_.CountMessage(Direction::kToTab, type,
                      channel_->pending_bytes() - before);
  if (tracer_)
    tracer_->OnMessage(*this, Direction::kToTab, message.SerializeAsString(), {});
}

void TabSession::SendFaulty(OutMessage message) {
  FaultInjector::Decision decision = faults_.Decide(Direction::kToTab);
  if (decision.drop) {
    if (tracer_)
      tracer_->OnMessage(*this, Direction::kToTab, message.payload,
                         "dropped (fault)");
    return;
  }
  if (decision.corrupt) {
    FaultInjector::Corrupt(&message.payload);
    message.type = 0;
    message.note = "corrupted (fault)";
  }
  if (decision.delay.count() > 0)
    message.note += (message.note.empty() ? "" : ", ") +
                    std::string("delayed ") +
                    std::to_string(decision.delay.count()) + " ms (fault)";
  // A Navigate is never held back for reordering: swapped, two of them
  // would make an honest tab report navigation ids going back, which is a
  // bad message.
  if (decision.reorder && !reordered_out_ &&
      message.type != proto::ManagerToTab::kNavigate) {
    message.note += (message.note.empty() ? "" : ", ") +
                    std::string("reordered (fault)");
    reordered_out_ = std::move(message);
    return;
  }
  if (decision.duplicate) {
    OutMessage copy = message;
    copy.note += (copy.note.empty() ? "" : ", ") + std::string("duplicate (fault)");
    ForwardOrDelay(std::move(message), decision.delay);
    ForwardOrDelay(std::move(copy), decision.delay);
  } else {
    ForwardOrDelay(std::move(message), decision.delay);
  }
  if (reordered_out_) {
    OutMessage held = std::move(*reordered_out_);
    reordered_out_.reset();
    ForwardOrDelay(std::move(held), std::chrono::milliseconds(0));
  }
}

void TabSession::ForwardOrDelay(OutMessage message,
                                std::chrono::milliseconds delay) {
  if (delay.count() == 0 && delayed_out_.empty()) {
    WritePayload(message);
    return;
  }
  // Later messages wait behind a delayed one: a delay keeps the order.
  message.due = Clock::now() + delay;
  if (!delayed_out_.empty())
    message.due = std::max(message.due, delayed_out_.back().due);
  delayed_bytes_ += message.payload.size();
  delayed_out_.push_back(std::move(message));
  if (delayed_out_.size() == 1) delay_timer_.cancel();
}

void TabSession::WritePayload(const OutMessage& message) {
  const size_t before = channel_->pending_bytes();
  channel_->SendPayload(message.payload);
  stats_.CountMessage(Direction::kToTab, message.type,
                      channel_->pending_bytes() - before);
  if (tracer_)
    tracer_->OnMessage(*this, Direction::kToTab, message.payload, message.note);
}

asio::awaitable<TabSession::Loss> TabSession::DeliverDelayed() {
  for (;;) {
    delay_timer_.expires_at(delayed_out_.empty() ? Clock::time_point::max()
                                                 : delayed_out_.front().due);
    co_await delay_timer_.async_wait(kNoThrow);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return Loss{};
    // Woken early by a new delayed message, or due: send what is due.
    const Clock::time_point now = Clock::now();
    while (!delayed_out_.empty() && delayed_out_.front().due <= now) {
      delayed_bytes_ -= delayed_out_.front().payload.size();
      WritePayload(delayed_out_.front());
      delayed_out_.pop_front();
    }
  }
}

asio::awaitable<std::optional<TabSession::Loss>> TabSession::HandleFaulty(
    std::string_view view) {
  FaultInjector::Decision decision = faults_.Decide(Direction::kFromTab);
  std::string bytes(view);  // the view dies with the next read
  if (decision.drop) {
    ++counters_.messages_in;
    stats_.CountMessage(
        Direction::kFromTab,
        incoming_.ParseFromString(bytes) ? int(incoming_.message_case()) : 0,
        ChannelStats::FramedSize(bytes.size()));
    if (tracer_)
      tracer_->OnMessage(*this, Direction::kFromTab, bytes, "dropped (fault)");
    co_return std::nullopt;
  }
  std::string note;
  if (decision.corrupt) {
    FaultInjector::Corrupt(&bytes);
    note = "corrupted (fault)";
  }
  if (decision.delay.count() > 0) {
    // The reader stalls, so everything behind this message waits too.
    asio::steady_timer timer(executor_, decision.delay);
    co_await timer.async_wait(kNoThrow);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return Loss{};
    note += (note.empty() ? "" : ", ") + std::string("delayed ") +
            std::to_string(decision.delay.count()) + " ms (fault)";
  }
  if (decision.reorder && !reordered_in_) {
    reordered_in_ = std::move(bytes);
    co_return std::nullopt;
  }
  if (auto loss = HandleMessage(bytes, note)) co_return loss;
  if (decision.duplicate) {
    if (auto loss = HandleMessage(bytes, "duplicate (fault)")) co_return loss;
  }
  if (reordered_in_) {
    std::string held = std::move(*reordered_in_);
    reordered_in_.reset();
    if (auto loss = HandleMessage(held, "reordered (fault)")) co_return loss;
  }
  co_return std::nullopt;
}

size_t TabSession::QueuedBytes(Direction direction) const {
  if (!channel_ || channel_->closed()) return 0;
  if (direction == Direction::kFromTab)
    return channel_->decoder().buffered() +
           (reordered_in_ ? reordered_in_->size() : 0);
  return channel_->pending_bytes() + delayed_bytes_ +
         (reordered_out_ ? reordered_out_->payload.size() : 0) +
         (held_move_ ? size_t(held_move_->ByteSizeLong()) : 0);
}

size_t TabSession::SocketBytes(Direction direction) const {
  if (!channel_ || channel_->closed()) return 0;
  int bytes = 0;
  const int fd = const_cast<Channel&>(*channel_).socket().native_handle();
  if (::ioctl(fd, direction == Direction::kToTab ? SIOCOUTQ : SIOCINQ,
              &bytes) != 0)
    return 0;
  return bytes < 0 ? 0 : size_t(bytes);
}

Status TabSession::InjectFault(const FaultSpec& spec) {
  if (!live())
    return Error{"tab " + std::to_string(id()) + " is " + ToString(state_), 0};
  return faults_.Set(spec);
}

void TabSession::ClearFaults() {
  faults_.Clear();
  if (!live() || !channel_) return;
  for (const FrameLedger::BufferId& buffer : withheld_releases_) {
    proto::ManagerToTab release;
    release.mutable_frame_release()->set_buffer_index(buffer.index);
    release.mutable_frame_release()->set_region_generation(buffer.generation);
    SendToTab(release);
    ++counters_.releases_sent;
  }
  withheld_releases_.clear();
  if (pong_withheld_) {
    // The tab did answer; the next ping starts a fresh wait.
    pong_withheld_ = false;
    ping_outstanding_ = false;
  }
  if (reordered_out_) {
    OutMessage held = std::move(*reordered_out_);
    reordered_out_.reset();
    ForwardOrDelay(std::move(held), std::chrono::milliseconds(0));
  }
}

Status TabSession::SendInput(const proto::InputEvent& event) {
  if (!live())
    return Error{"tab " + std::to_string(id()) + " is " + ToString(state_), 0};
  // The framing limit would CHECK on it; a library caller (replay of a
  // recording) may hand us anything. Only a key's text can make an event
  // big: mouse and wheel events are a few varints (and are not measured,
  // which would cost the hot path a pass over each).
  if (event.has_key() && event.ByteSizeLong() > kMaxInputEventBytes)
    return Error{"input event of " + std::to_string(event.ByteSizeLong()) +
                     " bytes, more than the " +
                     std::to_string(kMaxInputEventBytes) + " a message may carry",
                 EINVAL};
  size_t backlog = channel_->pending_bytes();
  bool is_move = event.has_mouse() &&
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
  if (!held_move_) return;
  proto::InputEvent move = std::move(*held_move_);
  held_move_.reset();
  SendInputNow(move);
}

void TabSession::SendInputNow(const proto::InputEvent& event) {
  // Fill the reused outgoing message in place: no allocation per event once
  // its sub-messages exist.
  proto::InputEvent* input = outgoing_.mutable_input();
  input->CopyFrom(event);
  input->set_sequence(++counters_.inputs_sent);
  stats_.InputSent(counters_.inputs_sent, Clock::now());
  if (recorder_) recorder_->OnCommand(*this, outgoing_);
  SendToTab(outgoing_);
}

Status TabSession::Navigate(const std::string& url) {
  if (!live())
    return Error{"tab " + std::to_string(id()) + " is " + ToString(state_), 0};
  // Bounded and printable, so the message always fits the framing limit.
  if (Status valid = ValidateUrl(url); !valid.ok()) return valid;
  proto::ManagerToTab message;
  message.mutable_navigate()->set_url(url);
  message.mutable_navigate()->set_navigation_id(++navigations_sent_);
  navigated_at_ = Clock::now();
  if (recorder_) recorder_->OnCommand(*this, message);
  SendToTab(message);
  url_ = url;
  return Status::Ok();
}

Status TabSession::Resize(int width, int height) {
  if (!live())
    return Error{"tab " + std::to_string(id()) + " is " + ToString(state_), 0};
  if (options_.frames_over_socket)
    return Error{"resize is not supported with --frames-over-socket", ENOTSUP};
  if (width < 1 || height < 1 || width > kMaxFrameDimension ||
      height > kMaxFrameDimension)
    return Error{"size " + std::to_string(width) + "x" +
                     std::to_string(height) + " out of range",
                 EINVAL};
  auto generation = frames_.AddRegion(RegionName(), width, height);
  if (!generation.ok()) return generation.error();
  auto fd = frames_.DuplicateFd(*generation);
  if (!fd.ok()) return fd.error();
  proto::ManagerToTab message;
  auto* resize = message.mutable_resize();
  resize->set_width(static_cast<uint32_t>(width));
  resize->set_height(static_cast<uint32_t>(height));
  resize->set_region_size(RegionBytes(width, height));
  resize->set_region_generation(*generation);
  width_ = width;
  height_ = height;
  if (recorder_) recorder_->OnCommand(*this, message);
  ++counters_.messages_out;
  // Never faulted: the region's fd travels with it.
  const size_t before = channel_->pending_bytes();
  channel_->SendWithFd(message, std::move(fd).value());
  stats_.CountMessage(Direction::kToTab, proto::ManagerToTab::kResize,
                      channel_->pending_bytes() - before);
  if (tracer_)
    tracer_->OnMessage(*this, Direction::kToTab, message.SerializeAsString(), {});
  return Status::Ok();
}

void TabSession::Close() {
  if (state_ == TabState::kStarting || live()) {
    FlushHeldMove();
    proto::ManagerToTab message;
    message.mutable_shutdown();
    SendToTab(message);
    SetState(TabState::kClosing);
    deadline_.expires_after(options_.exit_grace);
  }
}

Status TabSession::Kill(int signal) {
  if (!running() || child_.reaped())
    return Error{"tab " + std::to_string(id()) + " is not running", ESRCH};
  return child_.Signal(signal);
}

}  // namespace tabsim
