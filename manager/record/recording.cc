#include "manager/record/recording.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <tuple>

#include "common/protocol.h"
#include "common/unique_fd.h"
#include "manager/core/input_builder.h"

namespace tabsim {
namespace {

// Keeps the first error protobuf reports, with its column.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int /*line*/, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (message_.empty())
      message_ = "column " + std::to_string(column + 1) + ": " + message;
  }
  const std::string& message() const { return message_; }

 private:
  std::string message_;
};

const char* CaseName(const record::Entry& entry) {
  const auto* field =
      record::Entry::descriptor()->FindFieldByNumber(entry.entry_case());
  return field ? field->name().c_str() : "nothing";
}

bool ValidSize(uint64_t width, uint64_t height) {
  return width >= 1 && height >= 1 && width <= uint64_t(kMaxFrameDimension) &&
         height <= uint64_t(kMaxFrameDimension);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  // O_NONBLOCK: a FIFO named *.rec must not block the open; it is refused
  // below like anything else that is not a regular file.
  UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.IsValid()) return Error::FromErrno("open " + path);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return Error::FromErrno("stat " + path);
  if (!S_ISREG(info.st_mode)) return Error{path + ": not a regular file", EINVAL};
  if (size_t(info.st_size) > kMaxRecordFileBytes)
    return Error{path + ": " + std::to_string(info.st_size) +
                     " bytes, more than a recording may have (" +
                     std::to_string(kMaxRecordFileBytes) + ")",
                 EFBIG};
  std::string text;
  // One byte more than allowed, in case the file grew since the stat.
  text.resize(kMaxRecordFileBytes + 1 > size_t(info.st_size) + 1
                  ? size_t(info.st_size) + 1
                  : kMaxRecordFileBytes + 1);
  size_t used = 0;
  while (used < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::FromErrno("read " + path);
    if (n == 0) break;
    used += size_t(n);
  }
  if (used > kMaxRecordFileBytes)
    return Error{path + ": more than a recording may have (" +
                     std::to_string(kMaxRecordFileBytes) + " bytes)",
                 EFBIG};
  text.resize(used);
  return text;
}

// Checks one entry after the header against what came before it.
class Checker {
 public:
  explicit Checker(TabRecording& recording) : recording_(recording) {}

  // An empty string when `entry` is acceptable here.
  std::string Add(record::Entry entry, int line) {
    if (!have_header_) {
      if (!entry.has_header())
        return std::string("expected the header first, got ") +
               CaseName(entry);
      std::string bad = CheckHeader(entry.header());
      if (!bad.empty()) return bad;
      if (entry.t_us() != 0) return "the header's t_us must be 0";
      recording_.header = entry.header();
      next_navigation_ = entry.header().navigation_base() + 1;
      have_header_ = true;
      return {};
    }
    if (entry.has_header()) return "a second header";
    if (recording_.end)
      return std::string(CaseName(entry)) + " after the end";
    if (entry.t_us() > kMaxRecordMicros)
      return "t_us " + std::to_string(entry.t_us()) + " out of range";
    if (entry.t_us() < last_t_us_)
      return "time goes backwards (t_us " + std::to_string(entry.t_us()) +
             " after " + std::to_string(last_t_us_) + ")";
    last_t_us_ = entry.t_us();
    switch (entry.entry_case()) {
      case record::Entry::kInput: {
        const proto::InputEvent& input = entry.input();
        if (input.event_case() == proto::InputEvent::EVENT_NOT_SET)
          return "an input with no event";
        if (input.ByteSizeLong() > kMaxInputEventBytes)
          return "an input of " + std::to_string(input.ByteSizeLong()) +
                 " bytes (at most " + std::to_string(kMaxInputEventBytes) +
                 " fit in a message)";
        if (input.sequence() != recording_.inputs + 1)
          return "input sequence " + std::to_string(input.sequence()) +
                 " where " + std::to_string(recording_.inputs + 1) +
                 " was due (not replayable: a fresh tab numbers its inputs "
                 "1, 2, 3...)";
        ++recording_.inputs;
        break;
      }
      case record::Entry::kNavigate: {
        const proto::Navigate& navigate = entry.navigate();
        if (Status valid = ValidateUrl(navigate.url()); !valid.ok())
          return "navigate: " + valid.error().message;
        if (navigate.navigation_id() != next_navigation_)
          return "navigation id " + std::to_string(navigate.navigation_id()) +
                 " where " + std::to_string(next_navigation_) +
                 " was due (not replayable)";
        ++next_navigation_;
        break;
      }
      case record::Entry::kResize: {
        const proto::Resize& resize = entry.resize();
        if (!ValidSize(resize.width(), resize.height()))
          return "resize to " + std::to_string(resize.width()) + "x" +
                 std::to_string(resize.height()) + " out of range";
        if (resize.region_generation() != next_generation_)
          return "region generation " +
                 std::to_string(resize.region_generation()) + " where " +
                 std::to_string(next_generation_) +
                 " was due (not replayable)";
        ++next_generation_;
        break;
      }
      case record::Entry::kBeginFrame: {
        const record::BeginFrame& begin = entry.begin_frame();
        if (begin.sequence() <= last_begin_frame_)
          return "BeginFrame sequence " + std::to_string(begin.sequence()) +
                 " after " + std::to_string(last_begin_frame_);
        if (begin.interval_us() == 0 || begin.interval_us() > 1'000'000)
          return "BeginFrame interval " + std::to_string(begin.interval_us()) +
                 " us out of range";
        if (begin.frame_offset_us() > int64_t(kMaxRecordMicros) ||
            begin.frame_offset_us() < -int64_t(kMaxRecordMicros))
          return "BeginFrame offset out of range";
        last_begin_frame_ = begin.sequence();
        break;
      }
      case record::Entry::kFrame: {
        const record::Frame& frame = entry.frame();
        if (frame.begin_frame_sequence() != 0 &&
            (frame.begin_frame_sequence() > last_begin_frame_ ||
             frame.begin_frame_sequence() <= last_answered_begin_frame_))
          return "a frame answering BeginFrame " +
                 std::to_string(frame.begin_frame_sequence()) +
                 ", not one sent and unanswered";
        if (frame.begin_frame_sequence() != 0)
          last_answered_begin_frame_ = frame.begin_frame_sequence();
        const uint64_t navigations =
            next_navigation_ - 1 - recording_.header.navigation_base();
        if (frame.region_generation() == 0)
          return "a frame of region generation 0";
        if (frame.last_input_sequence() > recording_.inputs ||
            frame.navigation() > navigations ||
            frame.region_generation() >= next_generation_)
          return "a frame ahead of the commands before it";
        if (!recording_.frames.empty()) {
          const record::Frame& before = recording_.frames.back().frame;
          if (frame.last_input_sequence() < before.last_input_sequence() ||
              frame.navigation() < before.navigation() ||
              frame.region_generation() < before.region_generation())
            return "a frame behind the frame before it";
        }
        recording_.frames.push_back({entry.t_us(), frame});
        return {};
      }
      case record::Entry::kEnd:
        recording_.end = entry.end();
        recording_.end_t_us = entry.t_us();
        return {};
      default:
        return "no entry";
    }
    recording_.commands.push_back({std::move(entry), line});
    return {};
  }
  bool have_header() const { return have_header_; }

 private:
  static std::string CheckHeader(const record::Header& header) {
    if (header.format_version() != kRecordFormatVersion)
      return "format version " + std::to_string(header.format_version()) +
             " (this tabsim reads version " +
             std::to_string(kRecordFormatVersion) + ")";
    if (header.protocol_version() != kProtocolVersion)
      return "recorded with protocol version " +
             std::to_string(header.protocol_version()) +
             "; this tabsim speaks " + std::to_string(kProtocolVersion);
    if (header.tab_id() == 0) return "header: no tab_id";
    if (Status valid = ValidateUrl(header.url()); !valid.ok())
      return "header: " + valid.error().message;
    if (!ValidSize(header.width(), header.height()))
      return "header: size " + std::to_string(header.width()) + "x" +
             std::to_string(header.height()) + " out of range";
    if (header.start_offset_us() > kMaxRecordMicros)
      return "header: start_offset_us out of range";
    if (header.navigation_base() > (1ull << 62))
      return "header: navigation_base out of range";
    return {};
  }

  TabRecording& recording_;
  bool have_header_ = false;
  uint64_t last_t_us_ = 0;
  uint64_t next_navigation_ = 1;
  uint64_t last_begin_frame_ = 0;           // the last BeginFrame sent
  uint64_t last_answered_begin_frame_ = 0;  // the last one a frame answered
  uint32_t next_generation_ = 2;
};

}  // namespace

std::string RecordingFileName(int tab_id, int restarts) {
  std::string name = "tab-" + std::to_string(tab_id);
  if (restarts > 0) name += "." + std::to_string(restarts);
  return name + ".rec";
}

std::string FormatEntry(const record::Entry& entry) {
  google::protobuf::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  std::string line;
  printer.PrintToString(entry, &line);
  while (!line.empty() && line.back() == ' ') line.pop_back();
  line += '\n';
  return line;
}

Result<record::Entry> ParseEntryLine(std::string_view line) {
  record::Entry entry;
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(line), &entry))
    return Error{errors.message().empty() ? "not an entry" : errors.message(),
                 EINVAL};
  if (entry.entry_case() == record::Entry::ENTRY_NOT_SET)
    return Error{"no entry", EINVAL};
  return entry;
}

Result<TabRecording> ReadRecordingFile(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.error();
  TabRecording recording;
  recording.path = path;
  size_t slash = path.rfind('/');
  recording.name = slash == std::string::npos ? path : path.substr(slash + 1);
  Checker checker(recording);
  std::string_view rest(*text);
  int line_number = 0;
  while (!rest.empty()) {
    ++line_number;
    size_t newline = rest.find('\n');
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    std::string_view line = rest.substr(0, newline);
    if (line.size() > kMaxRecordLineBytes)
      return Error{where + "line longer than " +
                       std::to_string(kMaxRecordLineBytes) + " bytes",
                   EINVAL};
    if (newline == std::string_view::npos) {
      // Cut short (the manager was killed mid-write): not an entry.
      recording.note = where + "no newline at the end (recording cut short?); "
                               "line ignored";
      break;
    }
    rest.remove_prefix(newline + 1);
    auto entry = ParseEntryLine(line);
    if (!entry.ok()) return Error{where + entry.error().message, EINVAL};
    std::string bad = checker.Add(std::move(entry).value(), line_number);
    if (!bad.empty()) return Error{where + bad, EINVAL};
  }
  if (!checker.have_header())
    return Error{path + ": no header (empty recording)", EINVAL};
  return recording;
}

Result<std::vector<TabRecording>> ReadRecordingDirectory(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return Error::FromErrno("open directory " + dir);
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(handle)) {
    std::string name = entry->d_name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".rec") == 0)
      names.push_back(std::move(name));
  }
  ::closedir(handle);
  if (names.empty())
    return Error{dir + ": no recordings (*.rec files) in it", ENOENT};
  if (names.size() > kMaxRecordFiles)
    return Error{dir + ": " + std::to_string(names.size()) +
                     " recordings, more than a replay takes (" +
                     std::to_string(kMaxRecordFiles) + ")",
                 E2BIG};
  std::sort(names.begin(), names.end());
  uint64_t total = 0;
  for (const std::string& name : names) {
    struct stat info {};
    if (::stat((dir + "/" + name).c_str(), &info) == 0 && S_ISREG(info.st_mode))
      total += uint64_t(info.st_size);
  }
  if (total > kMaxRecordDirectoryBytes)
    return Error{dir + ": " + std::to_string(total) +
                     " bytes of recordings, more than a replay takes (" +
                     std::to_string(kMaxRecordDirectoryBytes) + ")",
                 EFBIG};
  std::vector<TabRecording> recordings;
  for (const std::string& name : names) {
    auto recording = ReadRecordingFile(dir + "/" + name);
    if (!recording.ok()) return recording.error();
    recordings.push_back(std::move(recording).value());
  }
  std::stable_sort(recordings.begin(), recordings.end(),
                   [](const TabRecording& a, const TabRecording& b) {
                     const record::Header& x = a.header;
                     const record::Header& y = b.header;
                     return std::tuple(x.start_offset_us(), x.tab_id(),
                                       x.restarts()) <
                            std::tuple(y.start_offset_us(), y.tab_id(),
                                       y.restarts());
                   });
  return recordings;
}

}  // namespace tabsim
