#include "manager/base/json.h"

// Boost.JSON's implementation, compiled once for the whole project (its
// header-only mode); no other file may include it.
#include <boost/json/src.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/unique_fd.h"
#include "manager/base/text.h"

namespace tabsim {
namespace {

namespace json = boost::json;

void WriteValue(const json::value& value, JsonStyle style, int depth,
                std::string* out);

void Newline(int depth, std::string* out) {
  *out += '\n';
  out->append(size_t(depth) * 2, ' ');
}

void WriteString(std::string_view text, std::string* out) {
  const std::string valid = ToValidUtf8(text);
  *out += json::serialize(json::string_view(valid.data(), valid.size()));
}

void WriteDouble(double value, std::string* out) {
  if (!std::isfinite(value)) {
    *out += "null";
    return;
  }
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  TABSIM_CHECK(error == std::errc()) << "to_chars of a double";
  const std::string_view text(buffer, size_t(end - buffer));
  *out += text;
  if (text.find_first_of(".e") == std::string_view::npos) *out += ".0";
}

bool IsScalar(const json::value& value) {
  return !value.is_array() && !value.is_object();
}

// Pretty output keeps a container of scalars on one line ({"upper_ms":
// 1.0, "count": 0}) when that line is short; an array of scalars always.
constexpr size_t kMaxInlineObject = 72;

void WriteObject(const json::object& object, JsonStyle style, int depth,
                 std::string* out);

bool OnOneLine(const json::array& array) {
  return std::all_of(array.begin(), array.end(), IsScalar);
}

bool OnOneLine(const json::object& object) {
  for (const json::key_value_pair& member : object)
    if (!IsScalar(member.value())) return false;
  std::string line;
  WriteObject(object, JsonStyle::kInline, 0, &line);
  return line.size() <= kMaxInlineObject;
}

void WriteArray(const json::array& array, JsonStyle style, int depth,
                std::string* out) {
  const bool one_line = style != JsonStyle::kPretty || OnOneLine(array);
  const char* separator = style == JsonStyle::kCompact ? "," : ", ";
  *out += '[';
  for (size_t i = 0; i < array.size(); ++i) {
    if (one_line) {
      if (i > 0) *out += separator;
    } else {
      if (i > 0) *out += ',';
      Newline(depth + 1, out);
    }
    WriteValue(array[i], style, depth + 1, out);
  }
  if (!one_line && !array.empty()) Newline(depth, out);
  *out += ']';
}

void WriteObject(const json::object& object, JsonStyle style, int depth,
                 std::string* out) {
  // Pretty, one member per line unless short and flat; compact and
  // inline, on one line with or without spaces.
  const bool spaced = style != JsonStyle::kCompact;
  const bool lines = style == JsonStyle::kPretty && !OnOneLine(object);
  *out += '{';
  bool first = true;
  for (const json::key_value_pair& member : object) {
    if (!first) *out += lines || !spaced ? "," : ", ";
    first = false;
    if (lines) Newline(depth + 1, out);
    WriteString(std::string_view(member.key().data(), member.key().size()), out);
    *out += spaced ? ": " : ":";
    WriteValue(member.value(), style, depth + 1, out);
  }
  if (lines && !object.empty()) Newline(depth, out);
  *out += '}';
}

void WriteValue(const json::value& value, JsonStyle style, int depth,
                std::string* out) {
  switch (value.kind()) {
    case json::kind::null: *out += "null"; return;
    case json::kind::bool_: *out += value.get_bool() ? "true" : "false"; return;
    case json::kind::int64: *out += std::to_string(value.get_int64()); return;
    case json::kind::uint64: *out += std::to_string(value.get_uint64()); return;
    case json::kind::double_: WriteDouble(value.get_double(), out); return;
    case json::kind::string: {
      const json::string& text = value.get_string();
      WriteString(std::string_view(text.data(), text.size()), out);
      return;
    }
    case json::kind::array: WriteArray(value.get_array(), style, depth, out); return;
    case json::kind::object: WriteObject(value.get_object(), style, depth, out); return;
  }
}

// write(2) until done, across short writes and EINTR.
Status WriteAll(int fd, std::string_view data, const std::string& name) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("write " + name);
    data.remove_prefix(size_t(n));
  }
  return Status::Ok();
}

}  // namespace

json::object JsonDocument(std::string_view kind) {
  json::object document;
  document["schema"] = kJsonSchema;
  document["kind"] = json::string_view(kind.data(), kind.size());
  return document;
}

json::value JsonNumber(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

json::value JsonNumber(double value, int decimals) {
  TABSIM_CHECK(decimals >= 0 && decimals <= 9) << "decimals " << decimals;
  if (!std::isfinite(value)) return nullptr;
  const double scale = std::pow(10.0, decimals);
  const double rounded = std::round(value * scale) / scale;
  // Beyond 2^53 a double has no fractional digits left to round.
  return std::isfinite(rounded) && std::fabs(value) < 9e15 ? rounded : value;
}

std::string ToJson(const json::value& value, JsonStyle style) {
  std::string out;
  WriteValue(value, style, 0, &out);
  return out;
}

Status WriteJsonFile(const std::string& path, const json::value& document) {
  const std::string temp = path + ".tmp";
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666));
  if (!fd.IsValid()) return Error::FromErrno("open " + temp);
  Status written = WriteAll(fd.get(), ToJson(document) + "\n", temp);
  if (written.ok() && ::close(fd.release()) != 0)
    written = Error::FromErrno("close " + temp);
  if (written.ok() && std::rename(temp.c_str(), path.c_str()) != 0)
    written = Error::FromErrno("rename " + temp + " to " + path);
  if (!written.ok()) ::unlink(temp.c_str());
  return written;
}

}  // namespace tabsim
