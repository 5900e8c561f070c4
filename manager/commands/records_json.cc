#include "manager/commands/records_json.h"

#include <string>

#include "manager/base/json.h"

namespace tabsim {
namespace {

namespace json = boost::json;

// Rates and times are measured with noise far above these digits.
constexpr int kRateDecimals = 2;
constexpr int kMillisecondDecimals = 3;

json::value Text(const std::string& text) {
  return json::string(text.data(), text.size());
}

// Empty means "none" for these strings (a cause while running, a fault's
// direction where it has none).
json::value TextOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  return Text(text);
}

json::object DirectionJson(const records::DirectionStats& d) {
  json::object types;
  for (const records::TypeCount& t : d.types())
    types[json::string_view(t.type().data(), t.type().size())] = t.count();
  return {
      {"messages", d.messages()},
      {"bytes", d.bytes()},
      {"messages_per_second", JsonNumber(d.messages_per_second(), kRateDecimals)},
      {"bytes_per_second", JsonNumber(d.bytes_per_second(), 1)},
      {"queued_bytes", d.queued_bytes()},
      {"socket_bytes", d.socket_bytes()},
      {"types", std::move(types)},
  };
}

// Percentiles and the maximum are null while no input was shown.
json::object LatencyJson(const records::LatencyHistogram& h) {
  const auto ms = [&](double value) -> json::value {
    if (h.count() == 0) return nullptr;
    return JsonNumber(value, kMillisecondDecimals);
  };
  json::array buckets;
  for (int i = 0; i < h.counts_size(); ++i) {
    // The last bucket has no upper bound (0 in the record).
    const bool open = i >= h.upper_ms_size() || h.upper_ms(i) <= 0;
    buckets.push_back(json::object{
        {"upper_ms", open ? json::value(nullptr) : JsonNumber(h.upper_ms(i))},
        {"count", h.counts(i)},
    });
  }
  return {
      {"count", h.count()},
      {"p50_ms", ms(h.p50_ms())},
      {"p99_ms", ms(h.p99_ms())},
      {"max_ms", ms(h.max_ms())},
      {"buckets", std::move(buckets)},
  };
}

json::object FaultJson(const records::Fault& f) {
  return {
      {"kind", Text(f.kind())},
      {"direction", TextOrNull(f.direction())},
      {"rate", JsonNumber(f.rate(), 3)},
      {"delay_ms", f.delay_ms()},
      {"active", f.active()},
      {"injected", f.injected()},
  };
}

}  // namespace

json::object TabRecordJson(const records::TabInfo& tab) {
  const auto optional = [](bool has, double value, int decimals) {
    return has ? JsonNumber(value, decimals) : json::value(nullptr);
  };
  return {
      {"id", tab.id()},
      {"pid", tab.pid()},
      {"url", Text(tab.url())},
      {"title", Text(tab.title())},
      {"state", Text(tab.state())},
      {"cause", TextOrNull(tab.cause())},
      {"cpu_percent",
       optional(tab.has_cpu_percent(), tab.cpu_percent(), kRateDecimals)},
      {"rss_bytes", tab.rss_bytes()},
      {"frames", tab.frames()},
      {"frames_per_second", JsonNumber(tab.frames_per_second(), kRateDecimals)},
      {"messages_in", tab.messages_in()},
      {"messages_out", tab.messages_out()},
      {"messages_in_per_second",
       JsonNumber(tab.messages_in_per_second(), kRateDecimals)},
      {"messages_out_per_second",
       JsonNumber(tab.messages_out_per_second(), kRateDecimals)},
      {"input_latency_ms", optional(tab.has_input_latency_ms(),
                                    tab.input_latency_ms(), kMillisecondDecimals)},
      {"restarts", tab.restarts()},
      {"width", tab.width()},
      {"height", tab.height()},
      {"inputs_sent", tab.inputs_sent()},
      {"last_input_acked", tab.last_input_acked()},
      {"process_id", tab.process_id()},
      {"process_tabs", tab.process_tabs()},
      {"visibility", TextOrNull(tab.visibility())},
      {"pinned", tab.pinned()},
      {"paced", tab.paced()},
      {"begin_frames", tab.begin_frames()},
      {"begin_frames_missed", tab.begin_frames_missed()},
      {"did_not_produce", tab.did_not_produce()},
      {"nice", tab.has_nice() ? json::value(tab.nice()) : json::value(nullptr)},
      {"oom_score_adj", tab.has_oom_score_adj() ? json::value(tab.oom_score_adj())
                                                : json::value(nullptr)},
      {"containment", Text(tab.containment())},
  };
}

json::array TabRecordsJson(const records::TabList& list) {
  json::array tabs;
  for (const records::TabInfo& tab : list.tabs())
    tabs.push_back(TabRecordJson(tab));
  return tabs;
}

json::object ManagerStatsJson(const records::ManagerStats& s) {
  json::array spare_pids;
  for (int32_t pid : s.spare_pids()) spare_pids.push_back(pid);
  return {
      {"pid", s.pid()},
      {"uptime_seconds", JsonNumber(s.uptime_seconds(), 3)},
      {"tabs", s.tabs()},
      {"running", s.running()},
      {"crashed", s.crashed()},
      {"cpu_percent", JsonNumber(s.cpu_percent(), kRateDecimals)},
      {"rss_bytes", s.rss_bytes()},
      {"threads", s.threads()},
      {"frames", s.frames()},
      {"control_clients", s.has_control_clients()
                              ? json::value(s.control_clients())
                              : json::value(nullptr)},
      {"control_path", s.has_control_path() ? Text(s.control_path())
                                            : json::value(nullptr)},
      {"spares", s.spares()},
      {"spares_ready", s.spares_ready()},
      {"spare_pids", std::move(spare_pids)},
      {"spares_taken", s.spares_taken()},
      {"memory_pressure", Text(s.memory_pressure())},
      {"memory_pressure_reason", TextOrNull(s.memory_pressure_reason())},
      {"tabs_memory_bytes", s.tabs_memory_bytes()},
      {"memory_budget_bytes", s.has_memory_budget_bytes()
                                  ? json::value(s.memory_budget_bytes())
                                  : json::value(nullptr)},
      {"discards", s.discards()},
      {"discarded", s.discarded()},
  };
}

json::object ChannelStatsJson(const records::ChannelStats& c) {
  json::array faults;
  for (const records::Fault& f : c.faults()) faults.push_back(FaultJson(f));
  return {
      {"tab_id", c.tab_id()},
      {"state", Text(c.state())},
      {"to_tab", DirectionJson(c.to_tab())},
      {"from_tab", DirectionJson(c.from_tab())},
      {"input_to_frame", LatencyJson(c.input_to_frame())},
      {"frames_accepted", c.frames_accepted()},
      {"frames_released", c.frames_released()},
      {"buffers_withheld", c.buffers_withheld()},
      {"coalesced_moves", c.coalesced_moves()},
      {"faults", std::move(faults)},
  };
}

json::object TabListJson(const records::TabList& list) {
  json::object document = JsonDocument("list");
  document["tabs"] = TabRecordsJson(list);
  return document;
}

json::object StatsJson(const records::ManagerStats& stats) {
  json::object document = JsonDocument("stats");
  document["manager"] = ManagerStatsJson(stats);
  json::array channels;
  for (const records::ChannelStats& c : stats.channels())
    channels.push_back(ChannelStatsJson(c));
  document["channels"] = std::move(channels);
  return document;
}

json::object DiscardListJson(const records::DiscardList& list) {
  json::object document = JsonDocument("discards");
  document["manager"] = ManagerStatsJson(list.manager());
  json::array tabs;
  for (const records::DiscardInfo& d : list.tabs())
    tabs.push_back(json::object{
        {"tab_id", d.tab_id()},
        {"pid", d.pid()},
        {"process_id", d.process_id()},
        {"url", Text(d.url())},
        {"state", Text(d.state())},
        {"discardable", d.discardable()},
        {"reason", Text(d.reason())},
        {"memory_bytes", d.memory_bytes()},
        {"protected", d.is_protected()},
    });
  document["tabs"] = std::move(tabs);
  return document;
}

}  // namespace tabsim
