#include "manager/timeline/timeline_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/check.h"

namespace tabsim {
namespace {

constexpr std::string_view kHead = "{\"traceEvents\":[\n";
// Each event line ends with ",\n" but the last one, which Close() writes.
constexpr std::string_view kSeparator = ",\n";

}  // namespace

Result<TimelineFile> TimelineFile::Create(const std::string& path,
                                          uint64_t max_bytes) {
  TABSIM_CHECK(max_bytes >= kMinMaxBytes) << "cap of " << max_bytes << " bytes";
  if (path.empty()) return Error{"empty file name", EINVAL};
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.IsValid()) return Error::FromErrno(path);
  TimelineFile file(path, std::move(fd), max_bytes);
  file.Put(kHead);
  return file;
}

TimelineFile::TimelineFile(std::string path, UniqueFd fd, uint64_t max_bytes)
    : path_(std::move(path)), fd_(std::move(fd)), max_bytes_(max_bytes) {
  buffer_.reserve(kBufferBytes);
}

bool TimelineFile::Append(std::string_view event) {
  if (!is_open() || full_ || error_) return false;
  if (bytes() + event.size() + kSeparator.size() + kTailReserve > max_bytes_) {
    full_ = true;
    return false;
  }
  Put(event);
  Put(kSeparator);
  ++events_;
  return !error_;
}

void TimelineFile::Put(std::string_view text) {
  if (buffer_.size() + text.size() > kBufferBytes) WriteOut();
  if (error_) return;
  buffer_.append(text);  // an event longer than the buffer grows it once
}

void TimelineFile::Flush() {
  if (is_open() && !error_) WriteOut();
}

void TimelineFile::WriteOut() {
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_.get(), buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error_ = Error::FromErrno("writing " + path_, n < 0 ? errno : EIO);
      buffer_.clear();
      return;
    }
    done += size_t(n);
  }
  written_ += done;
  buffer_.clear();
}

Status TimelineFile::Close(std::string_view last_event,
                           std::string_view metadata) {
  TABSIM_CHECK(is_open()) << "Close() twice";
  TABSIM_CHECK(last_event.size() + metadata.size() + 64 <= kTailReserve)
      << "the end of a timeline is " << last_event.size() + metadata.size()
      << " bytes";
  if (!error_) {
    Put(last_event);
    Put("\n],\n\"displayTimeUnit\":\"ms\",\n\"metadata\":");
    Put(metadata);
    Put("}\n");
    ++events_;
    WriteOut();
  }
  fd_.reset();
  if (error_) return *error_;
  return Status::Ok();
}

}  // namespace tabsim
