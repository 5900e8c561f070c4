// How the manager governs its tabs, with real tab processes: frame pacing
// (one BeginFrame outstanding, idle pages cost nothing, frames nobody asked
// for are bad messages), visibility (viewers and pins; hidden tabs get no
// BeginFrames; showing one brings a frame) and priority (nice and
// oom_score_adj read back from /proc).
#include <unistd.h>

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "manager/core/process_priority.h"
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
  void OnFrame(const TabSession& tab, const FrameView&) override {
    ++frames[tab.id()];
  }
  void OnTabLost(const TabSession& tab) override {
    ++lost;
    causes[tab.id()] = tab.cause();
  }
  std::map<int, int> frames;
  int lost = 0;
  std::map<int, std::string> causes;
};

// The pacing messages of one tab, in order.
class PacingTrace : public MessageTracer {
 public:
  void OnMessage(const TabSession&, Direction direction,
                 std::string_view payload, std::string_view) override {
    const std::string type = DecodeMessage(direction, payload).type;
    if (type == "begin_frame" || type == "frame_ready" ||
        type == "did_not_produce_frame")
      types.push_back(type);
  }
  std::vector<std::string> types;
};

int ValueOr(Result<int> result, int fallback) {
  return result.ok() ? *result : fallback;
}

class GovernanceTest : public ::testing::Test {
 protected:
  TabHost& Host(double fps = 60) {
    testing::DisableCoreDumps();
    TabHost::Options options;
    options.tab_executable = testing::TabExecutable();
    options.width = 96;
    options.height = 64;
    options.fps = fps;
    host_.emplace(io_, options);
    host_->AddObserver(&recorder_);
    return *host_;
  }
  ~GovernanceTest() override {
    if (host_) testing::ShutdownHost(io_, *host_, seconds(10));
  }
  bool RunUntil(const std::function<bool()>& done,
                milliseconds timeout = seconds(10)) {
    return testing::RunUntil(io_, done, timeout);
  }
  void RunFor(milliseconds time) { RunUntil([] { return false; }, time); }
  TabSession* OpenDrawn(const std::string& url) {
    auto tab = host_->Open(url);
    EXPECT_TRUE(tab.ok()) << tab.error().message;
    if (!tab.ok()) return nullptr;
    const int id = (*tab)->id();
    EXPECT_TRUE(RunUntil([&] { return recorder_.frames[id] >= 1; }));
    return *tab;
  }

  asio::io_context io_{1};
  std::optional<TabHost> host_;
  Recorder recorder_;
};

TEST_F(GovernanceTest, APacedTabHasOneBeginFrameOutstandingAtMost) {
  Host(60);
  TabSession* tab = OpenDrawn("sim://bounce");
  ASSERT_NE(tab, nullptr);
  PacingTrace trace;
  tab->set_tracer(&trace);
  const int before = recorder_.frames[tab->id()];
  RunFor(milliseconds(1000));
  tab->set_tracer(nullptr);
  // Every BeginFrame is answered, by a frame or a "nothing new", before
  // the next one is sent.
  ASSERT_GT(trace.types.size(), 20u);
  bool outstanding = false;
  for (const std::string& type : trace.types) {
    if (type == "begin_frame") {
      EXPECT_FALSE(outstanding) << "two BeginFrames outstanding";
      outstanding = true;
    } else {
      EXPECT_TRUE(outstanding) << type << " that nobody asked for";
      outstanding = false;
    }
  }
  // At most the display rate: 60 a second, give or take a tick.
  const int frames = recorder_.frames[tab->id()] - before;
  EXPECT_LE(frames, 62);
  EXPECT_GE(frames, 20) << "an animating page draws at the display rate";
  // Every frame, the first included, answers a BeginFrame, and so does
  // every "nothing new".
  EXPECT_EQ(tab->counters().begin_frames, tab->counters().frames +
                                              tab->counters().did_not_produce +
                                              (outstanding ? 1 : 0));
}

TEST_F(GovernanceTest, IdlePagesAskForNoBeginFramesAndSayWhenNothingChanged) {
  Host(60);
  TabSession* paint = OpenDrawn("sim://paint");  // idle after its first frame
  TabSession* clock = OpenDrawn("sim://clock");  // 30 fps on a 60 Hz display
  ASSERT_TRUE(paint && clock);
  RunFor(milliseconds(200));
  const uint64_t paint_begins = paint->counters().begin_frames;
  RunFor(milliseconds(500));
  EXPECT_EQ(paint->counters().begin_frames, paint_begins)
      << "an idle page costs nothing per display tick";
  EXPECT_FALSE(paint->needs_begin_frames());
  EXPECT_GT(clock->counters().did_not_produce, 0u)
      << "a BeginFrame with nothing new is answered without pixels";
  // Input makes the idle page want a frame again.
  proto::InputEvent click;
  click.mutable_mouse()->set_action(proto::MouseEvent::DOWN);
  click.mutable_mouse()->set_x(10);
  click.mutable_mouse()->set_y(10);
  const int frames = recorder_.frames[paint->id()];
  ASSERT_TRUE(paint->SendInput(click).ok());
  EXPECT_TRUE(RunUntil([&] { return recorder_.frames[paint->id()] > frames; }));
}

TEST_F(GovernanceTest, AFrameNobodyAskedForIsABadMessage) {
  Host(60);
  ASSERT_TRUE(host_->Open("sim://bad-message?kind=unasked-frame").ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost == 1; }));
  EXPECT_EQ(recorder_.causes[1], "killed: bad message (FRAME_WITHOUT_BEGIN_FRAME)");
}

TEST_F(GovernanceTest, HiddenTabsGetNoBeginFramesAndShowingOneBringsAFrame) {
  Host(60);
  TabSession* tab = OpenDrawn("sim://bounce");
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(host_->SetPin(tab->id(), TabHost::Pin::kHidden).ok());
  ASSERT_TRUE(RunUntil([&] { return !tab->visible(); }));
  RunFor(milliseconds(100));  // an answer may still be in flight
  const uint64_t begins = tab->counters().begin_frames;
  const int frames = recorder_.frames[tab->id()];
  RunFor(milliseconds(500));
  EXPECT_EQ(tab->counters().begin_frames, begins);
  EXPECT_EQ(recorder_.frames[tab->id()], frames);
  ASSERT_TRUE(host_->SetPin(tab->id(), TabHost::Pin::kNone).ok());
  EXPECT_TRUE(RunUntil([&] { return recorder_.frames[tab->id()] > frames; },
                       seconds(2)));
  EXPECT_TRUE(tab->visible());
}

TEST_F(GovernanceTest, ViewersDecideWhatIsShownAndPinsOverrideThem) {
  Host(60);
  TabSession* a = OpenDrawn("sim://clock");
  TabSession* b = OpenDrawn("sim://clock?b");
  ASSERT_TRUE(a && b);
  int viewer = 0;
  host_->SetViewerTabs(&viewer, {a->id()});
  ASSERT_TRUE(RunUntil([&] { return a->visible() && !b->visible(); }));
  ASSERT_TRUE(host_->SetPin(b->id(), TabHost::Pin::kShown).ok());
  ASSERT_TRUE(RunUntil([&] { return b->visible(); }));
  ASSERT_TRUE(host_->SetPin(a->id(), TabHost::Pin::kHidden).ok());
  ASSERT_TRUE(RunUntil([&] { return !a->visible(); }));
  ASSERT_TRUE(host_->SetPin(a->id(), TabHost::Pin::kNone).ok());
  ASSERT_TRUE(host_->SetPin(b->id(), TabHost::Pin::kNone).ok());
  host_->RemoveViewer(&viewer);  // nobody looking: everything shown
  EXPECT_TRUE(RunUntil([&] { return a->visible() && b->visible(); }));
}

TEST_F(GovernanceTest, FocusingAHiddenTabShowsIt) {
  Host(60);
  TabSession* tab = OpenDrawn("sim://clock");
  ASSERT_NE(tab, nullptr);
  ASSERT_TRUE(host_->SetPin(tab->id(), TabHost::Pin::kHidden).ok());
  ASSERT_TRUE(RunUntil([&] { return !tab->visible(); }));
  ASSERT_TRUE(host_->SetFocus(tab->id()).ok());
  EXPECT_TRUE(RunUntil([&] { return tab->visible(); }));
  EXPECT_EQ(host_->pin_of(tab->id()), TabHost::Pin::kNone);
  // Hidden while focused: it is hidden (and still the focused tab).
  ASSERT_TRUE(host_->SetPin(tab->id(), TabHost::Pin::kHidden).ok());
  EXPECT_TRUE(RunUntil([&] { return !tab->visible(); }));
  EXPECT_EQ(host_->focused_id(), tab->id());
}

TEST_F(GovernanceTest, PrioritiesAreReadBackFromProc) {
  Host(60);
  TabSession* focused = OpenDrawn("sim://clock");
  TabSession* visible = OpenDrawn("sim://clock?2");
  TabSession* older = OpenDrawn("sim://clock?3");
  TabSession* newer = OpenDrawn("sim://clock?4");
  ASSERT_TRUE(focused && visible && older && newer);
  ASSERT_TRUE(host_->SetFocus(focused->id()).ok());
  ASSERT_TRUE(host_->SetPin(older->id(), TabHost::Pin::kHidden).ok());
  RunFor(milliseconds(50));
  ASSERT_TRUE(host_->SetPin(newer->id(), TabHost::Pin::kHidden).ok());
  auto oom = [&](TabSession* tab) { return ValueOr(ReadOomScoreAdj(tab->pid()), -1); };
  ASSERT_TRUE(RunUntil([&] { return oom(newer) != 400 && oom(older) != 400; }));
  EXPECT_EQ(oom(focused), kLowestOomScore);
  EXPECT_EQ(oom(visible), kVisibleOomScore);
  // The longest hidden is the first the kernel would take.
  EXPECT_EQ(oom(older), kHighestOomScore);
  EXPECT_GT(oom(newer), kVisibleOomScore);
  EXPECT_LT(oom(newer), kHighestOomScore);
  EXPECT_LT(ValueOr(ReadOomScoreAdj(::getpid()), 1000), kLowestOomScore)
      << "the manager is below every tab";
  if (!host_->renicing()) {
    GTEST_SKIP() << "nice values are not applied here (no CAP_SYS_NICE, "
                    "RLIMIT_NICE < 20); oom_score_adj was checked";
  }
  EXPECT_EQ(ValueOr(ReadNice(focused->pid()), -1), kForegroundNice);
  EXPECT_EQ(ValueOr(ReadNice(visible->pid()), -1), kForegroundNice);
  EXPECT_EQ(ValueOr(ReadNice(older->pid()), -1), kBackgroundNice);
  // Shown again: back to nice 0, which needs the right to lower it.
  ASSERT_TRUE(host_->SetPin(older->id(), TabHost::Pin::kNone).ok());
  EXPECT_TRUE(RunUntil([&] { return ValueOr(ReadNice(older->pid()), -1) == 0; }));
  EXPECT_TRUE(RunUntil([&] { return oom(older) == kVisibleOomScore; }));
}

// Counts ProcessHost::ApplyPriority's changes.
class PriorityChanges final : public TimelineSink {
 public:
  void OnProcessSpawned(const ProcessHost&) override {}
  void OnSent(const ProcessHost&, const proto::ManagerToTab&) override {}
  void OnReceived(const ProcessHost&, const proto::TabToManager&) override {}
  void OnPriorityChanged(const ProcessHost&) override { ++changes; }
  void OnBadMessage(const ProcessHost&, BadMessageReason) override {}
  void OnProcessGone(const ProcessHost&) override {}
  int changes = 0;
};

// One more background process moves every other one's place in the band;
// those moves are applied at most once a second (TabHost::Govern), and
// in the end every score is its rank's.
TEST_F(GovernanceTest, BackgroundScoresAreRebalancedAtMostOnceASecond) {
  Host(60);
  PriorityChanges sink;
  host_->SetTimeline(&sink);
  ASSERT_NE(OpenDrawn("sim://clock"), nullptr);
  std::vector<TabSession*> hidden;  // oldest hidden first
  constexpr int kHidden = 8;
  const auto start = std::chrono::steady_clock::now();
  const int changes_before = sink.changes;
  for (int i = 0; i < kHidden; ++i) {
    TabSession* tab = OpenDrawn("sim://clock?" + std::to_string(i));
    ASSERT_NE(tab, nullptr);
    ASSERT_TRUE(host_->SetPin(tab->id(), TabHost::Pin::kHidden).ok());
    hidden.push_back(tab);
    RunFor(milliseconds(20));  // each hidden after the one before
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Each tab's own two changes go at once (visible when it goes live,
  // then background); the band's moves wait for a rebalance, at most
  // kHidden of them each, and a window of e seconds holds at most e + 1
  // rebalances. Applied at every change the moves would be
  // 0 + 1 + ... + (kHidden - 2) = 21 (the longest hidden stays at the top).
  const int allowed = 2 * kHidden + kHidden * (1 + int(elapsed));
  EXPECT_LE(sink.changes - changes_before, allowed)
      << "in " << elapsed << " s; without the limit there are "
      << 2 * kHidden + (kHidden - 1) * (kHidden - 2) / 2;
  auto oom = [&](TabSession* tab) { return ValueOr(ReadOomScoreAdj(tab->pid()), -1); };
  // The rebalance comes by itself, and then every score is its rank's.
  // Until then each kept the score it got when hidden: strictly falling
  // too, but not the band's (the second longest hidden would have 750,
  // where the band of eight gives it 937).
  std::vector<ProcessStanding> standings(kHidden);
  const auto now = std::chrono::steady_clock::now();
  for (int i = 0; i < kHidden; ++i)
    standings[size_t(i)].last_visible = now - seconds(kHidden - i);
  const std::vector<ProcessPriority> ranks = RankProcesses(standings);
  EXPECT_TRUE(RunUntil([&] {
    for (int i = 0; i < kHidden; ++i)
      if (oom(hidden[size_t(i)]) != ranks[size_t(i)].oom_score_adj) return false;
    return true;
  }, seconds(5)));
  EXPECT_EQ(oom(hidden.front()), kHighestOomScore);
  host_->SetTimeline(nullptr);
}

TEST(ProcessPriority, RanksFocusVisibilityThenHowLongAgoShown) {
  using Clock = std::chrono::steady_clock;
  const auto now = Clock::now();
  std::vector<ProcessStanding> standings(5);
  standings[0].focused = true;
  standings[1].visible = true;
  standings[2].last_visible = now - seconds(10);
  standings[3].last_visible = now - seconds(100);
  standings[4].spare = true;
  const auto ranks = RankProcesses(standings);
  EXPECT_EQ(ranks[0], (ProcessPriority{Importance::kFocused, 0, 300}));
  EXPECT_EQ(ranks[1], (ProcessPriority{Importance::kVisible, 0, 400}));
  EXPECT_EQ(ranks[2].importance, Importance::kBackground);
  EXPECT_EQ(ranks[2].nice, kBackgroundNice);
  EXPECT_EQ(ranks[2].oom_score_adj, 750);  // the newer of two: half the band
  EXPECT_EQ(ranks[3].oom_score_adj, 1000);
  EXPECT_EQ(ranks[4], (ProcessPriority{Importance::kSpare, 5, 1000}));
}

}  // namespace
}  // namespace tabsim
