// End to end: a real `tabsim run --timeline FILE` with a visible, a
// painted, a crashed and a hidden tab, driven by the real `tabsim ctl`
// (click, crash, timeline start/stop), then the file parsed with
// Boost.JSON and checked the way Perfetto's UI would read it: valid JSON,
// flows joined, time never going back on a thread, tab tracks under the
// tabs' real pids, the crash's cause at the end of its track, BeginFrames
// for the visible tab and none for the hidden one while it is hidden. Then
// a bad-message kill with its reason, the size cap, and a file left
// complete by SIGTERM.
#include <sys/stat.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "manager/commands/command.h"
#include "manager/control/control_client.h"
#include "tests/e2e_util.h"

namespace tabsim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadFile;
using testing::RunTabsim;

// Generous: ASan and a loaded 2-core machine. Every wait ends as soon as
// its condition holds.
constexpr auto kWait = 15s;

class TimelineE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tabsim-timeline-e2e");
    ASSERT_FALSE(dir_.empty());
    control_ = dir_ + "/ctl";
  }
  void TearDown() override {
    manager_.reset();
    testing::RemoveTree(dir_);
  }
  void StartManager(std::vector<std::string> args) {
    manager_ = std::make_unique<testing::ManagerProcess>(control_, args, Log());
    ASSERT_TRUE(manager_->ready()) << ReadFile(Log());
  }
  std::string Log() const { return dir_ + "/manager.log"; }
  testing::CommandResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ctl", "--control", control_});
    return RunTabsim(args, dir_);
  }
  // The tabs by id, as `ctl list` has them (asked over the control socket
  // directly: polling through a `tabsim ctl` process per try is slow under
  // ASan); empty when the manager did not answer.
  std::map<int, records::TabInfo> Tabs() {
    std::map<int, records::TabInfo> tabs;
    auto client = ControlClient::Connect(control_);
    if (!client.ok()) return tabs;
    control::ControlRequest request;
    request.mutable_list();
    auto reply = client->Call(request);
    if (!reply.ok()) return tabs;
    for (const auto& tab : reply->list().tabs()) tabs[int(tab.id())] = tab;
    return tabs;
  }
  std::string StateOf(int id) {
    auto tabs = Tabs();
    return tabs.count(id) ? tabs[id].state() : "";
  }
  // The timeline file parsed; a parse error fails the test.
  json::array Events(const std::string& path) {
    std::error_code error;
    json::value doc = json::parse(ReadFile(path), error);
    EXPECT_FALSE(error) << path << " is not valid JSON: " << error.message();
    if (error || !doc.is_object()) return {};
    EXPECT_TRUE(doc.as_object().contains("traceEvents"));
    return doc.at("traceEvents").as_array();
  }

  std::string dir_, control_;
  std::unique_ptr<testing::ManagerProcess> manager_;
};

int64_t Int(const json::value& value) { return value.to_number<int64_t>(); }
std::string Str(const json::value& value) { return std::string(value.as_string()); }
bool Has(const json::value& event, const char* key) {
  return event.as_object().contains(key);
}

TEST_F(TimelineE2eTest, CrashHiddenTabFlowsAndCtl) {
  const std::string path = dir_ + "/run.json";
  // Tab 1 animates (BeginFrames), tab 2 is clicked (input flows), tab 3 is
  // crashed, tab 4 starts hidden (--hidden 1: the last one).
  StartManager({"--tabs", "4", "--page", "sim://bounce", "--page", "sim://paint",
                "--page", "sim://bounce", "--page", "sim://bounce", "--hidden",
                "1", "--timeline", path});
  std::map<int, records::TabInfo> tabs;
  ASSERT_TRUE(Eventually(
      [&] {
        tabs = Tabs();
        if (tabs.size() != 4) return false;
        for (auto& [id, tab] : tabs)
          if (tab.state() != "live") return false;
        return true;
      },
      kWait)) << ReadFile(Log());
  // The tabs' real pids, as `ctl list --json` prints them.
  auto list = Ctl({"list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  std::map<int, int64_t> pids;
  const json::value listed = json::parse(list.out);
  for (const json::value& tab : listed.at("tabs").as_array())
    pids[tab.at("id").to_number<int>()] = Int(tab.at("pid"));
  ASSERT_EQ(pids.size(), 4u);
  for (auto& [id, tab] : tabs) EXPECT_EQ(pids[id], tab.pid());

  // Bad input to the verb: one line, exit 1, the running timeline intact.
  auto again = Ctl({"timeline", "start", dir_ + "/other.json"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("timeline: already recording to " + path),
            std::string::npos) << again.err;

  ASSERT_EQ(Ctl({"click", "2", "20", "40"}).exit_code, 0);
  ASSERT_EQ(Ctl({"crash", "3"}).exit_code, 0);
  ASSERT_TRUE(Eventually([&] { return StateOf(3) == "crashed"; }, kWait))
      << ReadFile(Log());
  // Tab 5 sends a message that does not parse: the bad-message kill.
  ASSERT_EQ(Ctl({"open", "sim://bad-message?kind=garbage"}).exit_code, 0);
  ASSERT_TRUE(Eventually(
      [&] {
        tabs = Tabs();
        return tabs.count(5) && tabs[5].pid() > 0 &&
               tabs[5].state() != "starting" && tabs[5].state() != "live";
      },
      kWait)) << ReadFile(Log());
  pids[5] = tabs[5].pid();
  // Enough of tab 1's animation, and tab 2's clicks shown.
  ASSERT_TRUE(Eventually(
      [&] {
        auto now = Tabs();
        return now.count(1) && now[1].frames() >= 30 && now.count(2) &&
               now[2].frames() >= 2;
      },
      kWait)) << ReadFile(Log());

  auto stopped = Ctl({"timeline", "stop"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_EQ(stopped.out.rfind("timeline: " + path + ": ", 0), 0u) << stopped.out;
  auto twice = Ctl({"timeline", "stop"});
  EXPECT_EQ(twice.exit_code, 1);
  EXPECT_EQ(twice.err, "tabsim ctl: timeline: not started\n");
  auto unwritable = Ctl({"timeline", "start", dir_ + "/no/such/dir/t.json"});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_NE(unwritable.err.find("No such file or directory"), std::string::npos)
      << unwritable.err;
  EXPECT_EQ(std::count(unwritable.err.begin(), unwritable.err.end(), '\n'), 1);

  const json::array events = Events(path);
  ASSERT_GT(events.size(), 50u);

  // Every flow start has its end, and no end comes without a start.
  std::map<uint64_t, int> flows;
  int starts = 0;
  for (const json::value& e : events) {
    if (e.at("ph") == "s") {
      ++flows[e.at("id").to_number<uint64_t>()];
      ++starts;
      EXPECT_TRUE(Has(e.at("args"), "sequence"));
    }
    if (e.at("ph") == "f") {
      --flows[e.at("id").to_number<uint64_t>()];
      EXPECT_EQ(Int(e.at("pid")), pids[2]) << "the clicks were for tab 2";
    }
  }
  EXPECT_GE(starts, 2) << "a click is a down and an up";
  for (const auto& [id, balance] : flows) EXPECT_EQ(balance, 0) << "flow " << id;

  // Time never goes back on a thread.
  std::map<std::pair<int64_t, int64_t>, int64_t> last;
  for (const json::value& e : events) {
    const auto key = std::make_pair(Int(e.at("pid")), Int(e.at("tid")));
    const int64_t ts = Int(e.at("ts"));
    auto found = last.find(key);
    if (found != last.end()) {
      EXPECT_GE(ts, found->second) << json::serialize(e);
    }
    last[key] = ts;
  }

  // Each tab's track: its real pid, named "tab N URL".
  std::map<int64_t, std::string> process_names;
  for (const json::value& e : events)
    if (e.at("ph") == "M" && e.at("name") == "process_name")
      process_names[Int(e.at("pid"))] = Str(e.at("args").at("name"));
  EXPECT_EQ(process_names.count(::getpid()), 0u) << "not this test's pid";
  EXPECT_EQ(process_names[pids[1]], "tab 1 sim://bounce");
  EXPECT_EQ(process_names[pids[2]], "tab 2 sim://paint");
  EXPECT_EQ(process_names[pids[3]].rfind("tab 3 ", 0), 0u);
  EXPECT_EQ(process_names[pids[4]], "tab 4 sim://bounce");
  EXPECT_EQ(process_names[pids[5]], "tab 5 sim://bad-message?kind=garbage");
  EXPECT_EQ(process_names.size(), 6u) << "the manager and 5 tabs";

  // The crashed tab's track ends with an instant carrying the cause.
  const json::value* last_of_crashed = nullptr;
  for (const json::value& e : events)
    if (Int(e.at("pid")) == pids[3]) last_of_crashed = &e;
  ASSERT_NE(last_of_crashed, nullptr);
  EXPECT_EQ(last_of_crashed->at("ph"), "i") << json::serialize(*last_of_crashed);
  EXPECT_NE(Str(last_of_crashed->at("args").at("cause")).find("SIGSEGV"),
            std::string::npos) << json::serialize(*last_of_crashed);

  // The bad-message kill: its reason on the process thread, then the end.
  const json::value* bad_message = nullptr;
  const json::value* last_of_killed = nullptr;
  for (const json::value& e : events) {
    if (Int(e.at("pid")) != pids[5]) continue;
    if (e.at("name") == "bad message") bad_message = &e;
    last_of_killed = &e;
  }
  ASSERT_NE(bad_message, nullptr);
  EXPECT_EQ(bad_message->at("args").at("reason"), "UNPARSABLE_MESSAGE");
  ASSERT_NE(last_of_killed, nullptr);
  EXPECT_EQ(Str(last_of_killed->at("args").at("cause")),
            "killed: bad message (UNPARSABLE_MESSAGE)");

  // BeginFrames: tab 1's cadence; none for tab 4 while it is hidden.
  int begin_frames_visible = 0, begin_frames_hidden = 0, hidden_marks = 0;
  bool tab4_visible = true;
  for (const json::value& e : events) {
    const int64_t pid = Int(e.at("pid"));
    const bool begin = e.at("ph") == "B" && e.at("name") == "BeginFrame";
    if (pid == pids[1] && begin) ++begin_frames_visible;
    if (pid != pids[4]) continue;
    if (e.at("name") == "hidden") ++hidden_marks, tab4_visible = false;
    if (e.at("name") == "shown") tab4_visible = true;
    if (begin && !tab4_visible) ++begin_frames_hidden;
  }
  EXPECT_GE(begin_frames_visible, 30);
  EXPECT_EQ(hidden_marks, 1);
  EXPECT_EQ(begin_frames_hidden, 0);

  // Frame holds: tab 1's frames held by the manager, each from its frame
  // to its release, on the thread of its buffer, one after another there.
  std::map<int64_t, std::vector<std::pair<int64_t, int64_t>>> holds;  // by tid
  for (const json::value& e : events) {
    if (Int(e.at("pid")) != pids[1] || e.at("ph") != "X" ||
        Str(e.at("name")).rfind("held: frame ", 0) != 0)
      continue;
    EXPECT_GT(Int(e.at("dur")), 0);
    holds[Int(e.at("tid"))].emplace_back(Int(e.at("ts")), Int(e.at("dur")));
  }
  EXPECT_EQ(holds.size(), 2u) << "a thread per buffer of the double buffer";
  size_t held = 0;
  for (const auto& [tid, slices] : holds) {
    held += slices.size();
    for (size_t i = 1; i < slices.size(); ++i)
      EXPECT_GE(slices[i].first, slices[i - 1].first + slices[i - 1].second)
          << "holds of one buffer follow one another";
  }
  EXPECT_GE(held, 20u);
  EXPECT_EQ(events.back().at("name"), "timeline stopped");

  // Started again from ctl with a relative name (the client's directory),
  // then SIGTERM: the file still ends complete.
  const std::string relative = "timeline-sigterm-" + std::to_string(::getpid()) + ".json";
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof(cwd)), nullptr);
  const std::string absolute = std::string(cwd) + "/" + relative;
  auto restarted = Ctl({"timeline", "start", relative});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(restarted.out, "timeline: recording to " + absolute + " (cap 64 MiB)\n");
  EXPECT_EQ(manager_->Stop(), 0);
  const json::array after = Events(absolute);
  ::unlink(absolute.c_str());
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.back().at("name"), "timeline stopped");
  EXPECT_EQ(after.back().at("args").at("why"), "the run ended");
  int ended = 0;
  for (const json::value& e : after) ended += e.at("name") == "process ended";
  EXPECT_EQ(ended, 3) << "the three running tabs' ends are in the file";
}

TEST_F(TimelineE2eTest, SizeCapStopsWithOneLineAndValidJson) {
  const std::string path = dir_ + "/capped.json";
  StartManager({"--tabs", "1", "--page", "sim://paint", "--timeline", path,
                "--timeline-max-mb", "1"});
  ASSERT_TRUE(Eventually([&] { return StateOf(1) == "live"; }, kWait))
      << ReadFile(Log());
  // 4,096 keys are 8,192 inputs, each a slice and a flow in the file:
  // past 1 MiB within a second, however slow the machine.
  auto typed = Ctl({"type", "1", std::string(kMaxTypeBytes, 'x')});
  ASSERT_EQ(typed.exit_code, 0) << typed.err;
  ASSERT_TRUE(Eventually(
      [&] { return ReadFile(Log()).find("size cap") != std::string::npos; },
      kWait)) << ReadFile(Log());
  std::string capped_line;
  std::istringstream log(ReadFile(Log()));
  for (std::string line; std::getline(log, line);)
    if (line.find("size cap") != std::string::npos) capped_line = line;
  EXPECT_EQ(capped_line.rfind("tabsim: timeline: size cap of 1 MiB reached, "
                              "stopped; " + path + ": ", 0), 0u) << capped_line;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_LE(info.st_size, 1 << 20);
  EXPECT_GT(info.st_size, 1 << 19);
  const json::array events = Events(path);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().at("name"), "timeline stopped");
  // The manager goes on without it; a new one can start.
  auto restarted = Ctl({"timeline", "start", dir_ + "/next.json"});
  EXPECT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_EQ(manager_->Stop(), 0);
  EXPECT_FALSE(Events(dir_ + "/next.json").empty());
}

}  // namespace
}  // namespace tabsim
