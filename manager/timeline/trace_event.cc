#include "manager/timeline/trace_event.h"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <algorithm>

namespace tabsim::trace_event {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the valid UTF-8 sequence at the start of `text`, or 0 if
// it is not one (a stray continuation byte, an overlong form, a surrogate,
// a code point above U+10FFFF, or a sequence cut short).
size_t SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;  // overlong
    if (lead == 0xED) max_second = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;  // overlong
    if (lead == 0xF4) max_second = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < min_second || byte(1) > max_second) return 0;
  for (size_t i = 2; i < length; ++i)
    if ((byte(i) & 0xC0) != 0x80) return 0;
  return length;
}

}  // namespace

int64_t Micros(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             time.time_since_epoch())
      .count();
}

std::string ValidUtf8(std::string_view text, size_t max_bytes) {
  std::string valid;
  valid.reserve(std::min(text.size(), max_bytes));
  while (!text.empty()) {
    size_t length = SequenceLength(text);
    std::string_view piece = length ? text.substr(0, length) : kReplacement;
    if (valid.size() + piece.size() > max_bytes) break;
    valid += piece;
    text.remove_prefix(length ? length : 1);
  }
  return valid;
}

boost::json::object Event(std::string_view phase, std::string_view name,
                          std::string_view category, int64_t pid, int64_t tid,
                          int64_t ts) {
  boost::json::object event;
  event["name"] = ValidUtf8(name);
  if (!category.empty()) event["cat"] = category;
  event["ph"] = phase;
  event["ts"] = ts;
  event["pid"] = pid;
  event["tid"] = tid;
  return event;
}

boost::json::object ProcessName(int64_t pid, int64_t ts, std::string_view name) {
  boost::json::object event = Event("M", "process_name", {}, pid, pid, ts);
  event["args"] = boost::json::object{{"name", ValidUtf8(name)}};
  return event;
}

boost::json::object ThreadName(int64_t pid, int64_t tid, int64_t ts,
                               std::string_view name) {
  boost::json::object event = Event("M", "thread_name", {}, pid, tid, ts);
  event["args"] = boost::json::object{{"name", ValidUtf8(name)}};
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

boost::json::object Async(std::string_view phase, std::string_view name,
                          std::string_view category, uint64_t id, int64_t pid,
                          int64_t ts) {
  boost::json::object event = Event(phase, name, category, pid, pid, ts);
  event["id"] = id;
  return event;
}

boost::json::object Counter(std::string_view name, int64_t pid, int64_t ts,
                            boost::json::object args) {
  boost::json::object event = Event("C", name, {}, pid, pid, ts);
  event["args"] = std::move(args);
  return event;
}

std::string ToJson(const boost::json::object& event) {
  return boost::json::serialize(event);
}

}  // namespace tabsim::trace_event
