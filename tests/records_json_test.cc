// One schema for a tab record (manager/commands/records_json.h), in every
// document that shows tabs: `ctl list --json`, `run --json` (summary) and
// the dashboard's state. Every output is parsed back with boost::json,
// which also rejects invalid UTF-8.
#include "manager/commands/records_json.h"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "manager/base/json.h"
#include "manager/commands/summary.h"
#include "manager/web/web_state.h"

namespace tabsim {
namespace {

namespace json = boost::json;

// Schema 1 of a tab record, in order (docs/json.md).
const std::vector<std::string> kTabKeys = {
    "id", "pid", "url", "title", "state", "cause", "cpu_percent", "rss_bytes",
    "frames", "frames_per_second", "messages_in", "messages_out",
    "messages_in_per_second", "messages_out_per_second", "input_latency_ms",
    "restarts", "width", "height", "inputs_sent", "last_input_acked",
    "process_id", "process_tabs", "visibility", "pinned", "paced",
    "begin_frames", "begin_frames_missed", "did_not_produce", "nice",
    "oom_score_adj", "containment"};

records::TabInfo LiveTab() {
  records::TabInfo tab;
  tab.set_id(1);
  tab.set_pid(4242);
  tab.set_url("sim://clock");
  tab.set_title("Clock");
  tab.set_state("live");
  tab.set_cpu_percent(3.14159);
  tab.set_rss_bytes(12 << 20);
  tab.set_frames(600);
  tab.set_frames_per_second(59.987);
  tab.set_messages_in(1201);
  tab.set_messages_out(1199);
  tab.set_messages_in_per_second(120.5);
  tab.set_messages_out_per_second(119.25);
  tab.set_input_latency_ms(4.56789);
  tab.set_restarts(1);
  tab.set_width(480);
  tab.set_height(320);
  tab.set_inputs_sent(7);
  tab.set_last_input_acked(6);
  tab.set_containment("userns+pidns+netns+ipcns, seccomp, rlimits");
  return tab;
}

records::TabInfo CrashedTab() {
  records::TabInfo tab;
  tab.set_id(2);
  tab.set_pid(4243);
  tab.set_url("sim://crash");
  tab.set_state("crashed");
  tab.set_cause("killed by signal 11 (SIGSEGV)");
  tab.set_frames(3);
  tab.set_width(480);
  tab.set_height(320);
  return tab;
}

// Serialized, then parsed back: what a reader of the output sees.
json::value RoundTrip(const json::value& value) {
  return json::parse(ToJson(value));
}

std::vector<std::string> Keys(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& member : object) keys.emplace_back(member.key());
  return keys;
}

TEST(RecordsJson, TabRecordHasTheSchemaKeysInOrderWithTheirTypes) {
  const json::object tab = RoundTrip(TabRecordJson(LiveTab())).as_object();
  EXPECT_EQ(Keys(tab), kTabKeys);
  for (const char* key : {"id", "pid", "rss_bytes", "frames", "messages_in",
                          "messages_out", "restarts", "width", "height",
                          "inputs_sent", "last_input_acked"})
    EXPECT_TRUE(tab.at(key).is_int64() || tab.at(key).is_uint64()) << key;
  for (const char* key : {"cpu_percent", "frames_per_second",
                          "messages_in_per_second", "messages_out_per_second",
                          "input_latency_ms"})
    EXPECT_TRUE(tab.at(key).is_double()) << key << ": " << tab.at(key);
  for (const char* key : {"url", "title", "state"})
    EXPECT_TRUE(tab.at(key).is_string()) << key;
  EXPECT_EQ(tab.at("pid").to_number<int>(), 4242);
  EXPECT_EQ(tab.at("url").as_string(), "sim://clock");
  EXPECT_EQ(tab.at("cpu_percent").as_double(), 3.14);       // 2 decimals
  EXPECT_EQ(tab.at("input_latency_ms").as_double(), 4.568);  // 3 decimals
  EXPECT_EQ(tab.at("rss_bytes").to_number<uint64_t>(), uint64_t(12) << 20);
  EXPECT_EQ(tab.at("last_input_acked").to_number<int>(), 6);
  EXPECT_EQ(tab.at("containment").as_string(),
            "userns+pidns+netns+ipcns, seccomp, rlimits");
}

TEST(RecordsJson, UnknownValuesAreNull) {
  const json::object live = RoundTrip(TabRecordJson(LiveTab())).as_object();
  EXPECT_TRUE(live.at("cause").is_null()) << "null while running";

  records::TabInfo fresh = LiveTab();
  fresh.clear_cpu_percent();
  fresh.clear_input_latency_ms();
  const json::object unmeasured = RoundTrip(TabRecordJson(fresh)).as_object();
  EXPECT_TRUE(unmeasured.at("cpu_percent").is_null());
  EXPECT_TRUE(unmeasured.at("input_latency_ms").is_null());
  EXPECT_TRUE(unmeasured.at("nice").is_null()) << "not set by the manager yet";
  EXPECT_TRUE(unmeasured.at("oom_score_adj").is_null());
  EXPECT_TRUE(unmeasured.at("visibility").is_null()) << "empty: null";
  EXPECT_EQ(Keys(unmeasured), kTabKeys) << "null keys are still there";

  // Measured as zero is not unknown.
  fresh.set_cpu_percent(0);
  EXPECT_EQ(RoundTrip(TabRecordJson(fresh)).at("cpu_percent").as_double(), 0.0);

  const json::object crashed = RoundTrip(TabRecordJson(CrashedTab())).as_object();
  EXPECT_EQ(crashed.at("cause").as_string(), "killed by signal 11 (SIGSEGV)");
  EXPECT_TRUE(crashed.at("cpu_percent").is_null());
  EXPECT_EQ(crashed.at("frames_per_second").as_double(), 0.0);
}

TEST(RecordsJson, NanAndInfinityBecomeNull) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  records::TabInfo tab = LiveTab();
  tab.set_cpu_percent(nan);
  tab.set_frames_per_second(inf);
  tab.set_messages_in_per_second(-inf);
  tab.set_input_latency_ms(nan);
  records::ManagerStats stats;
  stats.set_cpu_percent(nan);
  stats.set_uptime_seconds(inf);
  records::TabList list;
  *list.add_tabs() = tab;
  for (const json::object& document :
       {TabListJson(list), SummaryJson(list, nan), StatsJson(stats),
        WebStateDocument(stats, list, 1)}) {
    const std::string text = ToJson(document);
    EXPECT_EQ(text.find("nan"), std::string::npos) << text;
    EXPECT_EQ(text.find("inf"), std::string::npos) << text;
    EXPECT_NO_THROW(json::parse(text)) << text;
  }
  const json::value record = RoundTrip(TabRecordJson(tab));
  for (const char* key : {"cpu_percent", "frames_per_second",
                          "messages_in_per_second", "input_latency_ms"})
    EXPECT_TRUE(record.at(key).is_null()) << key;
  const json::value manager = RoundTrip(ManagerStatsJson(stats));
  EXPECT_TRUE(manager.at("cpu_percent").is_null());
  EXPECT_TRUE(manager.at("uptime_seconds").is_null());
  EXPECT_TRUE(RoundTrip(SummaryJson(list, nan)).at("run_seconds").is_null());
}

// The same tabs in the three documents that show them: same keys, same
// values, and the schema and kind on top.
TEST(RecordsJson, OneSchemaInListSummaryAndDashboardState) {
  records::TabList list;
  *list.add_tabs() = LiveTab();
  *list.add_tabs() = CrashedTab();
  records::ManagerStats stats;
  stats.set_pid(100);
  stats.set_tabs(2);
  struct Document {
    const char* kind;
    json::object object;
  };
  const Document documents[] = {
      {"list", TabListJson(list)},
      {"summary", SummaryJson(list, 12.5)},
      {"state", WebStateDocument(stats, list, 3)},
  };
  for (const Document& d : documents) {
    const json::object document = RoundTrip(d.object).as_object();
    EXPECT_EQ(document.at("schema").to_number<int>(), kJsonSchema) << d.kind;
    EXPECT_EQ(document.at("kind").as_string(), d.kind);
    const json::array& tabs = document.at("tabs").as_array();
    ASSERT_EQ(tabs.size(), 2u) << d.kind;
    for (size_t i = 0; i < tabs.size(); ++i) {
      EXPECT_EQ(Keys(tabs[i].as_object()), kTabKeys) << d.kind;
      EXPECT_EQ(tabs[i], RoundTrip(TabRecordJson(list.tabs(int(i))))) << d.kind;
    }
  }
  const json::object summary = RoundTrip(SummaryJson(list, 12.5)).as_object();
  EXPECT_EQ(summary.at("run_seconds").as_double(), 12.5);
  const json::object state = RoundTrip(WebStateDocument(stats, list, 3)).as_object();
  EXPECT_EQ(state.at("manager").at("web_clients").to_number<int>(), 3);
  EXPECT_EQ(state.at("manager").at("pid").to_number<int>(), 100);
  // The dashboard's messages are one line each.
  EXPECT_EQ(WebReplyJson(true, "sent SIGKILL to tab 2").find('\n'), std::string::npos);
  const json::value reply = json::parse(WebReplyJson(false, "no tab 9"));
  EXPECT_EQ(reply.at("kind").as_string(), "reply");
  EXPECT_EQ(reply.at("schema").to_number<int>(), kJsonSchema);
  EXPECT_FALSE(reply.at("ok").as_bool());
  EXPECT_EQ(reply.at("text").as_string(), "no tab 9");
}

TEST(RecordsJson, InvalidUtf8NeverReachesOutput) {
  records::TabInfo tab = LiveTab();
  // Tab text is cleaned where it enters the manager; these could only come
  // from elsewhere (a path, a URL), and the writer still repairs them.
  tab.set_title("cut \xe2\x82");
  tab.set_url("sim://\xff\xfe");
  tab.set_cause("\xc0\xaf");
  records::TabList list;
  *list.add_tabs() = tab;
  records::ManagerStats stats;
  stats.set_control_path("/run/\xff/control");
  for (const std::string& text :
       {ToJson(TabListJson(list)), ToJson(SummaryJson(list, 1)),
        ToJson(StatsJson(stats)),
        ToJson(WebStateDocument(stats, list, 0), JsonStyle::kCompact),
        WebReplyJson(false, "bad \xff")}) {
    json::value parsed;
    ASSERT_NO_THROW(parsed = json::parse(text)) << text;  // rejects bad UTF-8
  }
  const json::value record = RoundTrip(TabRecordJson(tab));
  EXPECT_EQ(record.at("title").as_string(), "cut \xef\xbf\xbd");
  EXPECT_EQ(record.at("url").as_string(), "sim://\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(RecordsJson, StatsDocumentCarriesTheManagerAndEachChannel) {
  records::ManagerStats stats;
  stats.set_pid(100);
  stats.set_frames(5000);
  stats.add_spare_pids(201);
  stats.add_spare_pids(202);
  records::ChannelStats* channel = stats.add_channels();
  channel->set_tab_id(1);
  channel->set_state("live");
  channel->mutable_to_tab()->set_messages(10);
  auto* type = channel->mutable_from_tab()->add_types();
  type->set_type("frame_ready");
  type->set_count(42);
  records::LatencyHistogram* h = channel->mutable_input_to_frame();
  for (double bound : {1.0, 2.0, 0.0}) h->add_upper_ms(bound);
  for (uint64_t count : {0, 0, 0}) h->add_counts(count);
  records::Fault* fault = channel->add_faults();
  fault->set_kind("withhold-release");
  fault->set_rate(1);
  fault->set_active(true);

  json::object document = RoundTrip(StatsJson(stats)).as_object();
  EXPECT_EQ(document.at("kind").as_string(), "stats");
  const json::object& manager = document.at("manager").as_object();
  EXPECT_EQ(manager.at("frames").to_number<int>(), 5000);
  EXPECT_EQ(manager.at("spare_pids"), json::parse("[201, 202]"));
  EXPECT_TRUE(manager.at("control_clients").is_null()) << "not from the control socket";
  EXPECT_TRUE(manager.at("control_path").is_null());
  EXPECT_FALSE(manager.contains("channels")) << "channels are beside the manager";
  const json::array& channels = document.at("channels").as_array();
  ASSERT_EQ(channels.size(), 1u);
  const json::object& c = channels[0].as_object();
  EXPECT_EQ(c.at("tab_id").to_number<int>(), 1);
  EXPECT_EQ(c.at("to_tab").at("messages").to_number<int>(), 10);
  EXPECT_EQ(c.at("from_tab").at("types").at("frame_ready").to_number<int>(), 42);
  const json::object& latency = c.at("input_to_frame").as_object();
  EXPECT_TRUE(latency.at("p50_ms").is_null()) << "no input shown yet";
  EXPECT_TRUE(latency.at("max_ms").is_null());
  const json::array& buckets = latency.at("buckets").as_array();
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].at("upper_ms").as_double(), 1.0);
  EXPECT_TRUE(buckets[2].at("upper_ms").is_null()) << "the open bucket";
  const json::object& f = c.at("faults").as_array().at(0).as_object();
  EXPECT_EQ(f.at("kind").as_string(), "withhold-release");
  EXPECT_TRUE(f.at("direction").is_null());
  EXPECT_TRUE(f.at("active").as_bool());

  stats.set_control_clients(2);
  stats.set_control_path("/run/user/1000/tabsim/control");
  document = RoundTrip(StatsJson(stats)).as_object();
  EXPECT_EQ(document.at("manager").at("control_clients").to_number<int>(), 2);
  EXPECT_EQ(document.at("manager").at("control_path").as_string(),
            "/run/user/1000/tabsim/control");
}

TEST(RecordsJson, SummaryTableShowsEachTab) {
  records::TabList list;
  *list.add_tabs() = LiveTab();
  *list.add_tabs() = CrashedTab();
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = ::open_memstream(&buffer, &size);
  ASSERT_NE(out, nullptr);
  PrintSummaryTable(list, out);
  std::fclose(out);
  const std::string table(buffer, size);
  std::free(buffer);
  EXPECT_NE(table.find("sim://clock"), std::string::npos) << table;
  EXPECT_NE(table.find("killed by signal 11 (SIGSEGV)"), std::string::npos) << table;
  EXPECT_NE(table.find("1201"), std::string::npos) << "messages in: " << table;
}

}  // namespace
}  // namespace tabsim
