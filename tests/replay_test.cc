// End to end with the real binaries: `tabsim run --record`, driven by
// `tabsim ctl`, then `tabsim replay` of what it wrote, untouched, tampered
// with, broken, and of a page that depends on the time.
#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <thread>

#include "manager/control/control_client.h"
#include "manager/base/png_writer.h"
#include "tests/e2e_util.h"

namespace tabsim {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::RunTabsim;

constexpr uint32_t kStrokeColor = 0xFF1E1E5A;  // PaintPage::kStrokeColor

class ReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tabsim-replay-test");
    ASSERT_FALSE(dir_.empty());
    control_ = dir_ + "/ctl";
    rec_ = dir_ + "/rec";
  }
  void TearDown() override {
    manager_.reset();
    testing::RemoveTree(dir_);
  }
  testing::CommandResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ctl", "--control", control_});
    return RunTabsim(args, dir_);
  }
  testing::CommandResult Replay(std::vector<std::string> args) {
    args.insert(args.begin(), {"replay"});
    args.insert(args.end(), {"--tab-exe", testing::TabExecutable()});
    return RunTabsim(args, dir_);
  }
  // Tab `id` as `list` reports it; a default TabInfo if none.
  records::TabInfo Info(int id) {
    auto client = ControlClient::Connect(control_);
    if (!client.ok()) return {};
    control::ControlRequest request;
    request.mutable_list();
    auto reply = client->Call(request);
    if (!reply.ok()) return {};
    for (const auto& tab : reply->list().tabs())
      if (int(tab.id()) == id) return tab;
    return {};
  }
  // Polls snapshots of tab `id` until `check` holds for one.
  bool SnapshotShows(int id, const std::function<bool(const Image&)>& check) {
    std::string png = dir_ + "/snap.png";
    return Eventually(
        [&] {
          if (Ctl({"snapshot", std::to_string(id), png}).exit_code != 0)
            return false;
          auto image = ReadPng(png);
          return image.ok() && check(*image);
        },
        10s);
  }
  // Records a paint session on two tabs: clicks, typing, a key, a
  // navigation and a resize, each seen in a frame before the stop.
  void RecordPaintSession() {
    manager_ = std::make_unique<testing::ManagerProcess>(
        control_,
        std::vector<std::string>{"--page", "sim://paint", "--tabs", "2",
                                 "--record", rec_},
        dir_ + "/manager.log");
    ASSERT_TRUE(manager_->ready()) << testing::ReadFile(dir_ + "/manager.log");
    ASSERT_TRUE(Eventually(
        [&] { return Info(1).state() == "live" && Info(2).state() == "live"; },
        10s));
    for (const std::vector<std::string>& command :
         std::vector<std::vector<std::string>>{
             {"click", "1", "100", "120"},
             {"type", "1", "hello"},
             {"key", "1", "backspace"},
             {"click", "1", "140", "200"},
             {"click", "2", "50", "60"},
             {"navigate", "2", "sim://paint/"},
             {"click", "2", "30", "200"},
             {"resize", "2", "300x240"},
             {"type", "2", "ok"}}) {
      auto result = Ctl(command);
      ASSERT_EQ(result.exit_code, 0) << command[0] << ": " << result.err;
    }
    // The last visible effects, so the recording has frames for them.
    ASSERT_TRUE(SnapshotShows(1, [](const Image& image) {
      return image.at(140, 200) == kStrokeColor;
    }));
    ASSERT_TRUE(SnapshotShows(2, [](const Image& image) {
      return image.width == 300 && image.at(30, 200) == kStrokeColor &&
             image.at(50, 60) != kStrokeColor;  // the navigation cleared it
    }));
    ASSERT_EQ(manager_->Stop(), 0) << testing::ReadFile(dir_ + "/manager.log");
    std::string log = testing::ReadFile(dir_ + "/manager.log");
    ASSERT_NE(log.find("recording: " + rec_ + " (2 tabs)"), std::string::npos)
        << log;
  }
  // The number before `what` in the line of `label` in `out`, or -1.
  static int Figure(const std::string& out, const std::string& label,
                    const std::string& what) {
    std::smatch match;
    std::regex pattern(label + R"([^\n]*?(\d+) )" + what);
    if (!std::regex_search(out, match, pattern)) return -1;
    return std::stoi(match[1]);
  }

  std::string dir_;
  std::string control_;
  std::string rec_;
  std::unique_ptr<testing::ManagerProcess> manager_;
};

TEST_F(ReplayTest, RecordedPaintSessionReplaysIdentically) {
  ASSERT_NO_FATAL_FAILURE(RecordPaintSession());
  const std::string json = dir_ + "/replay.json";
  auto replayed = Replay({rec_, "--speed", "0", "--json", json});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.out << replayed.err;
  const std::string& out = replayed.out;
  EXPECT_NE(out.find("replay: identical: all 2 tabs reproduced the recording"),
            std::string::npos)
      << out;
  // Every recorded frame is compared (lockstep); how many there are
  // depends on how the tabs batched the input while recording, but at
  // least the first frame and the last (checked by the snapshots).
  EXPECT_GE(Figure(out, "tab 1 \\(sim://paint\\): ", "frames compared"), 2) << out;
  EXPECT_GE(Figure(out, "tab 2 \\(sim://paint\\): ", "frames compared"), 2) << out;
  EXPECT_EQ(Figure(out, "tab 1 \\(sim://paint\\): ", "different"), 0) << out;
  EXPECT_EQ(Figure(out, "tab 2 \\(sim://paint\\): ", "different"), 0) << out;
  EXPECT_NE(out.find("tab 1 (sim://paint): "), std::string::npos);
  size_t identical = 0;
  for (size_t at = 0; (at = out.find("final frame identical", at)) != std::string::npos; ++at)
    ++identical;
  EXPECT_EQ(identical, 2u) << out;
  const std::string text = testing::ReadFile(json);
  const boost::json::object figures = boost::json::parse(text).as_object();
  EXPECT_EQ(figures.at("schema").to_number<int>(), 1);
  EXPECT_EQ(figures.at("kind"), "replay");
  EXPECT_EQ(figures.at("passed"), true) << text;
  EXPECT_EQ(figures.at("speed").to_number<double>(), 0.0);
  const boost::json::array& tabs = figures.at("tabs").as_array();
  ASSERT_EQ(tabs.size(), 2u) << text;
  bool saw_tab_2 = false;
  for (const boost::json::value& tab : tabs) {
    saw_tab_2 |= tab.at("file") == "tab-2.rec";
    EXPECT_EQ(tab.at("passed"), true) << tab;
    EXPECT_EQ(tab.at("different").to_number<int>(), 0) << tab;
    EXPECT_GE(tab.at("compared").to_number<int>(), 2) << tab;
    EXPECT_TRUE(tab.at("failure").is_null()) << tab;
    EXPECT_TRUE(tab.at("differences").as_array().empty()) << tab;
  }
  EXPECT_TRUE(saw_tab_2) << text;

  // At the recorded pace too (the session lasted a second or two).
  auto paced = Replay({rec_, "--speed", "4"});
  EXPECT_EQ(paced.exit_code, 0) << paced.out << paced.err;
}

TEST_F(ReplayTest, TamperedHashIsReportedAndGarbageIsRefusedWithItsLine) {
  ASSERT_NO_FATAL_FAILURE(RecordPaintSession());
  // Change the hash of tab 2's last frame.
  const std::string path = rec_ + "/tab-2.rec";
  std::string text = testing::ReadFile(path);
  size_t frame = text.rfind(" frame {");
  ASSERT_NE(frame, std::string::npos);
  size_t hash = text.find("hash: ", frame);
  ASSERT_NE(hash, std::string::npos);
  hash += 6;
  size_t end = text.find_first_not_of("0123456789", hash);
  std::string original = text.substr(hash, end - hash);
  std::string forged = original == "12345" ? "54321" : "12345";
  text.replace(hash, end - hash, forged);
  std::ofstream(path, std::ios::trunc) << text;

  const std::string json = dir_ + "/tampered.json";
  auto tampered = Replay({rec_, "--speed", "0", "--json", json});
  EXPECT_EQ(tampered.exit_code, 1) << tampered.out << tampered.err;
  const boost::json::object report =
      boost::json::parse(testing::ReadFile(json)).as_object();
  EXPECT_EQ(report.at("passed"), false);
  for (const boost::json::value& tab : report.at("tabs").as_array()) {
    if (tab.at("file") != "tab-2.rec") {
      EXPECT_EQ(tab.at("passed"), true) << tab;
      continue;
    }
    EXPECT_EQ(tab.at("passed"), false) << tab;
    EXPECT_EQ(tab.at("final_identical"), false) << tab;
    // The forged hash is the recorded one of the difference (a string:
    // 64-bit hashes do not fit a double).
    bool forged_seen = false;
    for (const boost::json::value& d : tab.at("differences").as_array()) {
      forged_seen |= boost::json::value_to<std::string>(d.at("recorded")) == forged;
      const std::string replayed(d.at("replayed").as_string());
      EXPECT_EQ(replayed.find_first_not_of("0123456789"), std::string::npos) << d;
      EXPECT_NE(replayed, forged) << d;
    }
    EXPECT_TRUE(forged_seen) << tab;
  }
  EXPECT_NE(tampered.out.find("tab 2 (sim://paint): "), std::string::npos);
  EXPECT_NE(tampered.out.find("final frame DIFFERENT"), std::string::npos)
      << tampered.out;
  EXPECT_NE(tampered.out.find("recorded " + forged + ", replayed " + original),
            std::string::npos)
      << tampered.out;
  EXPECT_NE(tampered.out.find("replay: DIFFERENT: 1 of 2 tabs did not reproduce "
                              "the recording: tab 2 (sim://paint)"),
            std::string::npos)
      << tampered.out;

  // A line that is not an entry: refused before any tab starts.
  const size_t lines = size_t(std::count(text.begin(), text.end(), '\n'));
  std::ofstream(path, std::ios::app) << "not an entry\n";
  auto broken = Replay({rec_});
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_EQ(broken.err.rfind("tabsim replay: " + path + ":" +
                                 std::to_string(lines + 1) + ": column ",
                             0),
            0u)
      << broken.err;
  EXPECT_EQ(std::count(broken.err.begin(), broken.err.end(), '\n'), 1);
  EXPECT_EQ(broken.out, "");
}

TEST_F(ReplayTest, TimeDrivenPageReplaysWithDifferences) {
  auto recorded = RunTabsim({"run", "--ui", "none", "--page", "sim://clock",
                             "--tabs", "1", "--control", "none", "--duration",
                             "0.5", "--tab-exe", testing::TabExecutable(),
                             "--record", rec_},
                            dir_);
  ASSERT_EQ(recorded.exit_code, 0) << recorded.out << recorded.err;
  // The clock shows tenths of seconds: from now on, no frame of the
  // replay can show a time the recording did.
  std::this_thread::sleep_for(300ms);
  auto replayed = Replay({rec_, "--speed", "0"});
  EXPECT_EQ(replayed.exit_code, 1) << replayed.out << replayed.err;
  EXPECT_GE(Figure(replayed.out, "tab 1 \\(sim://clock\\): ", "different"), 1)
      << replayed.out;
  EXPECT_NE(replayed.out.find("final frame DIFFERENT"), std::string::npos)
      << replayed.out;
  EXPECT_NE(replayed.out.find("replay: DIFFERENT"), std::string::npos);
}

TEST_F(ReplayTest, APacedAnimationReplaysFrameForFrame) {
  // sim://bounce animates from the BeginFrames' frame times (paced, 60 Hz):
  // the replay sends the recorded BeginFrames and each answer must be the
  // very frame recorded for the same BeginFrame.
  auto recorded = RunTabsim({"run", "--ui", "none", "--page", "sim://bounce",
                             "--tabs", "1", "--size", "160x100", "--duration",
                             "1.5", "--control", "none", "--tab-exe",
                             testing::TabExecutable(), "--record", rec_},
                            dir_);
  ASSERT_EQ(recorded.exit_code, 0) << recorded.out << recorded.err;
  const std::string path = rec_ + "/tab-1.rec";
  std::string text = testing::ReadFile(path);
  ASSERT_NE(text.find("begin_frame {"), std::string::npos) << text.substr(0, 400);
  const std::string json = dir_ + "/replay.json";
  auto replayed = Replay({rec_, "--speed", "0", "--json", json});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.out << replayed.err;
  auto tab = boost::json::parse(testing::ReadFile(json))
                 .as_object().at("tabs").as_array().at(0).as_object();
  const int compared = tab.at("paced_compared").to_number<int>();
  // Some 90 frames at 60 Hz in 1.5 s; fewer on a loaded machine.
  EXPECT_GE(compared, 10) << tab;
  EXPECT_EQ(tab.at("paced_identical").to_number<int>(), compared) << tab;
  EXPECT_EQ(tab.at("final_identical"), true) << tab;
  // The recording itself may hold such a BeginFrame (recorded under load).
  const int not_recorded = tab.at("paced_not_recorded").to_number<int>();

  // A BeginFrame the recorded tab answered without a frame (no free buffer
  // at that moment, on a loaded machine): the replayed tab draws there, at
  // a frame time the recording has no frame for. Counted, not a difference.
  {
    size_t line = text.find(" frame {", text.size() / 3);
    ASSERT_NE(line, std::string::npos);
    ASSERT_NE(text.find("begin_frame_sequence", line), std::string::npos);
    line = text.rfind('\n', line) + 1;
    std::string without = text;
    without.erase(line, text.find('\n', line) + 1 - line);
    std::ofstream(path, std::ios::trunc) << without;
    auto dropped = Replay({rec_, "--speed", "0", "--json", json});
    EXPECT_EQ(dropped.exit_code, 0) << dropped.out << dropped.err;
    auto t = boost::json::parse(testing::ReadFile(json))
                 .as_object().at("tabs").as_array().at(0).as_object();
    // One more, unless the replayed tab too lacked a buffer right then.
    const int now_not_recorded = t.at("paced_not_recorded").to_number<int>();
    EXPECT_GE(now_not_recorded, not_recorded) << t;
    EXPECT_LE(now_not_recorded, not_recorded + 1) << t;
    EXPECT_EQ(t.at("different").to_number<int>(), 0) << t;
    EXPECT_EQ(t.at("paced_identical"), t.at("paced_compared")) << t;
    if (now_not_recorded > 0) {
      EXPECT_NE(dropped.out.find(std::to_string(now_not_recorded) +
                                 " drawn where the recorded tab drew nothing"),
                std::string::npos) << dropped.out;
    }
    std::ofstream(path, std::ios::trunc) << text;
  }

  // Forge the hash of a frame in the middle: that frame, and only it, differs.
  size_t frame = text.find(" frame {", text.size() / 2);
  ASSERT_NE(frame, std::string::npos);
  size_t hash = text.find("hash: ", frame) + 6;
  size_t end = text.find_first_not_of("0123456789", hash);
  const std::string forged = text.substr(hash, end - hash) == "12345" ? "54321" : "12345";
  text.replace(hash, end - hash, forged);
  std::ofstream(path, std::ios::trunc) << text;
  auto tampered = Replay({rec_, "--speed", "0", "--json", json});
  EXPECT_EQ(tampered.exit_code, 1) << tampered.out << tampered.err;
  tab = boost::json::parse(testing::ReadFile(json))
            .as_object().at("tabs").as_array().at(0).as_object();
  EXPECT_EQ(tab.at("paced_compared").to_number<int>(), compared) << tab;
  EXPECT_EQ(tab.at("paced_identical").to_number<int>(), compared - 1) << tab;
  EXPECT_EQ(tab.at("passed"), false) << tab;
}

TEST_F(ReplayTest, BadArgumentsAndDirectoriesExitTwoWithOneLine) {
  auto no_dir = Replay({});
  EXPECT_EQ(no_dir.exit_code, 2);
  EXPECT_EQ(no_dir.err, "tabsim replay: missing DIR (see tabsim replay --help)\n");
  auto missing = Replay({dir_ + "/nope"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "tabsim replay: open directory " + dir_ +
                             "/nope: No such file or directory\n");
  auto empty = Replay({dir_});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_EQ(empty.err,
            "tabsim replay: " + dir_ + ": no recordings (*.rec files) in it\n");
  auto speed = Replay({dir_, "--speed", "-1"});
  EXPECT_EQ(speed.exit_code, 2);
  EXPECT_EQ(speed.err, "tabsim replay: --speed: '-1' is not 0 or a factor "
                       "from 0.01 to 1000\n");
  auto two = Replay({dir_, dir_});
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_EQ(two.err, "tabsim replay: unexpected argument '" + dir_ +
                         "' (see tabsim replay --help)\n");
  auto timeout = Replay({dir_, "--timeout", "0"});
  EXPECT_EQ(timeout.exit_code, 2);
  EXPECT_EQ(timeout.err, "tabsim replay: --timeout: '0' is not a number of "
                         "seconds from 0.1 to 3600\n");
  auto help = Replay({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.err, "");
  EXPECT_EQ(help.out.rfind("usage: tabsim replay [options] DIR\n", 0), 0u)
      << help.out;

  // run --record refuses a directory that is not empty, up front.
  auto taken = RunTabsim({"run", "--ui", "none", "--control", "none",
                          "--tab-exe", testing::TabExecutable(), "--record",
                          dir_},
                         dir_);
  EXPECT_EQ(taken.exit_code, 2);
  EXPECT_EQ(taken.err, "tabsim run: --record: " + dir_ +
                           ": directory not empty (a recording needs a new "
                           "or empty directory)\n");
}

}  // namespace
}  // namespace tabsim
