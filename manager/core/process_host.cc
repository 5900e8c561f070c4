#include "manager/core/process_host.h"

#include <fcntl.h>
#include <poll.h>
#include <linux/sockios.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <bit>
#include <climits>
#include <exception>
#include <variant>

#include "common/check.h"
#include "common/log.h"
#include "common/protocol.h"
#include "manager/core/memory_pressure.h"
#include "common/wait_status.h"
#include "manager/core/tab_session.h"
#include "manager/core/timeline_sink.h"
#include "manager/core/trace.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// Messages a background process's reader handles before it lets the loop
// serve others.
constexpr int kBackgroundBurst = 32;

// The most idle pings counted in a row: the first leaves the base rate,
// each further one doubles it, so one more than the doublings that take 1
// to kMaxIdlePingFactor.
constexpr int kMaxIdlePings =
    std::bit_width(unsigned(ProcessHost::kMaxIdlePingFactor));

// The kernel buffer for what the manager writes to a tab. With the
// 208 KiB default a stream of input filled it ~10 times as often, each
// time a wait for POLLOUT and a wake-up of both sides: one tab's delivered
// input went from a median 8.4 to 11.7 M events/s, most runs 0.71-0.79 of
// the batched floor (docs/benchmarks.md). The cost: a hung tab can have
// twice this much input waiting in the kernel before mouse moves start to
// coalesce (TabSession::Options::coalesce_above_bytes counts our own
// queue); a tab decodes that in tens of milliseconds once it reads again.
constexpr int kToTabSendBufferBytes = 1024 * 1024;

// A handshake deadline that fires this much after its time found the loop
// busy, not the tab slow (WatchDeadline): `tabsim run --tabs 6600` on two
// cores read some handshakes 10 s after they were sent, and killed 272 of
// its tabs for a 5 s deadline before this.
constexpr std::chrono::milliseconds kLateDeadline{100};
// How often AwaitExit looks for an exit it has no pidfd to wait on.
constexpr std::chrono::milliseconds kExitPollInterval{5};

// Asks for an SO_SNDBUF of `bytes` on `fd`. The kernel caps the request at
// net.core.wmem_max and doubles it. A hint: where it fails, or is capped
// low, the default buffer still works, only slower.
void RequestSendBuffer(int fd, size_t bytes) {
  const int value = int(std::min<size_t>(bytes, size_t(INT_MAX / 2)));
  (void)::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof(value));
}

// Ping nonces a tab cannot predict: answering pongs without reading its
// channel must not keep a tab "responsive".
uint64_t RandomNonce() {
  uint64_t nonce = 0;
  if (::getrandom(&nonce, sizeof(nonce), 0) != sizeof(nonce))
    nonce = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) *
            0x9E3779B97F4A7C15ull;
  return nonce | 1;  // never 0
}

uint64_t MonotonicMicros(std::chrono::steady_clock::time_point time) {
  return uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                      time.time_since_epoch())
                      .count());
}

}  // namespace

// How a process ended, before its exit status is known.
struct ProcessHost::Loss {
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
  // True when the manager decided to end the process: SIGKILL it now and
  // report `detail` rather than the bare signal.
  bool kill = false;
};

const char* ToString(ProcessState state) {
  switch (state) {
    case ProcessState::kStarting: return "starting";
    case ProcessState::kLive: return "live";
    case ProcessState::kUnresponsive: return "unresponsive";
    case ProcessState::kClosing: return "closing";
    case ProcessState::kGone: return "gone";
  }
  return "?";
}

ProcessHost::ProcessHost(asio::any_io_executor executor, Options options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      deadline_(executor_),
      delay_timer_(executor_, Clock::time_point::max()) {}

ProcessHost::~ProcessHost() {
  // output_ exists only once Start() added it to the hub.
  for (pid_t pid : output_pids_) options_.output_hub->Remove(pid, output_.get());
}

proto::Hello ProcessHost::MakeHello(const TabSession& first) const {
  proto::Hello hello;
  hello.set_protocol_version(kProtocolVersion);
  hello.set_tab_id(static_cast<uint32_t>(first.id()));
  hello.set_view_id(static_cast<uint32_t>(first.id()));
  hello.set_width(static_cast<uint32_t>(first.width()));
  hello.set_height(static_cast<uint32_t>(first.height()));
  hello.set_region_size(RegionBytes(first.width(), first.height()));
  hello.set_region_generation(first.first_region_generation());
  hello.set_url(first.url());
  hello.set_paced(first.paced());
  hello.set_visible(first.visible());
  hello.set_time_origin_us(MonotonicMicros(first.time_origin()));
  return hello;
}

Status ProcessHost::Start(TabSession& first) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    return Error::FromErrno("socketpair");
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  RequestSendBuffer(ours.get(), kToTabSendBufferBytes);
  if (options_.frames_over_socket) {
    // Room for a whole frame in flight: with wmem_max at 4 MiB, 1080p
    // frames went from ~430 to ~630 frames/s against the 208 KiB default
    // (docs/benchmarks.md). Where wmem_max is lower it only helps less.
    RequestSendBuffer(theirs.get(), FrameBytes(first.width(), first.height()));
  }

  SpawnOptions spawn;
  spawn.executable = options_.tab_executable;
  spawn.argv = {options_.tab_executable, "--tab-id", std::to_string(first.id()),
                "--manager-pid", std::to_string(::getpid()), "--page",
                first.url()};
  spawn.argv.insert(spawn.argv.end(), options_.extra_tab_args.begin(),
                    options_.extra_tab_args.end());
  if (options_.frames_over_socket) spawn.argv.push_back("--frames-over-socket");
  // The region's fd goes to the process; the manager keeps its mapping.
  UniqueFd region = first.TakeFirstRegionFd();
  spawn.fds = {{theirs.get(), kChannelFd}, {region.get(), kRegionFd}};
  spawn.namespaces = options_.namespaces;
  spawn.init_executable = options_.init_executable;
  spawn.kill_group_on_exit = options_.kill_group_on_exit;
  // Its stdout and stderr: a sender of the hub, the manager's copy closed
  // once the process has it; no fd of the manager's per process.
  if (!options_.output_hub)
    return Error{"no socket for the tabs' output (out of fds?)", EMFILE};
  auto sender = options_.output_hub->NewSender();
  if (!sender.ok()) return sender.error();
  UniqueFd output_sender = std::move(sender).value();
  spawn.output_fd = output_sender.get();
  auto child = Spawn(spawn);
  if (!child.ok()) return child.error();
  child_ = std::move(child).value();
  spawned_at_ = Clock::now();
  if (auto kills = ReadOomKillCount(); kills.ok()) oom_kills_at_spawn_ = *kills;
  theirs.reset();
  output_sender.reset();  // the process holds the only one now
  output_ = std::make_unique<TabOutput>([this](const std::string& line) {
    // Like a process-wide LogLine: every tab in it shows it.
    std::vector<TabSession*> views = views_;
    for (TabSession* view : views) view->OnProcessLog("output: " + line);
  });
  // The program's writes, and its init's (under namespaces).
  output_pids_ = {child_.pid()};
  if (child_.child_pid() != child_.pid())
    output_pids_.push_back(child_.child_pid());
  for (pid_t pid : output_pids_) options_.output_hub->Add(pid, output_.get());
  layers_.namespaces = options_.namespaces;
  layers_.group_fallback = options_.kill_group_on_exit;
  layers_.no_sandbox_flag =
      std::find(spawn.argv.begin(), spawn.argv.end(), "--no-sandbox") !=
      spawn.argv.end();
  RefreshLayers();

  // The loop owns the pidfd from here (closed with exit_watch_): one fd
  // per tab process, not a dup of the child's own. Under tabsim-init none
  // is held while the tab runs: the program's end is init's end (it exits
  // with it), and init's end takes the namespace and every fd of the tab
  // with it, so the channel's end of file always comes, and a pidfd is
  // opened then (AwaitExit). The pid stays ours to signal: init is our
  // child, unreaped until then.
  UniqueFd pidfd = child_.TakePidfd();
  if (!child_.in_namespaces())
    exit_watch_.emplace(executor_, pidfd.release());
  channel_.emplace(
      Channel::Socket(executor_, asio::local::stream_protocol(), ours.release()),
      kMaxMessageSize);
  channel_->set_on_drained([this] {
    for (TabSession* view : views_) view->OnChannelDrained();
  });

  views_.push_back(&first);
  view_history_.push_back(first.id());
  if (timeline_) timeline_->OnProcessSpawned(*this);
  proto::ManagerToTab hello;
  *hello.mutable_hello() = MakeHello(first);
  SendToTab(hello);
  deadline_.expires_after(options_.handshake_timeout);
  TABSIM_LOG(kDebug) << "process " << options_.id << " spawned pid "
                     << child_.pid() << " for tab " << first.id();
  first.OnProcessSpawned();
  return Status::Ok();
}

Status ProcessHost::AddView(TabSession& view) {
  if (state_ != ProcessState::kStarting && !live())
    return Error{"process " + std::to_string(options_.id) + " is " +
                     ToString(state_),
                 ESRCH};
  TABSIM_CHECK(!options_.frames_over_socket) << "frames over the socket: one view";
  UniqueFd region = view.TakeFirstRegionFd();
  views_.push_back(&view);
  view_history_.push_back(view.id());
  proto::ManagerToTab message;
  auto* create = message.mutable_create_view();
  create->set_view_id(static_cast<uint32_t>(view.id()));
  create->set_url(view.url());
  create->set_width(static_cast<uint32_t>(view.width()));
  create->set_height(static_cast<uint32_t>(view.height()));
  create->set_region_size(RegionBytes(view.width(), view.height()));
  create->set_region_generation(view.first_region_generation());
  create->set_visible(view.visible());
  create->set_time_origin_us(MonotonicMicros(view.time_origin()));
  SendToViewWithFd(view, message, std::move(region));
  view.OnProcessSpawned();
  if (live()) view.OnProcessLive();
  return Status::Ok();
}

void ProcessHost::CloseView(TabSession& view) {
  auto it = std::find(views_.begin(), views_.end(), &view);
  if (it == views_.end()) return;
  if (views_.size() > 1 && handshake_done_) {
    proto::ManagerToTab message;
    message.mutable_destroy_view();
    SendToView(view, message);
    destroyed_views_.insert(static_cast<uint32_t>(view.id()));
    Detach(view);
    view.OnViewDestroyed();
    return;
  }
  Close();
}

void ProcessHost::ApplyPriority(const ProcessPriority& priority, bool renice) {
  if (!running() || child_.reaped()) return;
  if (priority_applied_ && priority == priority_) return;
  const bool nice_changed = !priority_applied_ || priority.nice != priority_.nice;
  const bool oom_changed =
      !priority_applied_ || priority.oom_score_adj != priority_.oom_score_adj;
  priority_ = priority;
  priority_applied_ = true;
  Status status = Status::Ok();
  if (renice && nice_changed) status = SetNice(child_.pid(), priority.nice);
  if (status.ok() && oom_changed)
    status = SetOomScoreAdj(child_.pid(), priority.oom_score_adj);
  // A process that has just exited cannot be reniced: not worth a word.
  if (!status.ok() && status.error().error_number != ESRCH &&
      status.error().error_number != ENOENT && !priority_error_logged_) {
    priority_error_logged_ = true;
    TABSIM_LOG(kWarning) << "process " << options_.id << ": "
                         << status.error().message;
  }
  if (timeline_) timeline_->OnPriorityChanged(*this);
}

void ProcessHost::Detach(TabSession& view) {
  views_.erase(std::remove(views_.begin(), views_.end(), &view), views_.end());
}

void ProcessHost::Close() {
  if (state_ == ProcessState::kStarting || live()) {
    for (TabSession* view : views_) view->OnChannelDrained();  // held moves
    proto::ManagerToTab message;
    message.mutable_shutdown();
    SendToTab(message);
    SetState(ProcessState::kClosing);
    deadline_.expires_after(options_.exit_grace);
  }
}

Status ProcessHost::Kill(int signal) {
  if (!running() || child_.reaped())
    return Error{"process " + std::to_string(options_.id) + " is not running",
                 ESRCH};
  if (signal == SIGKILL) sent_sigkill_ = true;
  return child_.Signal(signal);
}

Status ProcessHost::Discard(std::string cause) {
  if (!running() || child_.reaped())
    return Error{"process " + std::to_string(options_.id) + " is not running",
                 ESRCH};
  // SIGKILL, as Chromium's fast shutdown of a discarded renderer: there is
  // nothing to save, and the memory comes back at once.
  if (Status killed = child_.Signal(SIGKILL); !killed.ok()) return killed;
  discard_cause_ = std::move(cause);
  return Status::Ok();
}

void ProcessHost::RefreshLayers() {
  // Seccomp cannot be turned off again: once seen, the reading is final.
  if (layers_.seccomp() || child_.reaped() || !child_.IsValid()) return;
  (void)ReadTabLayers(child_.pid(), &layers_);  // gone: keep the last one
}

std::vector<std::string> ProcessHost::recent_output() const {
  if (!output_) return {};
  return {output_->recent().begin(), output_->recent().end()};
}

void ProcessHost::FinishOutput() {
  if (!output_) return;
  // What the process wrote before it ended is queued already.
  options_.output_hub->ReadPending();
  output_->Finish();
  for (pid_t pid : output_pids_) options_.output_hub->Remove(pid, output_.get());
  output_pids_.clear();
}

asio::awaitable<void> ProcessHost::Run() {
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
    // Our bug or resource exhaustion; still end this process, not the
    // manager.
    TABSIM_LOG(kError) << "process " << options_.id << ": session error: "
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

std::optional<ProcessHost::Loss> ProcessHost::DrainAfterExit() {
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
      std::span<char> into;
      if (TabSession* view = RawFrameDue(&into)) {
        // Its raw bytes, as far as the dead process sent them.
        size_t have = decoder.TakeBuffered(into);
        while (have < into.size()) {
          ssize_t raw = ::recv(fd, into.data() + have, into.size() - have,
                               MSG_DONTWAIT);
          if (raw <= 0) return std::nullopt;  // cut short: no frame
          have += static_cast<size_t>(raw);
        }
        view->CompleteRawFrame();
      }
    }
    if (result == FrameDecoder::Result::kOversized)
      return BadMessage(BadMessageReason::kOversizedLength, {});
    if (result == FrameDecoder::Result::kBadLength)
      return BadMessage(BadMessageReason::kMalformedLength, {});
  }
  return std::nullopt;
}

asio::awaitable<void> ProcessHost::EndProcess(Loss& loss) {
  if (loss.kind == Loss::Kind::kChildExited) {
    // The exit may have won the race against the last messages: a refusal
    // or a bad message among them is the better verdict.
    if (auto late = DrainAfterExit()) loss = std::move(*late);
  }
  // Told to shut down, a tab may exit with half a message still in its
  // outbox (a frame sent over the socket): that is not a bad message.
  const bool truncated = loss.kind == Loss::Kind::kEndOfStream &&
                         !loss.detail.empty() &&
                         state_ != ProcessState::kClosing;
  if (truncated && !child_.TryReap()) {
    // Half a message, then a hang-up. A crash mid-write looks the same for
    // a moment, so give the process a short while to die before judging,
    // and do it before closing our end (a tab may exit on that).
    co_await AwaitExit(std::chrono::milliseconds(200));
    if (!child_.TryReap()) loss = BadMessage(BadMessageReason::kTruncatedMessage, {});
  }
  channel_->Close();
  channel_->set_on_drained(nullptr);
  delayed_out_.clear();
  delayed_bytes_ = 0;
  reordered_out_.reset();
  reordered_in_.reset();
  if (loss.kill) (void)child_.Signal(SIGKILL);
  if (!child_.TryReap()) {
    // The tab closed its end (or we killed it). If it is dying anyway its
    // exit status is the cause; give it the grace period.
    auto wait = loss.kill ? std::chrono::milliseconds(0) : options_.exit_grace;
    co_await AwaitExit(wait);
    if (!child_.TryReap()) {
      (void)child_.Signal(SIGKILL);
      // SIGKILL cannot be caught or blocked; the exit is imminent.
      co_await AwaitExit(std::nullopt);
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

void ProcessHost::Finish(const Loss& loss) {
  const std::string exit_text = child_.reaped() ? child_.exit()->Describe()
                                                : std::string("not reaped");
  const bool clean_close = state_ == ProcessState::kClosing && child_.reaped() &&
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
  // A SIGKILL nobody here sent, while the kernel's OOM killer killed: the
  // OOM killer's (each tab's oom_score_adj puts the background ones first).
  if ((loss.kind == Loss::Kind::kChildExited || loss.kind == Loss::Kind::kNone ||
       loss.kind == Loss::Kind::kEndOfStream) &&
      !loss.kill && !sent_sigkill_ && discard_cause_.empty() && child_.reaped() &&
      child_.exit()->code != CLD_EXITED && child_.exit()->status == SIGKILL &&
      oom_kills_at_spawn_) {
    auto kills = ReadOomKillCount();
    if (kills.ok() && *kills > *oom_kills_at_spawn_)
      cause_ = "killed: out of memory (SIGKILL while the kernel's OOM killer "
               "killed: oom_kill in /proc/vmstat " +
               std::to_string(*oom_kills_at_spawn_) + " -> " +
               std::to_string(*kills) + ")";
  }
  // Our own SIGKILL for memory; whatever else the process was doing.
  const bool discarded = !discard_cause_.empty();
  if (discarded) cause_ = discard_cause_;
  // Its last words reach its tabs before their end does.
  FinishOutput();
  state_ = ProcessState::kGone;
  // Only the numbers stay: the channel (its socket and read buffer) and
  // the exit watch go now, so a manager that has seen thousands of
  // processes holds no fd and little memory for them.
  channel_.reset();
  exit_watch_.reset();
  delayed_out_.clear();
  incoming_.Clear();
  TABSIM_LOG(kDebug) << "process " << options_.id << " lost: " << cause_;
  // Every tab still in it goes with it, each told which others did.
  std::vector<TabSession*> views = std::move(views_);
  views_.clear();
  for (TabSession* view : views) {
    std::vector<int> others;
    for (TabSession* other : views)
      if (other != view) others.push_back(other->id());
    view->OnProcessGone(cause_, clean_close, others, discarded);
  }
  if (timeline_) timeline_->OnProcessGone(*this);
}

asio::awaitable<ProcessHost::Loss> ProcessHost::ReadLoop() {
  FrameDecoder& decoder = channel_->decoder();
  for (;;) {
    error_code error = co_await channel_->ReadSome();
    std::string_view payload;
    FrameDecoder::Result result;
    int handled = 0;
    // What the read's messages make us send (acks' refills, replies) goes
    // out in one direct write once they are handled (Channel::HoldWrites);
    // the hold is let go around every co_await.
    channel_->HoldWrites();
    while ((result = decoder.Next(&payload)) ==
           FrameDecoder::Result::kMessage) {
      std::optional<Loss> loss;
      if (faults_.affects(Direction::kFromTab) || reordered_in_) {
        channel_->ReleaseWrites();
        loss = co_await HandleFaulty(payload);
        channel_->HoldWrites();
      } else {
        loss = HandleMessage(payload);
      }
      if (loss) {
        channel_->ReleaseWrites();
        if (!verdict_) verdict_ = std::make_unique<Loss>(*loss);
        co_return std::move(*loss);
      }
      // A frame's raw bytes follow its header before any other message.
      if (RawFrameFollows()) {
        channel_->ReleaseWrites();
        auto raw_loss = co_await ReadRawFrame();
        if (raw_loss) co_return std::move(*raw_loss);
        channel_->HoldWrites();
      }
      // A background process's burst waits behind whatever else is ready
      // (the focused tab's frame, the user's input): the decoder keeps
      // its place, so nothing is lost by yielding.
      if (++handled % kBackgroundBurst == 0 && !foreground()) {
        channel_->ReleaseWrites();
        co_await asio::post(executor_, asio::use_awaitable);
        channel_->HoldWrites();
      }
    }
    channel_->ReleaseWrites();
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

bool ProcessHost::RawFrameFollows() const {
  return options_.frames_over_socket &&
         incoming_.message_case() == proto::TabToManager::kFramePixels;
}

TabSession* ProcessHost::RawFrameDue(std::span<char>* into) {
  if (!RawFrameFollows()) return nullptr;
  TabSession* view = FindView(incoming_.view_id());
  if (view == nullptr) return nullptr;
  *into = view->RawFrameDestination();
  return into->empty() ? nullptr : view;
}

asio::awaitable<std::optional<ProcessHost::Loss>> ProcessHost::ReadRawFrame() {
  std::span<char> into;
  TabSession* view = RawFrameDue(&into);
  if (view == nullptr) co_return std::nullopt;
  const uint32_t view_id = incoming_.view_id();
  // What came with the header's read, then the rest straight into place.
  const size_t buffered = channel_->decoder().TakeBuffered(into);
  if (buffered < into.size()) {
    error_code error = co_await channel_->ReadExactly(into.subspan(buffered));
    if (error == asio::error::eof || error == asio::error::connection_reset)
      co_return Loss{Loss::Kind::kEndOfStream,
                     "channel closed inside a message", false};
    if (error == asio::error::operation_aborted) co_return Loss{};
    if (error)
      co_return Loss{Loss::Kind::kIoError, "read error: " + error.message(),
                     true};
  }
  // Frames over the socket mean one view per process (AddView CHECKs), so
  // it cannot have been destroyed while its buffer was being filled.
  TABSIM_CHECK(FindView(view_id) == view);
  view->CompleteRawFrame();
  co_return std::nullopt;
}

asio::awaitable<ProcessHost::Loss> ProcessHost::WriteLoop() {
  error_code error = co_await channel_->WriteLoop();
  if (error == asio::error::operation_aborted) co_return Loss{};
  if (error == asio::error::broken_pipe ||
      error == asio::error::connection_reset) {
    // The tab is going away; its exit (or the reader's EOF) says why.
    co_await AwaitExit(std::nullopt);
    co_return Loss{Loss::Kind::kChildExited, {}, false};
  }
  co_return Loss{Loss::Kind::kIoError, "write error: " + error.message(), true};
}

asio::awaitable<ProcessHost::Loss> ProcessHost::WatchExit() {
  if (!exit_watch_) {
    // Under tabsim-init: the channel's end of file says it (Start()).
    co_await asio::steady_timer(executor_, Clock::time_point::max())
        .async_wait(kNoThrow);
    co_return Loss{};
  }
  auto [error] = co_await exit_watch_->async_wait(
      asio::posix::descriptor_base::wait_read, kNoThrow);
  if (error) co_return Loss{};
  co_return Loss{Loss::Kind::kChildExited, {}, false};
}

asio::awaitable<void> ProcessHost::AwaitExit(
    std::optional<Clock::duration> limit) {
  if (!exit_watch_ && !child_.reaped()) {
    if (UniqueFd pidfd = child_.OpenPidfd(); pidfd.IsValid())
      exit_watch_.emplace(executor_, pidfd.release());
  }
  if (exit_watch_) {
    if (!limit) {
      co_await exit_watch_->async_wait(asio::posix::descriptor_base::wait_read,
                                       kNoThrow);
      co_return;
    }
    deadline_.expires_after(*limit);
    co_await (exit_watch_->async_wait(asio::posix::descriptor_base::wait_read,
                                      kNoThrow) ||
              deadline_.async_wait(kNoThrow));
    co_return;
  }
  // No pidfd to be had (no fd left, or already reaped): look instead.
  const auto until = limit ? Clock::now() + *limit : Clock::time_point::max();
  asio::steady_timer poll(executor_);
  while (Clock::now() < until && !child_.TryReap()) {
    poll.expires_after(kExitPollInterval);
    co_await poll.async_wait(kNoThrow);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return;
  }
}

bool ProcessHost::ChannelClosedByPeer() {
  if (!channel_) return false;
  pollfd fd{channel_->socket().native_handle(), POLLRDHUP, 0};
  return ::poll(&fd, 1, 0) == 1 && (fd.revents & (POLLRDHUP | POLLHUP));
}

asio::awaitable<ProcessHost::Loss> ProcessHost::WatchDeadline() {
  for (;;) {
    auto [error] = co_await deadline_.async_wait(kNoThrow);
    auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
    if (cancelled != asio::cancellation_type::none) co_return Loss{};
    if (error) continue;  // re-armed by a state change
    if (state_ == ProcessState::kStarting) {
      // Late by more than a moment: the loop was busy (thousands of tabs
      // spawning at once), and the handshake may be sitting unread in the
      // socket. The tab is not to blame for our lateness: it gets that
      // long again.
      const auto late = Clock::now() - deadline_.expiry();
      if (late > kLateDeadline) {
        deadline_.expires_after(late);
        continue;
      }
      co_return Loss{Loss::Kind::kHandshakeTimeout,
                     "no handshake within " +
                         std::to_string(options_.handshake_timeout.count()) +
                         " ms",
                     true};
    }
    if (state_ == ProcessState::kClosing) {
      // Thousands of tabs told to close at once: the loop may be behind
      // (the same allowance as the handshake's), or the tab may have
      // closed its end already, its end of file not read yet, while the
      // kernel tears down thousands of processes and namespaces on a few
      // cores. Neither is a tab that did not exit: ReadLoop will see the
      // end, and EndProcess waits for the status.
      const auto late = Clock::now() - deadline_.expiry();
      if (late > kLateDeadline) {
        deadline_.expires_after(late);
        continue;
      }
      if (ChannelClosedByPeer()) {
        deadline_.expires_after(options_.exit_grace);
        continue;
      }
      co_return Loss{Loss::Kind::kCloseTimeout,
                     "did not exit within " +
                         std::to_string(options_.exit_grace.count()) +
                         " ms of shutdown",
                     true};
    }
    deadline_.expires_at(Clock::time_point::max());
  }
}

asio::awaitable<ProcessHost::Loss> ProcessHost::WatchHang() {
  asio::steady_timer timer(executor_);
  for (;;) {
    timer.expires_after(options_.ping_interval);
    auto [error] = co_await timer.async_wait(kNoThrow);
    if (error) co_return Loss{};  // cancelled: the process is ending
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
      // Given work since the last ping: back to the base rate.
      if (QueuedTotal() != queued_total_at_ping_) idle_pings_ = 0;
      // Input acknowledged since the last tick is an answer from the tab's
      // loop to what it read of our channel, as good as a pong: a tab
      // busy with input is not woken for a ping too (Chromium's hang
      // monitor is the input ack timeout). When the acks stop, the next
      // ping is due an interval after the last of them.
      if (const uint64_t acked = InputsAcked(); acked != inputs_acked_seen_) {
        inputs_acked_seen_ = acked;
        ping_sent_at_ = now;
        ++acks_taken_as_pongs_;
        OnAnswered();
        continue;
      }
      if ((pings_sent_ > 0 || acks_taken_as_pongs_ > 0) &&
          now - ping_sent_at_ < ping_interval_now())
        continue;
      proto::ManagerToTab ping;
      ping_nonce_ = RandomNonce();
      ping.mutable_ping()->set_nonce(ping_nonce_);
      SendToTab(ping);
      ++pings_sent_;
      ping_outstanding_ = true;
      ping_sent_at_ = now;
      queued_total_at_ping_ = QueuedTotal();
      // The next one backs off unless something else is sent before it.
      if (idle_pings_ < kMaxIdlePings) ++idle_pings_;
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
        state_ == ProcessState::kLive) {
      TABSIM_LOG(kInfo) << "process " << options_.id << " unresponsive for "
                        << waited.count() << " ms";
      SetState(ProcessState::kUnresponsive);
    }
  }
}

std::chrono::milliseconds ProcessHost::ping_interval_now() const {
  // After work (idle_pings_ 0) and after the first ping that followed it
  // (1) the base rate; each further ping with nothing between doubles it.
  const int base = foreground() ? 1 : kBackgroundPingFactor;
  const int doublings = std::max(idle_pings_ - 1, 0);
  return options_.ping_interval *
         std::min(base << doublings, std::max(base, kMaxIdlePingFactor));
}

uint64_t ProcessHost::InputsAcked() const {
  uint64_t total = 0;
  for (const TabSession* view : views_) total += view->counters().last_input_acked;
  return total;
}

void ProcessHost::OnAnswered() {
  RefreshLayers();  // a tab sandboxes itself after its handshake
  if (state_ == ProcessState::kUnresponsive) SetState(ProcessState::kLive);
}

uint64_t ProcessHost::QueuedTotal() const {
  return channel_ ? channel_->bytes_out() + channel_->pending_bytes() : 0;
}

void ProcessHost::SetState(ProcessState state) {
  if (state_ == state) return;
  state_ = state;
  // A view's observers may close or kill it from the callback: iterate a
  // copy.
  std::vector<TabSession*> views = views_;
  for (TabSession* view : views) view->OnProcessState(state);
}

ProcessHost::Loss ProcessHost::BadMessage(BadMessageReason reason,
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
  std::string tabs;
  for (TabSession* view : views_)
    tabs += (tabs.empty() ? "" : ", ") + std::to_string(view->id());
  TABSIM_LOG(kWarning) << "process " << options_.id << " (pid " << child_.pid()
                       << ", tab" << (views_.size() == 1 ? " " : "s ") << tabs
                       << "): bad message " << ToString(reason) << " ("
                       << bytes.size() << " bytes: " << hex
                       << (bytes.size() > 32 ? "..." : "") << "); killing it";
  if (timeline_) timeline_->OnBadMessage(*this, reason);
  return Loss{Loss::Kind::kBadMessage, ToString(reason), true};
}

TabSession* ProcessHost::FindView(uint32_t view_id) const {
  for (TabSession* view : views_)
    if (static_cast<uint32_t>(view->id()) == view_id) return view;
  return nullptr;
}

void ProcessHost::Trace(uint32_t view_id, Direction direction,
                        std::string_view payload, std::string_view note) {
  for (TabSession* view : views_) {
    if (view->tracer() == nullptr) continue;
    if (view_id != 0 && static_cast<uint32_t>(view->id()) != view_id) continue;
    view->tracer()->OnMessage(*view, direction, payload, note);
  }
}

void ProcessHost::Count(uint32_t view_id, Direction direction, int type,
                        size_t bytes) {
  // Process messages (pings, the handshake, what did not parse) count for
  // every tab in it.
  for (TabSession* view : views_) {
    if (view_id != 0 && static_cast<uint32_t>(view->id()) != view_id) continue;
    view->CountMessage(direction, type, bytes);
  }
}

bool ProcessHost::Tracing() const {
  return std::any_of(views_.begin(), views_.end(),
                     [](const TabSession* v) { return v->tracer() != nullptr; });
}

std::optional<ProcessHost::Loss> ProcessHost::HandleMessage(
    std::string_view payload, std::string_view trace_note) {
  if (!incoming_.ParseFromArray(payload.data(),
                                static_cast<int>(payload.size()))) {
    Trace(0, Direction::kFromTab, payload, trace_note);
    Count(0, Direction::kFromTab, 0, ChannelStats::FramedSize(payload.size()));
    return BadMessage(BadMessageReason::kUnparsableMessage, payload);
  }
  current_payload_ = payload;
  // Cleared on every way out: the view points into the decoder's buffer.
  struct ClearOnExit {
    std::string_view& view;
    ~ClearOnExit() { view = {}; }
  } clear_payload{current_payload_};
  const auto kind = incoming_.message_case();
  const uint32_t view_id = incoming_.view_id();
  Trace(view_id, Direction::kFromTab, payload, trace_note);
  Count(FindView(view_id) ? view_id : 0, Direction::kFromTab, int(kind),
        ChannelStats::FramedSize(payload.size()));
  TABSIM_LOG(kDebug) << "process " << options_.id << " -> manager: view "
                     << view_id << " type " << int(kind) << " size "
                     << payload.size();
  if (timeline_) timeline_->OnReceived(*this, incoming_);
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
    case proto::TabToManager::kPong:
      return HandlePong(incoming_.pong());
    case proto::TabToManager::kLogLine:
      if (view_id == 0) {
        // A process-wide line (the sandbox warning): every tab shows it.
        std::vector<TabSession*> views = views_;
        for (TabSession* view : views)
          view->OnProcessLog(incoming_.log_line().text());
        return std::nullopt;
      }
      break;
    default:
      break;
  }
  TabSession* view = FindView(view_id);
  if (view == nullptr) {
    // In flight when its view was destroyed: dropped. Never given: a lie.
    if (destroyed_views_.count(view_id)) return std::nullopt;
    return BadMessage(BadMessageReason::kUnknownView, payload);
  }
  if (auto reason = view->OnMessage(incoming_)) return BadMessage(*reason, {});
  return std::nullopt;
}

std::optional<ProcessHost::Loss> ProcessHost::HandleHelloReply(
    const proto::HelloReply& reply) {
  if (reply.protocol_version() != kProtocolVersion) {
    return Loss{Loss::Kind::kHandshakeRefused,
                "refused: protocol version mismatch (tab speaks " +
                    std::to_string(reply.protocol_version()) +
                    ", manager speaks " + std::to_string(kProtocolVersion) +
                    ")",
                true};
  }
  TABSIM_CHECK(!views_.empty());
  const TabSession& first = *views_.front();
  if (reply.tab_id() != static_cast<uint32_t>(view_history_.front()))
    return BadMessage(BadMessageReason::kHandshakeTabIdMismatch, {});
  if (reply.width() != static_cast<uint32_t>(first.width()) ||
      reply.height() != static_cast<uint32_t>(first.height()))
    return BadMessage(BadMessageReason::kHandshakeSizeMismatch, {});
  handshake_done_ = true;
  RefreshLayers();
  // Closed while it was starting: the shutdown (and its deadline) stand.
  if (state_ != ProcessState::kStarting) return std::nullopt;
  state_ = ProcessState::kLive;
  deadline_.expires_at(Clock::time_point::max());
  std::vector<TabSession*> views = views_;
  for (TabSession* view : views) view->OnProcessLive();
  return std::nullopt;
}

std::optional<ProcessHost::Loss> ProcessHost::HandlePong(const proto::Pong& pong) {
  if (!ping_outstanding_ || pong.nonce() != ping_nonce_)
    return BadMessage(BadMessageReason::kUnsolicitedPong, {});
  if (faults_.withhold_pong()) {
    // As if it never came: the hang monitor goes on waiting.
    pong_withheld_ = true;
    faults_.CountWithheldPong();
    return std::nullopt;
  }
  ping_outstanding_ = false;
  ++pongs_received_;
  OnAnswered();
  return std::nullopt;
}

void ProcessHost::SendToView(const TabSession& view,
                             proto::ManagerToTab& message) {
  message.set_view_id(static_cast<uint32_t>(view.id()));
  SendToTab(message);
  message.clear_view_id();
}

bool ProcessHost::SendEncodedToView(const TabSession& view, int type,
                                    std::string_view frame) {
  if (timeline_ || faults_.affects(Direction::kToTab) || reordered_out_ ||
      !delayed_out_.empty() || Tracing())
    return false;
  const uint32_t view_id = static_cast<uint32_t>(view.id());
  TABSIM_LOG(kDebug) << "manager -> process " << options_.id << ": view "
                     << view_id << " type " << type;
  const size_t before = channel_->pending_bytes();
  channel_->SendFramed(frame);
  Count(view_id, Direction::kToTab, type, channel_->pending_bytes() - before);
  return true;
}

void ProcessHost::SendToViewWithFd(TabSession& view,
                                   proto::ManagerToTab& message, UniqueFd fd) {
  // Never faulted: the fd travels with it.
  message.set_view_id(static_cast<uint32_t>(view.id()));
  if (timeline_) timeline_->OnSent(*this, message);
  const size_t before = channel_->pending_bytes();
  channel_->SendWithFd(message, std::move(fd));
  Count(message.view_id(), Direction::kToTab, int(message.message_case()),
        channel_->pending_bytes() - before);
  if (Tracing())
    Trace(message.view_id(), Direction::kToTab, message.SerializeAsString(), {});
  message.clear_view_id();
}

void ProcessHost::SendToTab(const proto::ManagerToTab& message) {
  const int type = int(message.message_case());
  TABSIM_LOG(kDebug) << "manager -> process " << options_.id << ": view "
                     << message.view_id() << " type " << type;
  if (timeline_) timeline_->OnSent(*this, message);
  // The handshake and Shutdown are never faulted: a tab must be able to
  // start and to be closed whatever the user injects. Nor are view
  // creation and destruction: they change which views exist.
  const bool exempt = type == proto::ManagerToTab::kHello ||
                      type == proto::ManagerToTab::kShutdown ||
                      type == proto::ManagerToTab::kDestroyView;
  if (!exempt && (faults_.affects(Direction::kToTab) || reordered_out_ ||
                  !delayed_out_.empty())) {
    SendFaulty(OutMessage{message.SerializeAsString(), type, message.view_id(),
                          {}, {}});
    return;
  }
  const size_t before = channel_->pending_bytes();
  channel_->Send(message);
  Count(message.view_id(), Direction::kToTab, type,
        channel_->pending_bytes() - before);
  if (Tracing())
    Trace(message.view_id(), Direction::kToTab, message.SerializeAsString(), {});
}

void ProcessHost::SendFaulty(OutMessage message) {
  FaultInjector::Decision decision = faults_.Decide(Direction::kToTab);
  if (decision.drop) {
    Trace(message.view_id, Direction::kToTab, message.payload, "dropped (fault)");
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
  // bad message. Nor a BeginFrame: two would be outstanding.
  if (decision.reorder && !reordered_out_ &&
      message.type != proto::ManagerToTab::kNavigate &&
      message.type != proto::ManagerToTab::kBeginFrame) {
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

void ProcessHost::ForwardOrDelay(OutMessage message,
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

void ProcessHost::WritePayload(const OutMessage& message) {
  const size_t before = channel_->pending_bytes();
  channel_->SendPayload(message.payload);
  Count(message.view_id, Direction::kToTab, message.type,
        channel_->pending_bytes() - before);
  Trace(message.view_id, Direction::kToTab, message.payload, message.note);
}

asio::awaitable<ProcessHost::Loss> ProcessHost::DeliverDelayed() {
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

asio::awaitable<std::optional<ProcessHost::Loss>> ProcessHost::HandleFaulty(
    std::string_view view) {
  FaultInjector::Decision decision = faults_.Decide(Direction::kFromTab);
  std::string bytes(view);  // the view dies with the next read
  if (decision.drop) {
    const bool parsed = incoming_.ParseFromString(bytes);
    Count(parsed && FindView(incoming_.view_id()) ? incoming_.view_id() : 0,
          Direction::kFromTab, parsed ? int(incoming_.message_case()) : 0,
          ChannelStats::FramedSize(bytes.size()));
    Trace(parsed ? incoming_.view_id() : 0, Direction::kFromTab, bytes,
          "dropped (fault)");
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

size_t ProcessHost::pending_bytes() const {
  return channel_ && !channel_->closed() ? channel_->pending_bytes() : 0;
}

size_t ProcessHost::QueuedBytes(Direction direction) const {
  if (!channel_ || channel_->closed()) return 0;
  if (direction == Direction::kFromTab)
    return channel_->decoder().buffered() +
           (reordered_in_ ? reordered_in_->size() : 0);
  return channel_->pending_bytes() + delayed_bytes_ +
         (reordered_out_ ? reordered_out_->payload.size() : 0);
}

size_t ProcessHost::SocketBytes(Direction direction) const {
  if (!channel_ || channel_->closed()) return 0;
  int bytes = 0;
  const int fd = const_cast<Channel&>(*channel_).socket().native_handle();
  if (::ioctl(fd, direction == Direction::kToTab ? SIOCOUTQ : SIOCINQ,
              &bytes) != 0)
    return 0;
  return bytes < 0 ? 0 : size_t(bytes);
}

Status ProcessHost::InjectFault(const FaultSpec& spec) {
  if (!live())
    return Error{"process " + std::to_string(options_.id) + " is " +
                     ToString(state_),
                 0};
  // A dropped, corrupted or reordered FramePixels header would leave its
  // raw bytes to be read as messages: the stream would desynchronise.
  if (options_.frames_over_socket && spec.direction == Direction::kFromTab &&
      int(spec.kind) < kMessageFaultKinds)
    return Error{"faults on messages from the tab are not supported with "
                 "--frames-over-socket (raw frame bytes follow their header)",
                 ENOTSUP};
  // A user injecting a fault watches the monitor: it pings at its base
  // rate again, not 32 intervals from now.
  idle_pings_ = 0;
  return faults_.Set(spec);
}

void ProcessHost::ClearFaults() {
  faults_.Clear();
  if (!live() || !channel_) return;
  for (TabSession* view : views_) view->SendWithheldReleases();
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

}  // namespace tabsim
