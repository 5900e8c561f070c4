// Events of the Chrome Trace Event Format (the JSON that chrome://tracing
// and Perfetto's UI open; the spec is the "Trace Event Format" document of
// the Chromium project), as Boost.JSON objects: one function per phase the
// timeline writes.
//
//   phase  what                      here
//   M      metadata                  process_name, thread_name
//   X      complete slice (ts, dur)  a frame, an input sent, an input ack
//   B / E  begin / end on a thread   a BeginFrame until its answer
//   i      instant                   spawn, first frame, lost (the cause)
//   s / f  flow start / end (id)     an input: sent ... shown
//   C      counter                   frames/s, messages/s, queues, memory
//
// Times are CLOCK_MONOTONIC in whole microseconds (the clock Chrome's own
// traces use, and the one BeginFrame's frame_time_us is in). The text goes
// out through the project's one JSON writer (manager/base/json.h, compact
// style), which makes every string valid UTF-8 and escapes quotes and
// control characters: tab titles and URLs are a tab's bytes.
//
// Free functions; no state.
#ifndef TABSIM_MANAGER_TIMELINE_TRACE_EVENT_H_
#define TABSIM_MANAGER_TIMELINE_TRACE_EVENT_H_

#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace tabsim::trace_event {

using Clock = std::chrono::steady_clock;

// CLOCK_MONOTONIC microseconds of `time` (steady_clock is CLOCK_MONOTONIC
// on Linux).
int64_t Micros(Clock::time_point time);

// The fields every event has. `category` is Chrome's "cat" (left out when
// empty).
boost::json::object Event(std::string_view phase, std::string_view name,
                          std::string_view category, int64_t pid, int64_t tid,
                          int64_t ts);

// process_name / thread_name metadata.
boost::json::object ProcessName(int64_t pid, int64_t ts, std::string_view name);
boost::json::object ThreadName(int64_t pid, int64_t tid, int64_t ts,
                               std::string_view name);

// A thread-scoped instant ("s": "t"), drawn as a mark on its thread.
boost::json::object Instant(std::string_view name, std::string_view category,
                            int64_t pid, int64_t tid, int64_t ts);

// A complete slice.
boost::json::object Complete(std::string_view name, std::string_view category,
                             int64_t pid, int64_t tid, int64_t ts, int64_t dur);

// A flow event ("s" or "f"). Start and finish share category, name and id,
// which is how viewers join them; each binds to the slice that encloses it
// on its thread ("bp": "e" on the finish).
boost::json::object Flow(std::string_view phase, std::string_view name,
                         std::string_view category, uint64_t id, int64_t pid,
                         int64_t tid, int64_t ts);

// A counter: `args` holds one number per series.
boost::json::object Counter(std::string_view name, int64_t pid, int64_t ts,
                            boost::json::object args);

// The event as one line of JSON (no newline), by ToJson(kCompact).
std::string ToJson(const boost::json::object& event);

}  // namespace tabsim::trace_event

#endif  // TABSIM_MANAGER_TIMELINE_TRACE_EVENT_H_
