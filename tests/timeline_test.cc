// Unit tests of the timeline writer (manager/timeline): the trace events,
// the file and its size cap, the strings through the one JSON writer, the
// timeline's start and stop on a host without tabs, the controller's
// one-line errors and the `timeline` verb's syntax. The end-to-end run is
// tests/timeline_e2e_test.cc.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "manager/commands/command.h"
#include "manager/core/tab_host.h"
#include "manager/timeline/timeline.h"
#include "manager/timeline/timeline_controller.h"
#include "manager/timeline/timeline_file.h"
#include "manager/timeline/trace_event.h"
#include "tests/test_util.h"

namespace tabsim {
namespace {

namespace json = boost::json;
namespace te = trace_event;
using namespace std::chrono_literals;

std::string Slurp(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

class TimelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tabsim-timeline-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::string command = "rm -rf '" + dir_ + "'";
    (void)!std::system(command.c_str());
  }
  // The file parsed; a parse error fails the test (and gives {}).
  json::object Parse(const std::string& path) {
    std::error_code error;
    json::value value = json::parse(Slurp(path), error);
    EXPECT_FALSE(error) << path << ": " << error.message() << "\n" << Slurp(path);
    return value.is_object() ? value.as_object() : json::object{};
  }
  std::string dir_;
};

TEST(TraceEventTest, PhasesCarryTheirFields) {
  json::object instant = te::Instant("lost", "lifecycle", 10, 11, 1234);
  EXPECT_EQ(instant.at("ph"), "i");
  EXPECT_EQ(instant.at("s"), "t");
  EXPECT_EQ(instant.at("pid"), 10);
  EXPECT_EQ(instant.at("tid"), 11);
  EXPECT_EQ(instant.at("ts"), 1234);
  EXPECT_EQ(instant.at("cat"), "lifecycle");

  json::object slice = te::Complete("frame 3", "frame", 1, 2, 100, 5);
  EXPECT_EQ(slice.at("ph"), "X");
  EXPECT_EQ(slice.at("dur"), 5);

  json::object start = te::Flow("s", "input", "input", 7, 1, 2, 100);
  json::object end = te::Flow("f", "input", "input", 7, 3, 4, 200);
  EXPECT_EQ(start.at("id"), 7u);
  EXPECT_FALSE(start.contains("bp"));
  EXPECT_EQ(end.at("bp"), "e");  // binds to the slice that encloses it

  json::object counter = te::Counter("frames/s", 5, 300, {{"frames/s", 60}});
  EXPECT_EQ(counter.at("ph"), "C");
  EXPECT_EQ(counter.at("args").at("frames/s"), 60);

  json::object name = te::ProcessName(5, 0, "tab 3 sim://bounce");
  EXPECT_EQ(name.at("ph"), "M");
  EXPECT_EQ(name.at("name"), "process_name");
  EXPECT_EQ(name.at("args").at("name"), "tab 3 sim://bounce");
  EXPECT_FALSE(name.contains("cat"));  // no empty category
}

TEST(TraceEventTest, StringsAreEscapedAndValidUtf8) {
  // A tab's title: quotes, a backslash, control characters, invalid UTF-8.
  const std::string hostile = "a\"b\\c\n\x01\xff\xc3(";
  json::object event = te::Instant(hostile, "", 1, 1, 1);
  event["args"] = json::object{{"title", hostile}};
  const std::string text = te::ToJson(event);
  EXPECT_EQ(text.find('\n'), std::string::npos) << "one line: " << text;
  std::error_code error;
  json::value parsed = json::parse(text, error);
  ASSERT_FALSE(error) << text;
  const std::string expected = "a\"b\\c\n\x01\xEF\xBF\xBD\xEF\xBF\xBD(";
  EXPECT_EQ(parsed.at("name").as_string(), expected);
  EXPECT_EQ(parsed.at("args").at("title").as_string(), expected);
}

TEST_F(TimelineTest, FileIsValidJsonWithEveryEvent) {
  const std::string path = dir_ + "/t.json";
  auto file = TimelineFile::Create(path, 1 << 20);
  ASSERT_TRUE(file.ok()) << file.error().message;
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(file->Append(te::ToJson(te::Instant("e" + std::to_string(i),
                                                    "", 1, 1, i))));
  file->Flush();
  EXPECT_GT(Slurp(path).size(), 100u * 20) << "Flush writes what it holds";
  ASSERT_TRUE(file->Close(te::ToJson(te::Instant("last", "", 1, 1, 100)),
                          "{\"tool\":\"test\"}").ok());
  json::object doc = Parse(path);
  const json::array& events = doc.at("traceEvents").as_array();
  ASSERT_EQ(events.size(), 101u);
  EXPECT_EQ(file->events(), 101u);
  EXPECT_EQ(events[0].at("name"), "e0");
  EXPECT_EQ(events[100].at("name"), "last");
  EXPECT_EQ(doc.at("metadata").at("tool"), "test");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(uint64_t(info.st_size), file->bytes());
}

TEST_F(TimelineTest, CapRefusesEventsAndLeavesValidJson) {
  const std::string path = dir_ + "/capped.json";
  const uint64_t cap = TimelineFile::kMinMaxBytes;
  auto file = TimelineFile::Create(path, cap);
  ASSERT_TRUE(file.ok());
  json::object big = te::Instant("big", "", 1, 1, 0);
  big["args"] = json::object{{"pad", std::string(900, 'x')}};
  const std::string text = te::ToJson(big);
  int appended = 0;
  while (file->Append(text)) ++appended;
  EXPECT_TRUE(file->full());
  EXPECT_FALSE(file->Append("{}")) << "full stays full";
  EXPECT_GT(appended, 10);
  EXPECT_LE(file->bytes() + TimelineFile::kTailReserve, cap);
  ASSERT_TRUE(file->Close(te::ToJson(te::Instant("timeline stopped", "", 1, 1, 1)),
                          "{}").ok());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_LE(uint64_t(info.st_size), cap);
  json::object doc = Parse(path);
  const json::array& events = doc.at("traceEvents").as_array();
  ASSERT_EQ(events.size(), size_t(appended) + 1);
  EXPECT_EQ(events.back().at("name"), "timeline stopped");
}

TEST_F(TimelineTest, UnwritablePathIsOneLineError) {
  auto file = TimelineFile::Create(dir_ + "/no/such/dir/t.json", 1 << 20);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find(dir_ + "/no/such/dir/t.json"),
            std::string::npos) << file.error().message;
  EXPECT_EQ(file.error().message.find('\n'), std::string::npos);
}

// A host with no tabs: the manager's track, counters, start and stop.
class TimelineHostTest : public TimelineTest {
 protected:
  TimelineHostTest() : host_(io_, HostOptions()) {}
  static TabHost::Options HostOptions() {
    TabHost::Options options;
    options.tab_executable = "/nonexistent/tabsim-tab";  // never spawned
    return options;
  }
  boost::asio::io_context io_;
  TabHost host_;
};

TEST_F(TimelineHostTest, StartSamplesAndStopLeavesCompleteFile) {
  const std::string path = dir_ + "/host.json";
  Timeline::Options options;
  options.path = path;
  auto timeline = Timeline::Start(io_.get_executor(), host_, options);
  ASSERT_TRUE(timeline.ok()) << timeline.error().message;
  EXPECT_EQ(host_.timeline(), timeline->get()) << "the hook is set";
  // Two samples of the counters.
  io_.run_for(Timeline::kSampleInterval * 2 + 200ms);
  auto line = (*timeline)->Stop("test over");
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_NE(line->find(path), std::string::npos) << *line;
  EXPECT_NE(line->find("events"), std::string::npos) << *line;
  EXPECT_EQ(host_.timeline(), nullptr) << "free when off: the hook is null";
  auto again = (*timeline)->Stop("twice");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *line);

  json::object doc = Parse(path);
  const json::array& events = doc.at("traceEvents").as_array();
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events[0].at("name"), "process_name");
  EXPECT_EQ(events[0].at("pid"), int64_t(::getpid()));
  EXPECT_EQ(events[0].at("args").at("name"), "tabsim manager");
  int counters = 0;
  for (const json::value& event : events)
    counters += event.at("ph") == "C" && event.at("name") == "frames/s";
  EXPECT_GE(counters, 2);
  EXPECT_EQ(events.back().at("name"), "timeline stopped");
  EXPECT_EQ(events.back().at("args").at("why"), "test over");
}

TEST_F(TimelineHostTest, ControllerErrorsAreOneLine) {
  std::vector<std::string> reports;
  TimelineController controller(io_.get_executor(), host_,
                                [&](const std::string& line) { reports.push_back(line); });
  auto stop = controller.StopTimeline();
  ASSERT_FALSE(stop.ok());
  EXPECT_EQ(stop.error().message, "timeline: not started");

  auto bad = controller.StartTimeline(dir_ + "/missing/t.json", 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("timeline: " + dir_ + "/missing/t.json", 0), 0u)
      << bad.error().message;
  EXPECT_FALSE(controller.running());

  auto started = controller.StartTimeline(dir_ + "/a.json", 0);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(*started, "timeline: recording to " + dir_ + "/a.json (cap 64 MiB)");
  auto twice = controller.StartTimeline(dir_ + "/b.json", 0);
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("already recording to " + dir_ + "/a.json"),
            std::string::npos) << twice.error().message;
  EXPECT_EQ(::access((dir_ + "/b.json").c_str(), F_OK), -1) << "b.json not created";

  auto stopped = controller.StopTimeline();
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(stopped->rfind("timeline: " + dir_ + "/a.json: ", 0), 0u) << *stopped;
  Parse(dir_ + "/a.json");
  EXPECT_FALSE(controller.StopTimeline().ok());
  EXPECT_TRUE(reports.empty());
}

TEST(TimelineVerbTest, Syntax) {
  auto start = ParseCommand({"timeline", "start", "t.json", "--max-mb", "8"});
  ASSERT_TRUE(start.ok()) << start.error().message;
  EXPECT_TRUE(start->timeline_start);
  EXPECT_EQ(start->path, "t.json");
  EXPECT_EQ(start->max_bytes, 8u << 20);
  auto stop = ParseCommand({"timeline", "stop"});
  ASSERT_TRUE(stop.ok()) << stop.error().message;
  EXPECT_FALSE(stop->timeline_start);

  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"timeline"}, "timeline: missing"},
      {{"timeline", "start"}, "timeline: start needs a FILE"},
      {{"timeline", "stop", "x"}, "timeline: stop takes nothing more"},
      {{"timeline", "go"}, "timeline: 'go' is not start or stop"},
      {{"timeline", "start", "t.json", "--max-mb", "0"}, "timeline: --max-mb '0'"},
      {{"timeline", "start", "a", "b"}, "timeline: too many arguments"},
  };
  for (const auto& [words, message] : bad) {
    auto parsed = ParseCommand(words);
    ASSERT_FALSE(parsed.ok()) << words.size();
    EXPECT_EQ(parsed.error().message.rfind(message, 0), 0u)
        << parsed.error().message;
  }
}

}  // namespace
}  // namespace tabsim
