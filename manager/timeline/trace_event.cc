#include "manager/timeline/trace_event.h"

#include "manager/base/json.h"

namespace tabsim::trace_event {

int64_t Micros(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             time.time_since_epoch())
      .count();
}

boost::json::object Event(std::string_view phase, std::string_view name,
                          std::string_view category, int64_t pid, int64_t tid,
                          int64_t ts) {
  boost::json::object event;
  event["name"] = name;
  if (!category.empty()) event["cat"] = category;
  event["ph"] = phase;
  event["ts"] = ts;
  event["pid"] = pid;
  event["tid"] = tid;
  return event;
}

boost::json::object ProcessName(int64_t pid, int64_t ts, std::string_view name) {
  boost::json::object event = Event("M", "process_name", {}, pid, pid, ts);
  event["args"] = boost::json::object{{"name", name}};
  return event;
}

boost::json::object ThreadName(int64_t pid, int64_t tid, int64_t ts,
                               std::string_view name) {
  boost::json::object event = Event("M", "thread_name", {}, pid, tid, ts);
  event["args"] = boost::json::object{{"name", name}};
  return event;
}

boost::json::object Instant(std::string_view name, std::string_view category,
                            int64_t pid, int64_t tid, int64_t ts) {
  boost::json::object event = Event("i", name, category, pid, tid, ts);
  event["s"] = "t";
  return event;
}

boost::json::object Complete(std::string_view name, std::string_view category,
                             int64_t pid, int64_t tid, int64_t ts, int64_t dur) {
  boost::json::object event = Event("X", name, category, pid, tid, ts);
  event["dur"] = dur;
  return event;
}

boost::json::object Flow(std::string_view phase, std::string_view name,
                         std::string_view category, uint64_t id, int64_t pid,
                         int64_t tid, int64_t ts) {
  boost::json::object event = Event(phase, name, category, pid, tid, ts);
  event["id"] = id;
  if (phase == "f") event["bp"] = "e";
  return event;
}

boost::json::object Counter(std::string_view name, int64_t pid, int64_t ts,
                            boost::json::object args) {
  boost::json::object event = Event("C", name, {}, pid, pid, ts);
  event["args"] = std::move(args);
  return event;
}

std::string ToJson(const boost::json::object& event) {
  return tabsim::ToJson(event, JsonStyle::kCompact);
}

}  // namespace tabsim::trace_event
