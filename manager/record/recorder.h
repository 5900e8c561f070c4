// Recorder: `tabsim run --record DIR`. Writes one file per tab process
// (manager/recording.h, docs/record.md): a Header when the tab goes live,
// then every input, navigate and resize the session sends (as the
// CommandRecorder the host gives each user tab), every frame's key and
// FrameHash, and an End when the process is gone.
//
// Failure: a write error (disk full) stops the recording of that tab and is
// reported once on stderr ("tabsim: recording stopped: ..."); the manager
// goes on. ok() tells afterwards whether every file is complete.
//
// Ownership: the recorder owns its files (closed, flushed, by OnTabLost or
// the destructor). It must outlive the TabHost that calls it. Everything on
// the manager's loop thread.
#ifndef TABSIM_MANAGER_RECORD_RECORDER_H_
#define TABSIM_MANAGER_RECORD_RECORDER_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>

#include "common/result.h"
#include "manager/core/command_recorder.h"
#include "manager/core/tab_observer.h"
#include "proto/record.pb.h"

namespace tabsim {

class Recorder : public TabObserver, public CommandRecorder {
 public:
  using Clock = std::chrono::steady_clock;

  // Creates `dir` (0755) if it does not exist; refuses an existing
  // directory that is not empty, or something that is not a directory.
  static Result<std::unique_ptr<Recorder>> Create(const std::string& dir);
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;
  ~Recorder() override;  // CloseAll()

  // Flushes and closes every file still open (the tabs' processes outlived
  // the loop), reporting errors as writes do. Later events for them are
  // ignored.
  void CloseAll();

  // TabObserver.
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTabLost(const TabSession& tab) override;
  // CommandRecorder.
  void OnCommand(const TabSession& tab,
                 const proto::ManagerToTab& message) override;

  const std::string& dir() const { return dir_; }
  // Files started so far (one per tab process), and distinct tab ids.
  size_t files() const { return files_; }
  size_t tabs() const { return tab_ids_.size(); }
  // False once any write failed.
  bool ok() const { return !failed_; }

 private:
  struct TabFile {
    std::FILE* file = nullptr;
    std::string path;
    Clock::time_point live_at{};
    Clock::time_point flushed_at{};
    uint64_t navigation_base = 0;
    // BeginFrames written to this file, the last one, and the last a
    // written frame answered: a frame is tied to its BeginFrame only when
    // that BeginFrame is in the file (see record.proto's Frame).
    uint64_t first_begin_frame = 0;
    uint64_t last_begin_frame = 0;
    uint64_t last_answered_begin_frame = 0;
  };
  using Key = std::pair<int, int>;  // tab id, restarts

  Recorder(std::string dir, Clock::time_point created_at);
  TabFile* Find(const TabSession& tab);
  // Writes entry_ stamped with the time since the tab went live. On an
  // error reports it, closes the file and forgets it (`file` is gone).
  void Write(const Key& key, TabFile& file);
  void Fail(const Key& key, TabFile& file, int error_number);

  std::string dir_;
  Clock::time_point created_at_;
  std::map<Key, TabFile> open_;
  std::set<int> tab_ids_;
  size_t files_ = 0;
  bool failed_ = false;
  record::Entry entry_;  // reused
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RECORD_RECORDER_H_
