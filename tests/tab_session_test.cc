// End-to-end tests of one tab session against real tabsim-tab processes.
#include "manager/core/tab_session.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "manager/core/process_host.h"
#include "manager/core/tab_host.h"
#include "manager/core/trace.h"
#include "tests/host_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Recorder : public TabObserver {
 public:
  void OnFrame(const TabSession&, const FrameView& frame) override {
    ++frames;
    last = frame;
    if (check_stamp) {
      // sim://stamp fills every pixel of frame N with 0xFF000000 | N: a frame
      // the manager accepts must be whole, never half old, half new.
      uint32_t expected = 0xFF000000u | uint32_t(frame.sequence & 0xFFFFFF);
      size_t pixels = size_t(frame.width) * size_t(frame.height);
      for (size_t i = 0; i < pixels; ++i) {
        if (frame.pixels[i] != expected) {
          ++torn;
          break;
        }
      }
    }
  }
  void OnTabLost(const TabSession&) override { ++lost; }
  void OnTabStateChanged(const TabSession& tab) override {
    if (tab.state() == TabState::kUnresponsive) ++unresponsive;
  }
  int unresponsive = 0;
  int frames = 0;
  int lost = 0;
  int torn = 0;
  bool check_stamp = false;
  FrameView last;
};

class TabSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::DisableCoreDumps(); }
  TabHost& Host(TabHost::Options options = {}) {
    if (options.tab_executable.empty())
      options.tab_executable = testing::TabExecutable();
    host_.emplace(io_, options);
    host_->AddObserver(&recorder_);
    return *host_;
  }
  bool RunUntil(const std::function<bool()>& done, milliseconds timeout = seconds(10)) {
    return testing::RunUntil(io_, done, timeout);
  }
  void RunFor(milliseconds time) { RunUntil([] { return false; }, time); }
  void TearDown() override {
    if (host_) {
      testing::ShutdownHost(io_, *host_, seconds(10));
      host_.reset();
    }
    EXPECT_TRUE(testing::NoChildren()) << "a tab process was left behind";
  }

  boost::asio::io_context io_{1};
  std::optional<TabHost> host_;
  Recorder recorder_;
};

TEST_F(TabSessionTest, HandshakesAndDeliversFrames) {
  auto tab = Host().Open("sim://bounce");
  ASSERT_TRUE(tab.ok()) << tab.error().message;
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 10; }));
  EXPECT_EQ((*tab)->state(), TabState::kLive);
  EXPECT_EQ((*tab)->title(), "Bounce");
  EXPECT_EQ(recorder_.last.width, 480);
  EXPECT_EQ(recorder_.last.height, 320);
}

TEST_F(TabSessionTest, NoTornFramesOverHundredsOfFrames) {
  recorder_.check_stamp = true;
  TabHost::Options options;
  options.width = 320;
  options.height = 200;
  auto tab = Host(options).Open("sim://stamp");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 500; }));
  EXPECT_EQ(recorder_.torn, 0);
  EXPECT_GE((*tab)->counters().releases_sent, 499u);
}

// --frames-over-socket (protocol 4): every frame's pixels arrive raw after
// a FramePixels header, read straight into the session's frame buffer.
class SocketFramesTest : public TabSessionTest {
 protected:
  void ExpectWholeFrames(int width, int height, int frames) {
    recorder_.check_stamp = true;
    TabHost::Options options;
    options.width = width;
    options.height = height;
    options.frames_over_socket = true;
    auto tab = Host(options).Open("sim://stamp");
    ASSERT_TRUE(tab.ok()) << tab.error().message;
    ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= frames; }));
    EXPECT_EQ((*tab)->state(), TabState::kLive);
    EXPECT_EQ(recorder_.torn, 0);
    EXPECT_EQ(recorder_.last.width, width);
    EXPECT_EQ(recorder_.last.height, height);
    // Counted once each, when the frame is complete.
    EXPECT_EQ((*tab)->counters().frame_bytes_over_socket,
              uint64_t(recorder_.frames) * FrameBytes(width, height));
    ASSERT_NE((*tab)->channel(), nullptr);
    EXPECT_GE((*tab)->channel()->bytes_in(),
              (*tab)->counters().frame_bytes_over_socket);
  }

  // A "tab" that writes `bytes` (a HelloReply and whatever follows) to its
  // channel, then either keeps it open or closes it, and stays alive.
  std::string FakeTab(const std::string& name, const std::string& bytes,
                      bool hang_up) {
    const std::string base = ::testing::TempDir() + "/" + name + "-" +
                             std::to_string(::getpid());
    {
      std::ofstream out(base + ".bin", std::ios::binary);
      out << bytes;
    }
    {
      std::ofstream out(base + ".sh");
      out << "#!/bin/sh\ncat '" << base << ".bin' >&3\n"
          << (hang_up ? "exec 3>&-\n" : "") << "exec sleep 30\n";
    }
    ::chmod((base + ".sh").c_str(), 0755);
    return base + ".sh";
  }

  // Tab 1's HelloReply, framed.
  static std::string Hello(int width, int height) {
    std::string wire;
    proto::TabToManager reply;
    auto* hello = reply.mutable_hello_reply();
    hello->set_protocol_version(kProtocolVersion);
    hello->set_tab_id(1);
    hello->set_width(uint32_t(width));
    hello->set_height(uint32_t(height));
    hello->set_pid(1);
    AppendFrame(reply, kMaxMessageSize, &wire);
    return wire;
  }

  // Tab 1's HelloReply and a FramePixels header for frame 1, framed.
  static std::string HelloAndHeader(int width, int height,
                                    uint64_t raw_length) {
    std::string wire = Hello(width, height);
    proto::TabToManager header;
    header.set_view_id(1);
    auto* pixels = header.mutable_frame_pixels();
    pixels->set_frame_sequence(1);
    pixels->set_last(true);
    pixels->set_raw_length(raw_length);
    AppendFrame(header, kMaxMessageSize, &wire);
    return wire;
  }

  TabSession* OpenFake(const std::string& script, int width, int height) {
    TabHost::Options options;
    options.width = width;
    options.height = height;
    options.frames_over_socket = true;
    options.tab_executable = script;
    auto tab = Host(options).Open("sim://stamp");
    EXPECT_TRUE(tab.ok());
    return tab.ok() ? *tab : nullptr;
  }
};

TEST_F(SocketFramesTest, SmallFramesArriveWhole) { ExpectWholeFrames(64, 48, 50); }
TEST_F(SocketFramesTest, OddSizedFramesArriveWhole) { ExpectWholeFrames(333, 217, 30); }
TEST_F(SocketFramesTest, FramesLargerThanASocketBufferArriveWhole) {
  ExpectWholeFrames(1280, 720, 20);
}

TEST_F(SocketFramesTest, ARawLengthOtherThanTheFrameIsABadMessage) {
  const int width = 40, height = 30;
  const size_t frame_bytes = FrameBytes(width, height);
  std::string wire = HelloAndHeader(width, height, frame_bytes - 4);
  wire += std::string(frame_bytes - 4, '\x11');
  TabSession* tab = OpenFake(FakeTab("raw-length-tab", wire, false), width, height);
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ(tab->cause(), "killed: bad message (FRAME_PIXELS_RAW_LENGTH)");
  EXPECT_EQ(recorder_.frames, 0);
}

TEST_F(SocketFramesTest, RawBytesCutShortThenAHangUpIsATruncatedMessage) {
  const int width = 400, height = 300;  // larger than one read
  const size_t frame_bytes = FrameBytes(width, height);
  std::string wire = HelloAndHeader(width, height, frame_bytes);
  wire += std::string(frame_bytes / 2, '\x22');
  TabSession* tab = OpenFake(FakeTab("cut-short-tab", wire, true), width, height);
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ(tab->cause(), "killed: bad message (TRUNCATED_MESSAGE)");
  EXPECT_EQ(recorder_.frames, 0);
}

// A tab that hangs up its channel and lives on is ended: under tabsim-init
// the manager holds no pidfd while a tab runs, and opens one only now, to
// wait out the grace and kill it (ProcessHost::AwaitExit).
TEST_F(SocketFramesTest, ATabThatHangsUpAndLivesOnIsKilledAndReaped) {
  const int width = 40, height = 30;
  // A whole HelloReply, then the hang-up.
  TabSession* tab =
      OpenFake(FakeTab("hang-up-tab", Hello(width, height), true), width, height);
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_NE(tab->cause().find("closed its channel but did not exit within"),
            std::string::npos)
      << tab->cause();
  EXPECT_TRUE(testing::NoChildren());
}

TEST_F(SocketFramesTest, FaultsFromTheTabAreRefusedNotDesynchronising) {
  TabHost::Options options;
  options.frames_over_socket = true;
  auto tab = Host(options).Open("sim://stamp");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  FaultSpec spec;
  spec.kind = FaultKind::kDrop;
  spec.direction = Direction::kFromTab;
  Status status = (*tab)->InjectFault(spec);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("--frames-over-socket"),
            std::string::npos);
}

TEST_F(TabSessionTest, TabHasOnlyItsSocketAndMemfdOpen) {
  auto tab = Host().Open("sim://blank");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  auto fds = testing::OpenFds((*tab)->pid());
  std::vector<int> numbers;
  for (auto& [fd, target] : fds) numbers.push_back(fd);
  EXPECT_EQ(numbers, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(fds[0], "/dev/null");
  EXPECT_EQ(fds[3].rfind("socket:[", 0), 0u) << fds[3];
  EXPECT_EQ(fds[4].rfind("/memfd:tabsim-tab-" + std::to_string((*tab)->id()), 0), 0u)
      << fds[4];
  // The manager's end of the same socket: its inode is the peer's.
  auto ours = testing::OpenFds(::getpid());
  int socket_fd = (*tab)->channel() ? const_cast<Channel*>((*tab)->channel())
                                          ->socket().native_handle()
                                    : -1;
  EXPECT_EQ(ours[socket_fd].rfind("socket:[", 0), 0u);
}

TEST_F(TabSessionTest, InputReachesThePageAndIsAcknowledged) {
  auto tab = Host().Open("sim://paint");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->state() == TabState::kLive; }));
  auto mouse = [&](proto::MouseEvent::Action action, int x, int y) {
    proto::InputEvent event;
    event.mutable_mouse()->set_action(action);
    event.mutable_mouse()->set_x(x);
    event.mutable_mouse()->set_y(y);
    ASSERT_TRUE((*tab)->SendInput(event).ok());
  };
  mouse(proto::MouseEvent::DOWN, 100, 150);
  mouse(proto::MouseEvent::MOVE, 200, 150);
  mouse(proto::MouseEvent::UP, 200, 150);
  ASSERT_TRUE(RunUntil([&] { return recorder_.last.last_input_sequence >= 3; }));
  EXPECT_EQ((*tab)->counters().last_input_acked, 3u);
  const FrameView& frame = recorder_.last;
  uint32_t white = 0xFFFFFFFFu;
  EXPECT_NE(frame.at(150, 150), white) << "the stroke is missing";
  EXPECT_NE(frame.at(100, 150), white);
  EXPECT_EQ(frame.at(150, 250), white) << "paint where nothing was drawn";
}

TEST_F(TabSessionTest, ResizeSwitchesToANewRegion) {
  recorder_.check_stamp = true;
  auto tab = Host().Open("sim://stamp");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 5; }));
  ASSERT_TRUE((*tab)->Resize(200, 100).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.last.width == 200; }));
  EXPECT_EQ(recorder_.last.height, 100);
  int at_resize = recorder_.frames;
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= at_resize + 50; }));
  EXPECT_EQ(recorder_.torn, 0);
  // The tab has only the new region open now.
  auto fds = testing::OpenFds((*tab)->pid());
  EXPECT_EQ(fds.size(), 5u);
  EXPECT_FALSE((*tab)->Resize(0, 10).ok());
  EXPECT_FALSE((*tab)->Resize(kMaxFrameDimension + 1, 10).ok());
}

TEST_F(TabSessionTest, CrashIsReportedWithItsSignal) {
  auto tab = Host().Open("sim://crash");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->state(), TabState::kCrashed);
  EXPECT_EQ((*tab)->cause(), "killed by signal 11 (SIGSEGV)");
}

TEST_F(TabSessionTest, ExecFailureIsAClearError) {
  TabHost::Options options;
  options.tab_executable = "/nonexistent/tabsim-tab";
  auto tab = Host(options).Open("sim://blank");
  ASSERT_FALSE(tab.ok());
  EXPECT_NE(tab.error().message.find("exec /nonexistent/tabsim-tab"),
            std::string::npos)
      << tab.error().message;
  TabSession* record = host_->Find(1);
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->state(), TabState::kCrashed);
}

TEST_F(TabSessionTest, ProtocolVersionMismatchIsRefused) {
  TabHost::Options options;
  options.extra_tab_args = {"--protocol-version", "99"};
  auto tab = Host(options).Open("sim://blank");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->cause(),
            "killed: refused: protocol version mismatch (tab speaks 99, "
            "manager speaks " + std::to_string(kProtocolVersion) + ")");
}

// Options for a "tab" that never speaks, with a 300 ms handshake deadline.
TabHost::Options SilentTabOptions() {
  // Per process: concurrent runs of this test must not share the file.
  std::string script = ::testing::TempDir() + "/silent-tab-" +
                       std::to_string(::getpid()) + ".sh";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\nexec sleep 30\n";
  }
  ::chmod(script.c_str(), 0755);
  TabHost::Options options;
  options.tab_executable = script;
  options.handshake_timeout = milliseconds(300);
  return options;
}

TEST_F(TabSessionTest, SilentChildFailsTheHandshakeDeadline) {
  auto tab = Host(SilentTabOptions()).Open("sim://blank");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->cause(), "killed: no handshake within 300 ms");
}

// The deadline is the tab's time, not the manager's: a loop too busy to
// look (thousands of spawns at once) does not count against the tab.
TEST_F(TabSessionTest, TheHandshakeDeadlineDoesNotCountTheLoopsOwnLateness) {
  const auto opened = std::chrono::steady_clock::now();
  auto silent = Host(SilentTabOptions()).Open("sim://blank");
  ASSERT_TRUE(silent.ok());
  // The loop runs on this thread: it is busy for 1 s.
  std::this_thread::sleep_for(milliseconds(1000));
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  // Killed once it had had its 300 ms of a loop that was looking: not
  // when the late timer first ran (about 1 s), but about 0.7 s after.
  EXPECT_GE(std::chrono::steady_clock::now() - opened, milliseconds(1500));
  EXPECT_EQ((*silent)->cause(), "killed: no handshake within 300 ms");
}

TEST_F(TabSessionTest, AHandshakeTheBusyLoopReadLateStillCounts) {
  TabHost::Options options;
  options.handshake_timeout = milliseconds(300);
  auto tab = Host(options).Open("sim://blank");
  ASSERT_TRUE(tab.ok());
  // The tab answers within this; the loop reads it only afterwards.
  std::this_thread::sleep_for(milliseconds(2000));
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  EXPECT_EQ((*tab)->state(), TabState::kLive);
  EXPECT_EQ(recorder_.lost, 0);
}

TEST_F(TabSessionTest, UnknownPageShowsAnErrorPageNotACrash) {
  auto tab = Host().Open("sim://no-such-page");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1 && !(*tab)->title().empty(); }));
  EXPECT_EQ((*tab)->state(), TabState::kLive);
  EXPECT_EQ((*tab)->title(), "Error");
}

TEST_F(TabSessionTest, AnInputTooLargeForAMessageIsRefusedNotFatal) {
  auto tab = Host().Open("sim://paint");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  proto::InputEvent key;
  key.mutable_key()->set_key_code(proto::KEY_CHARACTER);
  key.mutable_key()->set_text(std::string(20000, 'k'));
  Status sent = (*tab)->SendInput(key);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().error_number, EINVAL);
  EXPECT_EQ((*tab)->counters().inputs_sent, 0u);
  key.mutable_key()->set_text("k");
  EXPECT_TRUE((*tab)->SendInput(key).ok());
  EXPECT_EQ((*tab)->state(), TabState::kLive);
}

TEST_F(TabSessionTest, CloseEndsWithExitZero) {
  auto tab = Host().Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  (*tab)->Close();
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->state(), TabState::kClosed);
  EXPECT_EQ((*tab)->cause(), "exited with code 0");
  EXPECT_FALSE((*tab)->SendInput({}).ok());
}

// Options for sim://hang with a 300 ms close grace. Its tests close it only
// once it is really spinning (it stops answering pings), not between its
// first frame and its hang, where it would still read the Shutdown and
// exit cleanly.
TabHost::Options HungTabOptions() {
  TabHost::Options options;
  options.exit_grace = milliseconds(300);
  options.ping_interval = milliseconds(20);
  options.unresponsive_after = milliseconds(60);
  return options;
}

TEST_F(TabSessionTest, HungTabIsKilledAfterCloseGrace) {
  auto tab = Host(HungTabOptions()).Open("sim://hang");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->state() == TabState::kUnresponsive; }));
  (*tab)->Close();
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->state(), TabState::kCrashed);
  EXPECT_EQ((*tab)->cause(), "killed: did not exit within 300 ms of shutdown");
}

// The close grace, too, is the tab's time, not the busy loop's (10,000
// tabs told to close at once): a hung tab is killed only after its 300 ms
// of a loop that was looking.
TEST_F(TabSessionTest, TheCloseGraceDoesNotCountTheLoopsOwnLateness) {
  TabHost::Options options = HungTabOptions();
  // Past the test: the hang monitor must not end it first.
  options.kill_after = milliseconds(60000);
  auto tab = Host(options).Open("sim://hang");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->state() == TabState::kUnresponsive; }));
  const auto closed = std::chrono::steady_clock::now();
  (*tab)->Close();
  std::this_thread::sleep_for(milliseconds(1000));  // the loop is busy
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_GE(std::chrono::steady_clock::now() - closed, milliseconds(1500));
  EXPECT_EQ((*tab)->cause(), "killed: did not exit within 300 ms of shutdown");
}

TEST_F(TabSessionTest, HangMonitorMarksUnresponsiveThenKills) {
  TabHost::Options options;
  options.ping_interval = milliseconds(50);
  options.unresponsive_after = milliseconds(200);
  options.kill_after = milliseconds(800);
  auto tab = Host(options).Open("sim://hang");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.unresponsive == 1; }));
  EXPECT_EQ((*tab)->state(), TabState::kUnresponsive);
  EXPECT_TRUE((*tab)->running());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->cause().rfind("killed: unresponsive for ", 0), 0u)
      << (*tab)->cause();
  EXPECT_NE((*tab)->cause().find("(hang monitor)"), std::string::npos);
}

TEST_F(TabSessionTest, HealthyTabAnswersPingsAndStaysLive) {
  TabHost::Options options;
  options.ping_interval = milliseconds(20);
  options.unresponsive_after = milliseconds(500);
  auto tab = Host(options).Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->counters().pongs_received >= 10; }));
  EXPECT_EQ((*tab)->state(), TabState::kLive);
  EXPECT_EQ(recorder_.unresponsive, 0);
}

// An idle tab's pings back off, twice the interval each time up to
// kMaxIdlePingFactor intervals, so thousands of idle tabs are not woken
// every second; input brings it back to its base rate at the next tick.
TEST_F(TabSessionTest, AnIdleTabsPingsBackOffAndInputBringsThemBack) {
  TabHost::Options options;
  options.ping_interval = milliseconds(10);
  options.unresponsive_after = milliseconds(5000);
  auto tab = Host(options).Open("sim://blank");
  ASSERT_TRUE(tab.ok());
  const ProcessHost* process = (*tab)->process();
  ASSERT_NE(process, nullptr);
  // Past its start (the first frame's release is work, too).
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  RunFor(milliseconds(50));
  const auto longest = options.ping_interval * ProcessHost::kMaxIdlePingFactor;
  std::vector<milliseconds> seen;
  ASSERT_TRUE(RunUntil([&] {
    if (seen.empty() || seen.back() != process->ping_interval_now())
      seen.push_back(process->ping_interval_now());
    return seen.back() == longest;
  }));
  // It doubled on the way (10, 20, 40, ... ms), never jumped.
  for (size_t i = 1; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], 2 * seen[i - 1]) << i;
  const uint64_t idle_before = process->pings_sent();
  const auto idle_start = std::chrono::steady_clock::now();
  RunFor(milliseconds(700));
  const auto idle_elapsed = std::chrono::steady_clock::now() - idle_start;
  EXPECT_LE(process->pings_sent() - idle_before, uint64_t(idle_elapsed / longest) + 1);
  EXPECT_EQ((*tab)->state(), TabState::kLive);

  // Input every 5 ms: the base rate again, and the tab's acks stand in
  // for pongs, so it is not pinged at all while it acknowledges.
  proto::InputEvent wheel;
  wheel.mutable_wheel()->set_delta_y(1);
  const uint64_t pings_before = process->pings_sent();
  const uint64_t acks_before = process->acks_taken_as_pongs();
  const auto busy_start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - busy_start < milliseconds(500)) {
    ASSERT_TRUE((*tab)->SendInput(wheel).ok());
    RunFor(milliseconds(5));
  }
  EXPECT_EQ(process->ping_interval_now(), options.ping_interval);
  // 50 intervals; a loaded machine may run the timer late. The ping
  // already due when input began may still go out.
  EXPECT_GE(process->acks_taken_as_pongs() - acks_before, 10u);
  EXPECT_LE(process->pings_sent() - pings_before, 1u);
  EXPECT_EQ((*tab)->state(), TabState::kLive);
}

// Acks stand in for pongs only while they come: a tab that hangs while it
// is sent input is pinged again and marked unresponsive.
TEST_F(TabSessionTest, ATabThatHangsUnderInputIsStillNoticed) {
  TabHost::Options options;
  options.ping_interval = milliseconds(20);
  options.unresponsive_after = milliseconds(100);
  options.kill_after = milliseconds(0);
  auto tab = Host(options).Open("sim://hang");
  ASSERT_TRUE(tab.ok());
  const ProcessHost* process = (*tab)->process();
  ASSERT_NE(process, nullptr);
  proto::InputEvent wheel;
  wheel.mutable_wheel()->set_delta_y(1);
  ASSERT_TRUE(RunUntil([&] {
    (void)(*tab)->SendInput(wheel);
    return (*tab)->state() == TabState::kUnresponsive;
  }));
  EXPECT_GE(process->pings_sent(), 1u);
}

TEST_F(TabSessionTest, MovesAreCoalescedWhenTheTabFallsBehindButKeysAreNot) {
  TabHost::Options options;
  options.kill_after = milliseconds(0);  // keep the hung tab for the test
  auto tab = Host(options).Open("sim://hang");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  // It now spins without reading: fill its socket and our queue.
  proto::InputEvent move;
  move.mutable_mouse()->set_action(proto::MouseEvent::MOVE);
  // ~4 MB of moves: far more than the socket buffer holds (2 MiB: the
  // manager asks for kToTabSendBufferBytes, the kernel doubles it).
  for (int i = 0; i < 400000; ++i) {
    move.mutable_mouse()->set_x(i % 400);
    ASSERT_TRUE((*tab)->SendInput(move).ok());
    if (i % 1000 == 0) io_.poll();  // let the writer fill the socket
  }
  io_.poll();
  EXPECT_GT((*tab)->counters().coalesced_moves, 0u);
  uint64_t sent_before = (*tab)->counters().inputs_sent;
  proto::InputEvent key;
  key.mutable_key()->set_key_code(proto::KEY_CHARACTER);
  key.mutable_key()->set_text("a");
  ASSERT_TRUE((*tab)->SendInput(key).ok());
  // The held move goes first (order kept), then the key: never dropped.
  EXPECT_EQ((*tab)->counters().inputs_sent, sent_before + 2);
  EXPECT_LE((*tab)->channel()->pending_bytes(), 8u * 1024 * 1024);
}

// ------------------------------------------------ inspector and fault injection

FaultSpec Fault(FaultKind kind, Direction direction = Direction::kFromTab,
                int delay_ms = 0) {
  FaultSpec spec;
  spec.kind = kind;
  spec.direction = direction;
  spec.delay = milliseconds(delay_ms);
  return spec;
}

proto::InputEvent Click(proto::MouseEvent::Action action, int x, int y) {
  proto::InputEvent event;
  event.mutable_mouse()->set_action(action);
  event.mutable_mouse()->set_x(x);
  event.mutable_mouse()->set_y(y);
  return event;
}

class TraceRecorder : public MessageTracer {
 public:
  void OnMessage(const TabSession&, Direction direction, std::string_view payload,
                 std::string_view note) override {
    auto decoded = DecodeMessage(direction, payload);
    lines.push_back(std::string(ToString(direction)) + " " + decoded.type +
                    (note.empty() ? "" : " # " + std::string(note)));
  }
  bool Saw(const std::string& line) const {
    return std::find(lines.begin(), lines.end(), line) != lines.end();
  }
  std::vector<std::string> lines;
};

TEST_F(TabSessionTest, StatsCountBothDirectionsAndInputToFrameLatency) {
  auto tab = Host().Open("sim://paint");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::DOWN, 10, 10)).ok());
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::UP, 10, 10)).ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->stats().latency().count() == 2; }));
  const ChannelStats& stats = (*tab)->stats();
  EXPECT_EQ(stats.of(Direction::kToTab).by_type[proto::ManagerToTab::kInput], 2u);
  EXPECT_EQ(stats.of(Direction::kToTab).by_type[proto::ManagerToTab::kHello], 1u);
  EXPECT_EQ(stats.of(Direction::kFromTab).by_type[proto::TabToManager::kHelloReply], 1u);
  EXPECT_GE(stats.of(Direction::kFromTab).by_type[proto::TabToManager::kFrameReady], 2u);
  EXPECT_EQ(stats.of(Direction::kToTab).messages, (*tab)->counters().messages_out);
  EXPECT_EQ(stats.of(Direction::kFromTab).messages, (*tab)->counters().messages_in);
  EXPECT_GT(stats.of(Direction::kFromTab).bytes, stats.of(Direction::kFromTab).messages);
  EXPECT_LT(stats.latency().max_ms(), 1000);
  // A healthy tab reads everything: the manager's queue drains.
  EXPECT_TRUE(RunUntil([&] { return (*tab)->QueuedBytes(Direction::kToTab) == 0; }));
}

TEST_F(TabSessionTest, QueueDepthShowsWhenTheTabStopsReading) {
  TabHost::Options options;
  options.kill_after = milliseconds(0);
  auto tab = Host(options).Open("sim://hang");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  proto::InputEvent key;
  key.mutable_key()->set_key_code(proto::KEY_CHARACTER);
  key.mutable_key()->set_text("a");
  // ~3.5 MB: more than the kernel holds for a tab (kToTabSendBufferBytes
  // doubled, 2 MiB), less than max_queued_bytes (8 MiB).
  for (int i = 0; i < 250000; ++i) {
    ASSERT_TRUE((*tab)->SendInput(key).ok());
    if (i % 1000 == 0) io_.poll();
  }
  io_.poll();
  EXPECT_GT((*tab)->SocketBytes(Direction::kToTab), 0u) << "SIOCOUTQ: the kernel holds some";
  EXPECT_GT((*tab)->QueuedBytes(Direction::kToTab), 0u) << "and the manager the rest";
}

TEST_F(TabSessionTest, TracerSeesEveryMessageAndNothingWhenDetached) {
  auto tab = Host().Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  TraceRecorder trace;
  (*tab)->set_tracer(&trace);
  ASSERT_TRUE(RunUntil([&] {
    return trace.Saw("from-tab frame_ready") && trace.Saw("to-tab frame_release");
  }));
  (*tab)->set_tracer(nullptr);
  size_t seen = trace.lines.size();
  int frames = recorder_.frames;
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= frames + 3; }));
  EXPECT_EQ(trace.lines.size(), seen);
}

TEST_F(TabSessionTest, CorruptFaultGetsTheTabKilledForABadMessage) {
  auto tab = Host().Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  TraceRecorder trace;
  (*tab)->set_tracer(&trace);
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kCorrupt)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->cause(), "killed: bad message (UNPARSABLE_MESSAGE)");
  EXPECT_TRUE(trace.Saw("from-tab unparsable # corrupted (fault)"));
  EXPECT_EQ((*tab)->faults().Describe()[0].injected, 1u);
}

TEST_F(TabSessionTest, CorruptToTheTabMakesItExitWithAProtocolError) {
  auto tab = Host().Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kCorrupt, Direction::kToTab)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ((*tab)->cause(), "exited with code 3") << "kTabExitProtocol (tab/tab_process.h)";
}

// Inputs sent within one pass of the loop share one timestamp
// (TabSession::Options::loop_pass); an input sent in a later pass gets its
// own, so a gap between two inputs never counts as latency.
TEST_F(TabSessionTest, AnInputSentLaterIsTimedFromWhenItWasSent) {
  auto tab = Host().Open("sim://paint");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::DOWN, 10, 10)).ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->stats().latency().count() == 1; }));
  const auto gap_start = std::chrono::steady_clock::now();
  RunUntil([&] { return std::chrono::steady_clock::now() - gap_start >=
                        milliseconds(600); });
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::UP, 10, 10)).ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->stats().latency().count() == 2; }));
  EXPECT_LT((*tab)->stats().latency().max_ms(), 500)
      << "the second input took the first one's timestamp";
}

TEST_F(TabSessionTest, DelayFaultShowsInTheLatencyHistogram) {
  auto tab = Host().Open("sim://paint");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kDelay, Direction::kToTab, 150)).ok());
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::DOWN, 20, 20)).ok());
  EXPECT_GT((*tab)->QueuedBytes(Direction::kToTab), 0u) << "held by the delay";
  ASSERT_TRUE(RunUntil([&] { return (*tab)->stats().latency().count() == 1; }));
  EXPECT_GE((*tab)->stats().latency().max_ms(), 150);
  // Paced, the BeginFrame that draws the click is delayed too: one or two
  // delays, the 128..256 or the 256..512 ms bucket.
  EXPECT_EQ((*tab)->stats().latency().buckets()[8] +
                (*tab)->stats().latency().buckets()[9],
            1u);
  // From the tab as well: the reader stalls on a delayed message.
  (*tab)->ClearFaults();
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kDelay, Direction::kFromTab, 150)).ok());
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::UP, 20, 20)).ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->stats().latency().count() == 2; }));
  EXPECT_GE((*tab)->stats().latency().max_ms(), 150);
  EXPECT_EQ((*tab)->state(), TabState::kLive);
}

TEST_F(TabSessionTest, WithheldReleasesStopTheFramesUntilCleared) {
  auto tab = Host().Open("sim://stamp");  // draws as fast as it may
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 5; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kWithholdRelease)).ok());
  // One more frame in the buffer the tab still owned, then nothing.
  ASSERT_TRUE(RunUntil([&] { return (*tab)->withheld_releases() == 1; }));
  int frozen = recorder_.frames;
  RunUntil([] { return false; }, milliseconds(300));
  EXPECT_LE(recorder_.frames, frozen + 1);
  EXPECT_EQ((*tab)->state(), TabState::kLive) << "backpressure is not a fault";
  (*tab)->ClearFaults();
  EXPECT_EQ((*tab)->withheld_releases(), 0u);
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= frozen + 20; }));
}

TEST_F(TabSessionTest, WithheldPongsFireTheHangMonitorAndClearingRecovers) {
  TabHost::Options options;
  options.ping_interval = milliseconds(30);
  options.unresponsive_after = milliseconds(200);
  options.kill_after = milliseconds(0);
  auto tab = Host(options).Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->counters().pongs_received >= 1; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kWithholdPong)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.unresponsive == 1; }));
  EXPECT_EQ((*tab)->state(), TabState::kUnresponsive);
  EXPECT_GE(recorder_.frames, 1) << "it still draws: only the pong is ignored";
  (*tab)->ClearFaults();
  ASSERT_TRUE(RunUntil([&] { return (*tab)->state() == TabState::kLive; }));
}

TEST_F(TabSessionTest, WithheldPongsGetTheTabKilledByTheHangMonitor) {
  TabHost::Options options;
  options.ping_interval = milliseconds(30);
  options.unresponsive_after = milliseconds(100);
  options.kill_after = milliseconds(400);
  auto tab = Host(options).Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kWithholdPong)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_NE((*tab)->cause().find("(hang monitor)"), std::string::npos) << (*tab)->cause();
}

TEST_F(TabSessionTest, DroppedPingsFireTheHangMonitorToo) {
  TabHost::Options options;
  options.ping_interval = milliseconds(30);
  options.unresponsive_after = milliseconds(150);
  options.kill_after = milliseconds(0);
  auto tab = Host(options).Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  TraceRecorder trace;
  (*tab)->set_tracer(&trace);
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kDrop, Direction::kToTab)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.unresponsive == 1; }));
  EXPECT_TRUE(trace.Saw("to-tab ping # dropped (fault)"));
  (*tab)->set_tracer(nullptr);  // `trace` dies before the tab
}

TEST_F(TabSessionTest, DuplicatedFramesAreABadMessage) {
  // Unpaced, the frames themselves are what gets duplicated first.
  TabHost::Options options;
  options.fps = 0;
  auto tab = Host(options).Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kDuplicate)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  // The copy names the buffer the manager now holds.
  EXPECT_EQ((*tab)->cause(), "killed: bad message (BUFFER_STILL_HELD)");
}

TEST_F(TabSessionTest, DuplicatedAnswersToBeginFramesAreABadMessage) {
  // Paced, a second answer to one BeginFrame, frame or not, was never
  // asked for.
  auto tab = Host().Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kDuplicate)).ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  const std::string cause = (*tab)->cause();
  EXPECT_TRUE(cause == "killed: bad message (BUFFER_STILL_HELD)" ||
              cause == "killed: bad message (UNSOLICITED_DID_NOT_PRODUCE_FRAME)")
      << cause;
}

TEST_F(TabSessionTest, ReorderedMessagesAreHandledAfterTheNextOne) {
  auto tab = Host().Open("sim://paint");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames >= 1; }));
  TraceRecorder trace;
  (*tab)->set_tracer(&trace);
  ASSERT_TRUE((*tab)->InjectFault(Fault(FaultKind::kReorder, Direction::kToTab)).ok());
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::DOWN, 5, 5)).ok());
  ASSERT_TRUE((*tab)->SendInput(Click(proto::MouseEvent::UP, 5, 5)).ok());
  ASSERT_GE(trace.lines.size(), 1u);
  EXPECT_TRUE(trace.Saw("to-tab input # reordered (fault)"));
  // Acks use the highest sequence, so the tab survives being sent 2 before 1.
  ASSERT_TRUE(RunUntil([&] { return (*tab)->counters().last_input_acked >= 2; }));
  EXPECT_EQ((*tab)->state(), TabState::kLive);
  (*tab)->set_tracer(nullptr);
}

TEST_F(TabSessionTest, FaultsNeedALiveTab) {
  auto tab = Host().Open("sim://crash?after=0");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_FALSE((*tab)->InjectFault(Fault(FaultKind::kDrop)).ok());
}

}  // namespace
}  // namespace tabsim
