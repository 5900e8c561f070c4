// End to end: a real `tabsim run` with a control socket, driven by the real
// `tabsim ctl` binary (and, for the other-user check, a raw client).
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <iterator>
#include <sstream>
#include <string>
#include <vector>
#include <utility>

#include "manager/control/control_client.h"
#include "manager/base/png_writer.h"
#include "tests/e2e_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::RunTabsim;

constexpr uint32_t kStrokeColor = 0xFF1E1E5A;  // PaintPage::kStrokeColor
constexpr uint32_t kWhite = 0xFFFFFFFF;

class CtlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tabsim-ctl-test");
    ASSERT_FALSE(dir_.empty());
    control_ = dir_ + "/ctl";
    manager_ = std::make_unique<testing::ManagerProcess>(
        control_, std::vector<std::string>{"--tabs", "1", "--page", "sim://clock"},
        dir_ + "/manager.log");
    ASSERT_TRUE(manager_->ready()) << testing::ReadFile(dir_ + "/manager.log");
  }
  void TearDown() override {
    manager_.reset();
    testing::RemoveTree(dir_);
  }
  testing::CommandResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ctl", "--control", control_});
    return RunTabsim(args, dir_);
  }
  // The state of tab `id` as `list --json` reports it.
  std::string StateOf(int id) {
    auto client = ControlClient::Connect(control_);
    if (!client.ok()) return "?";
    control::ControlRequest request;
    request.mutable_list();
    auto reply = client->Call(request);
    if (!reply.ok()) return "?";
    for (const auto& tab : reply->list().tabs())
      if (int(tab.id()) == id) return tab.state();
    return "none";
  }

  // `ctl list --json` parsed: its tabs ({"schema": 1, "kind": "list",
  // "tabs": [...]}, TabListJson in manager/commands/records_json.h).
  boost::json::array ListJson() {
    auto list = Ctl({"list", "--json"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    boost::json::object parsed = boost::json::parse(list.out).as_object();
    EXPECT_EQ(parsed.at("kind"), "list");
    EXPECT_EQ(parsed.at("schema"), 1);
    return parsed.at("tabs").as_array();
  }
  boost::json::object TabJson(int id) {
    for (const boost::json::value& tab : ListJson())
      if (tab.at("id").to_number<int>() == id) return tab.as_object();
    ADD_FAILURE() << "no tab " << id << " in list --json";
    return {};
  }
  // `ctl stats [ID] --json` parsed: the manager's numbers and the
  // channels ({"schema": 1, "kind": "stats", "manager": ..., "channels": ...}).
  std::pair<boost::json::object, boost::json::array> StatsJson(
      std::vector<std::string> args = {}) {
    args.insert(args.begin(), "stats");
    args.push_back("--json");
    auto stats = Ctl(args);
    EXPECT_EQ(stats.exit_code, 0) << stats.err;
    boost::json::object parsed = boost::json::parse(stats.out).as_object();
    EXPECT_EQ(parsed.at("kind"), "stats");
    return {parsed.at("manager").as_object(), parsed.at("channels").as_array()};
  }

  std::string dir_;
  std::string control_;
  std::unique_ptr<testing::ManagerProcess> manager_;
};

TEST_F(CtlTest, ClickOnPaintThenSnapshotShowsThePaintedPixels) {
  auto opened = Ctl({"open", "sim://paint"});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  EXPECT_NE(opened.out.find("tab 2 opened"), std::string::npos) << opened.out;
  ASSERT_TRUE(Eventually([&] { return StateOf(2) == "live"; }, 5s));

  auto clicked = Ctl({"click", "2", "100", "120"});
  ASSERT_EQ(clicked.exit_code, 0) << clicked.err;
  auto typed = Ctl({"type", "2", "hi"});
  ASSERT_EQ(typed.exit_code, 0) << typed.err;

  std::string png = dir_ + "/paint.png";
  Image image;
  ASSERT_TRUE(Eventually(
      [&] {
        if (Ctl({"snapshot", "2", png}).exit_code != 0) return false;
        auto decoded = ReadPng(png);
        if (!decoded.ok()) return false;
        image = std::move(decoded).value();
        return image.at(100, 120) == kStrokeColor;
      },
      5s))
      << "the click never showed up in a snapshot";
  EXPECT_EQ(image.width, 480);
  EXPECT_EQ(image.height, 320);
  EXPECT_EQ(image.at(400, 300), kWhite) << "away from the click: untouched";
  EXPECT_EQ(image.at(100 + 10, 120), kWhite) << "a click is a dot, not a line";
}

TEST_F(CtlTest, KillShowsTheCauseInListAndReloadBringsItBack) {
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  auto killed = Ctl({"kill", "1"});
  ASSERT_EQ(killed.exit_code, 0) << killed.err;
  EXPECT_NE(killed.out.find("SIGKILL"), std::string::npos);
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "crashed"; }, 5s));
  auto list = Ctl({"list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("killed by signal 9 (SIGKILL)"), std::string::npos)
      << list.out;
  const boost::json::object tab = TabJson(1);
  EXPECT_EQ(tab.at("cause"), "killed by signal 9 (SIGKILL)");
  EXPECT_EQ(tab.at("state"), "crashed");

  auto dead = Ctl({"click", "1", "5", "5"});
  EXPECT_EQ(dead.exit_code, 1);
  EXPECT_NE(dead.err.find("tab 1 is crashed"), std::string::npos) << dead.err;

  auto reloaded = Ctl({"reload", "1"});
  ASSERT_EQ(reloaded.exit_code, 0) << reloaded.err;
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  auto terminated = Ctl({"kill", "1", "--signal", "TERM"});
  ASSERT_EQ(terminated.exit_code, 0) << terminated.err;
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "crashed"; }, 5s));
  EXPECT_NE(Ctl({"list"}).out.find("SIGTERM"), std::string::npos);
}

TEST_F(CtlTest, HideAndShowAreInListWithTheirPriority) {
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  auto shown = TabJson(1);
  EXPECT_EQ(shown.at("paced"), true);
  EXPECT_NE(shown.at("visibility"), "hidden");
  EXPECT_EQ(shown.at("process_tabs"), 1);
  ASSERT_EQ(Ctl({"hide", "1"}).exit_code, 0);
  // Hidden: a background process, reniced and more killable (the manager
  // may lack the right to lower nice again, but raising it always works).
  ASSERT_TRUE(Eventually([&] {
    auto tab = TabJson(1);
    return tab.at("visibility") == "hidden" && tab.at("pinned") == true &&
           tab.at("nice").is_int64() && tab.at("nice").as_int64() == 5;
  }, 5s)) << boost::json::serialize(TabJson(1));
  EXPECT_GE(TabJson(1).at("oom_score_adj").to_number<int>(), 500);
  auto table = Ctl({"list"});
  EXPECT_NE(table.out.find("hidden*"), std::string::npos) << table.out;
  ASSERT_EQ(Ctl({"show", "1"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return TabJson(1).at("visibility") != "hidden"; }, 5s));
}

TEST_F(CtlTest, TabsSharingAProcessAreListedTogether) {
  // A second manager, per site: tabs 1 and 3 (sim://clock) share a process.
  manager_.reset();
  manager_ = std::make_unique<testing::ManagerProcess>(
      control_,
      std::vector<std::string>{"--process-model", "per-site", "--tabs", "3",
                               "--page", "sim://clock", "--page", "sim://bounce",
                               "--page", "sim://clock"},
      dir_ + "/manager.log");
  ASSERT_TRUE(manager_->ready()) << testing::ReadFile(dir_ + "/manager.log");
  ASSERT_TRUE(Eventually([&] {
    return StateOf(1) == "live" && StateOf(2) == "live" && StateOf(3) == "live";
  }, 5s));
  auto one = TabJson(1), two = TabJson(2), three = TabJson(3);
  EXPECT_EQ(one.at("process_id"), three.at("process_id"));
  EXPECT_NE(one.at("process_id"), two.at("process_id"));
  EXPECT_EQ(one.at("process_tabs"), 2);
  EXPECT_EQ(two.at("process_tabs"), 1);
  EXPECT_EQ(one.at("pid"), three.at("pid"));
  // The table: 1, then 3 under it (its process figures a ditto mark), then 2.
  auto table = Ctl({"list"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(table.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    rows.emplace_back(std::istream_iterator<std::string>(words),
                      std::istream_iterator<std::string>());
  }
  ASSERT_EQ(rows.size(), 4u) << table.out;
  ASSERT_GE(rows[2].size(), 16u) << table.out;
  EXPECT_EQ(rows[1][0], "1") << table.out;
  EXPECT_EQ(rows[2][0], "3") << table.out;
  EXPECT_EQ(rows[3][0], "2") << table.out;
  // id proc pid page state view cpu% memory ...: cpu% and memory are the
  // process's, said once.
  EXPECT_EQ(rows[2][6], "\"") << table.out;
  EXPECT_EQ(rows[2][7], "\"") << table.out;
  EXPECT_NE(rows[1][7], "\"") << table.out;
}

TEST_F(CtlTest, ErrorsAreOneLineWithANonZeroExit) {
  auto one_line = [](const testing::CommandResult& r) {
    return !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
  };
  auto unknown = Ctl({"kill", "99"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "tabsim ctl: no tab 99\n");
  auto bad_url = Ctl({"open", "not a url"});
  EXPECT_EQ(bad_url.exit_code, 2);
  EXPECT_NE(bad_url.err.find("bad URL"), std::string::npos);
  EXPECT_TRUE(one_line(bad_url));
  for (std::vector<std::string> usage :
       {std::vector<std::string>{"frobnicate"}, {"click", "1"}, {"click", "x", "1", "2"},
        {"resize", "1", "big"}, {"key", "1", "hyper"}, {"kill", "1", "--signal", "NOPE"},
        {"list", "--yaml"}, {"type", "1", "caf\xe9"}}) {
    auto result = Ctl(usage);
    EXPECT_EQ(result.exit_code, 2) << usage[0];
    EXPECT_TRUE(one_line(result)) << result.err;
  }
  auto outside = Ctl({"click", "1", "5000", "5"});
  EXPECT_EQ(outside.exit_code, 1);
  EXPECT_NE(outside.err.find("outside"), std::string::npos);

  auto nobody = RunTabsim({"ctl", "--control", dir_ + "/nothing-here", "list"}, dir_);
  EXPECT_EQ(nobody.exit_code, 1);
  EXPECT_NE(nobody.err.find("no tabsim manager running"), std::string::npos);
  EXPECT_TRUE(one_line(nobody));
}

TEST_F(CtlTest, ForgetDropsACrashedTabsRecordButNotARunningOne) {
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  auto opened = Ctl({"open", "sim://clock"});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  ASSERT_TRUE(Eventually([&] { return StateOf(2) == "live"; }, 5s));
  ASSERT_EQ(Ctl({"crash", "2"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(2) == "crashed"; }, 5s));
  EXPECT_EQ(ListJson().size(), 2u);

  // A running tab is refused, in one line, and stays listed.
  auto running = Ctl({"forget", "1"});
  EXPECT_EQ(running.exit_code, 1);
  EXPECT_EQ(running.err,
            "tabsim ctl: tab 1 is still live; only a gone tab is forgotten\n");
  EXPECT_EQ(StateOf(1), "live");
  auto unknown = Ctl({"forget", "99"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "tabsim ctl: no tab 99\n");
  auto usage = Ctl({"forget", "--all"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("usage: forget ID|finished"), std::string::npos)
      << usage.err;

  auto forgot = Ctl({"forget", "2"});
  ASSERT_EQ(forgot.exit_code, 0) << forgot.err;
  EXPECT_EQ(forgot.out, "tab 2: forgotten\n");
  const boost::json::array tabs = ListJson();
  ASSERT_EQ(tabs.size(), 1u);
  EXPECT_EQ(tabs[0].at("id").to_number<int>(), 1);
  EXPECT_EQ(Ctl({"forget", "2"}).err, "tabsim ctl: no tab 2\n");

  // Every gone tab at once; the running one is kept.
  ASSERT_EQ(Ctl({"open", "sim://crash"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(3) == "crashed"; }, 5s));
  ASSERT_EQ(Ctl({"open", "sim://blank"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(4) == "live"; }, 5s));
  ASSERT_EQ(Ctl({"close", "4"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(4) == "closed"; }, 5s));
  auto all = Ctl({"forget", "finished"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, "forgot 2 finished tabs\n");
  EXPECT_EQ(ListJson().size(), 1u);
  EXPECT_EQ(StateOf(1), "live");

  auto help = Ctl({"--help"});
  EXPECT_NE(help.out.find("  forget ID|finished"), std::string::npos) << help.out;
}

// A client that sends requests but never reads the replies: past
// kMaxClientBacklog (8 MiB) queued it is dropped, the log says who and
// the bound, and everyone else is still served.
TEST_F(CtlTest, AClientThatDoesNotReadItsRepliesIsDroppedWithAMessage) {
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  std::string png = dir_ + "/first.png";
  ASSERT_TRUE(Eventually([&] { return Ctl({"snapshot", "1", png}).exit_code == 0; },
                         5s));
  auto greedy = ControlClient::Connect(control_);
  ASSERT_TRUE(greedy.ok()) << greedy.error().message;
  // Each snapshot reply is a whole 480x320 frame (600 KiB): 40 of them is
  // 24 MiB, well past the bound and the kernel's socket buffers.
  control::ControlRequest request;
  request.mutable_snapshot()->set_tab_id(1);
  for (int i = 0; i < 40; ++i) {
    if (!greedy->Send(request).ok()) break;  // already dropped
  }
  const std::string log_path = dir_ + "/manager.log";
  ASSERT_TRUE(Eventually(
      [&] {
        return testing::ReadFile(log_path).find(
                   "is not reading its replies (") != std::string::npos;
      },
      10s))
      << testing::ReadFile(log_path);
  const std::string log = testing::ReadFile(log_path);
  EXPECT_NE(log.find("control client"), std::string::npos) << log;
  EXPECT_NE(log.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos)
      << log;
  EXPECT_NE(log.find("bytes queued, limit 8388608); dropping it"),
            std::string::npos) << log;
  // Its connection ends: what the kernel had buffered, then the hang-up.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) closed = !greedy->Receive().ok();
  EXPECT_TRUE(closed);
  // The manager carries on for everyone else.
  EXPECT_EQ(Ctl({"list"}).exit_code, 0);
  EXPECT_EQ(StateOf(1), "live");
}

TEST_F(CtlTest, StatsWatchAndTheManagerStaysSingleThreaded) {
  auto stats = Ctl({"stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_NE(stats.out.find("1 threads"), std::string::npos) << stats.out;
  EXPECT_EQ(testing::ThreadCount(manager_->pid()), 1);

  // watch: a raw client, to read its stream with a deadline.
  auto watcher = ControlClient::Connect(control_);
  ASSERT_TRUE(watcher.ok());
  control::ControlRequest watch;
  watch.mutable_watch();
  ASSERT_TRUE(watcher->Send(watch).ok());
  std::this_thread::sleep_for(100ms);  // let the request land before the event
  ASSERT_EQ(Ctl({"open", "sim://blank"}).exit_code, 0);
  // Tab 1 may still be starting (its live and title events come too): the
  // first event of tab 2 is its spawn.
  for (int i = 0; i < 20; ++i) {
    auto event = watcher->Receive();
    ASSERT_TRUE(event.ok()) << event.error().message;
    if (event->event().tab_id() != 2u) continue;
    EXPECT_EQ(event->event().kind(), "spawned");
    return;
  }
  ADD_FAILURE() << "no event of tab 2 among the first 20";
}

TEST_F(CtlTest, StatsJsonCarriesEachChannelPerDirection) {
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  std::this_thread::sleep_for(1200ms);  // one sample of the rates
  const auto [manager, channels] = StatsJson({"1"});
  EXPECT_GT(manager.at("pid").to_number<int>(), 0);
  ASSERT_EQ(channels.size(), 1u);
  const boost::json::object& channel = channels[0].as_object();
  EXPECT_EQ(channel.at("tab_id").to_number<int>(), 1);
  for (const char* direction : {"to_tab", "from_tab"}) {
    const boost::json::object& d = channel.at(direction).as_object();
    for (const char* key : {"socket_bytes", "queued_bytes", "messages", "bytes"})
      EXPECT_TRUE(d.at(key).is_number()) << direction << "." << key;
    EXPECT_GT(d.at("messages_per_second").to_number<double>(), 0)
        << "sim://clock's channel is busy: " << direction;
  }
  EXPECT_GT(channel.at("from_tab").at("types").at("frame_ready").to_number<int>(), 0);
  EXPECT_GT(channel.at("to_tab").at("types").at("frame_release").to_number<int>(), 0);
  EXPECT_TRUE(channel.at("input_to_frame").is_object());
  EXPECT_TRUE(channel.at("coalesced_moves").is_number());
  EXPECT_GT(channel.at("frames_released").to_number<int>(), 0);
  auto text = Ctl({"stats"});
  EXPECT_NE(text.out.find("tab 1 channel (live)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("input->frame latency"), std::string::npos);
  EXPECT_EQ(Ctl({"stats", "9"}).exit_code, 1);
}

TEST_F(CtlTest, TraceStreamsDecodedMessagesFilteredAndCounted) {
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s));
  auto trace = Ctl({"trace", "1", "--types", "frame_ready,frame_release",
                    "--count", "6"});
  ASSERT_EQ(trace.exit_code, 0) << trace.err;
  int lines = 0, ready = 0, release = 0;
  std::istringstream in(trace.out);
  for (std::string line; std::getline(in, line); ++lines) {
    ready += line.find("T>M frame_ready") != std::string::npos;
    release += line.find("M>T frame_release") != std::string::npos;
  }
  EXPECT_EQ(lines, 6) << trace.out;
  EXPECT_EQ(ready + release, 6) << trace.out;
  EXPECT_GE(ready, 2);
  EXPECT_NE(trace.out.find(" seq="), std::string::npos) << trace.out;
  auto bad = Ctl({"trace", "1", "--types", "FrameReady"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown message type"), std::string::npos);
}

TEST_F(CtlTest, FaultsAreCountedAndACorruptMessageKillsOnlyThatTab) {
  ASSERT_EQ(Ctl({"open", "sim://clock"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live" && StateOf(2) == "live"; }, 5s));
  auto held = Ctl({"fault", "1", "withhold-release"});
  ASSERT_EQ(held.exit_code, 0) << held.err;
  EXPECT_NE(held.out.find("fault withhold-release, active"), std::string::npos)
      << held.out;
  ASSERT_TRUE(Eventually([&] {
    return Ctl({"stats", "1"}).out.find("1 withheld") != std::string::npos;
  }, 5s));
  ASSERT_EQ(Ctl({"fault", "1", "clear"}).exit_code, 0);

  // A trace of tab 2 sees the corrupted message and ends with the verdict.
  ASSERT_EQ(Ctl({"fault", "2", "corrupt"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(2) == "crashed"; }, 5s));
  EXPECT_EQ(TabJson(2).at("cause"), "killed: bad message (UNPARSABLE_MESSAGE)");
  EXPECT_EQ(StateOf(1), "live") << "the other tab is unharmed";

  for (std::vector<std::string> usage :
       {std::vector<std::string>{"fault", "1", "explode"}, {"fault", "1", "delay"},
        {"fault", "1", "drop", "--rate", "2"}, {"fault", "1", "drop", "--direction", "up"},
        {"fault", "1", "drop", "--ms", "5"}, {"trace", "1", "--count", "0"}}) {
    auto result = Ctl(usage);
    EXPECT_EQ(result.exit_code, 2) << usage[2] << ": " << result.err;
  }
  auto gone = Ctl({"fault", "2", "drop"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("tab 2 is crashed"), std::string::npos) << gone.err;
}

TEST_F(CtlTest, ASecondManagerOnALivePathIsRefused) {
  auto second = RunTabsim({"run", "--ui", "none", "--control", control_,
                           "--tab-exe", testing::TabExecutable(), "--duration", "1"},
                          dir_);
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("another tabsim manager is running on " + control_),
            std::string::npos)
      << second.err;
  // Its tab may have been starting; it comes up all the same.
  EXPECT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, 5s))
      << "the first manager is unharmed";
}

TEST_F(CtlTest, AStaleSocketIsReplaced) {
  // Kill the manager so hard it cannot remove its socket.
  ::kill(manager_->pid(), SIGKILL);
  manager_->Stop();
  struct stat info {};
  ASSERT_EQ(::lstat(control_.c_str(), &info), 0) << "the stale socket remains";
  auto gone = Ctl({"list"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.err.find("no tabsim manager running"), std::string::npos);
  manager_ = std::make_unique<testing::ManagerProcess>(
      control_, std::vector<std::string>{"--tabs", "1"}, dir_ + "/manager2.log");
  ASSERT_TRUE(manager_->ready()) << testing::ReadFile(dir_ + "/manager2.log");
  EXPECT_EQ(Ctl({"list"}).exit_code, 0);
}

TEST_F(CtlTest, AnotherUserIsRefusedBySoPeercred) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "needs root to become another user; CheckPeer is unit-tested "
                    "in control_path_test";
  // Let the other user reach the socket file, so only SO_PEERCRED stands
  // in the way.
  ASSERT_EQ(::chmod(dir_.c_str(), 0711), 0);
  ASSERT_EQ(::chmod(control_.c_str(), 0666), 0);
  pid_t child = ::fork();
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    auto client = ControlClient::Connect(control_);
    if (!client.ok()) ::_exit(4);
    control::ControlRequest request;
    request.mutable_list();
    auto reply = client->Call(request);
    if (reply.ok()) ::_exit(5);  // served: the check failed
    std::fprintf(stderr, "other user got: %s\n", reply.error().message.c_str());
    ::_exit(reply.error().message.find("refused: peer uid 65534") !=
                    std::string::npos
                ? 0
                : 6);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "3: setuid, 4: connect, 5: served, 6: wrong error";
  EXPECT_EQ(Ctl({"list"}).exit_code, 0) << "the manager carries on";
}

TEST_F(CtlTest, PrelaunchedSparesShowInStatsAndServeOpen) {
  // A second manager, with two spares.
  manager_.reset();
  manager_ = std::make_unique<testing::ManagerProcess>(
      control_,
      std::vector<std::string>{"--tabs", "1", "--page", "sim://clock",
                               "--prelaunch", "2"},
      dir_ + "/manager.log");
  ASSERT_TRUE(manager_->ready()) << testing::ReadFile(dir_ + "/manager.log");
  auto spares_ready = [&] {
    return StatsJson().first.at("spares_ready").to_number<int>();
  };
  ASSERT_TRUE(Eventually([&] { return spares_ready() == 2; }, 10s))
      << spares_ready();
  EXPECT_EQ(StatsJson().first.at("spare_pids").as_array().size(), 2u);
  // Spares are not tabs: list shows only tab 1.
  auto list = Ctl({"list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out.find("sim://blank"), std::string::npos) << list.out;

  auto opened = Ctl({"open", "sim://paint"});
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  // The oldest spare (tab 2) became the tab, live at once.
  EXPECT_NE(opened.out.find("tab 2 opened"), std::string::npos) << opened.out;
  EXPECT_NE(opened.out.find("live"), std::string::npos) << opened.out;
  ASSERT_TRUE(Eventually(
      [&] {
        auto text = Ctl({"stats"}).out;
        return text.find("spares: 2 (2 ready") != std::string::npos &&
               text.find("1 opens took one") != std::string::npos;
      },
      10s))
      << Ctl({"stats"}).out;
  EXPECT_NE(testing::ReadFile(dir_ + "/manager.log")
                .find("tab 2 taken from the spares"),
            std::string::npos);
}

}  // namespace
}  // namespace tabsim
