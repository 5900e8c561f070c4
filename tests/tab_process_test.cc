// The real tabsim-tab process against a minimal, blocking fake manager:
// the handshake, the sandbox as the pages experience it, --no-sandbox,
// --memory-limit, --frames-over-socket and an orderly shutdown.
#include "tab/tab_process.h"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/child_process.h"
#include "common/frame_codec.h"
#include "common/protocol.h"
#include "common/shared_memory.h"
#include "proto/tabsim.pb.h"
#include "tab/escape_page.h"
#include "tab/stamp_page.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

class FakeManager {
 public:
  // Spawns tabsim-tab for `url` and sends the Hello.
  void Start(const std::string& url, std::vector<std::string> extra = {},
             int width = 64, int height = 48) {
    width_ = width;
    height_ = height;
    auto region = SharedMemoryRegion::Create("tab-process-test",
                                             RegionBytes(width, height));
    ASSERT_TRUE(region.ok());
    region_ = std::move(region).value();
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
    socket_ = UniqueFd(pair[0]);
    UniqueFd theirs(pair[1]);
    SpawnOptions spawn;
    spawn.executable = testing::TabExecutable();
    spawn.argv = {spawn.executable, "--tab-id", "1", "--manager-pid",
                  std::to_string(::getpid()), "--page", url};
    spawn.argv.insert(spawn.argv.end(), extra.begin(), extra.end());
    spawn.fds = {{theirs.get(), kChannelFd}, {region_.fd(), kRegionFd}};
    auto child = Spawn(spawn);
    ASSERT_TRUE(child.ok()) << child.error().message;
    child_ = std::move(child).value();
    proto::ManagerToTab hello;
    auto* h = hello.mutable_hello();
    h->set_protocol_version(kProtocolVersion);
    h->set_tab_id(1);
    h->set_width(uint32_t(width));
    h->set_height(uint32_t(height));
    h->set_region_size(region_.size());
    h->set_region_generation(1);
    h->set_url(url);
    Send(hello);
  }

  void Send(const proto::ManagerToTab& message) {
    std::string bytes;
    AppendFrame(message, kMaxMessageSize, &bytes);
    ASSERT_EQ(::send(socket_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
              ssize_t(bytes.size()));
  }

  // The next message, or nullopt on EOF, error or timeout (see eof_).
  std::optional<proto::TabToManager> Next(milliseconds timeout = milliseconds(5000)) {
    const auto deadline = Steady::now() + timeout;
    for (;;) {
      std::string_view payload;
      auto result = decoder_.Next(&payload);
      if (result == FrameDecoder::Result::kMessage) {
        proto::TabToManager message;
        if (!message.ParseFromArray(payload.data(), int(payload.size())))
          return std::nullopt;
        return message;
      }
      if (result != FrameDecoder::Result::kNeedMore) return std::nullopt;
      const auto left = std::chrono::duration_cast<milliseconds>(
          deadline - Steady::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd poll_fd{socket_.get(), POLLIN, 0};
      if (::poll(&poll_fd, 1, int(left.count())) <= 0) return std::nullopt;
      auto space = decoder_.PrepareWrite(64 * 1024);
      ssize_t got = ::recv(socket_.get(), space.data(), space.size(), 0);
      if (got <= 0) {
        eof_ = got == 0;
        read_errno_ = got < 0 ? errno : 0;
        return std::nullopt;
      }
      decoder_.Commit(size_t(got));
    }
  }

  // Exactly `size` raw bytes that follow the last message (a FramePixels
  // header's frame): those read along with it first, then from the socket.
  std::optional<std::string> ReadRaw(size_t size,
                                     milliseconds timeout = milliseconds(5000)) {
    const auto deadline = Steady::now() + timeout;
    std::string bytes(size, '\0');
    size_t have = decoder_.TakeBuffered(std::span<char>(bytes.data(), size));
    while (have < size) {
      const auto left = std::chrono::duration_cast<milliseconds>(
          deadline - Steady::now());
      pollfd poll_fd{socket_.get(), POLLIN, 0};
      if (left.count() <= 0 || ::poll(&poll_fd, 1, int(left.count())) <= 0)
        return std::nullopt;
      ssize_t got = ::recv(socket_.get(), bytes.data() + have, size - have, 0);
      if (got <= 0) return std::nullopt;
      have += size_t(got);
    }
    return bytes;
  }

  // Messages until `done` returns true for one (returned) or the stream ends.
  template <typename Predicate>
  std::optional<proto::TabToManager> NextWhere(Predicate done) {
    while (auto message = Next()) {
      if (message->has_log_line()) logs_.push_back(message->log_line().text());
      if (done(*message)) return message;
    }
    return std::nullopt;
  }

  ChildExit WaitExit() { return child_.Reap(); }

  UniqueFd socket_;
  SharedMemoryRegion region_;
  ChildProcess child_;
  FrameDecoder decoder_{kMaxMessageSize};
  std::vector<std::string> logs_;
  bool eof_ = false;
  int read_errno_ = 0;
  int width_ = 0;
  int height_ = 0;
};

bool IsTitle(const proto::TabToManager& m, const std::string& title) {
  return m.has_title_changed() && m.title_changed().title() == title;
}

class TabProcessTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::DisableCoreDumps(); }
  FakeManager manager_;
};

TEST_F(TabProcessTest, HandshakeFrameAndOrderlyShutdown) {
  manager_.Start("sim://stamp");
  auto reply = manager_.Next();
  ASSERT_TRUE(reply && reply->has_hello_reply());
  EXPECT_EQ(reply->hello_reply().pid(), manager_.child_.pid());
  auto frame = manager_.NextWhere(
      [](const proto::TabToManager& m) { return m.has_frame_ready(); });
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->frame_ready().frame_sequence(), 1u);
  proto::ManagerToTab shutdown;
  shutdown.mutable_shutdown();
  manager_.Send(shutdown);
  // A release after the Shutdown must not turn the close into a reset.
  proto::ManagerToTab release;
  release.mutable_frame_release()->set_buffer_index(0);
  release.mutable_frame_release()->set_region_generation(1);
  manager_.Send(release);
  manager_.NextWhere([](const proto::TabToManager&) { return false; });
  EXPECT_TRUE(manager_.eof_) << "read error " << manager_.read_errno_;
  manager_.socket_.reset();
  ChildExit exit = manager_.WaitExit();
  EXPECT_EQ(exit.Describe(), "exited with code 0");
}

TEST_F(TabProcessTest, SandboxedEscapeReportsEveryAttemptBlocked) {
  manager_.Start("sim://escape");
  ASSERT_TRUE(manager_.NextWhere([](const proto::TabToManager& m) {
    return IsTitle(m, "Escape: 12/12 blocked" + std::string(EscapePage::kTitleAttack));
  }));
  ASSERT_EQ(manager_.logs_.size(), 12u);
  for (const std::string& line : manager_.logs_)
    EXPECT_NE(line.find(": blocked (EPERM"), std::string::npos) << line;
  // Still alive and answering.
  proto::ManagerToTab ping;
  ping.mutable_ping()->set_nonce(77);
  manager_.Send(ping);
  auto pong = manager_.NextWhere(
      [](const proto::TabToManager& m) { return m.has_pong(); });
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->pong().nonce(), 77u);
}

TEST_F(TabProcessTest, ForbiddenSystemCallKillsWithSigsys) {
  manager_.Start("sim://bad-syscall");
  manager_.NextWhere([](const proto::TabToManager&) { return false; });
  ChildExit exit = manager_.WaitExit();
  EXPECT_EQ(exit.Describe(), "killed by signal 31 (SIGSYS)");
  ASSERT_FALSE(manager_.logs_.empty());
  EXPECT_NE(manager_.logs_.back().find("calling uname"), std::string::npos);
}

TEST_F(TabProcessTest, NoSandboxSaysSoAndAllowsTheCall) {
  manager_.Start("sim://bad-syscall", {"--no-sandbox"});
  ASSERT_TRUE(manager_.NextWhere([](const proto::TabToManager& m) {
    return IsTitle(m, "Bad syscall: survived");
  }));
  ASSERT_GE(manager_.logs_.size(), 2u);
  EXPECT_NE(manager_.logs_.front().find("SANDBOX DISABLED"), std::string::npos);
  EXPECT_NE(manager_.logs_.back().find("NOT sandboxed"), std::string::npos);
}

TEST_F(TabProcessTest, LeakStopsAtTheMemoryLimitAndKeepsRunning) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan reserves terabytes of address space: RLIMIT_AS "
                  "cannot apply in sanitizer builds (the plain build tests it)";
#endif
  manager_.Start("sim://leak", {"--memory-limit", "96M"});
  ASSERT_TRUE(manager_.NextWhere([](const proto::TabToManager& m) {
    return IsTitle(m, "Leak: limit reached");
  }));
  bool reported = false;
  for (const std::string& line : manager_.logs_)
    reported |= line.find("allocation failed after") != std::string::npos &&
                line.find("ENOMEM") != std::string::npos;
  EXPECT_TRUE(reported);
  proto::ManagerToTab ping;
  ping.mutable_ping()->set_nonce(5);
  manager_.Send(ping);
  EXPECT_TRUE(manager_.NextWhere(
      [](const proto::TabToManager& m) { return m.has_pong(); }));
}

TEST_F(TabProcessTest, TruncatedEndsTheStreamButNotTheProcess) {
  manager_.Start("sim://bad-message?kind=truncated");
  manager_.NextWhere([](const proto::TabToManager&) { return false; });
  EXPECT_TRUE(manager_.eof_);
  EXPECT_GT(manager_.decoder_.buffered(), 0u);  // inside a message
  EXPECT_FALSE(manager_.child_.TryReap().has_value());
  manager_.socket_.reset();  // the manager goes away: the tab exits
  EXPECT_EQ(manager_.WaitExit().Describe(), "exited with code 0");
}

// Protocol 4: a FramePixels header per frame, the whole frame raw behind
// it, at sizes including odd ones and one larger than a socket buffer.
TEST_F(TabProcessTest, FramesOverSocketCarryWholeFramesRawAfterAHeader) {
  for (auto [width, height] :
       std::vector<std::pair<int, int>>{{200, 180}, {37, 23}, {641, 479}}) {
    SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
    FakeManager manager;
    manager.Start("sim://stamp", {"--frames-over-socket"}, width, height);
    const size_t frame_bytes = FrameBytes(width, height);
    uint64_t frames = 0;
    while (frames < 3) {
      auto message = manager.Next();
      ASSERT_TRUE(message);
      ASSERT_FALSE(message->has_frame_ready());
      if (!message->has_frame_pixels()) continue;
      const auto& header = message->frame_pixels();
      ++frames;
      ASSERT_EQ(header.frame_sequence(), frames);
      ASSERT_EQ(header.raw_length(), frame_bytes);
      ASSERT_EQ(header.offset(), 0u);
      ASSERT_TRUE(header.last());
      ASSERT_TRUE(header.pixels().empty());
      auto pixels = manager.ReadRaw(frame_bytes);
      ASSERT_TRUE(pixels);
      const auto* p = reinterpret_cast<const uint32_t*>(pixels->data());
      for (size_t i = 0; i < frame_bytes / 4; ++i)
        ASSERT_EQ(p[i], StampPage::ColorOfFrame(frames)) << i;
    }
    // Gone with frames unread: the tab sees a reset, not a clean close.
    manager.socket_.reset();
    manager.WaitExit();
  }
}

TEST_F(TabProcessTest, RejectsABadMemoryLimit) {
  for (const char* bad : {"abc", "-1", "12X", "99999999999G"}) {
    SpawnOptions spawn;
    spawn.executable = testing::TabExecutable();
    spawn.argv = {spawn.executable, "--tab-id", "1", "--manager-pid", "1",
                  "--page", "sim://blank", "--memory-limit", bad};
    auto child = Spawn(spawn);
    ASSERT_TRUE(child.ok());
    EXPECT_EQ(child->Reap().Describe(), "exited with code 2") << bad;
  }
}

}  // namespace
}  // namespace tabsim
