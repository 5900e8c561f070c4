// Process models: which process each tab goes to under per-tab, per-site
// and limit:N, real tab processes hosting several views, and the price of
// sharing: a shared process's crash takes exactly its tabs, each told which
// others went with it. Also what sharing must not allow: a view claiming
// another's frame is a bad message, and each view keeps its own input
// order.
#include "manager/core/process_model.h"

#include <signal.h>

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "manager/core/tab_host.h"
#include "manager/core/task_manager.h"
#include "tests/host_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ProcessModel, ParsesTheModelsAndSaysWhatIsWrong) {
  EXPECT_EQ(ProcessModel::Parse("per-tab")->kind, ProcessModel::Kind::kPerTab);
  EXPECT_EQ(ProcessModel::Parse("per-site")->kind, ProcessModel::Kind::kPerSite);
  auto limit = ProcessModel::Parse("limit:4");
  ASSERT_TRUE(limit.ok());
  EXPECT_EQ(limit->kind, ProcessModel::Kind::kLimit);
  EXPECT_EQ(limit->limit, 4);
  EXPECT_EQ(limit->ToString(), "limit:4");
  for (const char* bad : {"", "per-process", "limit", "limit:", "limit:0",
                          "limit:-1", "limit:x", "limit:99999"})
    EXPECT_FALSE(ProcessModel::Parse(bad).ok()) << bad;
  EXPECT_EQ(ProcessModel::Parse("shared").error().message,
            "'shared' is not a process model (per-tab, per-site or limit:N "
            "with N from 1 to 4096)");
}

TEST(ProcessModel, TheTaskManagerListsTheTabsOfAProcessTogether) {
  // Rows 0..5 in processes 1 2 1 3 2 0: each process's rows follow its
  // first; a row without a process (0) stays where it is.
  EXPECT_EQ(GroupedByProcess({1, 2, 1, 3, 2, 0}),
            (std::vector<size_t>{0, 2, 1, 4, 3, 5}));
  EXPECT_EQ(GroupedByProcess({0, 0, 5}), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(GroupedByProcess({4, 3, 2, 1}), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_TRUE(GroupedByProcess({}).empty());
}

TEST(ProcessModel, ASiteIsTheSchemeAndHost) {
  EXPECT_EQ(SiteOf("sim://clock?x"), "sim://clock");
  EXPECT_EQ(SiteOf("sim://clock?y"), "sim://clock");
  EXPECT_EQ(SiteOf("sim://bounce"), "sim://bounce");
  EXPECT_EQ(SiteOf("https://a.example/path#f"), "https://a.example");
  EXPECT_EQ(SiteOf("about:blank"), "about:blank");
}

TEST(ProcessModel, ProcessesForCountsWhatEachModelSpawns) {
  const std::vector<std::string> urls = {"sim://a", "sim://b?1", "sim://b?2",
                                         "sim://c", "sim://b?3"};
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("per-tab").value(), urls, 1000), 5);
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("per-site").value(), urls, 1000), 3);
  // A site with more tabs than a process holds takes more processes.
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("per-site").value(), urls, 2), 4);
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("limit:2").value(), urls, 1000), 2);
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("limit:9").value(), urls, 1000), 5);
  // limit:2 cannot hold 5 tabs at 2 a process: a third process.
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("limit:2").value(), urls, 2), 3);
  const std::vector<std::string> many(10000, "sim://blank");
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("limit:1000").value(), many, 1000), 1000);
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("limit:4").value(), many, 1000), 10);
  EXPECT_EQ(ProcessesFor(ProcessModel::Parse("per-tab").value(), {}, 1000), 0);
}

class Recorder : public TabObserver {
 public:
  void OnFrame(const TabSession& tab, const FrameView&) override {
    ++frames[tab.id()];
  }
  void OnTabLost(const TabSession& tab) override {
    lost.push_back(tab.id());
    causes[tab.id()] = tab.cause();
  }
  std::map<int, int> frames;
  std::vector<int> lost;
  std::map<int, std::string> causes;
};

class SharedProcessTest : public ::testing::Test {
 protected:
  TabHost& Host(const std::string& model,
               const std::function<void(TabHost::Options&)>& tweak = {}) {
    testing::DisableCoreDumps();
    TabHost::Options options;
    options.tab_executable = testing::TabExecutable();
    options.width = 96;
    options.height = 64;
    if (tweak) tweak(options);
    auto parsed = ProcessModel::Parse(model);
    EXPECT_TRUE(parsed.ok());
    options.process_model = *parsed;
    host_.emplace(io_, options);
    host_->AddObserver(&recorder_);
    return *host_;
  }
  ~SharedProcessTest() override {
    if (host_) testing::ShutdownHost(io_, *host_, seconds(10));
  }
  bool RunUntil(const std::function<bool()>& done,
                milliseconds timeout = seconds(10)) {
    return testing::RunUntil(io_, done, timeout);
  }
  std::vector<TabSession*> Open(std::initializer_list<const char*> urls) {
    std::vector<TabSession*> tabs;
    for (const char* url : urls) {
      auto tab = host_->Open(url);
      EXPECT_TRUE(tab.ok()) << url << ": " << tab.error().message;
      if (tab.ok()) tabs.push_back(*tab);
    }
    EXPECT_TRUE(RunUntil([&] {
      for (TabSession* tab : tabs)
        if (recorder_.frames[tab->id()] < 1) return false;
      return true;
    })) << "every tab draws";
    return tabs;
  }
  static std::set<pid_t> Pids(const std::vector<TabSession*>& tabs) {
    std::set<pid_t> pids;
    for (TabSession* tab : tabs) pids.insert(tab->pid());
    return pids;
  }

  asio::io_context io_{1};
  std::optional<TabHost> host_;
  Recorder recorder_;
};

TEST_F(SharedProcessTest, PerTabGivesEveryTabItsOwnProcess) {
  Host("per-tab");
  auto tabs = Open({"sim://clock", "sim://clock?x", "sim://bounce"});
  EXPECT_EQ(Pids(tabs).size(), 3u);
  EXPECT_EQ(host_->tab_process_count(), 3u);
}

TEST_F(SharedProcessTest, PerSiteSharesASitesProcessAndACrashTakesExactlyItsTabs) {
  Host("per-site");
  auto tabs = Open({"sim://clock", "sim://bounce", "sim://clock?x",
                    "sim://clock?y"});
  ASSERT_EQ(tabs.size(), 4u);
  EXPECT_EQ(tabs[0]->pid(), tabs[2]->pid());
  EXPECT_EQ(tabs[0]->pid(), tabs[3]->pid());
  EXPECT_NE(tabs[0]->pid(), tabs[1]->pid());
  EXPECT_EQ(host_->tab_process_count(), 2u);
  // One socket and one memfd per view in the shared process.
  std::map<int, std::string> fds = testing::OpenFds(tabs[0]->pid());
  int memfds = 0;
  for (const auto& [fd, target] : fds)
    if (target.find("/memfd:tabsim-tab-") != std::string::npos) ++memfds;
  EXPECT_EQ(memfds, 3) << "a region per view";

  ASSERT_EQ(::kill(tabs[0]->pid(), SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost.size() == 3; }));
  EXPECT_EQ(std::set<int>(recorder_.lost.begin(), recorder_.lost.end()),
            (std::set<int>{1, 3, 4}));
  EXPECT_EQ(recorder_.causes[1],
            "killed by signal 9 (SIGKILL) (with tabs 3 and 4, in shared process 1)");
  EXPECT_EQ(recorder_.causes[3],
            "killed by signal 9 (SIGKILL) (with tabs 1 and 4, in shared process 1)");
  for (TabSession* tab : {tabs[0], tabs[2], tabs[3]})
    EXPECT_EQ(tab->state(), TabState::kCrashed);
  // The other site's tab never noticed.
  EXPECT_TRUE(tabs[1]->live());
  const int before = recorder_.frames[2];
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames[2] > before + 5; }));

  // Reloading one of them starts a process for it under the model (the
  // site has none any more).
  auto reloaded = host_->Reload(3);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  ASSERT_TRUE(RunUntil([&] { return (*reloaded)->live(); }));
  EXPECT_NE((*reloaded)->pid(), tabs[1]->pid());
  // And the next tab of that site joins it.
  auto joined = host_->Open("sim://clock?z");
  ASSERT_TRUE(joined.ok());
  EXPECT_EQ((*joined)->pid(), (*reloaded)->pid());
}

TEST_F(SharedProcessTest, LimitSharesOnlyPastTheLimitBySiteThenLoad) {
  Host("limit:2");
  auto tabs = Open({"sim://clock", "sim://bounce"});
  EXPECT_EQ(Pids(tabs).size(), 2u) << "below the limit: a process each";
  // At the limit: a site with a process joins it...
  auto more = Open({"sim://bounce?again"});
  EXPECT_EQ(more[0]->pid(), tabs[1]->pid());
  // ...a new site goes to the least loaded process (the clock's: 1 tab).
  auto paint = Open({"sim://paint"});
  EXPECT_EQ(paint[0]->pid(), tabs[0]->pid());
  auto blank = Open({"sim://blank"});
  EXPECT_EQ(host_->tab_process_count(), 2u);
  // Both processes have 2 tabs now; the tie goes to the first one.
  EXPECT_EQ(blank[0]->pid(), tabs[0]->pid());
}

// Past the limit, tabs of a site that has several processes spread over
// them, the least loaded first, instead of piling into the first one.
TEST_F(SharedProcessTest, LimitSpreadsASitesTabsOverItsProcesses) {
  Host("limit:3");
  auto first = Open({"sim://blank?1", "sim://blank?2", "sim://blank?3"});
  ASSERT_EQ(Pids(first).size(), 3u);
  auto more = Open({"sim://blank?4", "sim://blank?5", "sim://blank?6",
                    "sim://blank?7"});
  std::map<int, int> per_pid;
  for (TabSession* tab : first) ++per_pid[tab->pid()];
  for (TabSession* tab : more) ++per_pid[tab->pid()];
  ASSERT_EQ(per_pid.size(), 3u);
  for (const auto& [pid, count] : per_pid)
    EXPECT_LE(count, 3) << "pid " << pid << " took " << count << " of 7 tabs";
}

TEST_F(SharedProcessTest, ClosingOneTabOfASharedProcessLeavesTheOthersDrawing) {
  Host("limit:1");
  auto tabs = Open({"sim://bounce", "sim://clock"});
  ASSERT_EQ(tabs[0]->pid(), tabs[1]->pid());
  const pid_t pid = tabs[0]->pid();
  tabs[1]->Close();
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost.size() == 1; }));
  EXPECT_EQ(tabs[1]->state(), TabState::kClosed);
  EXPECT_EQ(tabs[1]->cause(), "closed (process 1 goes on with its other tabs)");
  const int before = recorder_.frames[1];
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames[1] > before + 5; }));
  EXPECT_EQ(::kill(pid, 0), 0) << "the process lives on";
  // The last tab closes the process itself, cleanly.
  tabs[0]->Close();
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost.size() == 2; }));
  EXPECT_EQ(tabs[0]->state(), TabState::kClosed);
  EXPECT_EQ(tabs[0]->cause(), "exited with code 0");
}

TEST_F(SharedProcessTest, AViewClaimingAnothersFrameIsABadMessageForTheProcess) {
  Host("limit:1");
  auto tabs = Open({"sim://clock"});
  // Tab 2, in the same process, sends a FrameReady naming view 1.
  auto hostile = host_->Open("sim://bad-message?kind=foreign-view");
  ASSERT_TRUE(hostile.ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost.size() == 2; }));
  EXPECT_EQ(recorder_.causes[1],
            "killed: bad message (UNKNOWN_REGION_GENERATION) (with tab 2, in "
            "shared process 1)");
  EXPECT_EQ(recorder_.causes[2],
            "killed: bad message (UNKNOWN_REGION_GENERATION) (with tab 1, in "
            "shared process 1)");
}

TEST_F(SharedProcessTest, AFrameForAViewTheProcessNeverHadIsABadMessage) {
  Host("per-tab");
  // Alone, the hostile tab (tab 1) names view 2: not in its process.
  ASSERT_TRUE(host_->Open("sim://bad-message?kind=foreign-view").ok());
  ASSERT_TRUE(RunUntil([&] { return recorder_.lost.size() == 1; }));
  EXPECT_EQ(recorder_.causes[1], "killed: bad message (UNKNOWN_VIEW)");
}

TEST_F(SharedProcessTest, AHungProcessMakesEveryOneOfItsTabsUnresponsive) {
  Host("limit:2", [](TabHost::Options& options) {
    options.ping_interval = std::chrono::milliseconds(50);
    options.unresponsive_after = std::chrono::milliseconds(300);
    options.kill_after = seconds(60);  // watched, not killed, in this test
  });
  // Tabs 1 and 3 share a process (limit 2, site sim://clock is taken);
  // tab 3's page hangs that process after 200 ms; tab 2 has its own.
  auto tabs = Open({"sim://clock", "sim://bounce"});
  auto hung = host_->Open("sim://hang?after=200");
  ASSERT_TRUE(hung.ok());
  ASSERT_EQ((*hung)->pid(), tabs[0]->pid()) << "joined the first process";
  ASSERT_TRUE(RunUntil([&] {
    return tabs[0]->state() == TabState::kUnresponsive &&
           (*hung)->state() == TabState::kUnresponsive;
  })) << ToString(tabs[0]->state()) << " " << ToString((*hung)->state());
  // The other process still answers and draws.
  const int frames = recorder_.frames[tabs[1]->id()];
  ASSERT_TRUE(RunUntil([&] { return recorder_.frames[tabs[1]->id()] > frames + 5; }));
  EXPECT_EQ(tabs[1]->state(), TabState::kLive);
}

TEST_F(SharedProcessTest, EachViewKeepsItsOwnInputSequence) {
  Host("limit:1");
  auto tabs = Open({"sim://paint", "sim://paint?second"});
  ASSERT_EQ(tabs[0]->pid(), tabs[1]->pid());
  proto::InputEvent key;
  key.mutable_key()->set_key_code(proto::KEY_CHARACTER);
  key.mutable_key()->set_text("k");
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(tabs[0]->SendInput(key).ok());
    if (i % 5 == 0) {
      ASSERT_TRUE(tabs[1]->SendInput(key).ok());
    }
  }
  ASSERT_TRUE(RunUntil([&] {
    return tabs[0]->counters().last_input_acked == 50 &&
           tabs[1]->counters().last_input_acked == 10;
  })) << tabs[0]->counters().last_input_acked << " "
      << tabs[1]->counters().last_input_acked;
  EXPECT_EQ(tabs[0]->counters().inputs_sent, 50u);
  EXPECT_EQ(tabs[1]->counters().inputs_sent, 10u);
  EXPECT_TRUE(tabs[0]->live() && tabs[1]->live());
}

}  // namespace
}  // namespace tabsim
