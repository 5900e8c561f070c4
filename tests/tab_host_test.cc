// Many tabs on one loop: isolation, shutdown, reload, one thread.
#include "manager/core/tab_host.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "manager/core/containment.h"
#include "manager/core/tab_capacity.h"
#include "tests/host_util.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Counter : public TabObserver {
 public:
  void OnTabSpawned(const TabSession& tab) override {
    spawned.push_back(tab.id());
  }
  void OnTabLive(const TabSession& tab) override { live.push_back(tab.id()); }
  void OnFrame(const TabSession& tab, const FrameView& frame) override {
    ++frames[tab.id()];
    navigation[tab.id()] = frame.navigation_id;
  }
  void OnTabLost(const TabSession& tab) override { lost.push_back(tab.id()); }
  std::vector<int> spawned;
  std::vector<int> live;
  std::map<int, int> frames;
  std::map<int, uint64_t> navigation;  // of each tab's latest frame
  std::vector<int> lost;
};

class TabHostTest : public ::testing::Test {
 protected:
  TabHostTest() {
    testing::DisableCoreDumps();
    TabHost::Options options;
    options.tab_executable = testing::TabExecutable();
    options.width = 160;
    options.height = 120;
    host_.emplace(io_, options);
    host_->AddObserver(&counter_);
  }
  bool RunUntil(const std::function<bool()>& done,
                milliseconds timeout = seconds(10)) {
    return testing::RunUntil(io_, done, timeout);
  }
  bool ShutdownHost() { return testing::ShutdownHost(io_, *host_, seconds(10)); }
  ~TabHostTest() override {
    if (host_) ShutdownHost();
  }

  asio::io_context io_{1};
  std::optional<TabHost> host_;
  Counter counter_;
};

TEST_F(TabHostTest, KillingOneTabLeavesTheOthersRunning) {
  std::vector<TabSession*> tabs;
  for (const char* url : {"sim://bounce", "sim://clock", "sim://bounce"}) {
    auto tab = host_->Open(url);
    ASSERT_TRUE(tab.ok()) << tab.error().message;
    tabs.push_back(*tab);
  }
  ASSERT_TRUE(RunUntil([&] {
    return counter_.frames[1] > 2 && counter_.frames[2] > 2 &&
           counter_.frames[3] > 2;
  }));
  ASSERT_EQ(::kill(tabs[1]->pid(), SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] { return counter_.lost.size() == 1; }));
  EXPECT_EQ(counter_.lost[0], 2);
  EXPECT_EQ(tabs[1]->cause(), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(tabs[1]->state(), TabState::kCrashed);

  // The others keep producing frames after the kill.
  int before_1 = counter_.frames[1], before_3 = counter_.frames[3];
  ASSERT_TRUE(RunUntil([&] {
    return counter_.frames[1] > before_1 + 10 && counter_.frames[3] > before_3 + 10;
  }));
  EXPECT_EQ(tabs[0]->state(), TabState::kLive);
  EXPECT_EQ(tabs[2]->state(), TabState::kLive);
  EXPECT_EQ(host_->running_count(), 2u);
}

TEST_F(TabHostTest, ShutdownClosesEveryTabAndLeavesNoZombies) {
  std::vector<pid_t> pids;
  for (int i = 0; i < 6; ++i) {
    auto tab = host_->Open(i % 2 ? "sim://clock" : "sim://blank");
    ASSERT_TRUE(tab.ok());
    pids.push_back((*tab)->pid());
  }
  ASSERT_TRUE(RunUntil([&] { return counter_.frames.size() == 6; }));
  ASSERT_TRUE(ShutdownHost());
  for (TabSession* tab : host_->tabs()) {
    EXPECT_EQ(tab->state(), TabState::kClosed) << tab->id();
    EXPECT_EQ(tab->cause(), "exited with code 0");
  }
  for (pid_t pid : pids) EXPECT_NE(::kill(pid, 0), 0) << "pid " << pid;
  EXPECT_TRUE(testing::NoChildren());
  EXPECT_FALSE(host_->Open("sim://blank").ok()) << "opened during shutdown";
}

TEST_F(TabHostTest, ShutdownKillsTabsThatDoNotExit) {
  TabHost::Options options = host_->options();
  options.exit_grace = milliseconds(200);
  // Shut down only once the hang page really spins (it stops answering
  // pings), not between its first frame and its hang.
  options.ping_interval = milliseconds(20);
  options.unresponsive_after = milliseconds(60);
  host_.emplace(io_, options);
  host_->AddObserver(&counter_);
  auto hung = host_->Open("sim://hang");
  auto fine = host_->Open("sim://clock");
  ASSERT_TRUE(hung.ok() && fine.ok());
  ASSERT_TRUE(RunUntil([&] {
    return counter_.frames.size() == 2 &&
           (*hung)->state() == TabState::kUnresponsive;
  }));
  ASSERT_TRUE(ShutdownHost());
  EXPECT_EQ((*hung)->cause(), "killed: did not exit within 200 ms of shutdown");
  EXPECT_EQ((*fine)->cause(), "exited with code 0");
  EXPECT_TRUE(testing::NoChildren());
}

TEST_F(TabHostTest, FinishedRecordsAreBoundedAndRunningOnesKept) {
  TabHost::Options options = host_->options();
  options.max_finished_records = 2;
  host_.emplace(io_, options);
  host_->AddObserver(&counter_);
  auto live = host_->Open("sim://clock");
  ASSERT_TRUE(live.ok());
  const int live_id = (*live)->id();
  for (int i = 0; i < 4; ++i) {
    auto tab = host_->Open("sim://exit?code=0");
    ASSERT_TRUE(tab.ok()) << tab.error().message;
  }
  ASSERT_TRUE(RunUntil([&] { return counter_.lost.size() == 4; }));
  // Trimmed on a later turn of the loop, after the observers heard.
  ASSERT_TRUE(RunUntil([&] { return host_->tabs().size() == 3; }));
  // The first two to finish went, the last two stayed.
  const std::vector<int>& order = counter_.lost;
  EXPECT_EQ(host_->Find(order[0]), nullptr);
  EXPECT_EQ(host_->Find(order[1]), nullptr);
  ASSERT_NE(host_->Find(order[2]), nullptr);
  ASSERT_NE(host_->Find(order[3]), nullptr);
  ASSERT_NE(host_->Find(live_id), nullptr);
  EXPECT_TRUE(host_->Find(live_id)->running());

  // Forget: only gone tabs.
  auto busy = host_->Forget(live_id);
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().error_number, EBUSY);
  auto forgot = host_->Forget(0);
  ASSERT_TRUE(forgot.ok());
  EXPECT_EQ(*forgot, 2u);
  EXPECT_EQ(host_->tabs().size(), 1u);
}

TEST_F(TabHostTest, ReloadStartsANewProcessForTheSameTab) {
  auto tab = host_->Open("sim://crash");
  ASSERT_TRUE(tab.ok());
  pid_t first_pid = (*tab)->pid();
  ASSERT_TRUE(RunUntil([&] {
    TabSession* t = host_->Find(1);
    return t->finished();
  }));
  EXPECT_FALSE(host_->Reload(99).ok());
  auto reloaded = host_->Reload(1);
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ((*reloaded)->id(), 1);
  EXPECT_EQ((*reloaded)->restarts(), 1);
  EXPECT_NE((*reloaded)->pid(), first_pid);
  EXPECT_EQ(host_->Find(1), *reloaded);
  auto again = host_->Reload(1);
  EXPECT_FALSE(again.ok()) << "reloaded a running tab";
}

TEST_F(TabHostTest, RefusesUrlsThatCannotBeSent) {
  EXPECT_FALSE(host_->Open(std::string(20000, 'a')).ok());
  EXPECT_FALSE(host_->Open("sim://bad\x1b[2Jurl").ok());
  EXPECT_FALSE(host_->Open("").ok());
  EXPECT_TRUE(host_->tabs().empty()) << "a refused URL left a record";
  auto tab = host_->Open("sim://blank");
  ASSERT_TRUE(tab.ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->live(); }));
  EXPECT_FALSE((*tab)->Navigate(std::string(20000, 'b')).ok());
  EXPECT_TRUE((*tab)->Navigate("sim://clock").ok());
}

TEST_F(TabHostTest, OneThreadServesManyTabs) {
  for (int i = 0; i < 16; ++i) ASSERT_TRUE(host_->Open("sim://bounce").ok());
  ASSERT_TRUE(RunUntil([&] {
    if (counter_.frames.size() < 16) return false;
    for (auto& [id, frames] : counter_.frames)
      if (frames < 5) return false;
    return true;
  }));
  EXPECT_EQ(testing::ThreadCount(::getpid()), 1);
}

TEST_F(TabHostTest, ManagerFdsAreAllCloseOnExec) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(host_->Open("sim://blank").ok());
  ASSERT_TRUE(RunUntil([&] { return counter_.frames.size() == 3; }));
  for (auto& [fd, target] : testing::OpenFds(::getpid())) {
    if (fd <= 2) continue;
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) continue;
    // Only fds this process created; the test runner may inherit others.
    if (target.find("memfd:tabsim") != std::string::npos ||
        target.find("socket:") != std::string::npos ||
        target.find("pidfd") != std::string::npos ||
        target.find("eventpoll") != std::string::npos) {
      EXPECT_TRUE(flags & FD_CLOEXEC) << fd << " -> " << target;
    }
  }
}

// What the capacity check counts per tab (manager/core/tab_capacity.h) is
// what a running tab holds open in the manager: its socket and its pidfd
// (under tabsim-init no pidfd while the tab runs: init's end ends the
// channel); its output goes to the one socket all tabs share
// (TabOutputHub), its frame region's memfd went to the tab (the manager
// keeps only the mapping).
TEST_F(TabHostTest, ARunningTabHoldsTheFdsTheCapacityCheckCounts) {
  auto live_frames = [&](size_t n) {
    return RunUntil([&] { return counter_.frames.size() == n; });
  };
  // Two first, so the loop's own fds (epoll, eventfd, timerfd) exist.
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(host_->Open("sim://blank").ok());
  ASSERT_TRUE(live_frames(2));
  const size_t before = testing::OpenFds(::getpid()).size();
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(host_->Open("sim://blank").ok());
  ASSERT_TRUE(live_frames(6));
  const auto fds = testing::OpenFds(::getpid());
  const long per_tab = ReadCapacityFacts(DecideContainment().namespaces).fds_per_tab;
  EXPECT_EQ(long(fds.size() - before), 4 * per_tab);
  for (auto& [fd, target] : fds)
    EXPECT_EQ(target.find("memfd:tabsim"), std::string::npos) << fd << " -> " << target;
}

std::string ReadProcStatus(pid_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/status");
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

class PrelaunchTest : public TabHostTest {
 protected:
  void UsePrelaunch(int spares, const std::string& tab_executable = "") {
    TabHost::Options options = host_->options();
    options.prelaunch = spares;
    if (!tab_executable.empty()) options.tab_executable = tab_executable;
    host_.emplace(io_, options);
    host_->AddObserver(&counter_);
    host_->StartSpares();
  }
};

TEST_F(PrelaunchTest, SparesWaitLiveAndUnseenUntilOpenTakesOne) {
  UsePrelaunch(2);
  ASSERT_TRUE(RunUntil([&] { return host_->ready_spare_count() == 2; }));
  // Spawned, handshaken, idle, and invisible to observers and the table.
  EXPECT_TRUE(counter_.spawned.empty());
  EXPECT_TRUE(counter_.frames.empty());
  EXPECT_TRUE(host_->tabs().empty());
  EXPECT_EQ(host_->running_count(), 0u);
  const std::vector<pid_t> spares = host_->spare_pids();
  ASSERT_EQ(spares.size(), 2u);
  for (pid_t pid : spares) {
    // The sandbox is on once the handshake is done: Seccomp: 2 (filter).
    std::string status = ReadProcStatus(pid);
    EXPECT_NE(status.find("Seccomp:\t2"), std::string::npos) << status;
  }

  auto tab = host_->Open("sim://paint");
  ASSERT_TRUE(tab.ok()) << tab.error().message;
  EXPECT_TRUE((*tab)->taken_from_spares());
  EXPECT_EQ((*tab)->pid(), spares[0]) << "the oldest spare goes first";
  EXPECT_EQ((*tab)->state(), TabState::kLive);
  EXPECT_EQ((*tab)->url(), "sim://paint");
  EXPECT_EQ((*tab)->navigation_id(), 1u);
  const int id = (*tab)->id();
  EXPECT_EQ(counter_.spawned, std::vector<int>{id});
  EXPECT_EQ(counter_.live, std::vector<int>{id});
  ASSERT_TRUE(RunUntil([&] { return counter_.navigation[id] == 1; }));
  EXPECT_EQ((*tab)->title(), "Paint");
  // A replacement is started in the background; the other spare stays.
  ASSERT_TRUE(RunUntil([&] { return host_->ready_spare_count() == 2; }));
  EXPECT_EQ(host_->spare_pids()[0], spares[1]);
  EXPECT_EQ(host_->spares_taken(), 1u);
  EXPECT_EQ(host_->tabs().size(), 1u);
  // A spare's input and frames go to its tab like any other.
  proto::InputEvent key;
  key.mutable_key()->set_key_code(proto::KEY_CHARACTER);
  key.mutable_key()->set_text("x");
  ASSERT_TRUE((*tab)->SendInput(key).ok());
  ASSERT_TRUE(RunUntil([&] { return (*tab)->counters().last_input_acked == 1; }));
}

TEST_F(PrelaunchTest, OpenWithoutAReadySpareSpawnsCold) {
  UsePrelaunch(1);
  // The spare is still starting: Open cannot wait for it.
  auto tab = host_->Open("sim://clock");
  ASSERT_TRUE(tab.ok());
  EXPECT_FALSE((*tab)->taken_from_spares());
  EXPECT_NE((*tab)->pid(), host_->spare_pids().at(0));
  ASSERT_TRUE(RunUntil([&] { return counter_.frames[(*tab)->id()] > 0; }));
}

TEST_F(PrelaunchTest, ASpareThatDiesIsReplacedQuietly) {
  UsePrelaunch(1);
  ASSERT_TRUE(RunUntil([&] { return host_->ready_spare_count() == 1; }));
  const pid_t first = host_->spare_pids().at(0);
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_TRUE(RunUntil([&] {
    return host_->ready_spare_count() == 1 && host_->spare_pids()[0] != first;
  }));
  EXPECT_TRUE(counter_.lost.empty());
  EXPECT_TRUE(counter_.spawned.empty());
  EXPECT_NE(::kill(first, 0), 0) << "reaped";
}

TEST_F(PrelaunchTest, SparesThatNeverGoLiveStopPrelaunching) {
  // A "tab program" that exits at once: every spare dies before its
  // handshake. After three the host stops, instead of forking forever.
  UsePrelaunch(2, "/bin/true");
  ASSERT_TRUE(RunUntil(
      [&] { return host_->prelaunch_stopped() && host_->spare_count() == 0; }));
  // Two at first, then two replacements after a backoff; the third failure
  // stops it. Nothing more gets spawned: give it time to misbehave.
  EXPECT_LE(host_->spares_spawned(), 4u);
  const uint64_t spawned = host_->spares_spawned();
  bool waited = false;
  asio::steady_timer timer(io_, milliseconds(500));
  timer.async_wait([&](auto) { waited = true; });
  ASSERT_TRUE(RunUntil([&] { return waited; }));
  EXPECT_EQ(host_->spares_spawned(), spawned);
  EXPECT_EQ(host_->spare_count(), 0u);
  EXPECT_TRUE(testing::NoChildren());
}

TEST_F(PrelaunchTest, SparesThatDieRightAfterTheHandshakeStopPrelaunchingToo) {
  // The real tab program, SIGKILLed 300 ms after it starts: every spare
  // goes live, then dies. That is a failure too, not a reason to fork on.
  const std::string script = "/tmp/tabsim-dying-spare-" +
                             std::to_string(::getpid()) + ".sh";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\n"
           "( sleep 0.3; kill -9 $$ ) </dev/null >/dev/null 2>&1 3>&- 4>&- &\n"
           "exec '" << testing::TabExecutable() << "' \"$@\"\n";
  }
  ASSERT_EQ(::chmod(script.c_str(), 0755), 0);
  UsePrelaunch(1, script);
  ASSERT_TRUE(RunUntil([&] { return host_->ready_spare_count() == 1; }));
  ASSERT_TRUE(RunUntil([&] { return host_->prelaunch_stopped(); }));
  EXPECT_EQ(host_->spares_spawned(), 3u);
  EXPECT_TRUE(counter_.lost.empty()) << "spares are not tabs";
  ASSERT_TRUE(RunUntil([&] { return host_->spare_count() == 0; }));
  ::unlink(script.c_str());
}

TEST_F(PrelaunchTest, ShutdownEndsSparesToo) {
  UsePrelaunch(3);
  ASSERT_TRUE(RunUntil([&] { return host_->ready_spare_count() == 3; }));
  ASSERT_TRUE(host_->Open("sim://blank").ok());
  ASSERT_TRUE(ShutdownHost());
  EXPECT_TRUE(testing::NoChildren());
  EXPECT_EQ(host_->spare_count(), 0u);
}

}  // namespace
}  // namespace tabsim
