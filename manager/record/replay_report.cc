#include "manager/record/replay_report.h"

#include "manager/base/json.h"

namespace tabsim {
namespace {

namespace json = boost::json;

json::value TextOrNull(const std::string& text) {
  if (text.empty()) return nullptr;
  return json::string(text.data(), text.size());
}

json::object DifferenceJson(const FrameDifference& d) {
  return {
      {"navigation", d.key.navigation},
      {"generation", d.key.generation},
      {"input", d.key.input},
      {"recorded", std::to_string(d.recorded)},
      {"replayed", std::to_string(d.replayed)},
  };
}

json::object TabJson(const TabReplayResult& r) {
  json::array differences;
  for (const FrameDifference& d : r.differences)
    differences.push_back(DifferenceJson(d));
  return {
      {"file", r.file},
      {"tab_id", r.tab_id},
      {"restarts", r.restarts},
      {"url", r.url},
      {"commands", r.commands},
      {"commands_sent", r.commands_sent},
      {"recorded_frames", r.recorded_frames},
      {"replayed_frames", r.replayed_frames},
      {"compared", r.compared},
      {"identical", r.identical},
      {"different", r.different},
      {"unmatched", r.unmatched},
      {"paced_compared", r.paced_compared},
      {"paced_identical", r.paced_identical},
      {"paced_not_recorded", r.paced_not_recorded},
      {"without_redraw", r.without_redraw},
      {"final_reached", r.final_reached},
      {"final_identical", r.final_identical},
      {"lost_cause", TextOrNull(r.lost_cause)},
      {"recorded_end", TextOrNull(r.recorded_end)},
      {"failure", TextOrNull(r.failure)},
      {"passed", r.Passed()},
      {"differences", std::move(differences)},
  };
}

}  // namespace

json::object ReplayReportJson(const std::string& dir, double speed,
                              const std::vector<TabReplayResult>& results,
                              bool passed) {
  json::object document = JsonDocument("replay");
  document["dir"] = dir;
  document["speed"] = JsonNumber(speed);
  document["passed"] = passed;
  json::array tabs;
  for (const TabReplayResult& r : results) tabs.push_back(TabJson(r));
  document["tabs"] = std::move(tabs);
  return document;
}

Status WriteReplayReport(const std::string& path, const std::string& dir,
                         double speed,
                         const std::vector<TabReplayResult>& results,
                         bool passed) {
  return WriteJsonFile(path, ReplayReportJson(dir, speed, results, passed));
}

}  // namespace tabsim
