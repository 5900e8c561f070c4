// The recording format (proto/record.proto, docs/record.md): formatting one
// Entry as a line, and reading a recording directory back.
//
// Reading is for files a user may have edited or cut short, so every
// problem is an Error whose message names the file and line ("tab-3.rec:7:
// ..."); nothing here CHECKs on file contents. A file is accepted only if
// it can be replayed exactly: a header first and only there, this format
// and protocol version, inputs numbered 1, 2, 3... (the sequence numbers a
// fresh session assigns), navigation ids counting up from the header's
// base, region generations counting up from 2, time never going
// backwards, frames never ahead of the commands before them nor behind
// the frame before them, and nothing after an End.
#ifndef TABSIM_MANAGER_RECORD_RECORDING_H_
#define TABSIM_MANAGER_RECORD_RECORDING_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "proto/record.pb.h"

namespace tabsim {

inline constexpr uint32_t kRecordFormatVersion = 1;
// Bounds on what a reader accepts.
inline constexpr size_t kMaxRecordLineBytes = 64 * 1024;
inline constexpr size_t kMaxRecordFileBytes = 256u << 20;
inline constexpr size_t kMaxRecordFiles = 1024;
// All the files of a directory together (what replay holds in memory).
inline constexpr uint64_t kMaxRecordDirectoryBytes = 1ull << 30;
// Timestamps and start offsets past ten days are refused (a replay would
// wait that long, and scaling them must not overflow).
inline constexpr uint64_t kMaxRecordMicros = 10ull * 86400 * 1000000;

// "tab-3.rec" for restarts == 0, else "tab-3.2.rec".
std::string RecordingFileName(int tab_id, int restarts);

// `entry` as one line of single-line text format, '\n' included.
std::string FormatEntry(const record::Entry& entry);
// The reverse. The error is protobuf's reason with a column
// ("column 12: Expected integer, got: x"), or "no entry" for a line that
// parses to an empty Entry.
Result<record::Entry> ParseEntryLine(std::string_view line);

// A command as recorded: `entry` holds an input, a navigate or a resize.
struct RecordedCommand {
  record::Entry entry;
  int line = 0;
};
struct RecordedFrame {
  uint64_t t_us = 0;
  record::Frame frame;
};

// One tab process's recording, checked as described above.
struct TabRecording {
  std::string path;
  std::string name;  // the file name, for messages
  record::Header header;
  std::vector<RecordedCommand> commands;
  std::vector<RecordedFrame> frames;
  std::optional<record::End> end;
  uint64_t end_t_us = 0;  // when the End was written
  uint64_t inputs = 0;  // input commands; the last sequence number
  // Set when the last line had no newline (a recording cut short by a
  // killed manager): that line was dropped.
  std::string note;
};

Result<TabRecording> ReadRecordingFile(const std::string& path);
// Every *.rec file in `dir` (other files are ignored), ordered by start
// offset, then tab id and restarts. At least one; each must read.
Result<std::vector<TabRecording>> ReadRecordingDirectory(const std::string& dir);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RECORD_RECORDING_H_
