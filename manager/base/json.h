// JSON for everything tabsim writes: Boost.JSON values (boost::json::value,
// object, array) built by the writers themselves, plus the few helpers
// every writer needs. docs/json.md describes the documents.
//
// Every document has "schema" (kJsonSchema) and "kind" at the top
// (JsonDocument). Boost.JSON is used header-only: json.cc is the one file of
// the project that includes <boost/json/src.hpp>; link tabsim_manager_base
// to use it.
//
// Output is deterministic: object members in insertion order, numbers in
// one format, strings always valid UTF-8. Free functions, no state.
#ifndef TABSIM_MANAGER_BASE_JSON_H_
#define TABSIM_MANAGER_BASE_JSON_H_

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>

#include "common/result.h"

namespace tabsim {

// The version of the documents' layout: bumped when a key changes meaning
// or disappears (adding a key does not bump it).
inline constexpr int kJsonSchema = 1;

// {"schema": kJsonSchema, "kind": kind}: the start of every document.
boost::json::object JsonDocument(std::string_view kind);

// `value`, or null when it is not finite: JSON has no NaN or infinity, and
// a reader is better served by null than by a made-up number.
boost::json::value JsonNumber(double value);
// The same, rounded to `decimals` places (0..9): for measured values whose
// noise is far larger than the digits a double would print.
boost::json::value JsonNumber(double value, int decimals);

enum class JsonStyle {
  kCompact,  // one line, no spaces: for messages (the dashboard's WebSocket)
  kInline,   // one line, a space after each ':' and ','
  kPretty,   // 2-space indent, one member per line; an array of scalars
             // (numbers, strings, booleans, nulls), and an object of
             // scalars whose inline form fits 72 characters, stay on one line
};

// `value` as JSON text. Doubles print in their shortest round-trip form,
// with ".0" when whole so that they read back as doubles; strings print
// as valid UTF-8 (an invalid sequence becomes U+FFFD, see ToValidUtf8) with
// control characters escaped.
std::string ToJson(const boost::json::value& value,
                   JsonStyle style = JsonStyle::kPretty);

// Writes ToJson(document, kPretty) and a newline to `path` atomically for
// readers: into PATH.tmp first, then renamed over `path` (PATH.tmp is
// removed when anything fails). The error names the step and the errno.
Status WriteJsonFile(const std::string& path,
                     const boost::json::value& document);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BASE_JSON_H_
