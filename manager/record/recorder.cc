#include "manager/record/recorder.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "common/protocol.h"
#include "manager/core/frame_hash.h"
#include "manager/record/recording.h"
#include "manager/core/tab_session.h"

namespace tabsim {
namespace {

// How long written lines may sit in stdio's buffer: a manager killed with
// SIGKILL loses at most this much of the recording.
constexpr auto kFlushInterval = std::chrono::milliseconds(200);

uint64_t Micros(std::chrono::steady_clock::duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return us > 0 ? uint64_t(us) : 0;
}

Status CheckEmptyDirectory(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return Error::FromErrno("open directory " + dir);
  bool empty = true;
  while (dirent* entry = ::readdir(handle)) {
    if (std::strcmp(entry->d_name, ".") != 0 &&
        std::strcmp(entry->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  ::closedir(handle);
  if (!empty)
    return Error{dir + ": directory not empty (a recording needs a new or "
                       "empty directory)",
                 ENOTEMPTY};
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Recorder>> Recorder::Create(const std::string& dir) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) {
    if (errno != ENOENT) return Error::FromErrno("stat " + dir);
    if (::mkdir(dir.c_str(), 0755) != 0) return Error::FromErrno("mkdir " + dir);
  } else if (!S_ISDIR(info.st_mode)) {
    return Error{dir + ": not a directory", ENOTDIR};
  } else if (Status empty = CheckEmptyDirectory(dir); !empty.ok()) {
    return empty.error();
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return Error::FromErrno("cannot write into " + dir);
  return std::unique_ptr<Recorder>(new Recorder(dir, Clock::now()));
}

Recorder::Recorder(std::string dir, Clock::time_point created_at)
    : dir_(std::move(dir)), created_at_(created_at) {}

Recorder::~Recorder() { CloseAll(); }

void Recorder::CloseAll() {
  for (auto& [key, file] : open_) {
    if (std::fclose(file.file) != 0) {
      std::fprintf(stderr, "tabsim: recording stopped: %s: %s\n",
                   file.path.c_str(), std::strerror(errno));
      failed_ = true;
    }
  }
  open_.clear();
}

Recorder::TabFile* Recorder::Find(const TabSession& tab) {
  auto it = open_.find(Key(tab.id(), tab.restarts()));
  return it == open_.end() ? nullptr : &it->second;
}

void Recorder::OnTabLive(const TabSession& tab) {
  const Key key(tab.id(), tab.restarts());
  if (open_.count(key)) return;  // one file per process
  const std::string path =
      dir_ + "/" + RecordingFileName(tab.id(), tab.restarts());
  // "x": never overwrite a recording; "e": O_CLOEXEC, so tabs do not
  // inherit it.
  std::FILE* handle = std::fopen(path.c_str(), "wxe");
  if (handle == nullptr) {
    std::fprintf(stderr, "tabsim: recording stopped: %s: %s\n", path.c_str(),
                 std::strerror(errno));
    failed_ = true;
    return;
  }
  ++files_;
  tab_ids_.insert(tab.id());
  TabFile& file = open_[key];
  file.file = handle;
  file.path = path;
  file.live_at = Clock::now();
  file.flushed_at = file.live_at;
  file.navigation_base = tab.navigation_id();

  entry_.Clear();
  record::Header* header = entry_.mutable_header();
  header->set_format_version(kRecordFormatVersion);
  header->set_protocol_version(kProtocolVersion);
  header->set_tab_id(uint32_t(tab.id()));
  header->set_restarts(uint32_t(tab.restarts()));
  header->set_url(tab.url());
  header->set_width(uint32_t(tab.width()));
  header->set_height(uint32_t(tab.height()));
  header->set_navigation_base(file.navigation_base);
  header->set_start_offset_us(Micros(file.live_at - created_at_));
  Write(key, file);
}

void Recorder::OnCommand(const TabSession& tab,
                         const proto::ManagerToTab& message) {
  TabFile* file = Find(tab);
  if (file == nullptr) {
    // Not live yet as far as we know (or its file failed).
    TABSIM_LOG(kDebug) << "recorder: tab " << tab.id()
                       << ": command before the tab went live, not recorded";
    return;
  }
  entry_.Clear();
  switch (message.message_case()) {
    case proto::ManagerToTab::kInput:
      *entry_.mutable_input() = message.input();
      break;
    case proto::ManagerToTab::kNavigate:
      *entry_.mutable_navigate() = message.navigate();
      break;
    case proto::ManagerToTab::kResize:
      *entry_.mutable_resize() = message.resize();
      break;
    case proto::ManagerToTab::kBeginFrame: {
      // As the tab sees it: both times in whole microseconds.
      const int64_t origin_us =
          std::chrono::duration_cast<std::chrono::microseconds>(
              tab.time_origin().time_since_epoch())
              .count();
      record::BeginFrame* begin = entry_.mutable_begin_frame();
      begin->set_sequence(message.begin_frame().sequence());
      begin->set_frame_offset_us(
          int64_t(message.begin_frame().frame_time_us()) - origin_us);
      begin->set_interval_us(message.begin_frame().interval_us());
      if (file->first_begin_frame == 0) file->first_begin_frame = begin->sequence();
      file->last_begin_frame = begin->sequence();
      break;
    }
    default:
      return;  // plumbing, not a command
  }
  Write(Key(tab.id(), tab.restarts()), *file);
}

void Recorder::OnFrame(const TabSession& tab, const FrameView& frame) {
  TabFile* file = Find(tab);
  // Below the base: an in-flight frame of a spare's page, from before the
  // navigation that gave the tab its page.
  if (file == nullptr || frame.navigation_id < file->navigation_base) return;
  entry_.Clear();
  record::Frame* out = entry_.mutable_frame();
  out->set_sequence(frame.sequence);
  out->set_last_input_sequence(frame.last_input_sequence);
  out->set_navigation(frame.navigation_id - file->navigation_base);
  out->set_region_generation(frame.region_generation);
  out->set_width(uint32_t(frame.width));
  out->set_height(uint32_t(frame.height));
  out->set_hash(FrameHash(frame));
  const uint64_t begin = frame.begin_frame_sequence;
  if (begin != 0 && begin >= file->first_begin_frame &&
      begin <= file->last_begin_frame && begin > file->last_answered_begin_frame) {
    out->set_begin_frame_sequence(begin);
    file->last_answered_begin_frame = begin;
  }
  Write(Key(tab.id(), tab.restarts()), *file);
}

void Recorder::OnTabLost(const TabSession& tab) {
  const Key key(tab.id(), tab.restarts());
  TabFile* file = Find(tab);
  if (file == nullptr) return;
  entry_.Clear();
  entry_.mutable_end()->set_cause(tab.cause());
  entry_.mutable_end()->set_state(ToString(tab.state()));
  Write(key, *file);
  file = Find(tab);
  if (file == nullptr) return;  // the write failed and closed it
  std::FILE* handle = file->file;
  std::string path = file->path;
  open_.erase(key);
  if (std::fclose(handle) != 0) {
    std::fprintf(stderr, "tabsim: recording stopped: %s: %s\n", path.c_str(),
                 std::strerror(errno));
    failed_ = true;
  }
}

void Recorder::Write(const Key& key, TabFile& file) {
  const Clock::time_point now = Clock::now();
  if (!entry_.has_header()) entry_.set_t_us(Micros(now - file.live_at));
  const std::string line = FormatEntry(entry_);
  errno = 0;
  if (std::fwrite(line.data(), 1, line.size(), file.file) != line.size())
    return Fail(key, file, errno ? errno : EIO);
  if (now - file.flushed_at >= kFlushInterval || entry_.has_end()) {
    file.flushed_at = now;
    if (std::fflush(file.file) != 0) return Fail(key, file, errno);
  }
}

void Recorder::Fail(const Key& key, TabFile& file, int error_number) {
  std::fprintf(stderr, "tabsim: recording stopped: %s: %s\n", file.path.c_str(),
               std::strerror(error_number));
  failed_ = true;
  std::fclose(file.file);  // already failed; its own error adds nothing
  open_.erase(key);
}

}  // namespace tabsim
