// The hostile pages (tab/*_page.h behind sim://escape, sim://bad-message,
// sim://fork-bomb, ...) against a recording PageHost, some inside the real
// sandbox in a forked child.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "common/shared_memory.h"
#include "proto/tabsim.pb.h"
#include "tab/bad_message_page.h"
#include "tab/escape_page.h"
#include "tab/flood_page.h"
#include "tab/fork_bomb_page.h"
#include "tab/frames_page.h"
#include "tab/page.h"
#include "tab/page_host.h"
#include "tab/sandbox.h"
#include "tab/stamp_page.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

using std::chrono::milliseconds;

// Records what pages do to the channel.
class RecordingHost final : public PageHost {
 public:
  void SendLog(std::string_view text) override {
    logs.emplace_back(text);
    queued += text.size() + 4;
  }
  void SendRawBytes(std::string_view bytes) override { raw.append(bytes); }
  void SendFrameReady(uint32_t index) override { frame_ready.push_back(index); }
  void SendFrameReadyForView(uint32_t view, uint32_t index) override {
    foreign_frames.emplace_back(view, index);
  }
  uint32_t ViewId() const override { return 7; }
  void SendHelloReply(uint32_t version) override { hello_reply.push_back(version); }
  void ShutdownWrite() override { shut_down = true; }
  size_t QueuedBytes() const override { return queued; }
  int LastFrameBuffer() const override { return last_frame_buffer; }
  int RegionFd() const override { return region_fd; }
  uint64_t RegionSize() const override { return region_size; }
  pid_t ManagerPid() const override { return ::getppid(); }
  bool Sandboxed() const override { return sandboxed; }

  std::vector<std::string> logs;
  std::string raw;
  std::vector<uint32_t> frame_ready;
  std::vector<std::pair<uint32_t, uint32_t>> foreign_frames;  // view, buffer
  std::vector<uint32_t> hello_reply;
  bool shut_down = false;
  size_t queued = 0;
  int last_frame_buffer = -1;
  int region_fd = -1;
  uint64_t region_size = 0;
  bool sandboxed = true;
};

// Starts the page, renders its first frame and ticks it once.
std::unique_ptr<Page> RunOnce(const std::string& url, PageHost* host) {
  auto page = CreatePage(url, host);
  const auto start = Clock::now();
  page->Start(start, 64, 48);
  std::vector<uint32_t> pixels(64 * 48);
  Canvas canvas(pixels.data(), 64, 48, 64);
  page->Tick(start);
  page->Render(canvas, start);
  page->Tick(start + milliseconds(1));
  return page;
}

FrameDecoder::Result Decode(const std::string& bytes, std::string* payload) {
  FrameDecoder decoder(kMaxMessageSize);
  auto space = decoder.PrepareWrite(bytes.size());
  std::copy(bytes.begin(), bytes.end(), space.begin());
  decoder.Commit(bytes.size());
  std::string_view view;
  auto result = decoder.Next(&view);
  *payload = std::string(view);
  return result;
}


[[noreturn]] void EscapeInSandbox() {
      if (!EnterSandbox(SandboxOptions{}).ok()) _exit(100);
      RecordingHost host;
      auto page = RunOnce("sim://escape", &host);
      auto* escape = static_cast<EscapePage*>(page.get());
      if (escape->attempts() != 12) _exit(1);
      if (escape->blocked() != escape->attempts()) _exit(2);
      if (host.logs.size() != 12) _exit(3);
      for (const std::string& line : host.logs)
        if (line.find("blocked (EPERM") == std::string::npos) _exit(4);
      if (page->Title() != "Escape: 12/12 blocked" + std::string(EscapePage::kTitleAttack))
        _exit(5);
      _exit(0);
}

[[noreturn]] void ForkBombInSandbox() {
      if (!EnterSandbox(SandboxOptions{}).ok()) _exit(100);
      RecordingHost host;
      auto page = RunOnce("sim://fork-bomb", &host);
      auto* bomb = static_cast<ForkBombPage*>(page.get());
      if (!bomb->done() || bomb->succeeded() != 0) _exit(1);
      if (host.logs.size() != 1 ||
          host.logs[0].find("0 succeeded, 20 failed (EPERM") ==
              std::string::npos)
        _exit(2);
      _exit(0);
}

[[noreturn]] void ExitTooEarly() {
      RunOnce("sim://exit?code=7&after=60000", nullptr);
      _exit(42);  // too early: it did not exit
}

TEST(BadMessagePageTest, RawBytesBreakTheProtocolAsNamed) {
  using Kind = BadMessagePage::Kind;
  std::string payload;
  EXPECT_EQ(Decode(BadMessagePage::RawBytesFor(Kind::kOversizedLength), &payload),
            FrameDecoder::Result::kOversized);
  proto::TabToManager message;
  ASSERT_EQ(Decode(BadMessagePage::RawBytesFor(Kind::kGarbage), &payload),
            FrameDecoder::Result::kMessage);
  EXPECT_FALSE(message.ParseFromString(payload));
  ASSERT_EQ(Decode(BadMessagePage::RawBytesFor(Kind::kUnknownType), &payload),
            FrameDecoder::Result::kMessage);
  ASSERT_TRUE(message.ParseFromString(payload));
  EXPECT_EQ(message.message_case(), proto::TabToManager::MESSAGE_NOT_SET);
  EXPECT_EQ(Decode(BadMessagePage::RawBytesFor(Kind::kTruncated), &payload),
            FrameDecoder::Result::kNeedMore);
}

TEST(BadMessagePageTest, EachKindActsOnceAfterTheFirstFrame) {
  {
    RecordingHost host;
    host.last_frame_buffer = 1;
    RunOnce("sim://bad-message?kind=held-buffer", &host);
    EXPECT_EQ(host.frame_ready, std::vector<uint32_t>{1});
    EXPECT_EQ(host.logs.size(), 1u);
  }
  {
    RecordingHost host;
    auto page = RunOnce("sim://bad-message?kind=bad-buffer-index", &host);
    page->Tick(Clock::now());  // once only
    EXPECT_EQ(host.frame_ready, std::vector<uint32_t>{7});
  }
  {
    // Its own buffer, claimed for the view before it (this is view 7).
    RecordingHost host;
    host.last_frame_buffer = 1;
    RunOnce("sim://bad-message?kind=foreign-view", &host);
    EXPECT_EQ(host.foreign_frames,
              (std::vector<std::pair<uint32_t, uint32_t>>{{6, 1}}));
    EXPECT_TRUE(host.frame_ready.empty());
  }
  {
    RecordingHost host;
    RunOnce("sim://bad-message?kind=wrong-version", &host);
    EXPECT_EQ(host.hello_reply, std::vector<uint32_t>{99});
  }
  {
    RecordingHost host;
    RunOnce("sim://bad-message?kind=truncated", &host);
    EXPECT_EQ(host.raw, BadMessagePage::RawBytesFor(BadMessagePage::Kind::kTruncated));
    EXPECT_TRUE(host.shut_down);
  }
  {
    RecordingHost host;
    RunOnce("sim://bad-message?kind=garbage", &host);
    EXPECT_EQ(host.raw, BadMessagePage::RawBytesFor(BadMessagePage::Kind::kGarbage));
    EXPECT_FALSE(host.shut_down);
  }
  {
    // Nothing happens before the first frame.
    RecordingHost host;
    auto page = CreatePage("sim://bad-message?kind=garbage", &host);
    page->Start(Clock::now(), 10, 10);
    page->Tick(Clock::now());
    EXPECT_TRUE(host.raw.empty());
  }
}

TEST(BadMessagePageTest, SealedRegionCannotShrinkOrGrow) {
  auto region = SharedMemoryRegion::Create("hostile-test", 64 * 48 * 4 * 2);
  ASSERT_TRUE(region.ok());
  for (const char* kind : {"shrink-memfd", "grow-memfd"}) {
    RecordingHost host;
    host.region_fd = region->fd();
    host.region_size = region->size();
    auto page = RunOnce(std::string("sim://bad-message?kind=") + kind, &host);
    EXPECT_EQ(page->Title(), "Bad message: blocked: EPERM") << kind;
    ASSERT_EQ(host.logs.size(), 1u);
    EXPECT_NE(host.logs[0].find("blocked: EPERM"), std::string::npos)
        << host.logs[0];
    struct stat st {};
    ASSERT_EQ(::fstat(region->fd(), &st), 0);
    EXPECT_EQ(uint64_t(st.st_size), region->size());
  }
}

TEST(EscapePageTest, EveryAttemptFailsInTheSandbox) {
  GTEST_FLAG_SET(death_test_style, "fast");
  testing::DisableCoreDumps();
  EXPECT_EXIT(EscapeInSandbox(), ::testing::ExitedWithCode(0), "");
}

TEST(ForkBombPageTest, ForksFailInTheSandbox) {
  GTEST_FLAG_SET(death_test_style, "fast");
  EXPECT_EXIT(ForkBombInSandbox(), ::testing::ExitedWithCode(0), "");
}

TEST(FloodPageTest, FillsTheQueueToTheHighWaterMark) {
  RecordingHost host;
  auto page = RunOnce("sim://flood", &host);
  EXPECT_GE(host.queued, FloodPage::kHighWater);
  EXPECT_LT(host.queued, FloodPage::kHighWater + 64);
  EXPECT_EQ(static_cast<FloodPage*>(page.get())->sent(), host.logs.size());
  // Full queue: wait for the socket, not a timer.
  EXPECT_GT(*page->NextWakeup(), Clock::now());
  host.queued = 0;
  ASSERT_TRUE(page->NextWakeup().has_value());
  const auto wakeup = *page->NextWakeup();
  EXPECT_LE(wakeup, Clock::now());
}

TEST(FramesPageTest, OnlyTheBandChangesAndEveryFrameIsWhole) {
  auto page = CreatePage("sim://frames");
  const auto start = Clock::now();
  page->Start(start, 40, 30);
  std::vector<uint32_t> previous(40 * 30, 0x12345678u);
  for (uint64_t n = 1; n <= 12; ++n) {
    EXPECT_TRUE(page->NeedsFrame(start));
    std::vector<uint32_t> pixels(40 * 30, 0x12345678u);
    Canvas canvas(pixels.data(), 40, 30, 40);
    const Rect damage = page->Render(canvas, start);
    const int top = FramesPage::BandTop(n, 30);
    for (int y = 0; y < 30; ++y) {
      const bool band = y >= top && y < top + FramesPage::kBandHeight;
      for (int x = 0; x < 40; ++x) {
        const uint32_t pixel = pixels[size_t(y) * 40 + x];
        ASSERT_EQ(pixel, band ? StampPage::ColorOfFrame(n)
                              : FramesPage::kBackground)
            << n << " " << x << "," << y;
        const bool changed = pixel != previous[size_t(y) * 40 + x];
        const bool damaged = x >= damage.x && x < damage.x + damage.width &&
                             y >= damage.y && y < damage.y + damage.height;
        if (changed) {
          ASSERT_TRUE(damaged) << n << " " << x << "," << y;
        }
      }
    }
    if (n > 1) {
      EXPECT_LT(damage.height, 30);
    }
    previous = pixels;
  }
}

TEST(ExitPageDeathTest, AbortAndExitEndTheProcessAsAsked) {
  GTEST_FLAG_SET(death_test_style, "fast");
  testing::DisableCoreDumps();
  EXPECT_EXIT(RunOnce("sim://abort", nullptr), ::testing::KilledBySignal(SIGABRT),
              "");
  EXPECT_EXIT(RunOnce("sim://exit?code=7", nullptr),
              ::testing::ExitedWithCode(7), "");
  EXPECT_EXIT(ExitTooEarly(), ::testing::ExitedWithCode(42), "");
}

TEST(HostilePageTest, WithoutAHostNothingReachesTheChannel) {
  for (const char* url :
       {"sim://flood", "sim://bad-message?kind=garbage",
        "sim://bad-message?kind=held-buffer"}) {
    auto page = RunOnce(url, nullptr);
    EXPECT_NE(page->Title(), "Error") << url;
  }
}

}  // namespace
}  // namespace tabsim
