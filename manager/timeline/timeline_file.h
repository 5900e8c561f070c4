// The timeline's file: a Chrome Trace Event Format JSON object written as
// it goes, one event per line, never held in memory whole:
//
//   {"traceEvents":[
//   {"name":"process_name","ph":"M",...},
//   ...
//   {"name":"timeline stopped","ph":"i",...}
//   ],
//   "displayTimeUnit":"ms",
//   "metadata":{...}}
//
// Events go through a buffer of kBufferBytes, written out with write(2)
// when the next event would not fit it and on Flush(); so the manager holds
// at most that much, whatever the run's length. The file is valid JSON once
// Close() has written its end (on stop, at the end of the run, or when the
// size cap is reached); a manager killed mid-run leaves it unterminated.
//
// The size cap bounds the whole file: Append() refuses an event that would
// leave less than kTailReserve bytes below `max_bytes`, which is kept for
// the last event and the end, so a capped file is still complete and
// valid.
//
// Ownership: owns the file descriptor (closed by Close() or the
// destructor). Errors are values: the first failed write is kept, nothing
// more is written, and Close() returns it. Single-threaded.
#ifndef TABSIM_MANAGER_TIMELINE_TIMELINE_FILE_H_
#define TABSIM_MANAGER_TIMELINE_TIMELINE_FILE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tabsim {

class TimelineFile {
 public:
  static constexpr size_t kBufferBytes = 64 * 1024;
  // Room kept under the cap for the last event and the end of the file.
  static constexpr size_t kTailReserve = 8 * 1024;
  // The smallest cap that holds a useful file.
  static constexpr uint64_t kMinMaxBytes = 4 * kTailReserve;

  // Creates (or truncates) `path` and writes the start of the file.
  // `max_bytes` >= kMinMaxBytes.
  static Result<TimelineFile> Create(const std::string& path,
                                     uint64_t max_bytes);
  TimelineFile(TimelineFile&&) = default;
  TimelineFile& operator=(TimelineFile&&) = default;
  // Closes the descriptor; a file not Close()d is left unterminated.
  ~TimelineFile() = default;

  // Appends one event (the text of one JSON object). False, writing
  // nothing, once the cap would be passed (full()) or a write failed.
  bool Append(std::string_view event);
  // Writes the buffer out now (the file grows while a run goes on).
  void Flush();
  // Writes `last_event` and the end of the file with `metadata` (the text
  // of a JSON object; both together at most kTailReserve bytes), and
  // closes it. The first write error, if any.
  Status Close(std::string_view last_event, std::string_view metadata);

  bool is_open() const { return fd_.IsValid(); }
  bool full() const { return full_; }
  const std::string& path() const { return path_; }
  uint64_t max_bytes() const { return max_bytes_; }
  // Bytes of the file so far, buffered ones included.
  uint64_t bytes() const { return written_ + buffer_.size(); }
  uint64_t events() const { return events_; }

 private:
  TimelineFile(std::string path, UniqueFd fd, uint64_t max_bytes);
  // Buffers `text`, writing the buffer out first if it would overflow.
  void Put(std::string_view text);
  void WriteOut();

  std::string path_;
  UniqueFd fd_;
  uint64_t max_bytes_ = 0;
  std::string buffer_;
  uint64_t written_ = 0;
  uint64_t events_ = 0;
  bool full_ = false;
  std::optional<Error> error_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TIMELINE_TIMELINE_FILE_H_
