// Many tabs on one loop: isolation, shutdown, reload, one thread.
#include "manager/tab_host.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include <map>

#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using std::chrono::seconds;

class Counter : public TabObserver {
 public:
  void OnFrame(const TabSession& tab, const FrameView&) override {
    ++frames[tab.id()];
  }
  void OnTabLost(const TabSession& tab) override { lost.push_back(tab.id()); }
  std::map<int, int> frames;
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
  bool ShutdownHost() {
    bool done = false;
    asio::co_spawn(io_, [&]() -> asio::awaitable<void> {
      co_await host_->Shutdown();
      done = true;
    }, asio::detached);
    return RunUntil([&] { return done; });
  }
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
  host_.emplace(io_, options);
  host_->AddObserver(&counter_);
  auto hung = host_->Open("sim://hang");
  auto fine = host_->Open("sim://clock");
  ASSERT_TRUE(hung.ok() && fine.ok());
  ASSERT_TRUE(RunUntil([&] { return counter_.frames.size() == 2; }));
  ASSERT_TRUE(ShutdownHost());
  EXPECT_EQ((*hung)->cause(), "killed: did not exit within 200 ms of shutdown");
  EXPECT_EQ((*fine)->cause(), "exited with code 0");
  EXPECT_TRUE(testing::NoChildren());
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

}  // namespace
}  // namespace tabsim
