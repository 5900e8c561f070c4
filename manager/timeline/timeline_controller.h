// The one timeline of a `tabsim run` (there is at most one at a time):
// started by --timeline FILE or by the `timeline start FILE` verb from any
// front end (TimelineSwitch), stopped by the verb, by the end of the run
// (Shutdown()), or by itself at its size cap.
//
// Messages are one line: "timeline: recording to FILE (cap 64 MiB)",
// "timeline: FILE: 1234 events, 210 KiB", "timeline: already recording to
// FILE", "timeline: not started", "timeline: FILE: Permission denied".
// When a timeline ends by itself the line goes to `report` (the run prints
// it on stderr), since no command is waiting for it.
//
// Ownership: owns the running Timeline; borrows the host, which must
// outlive it. Single-threaded, on the manager's loop.
#ifndef TABSIM_MANAGER_TIMELINE_TIMELINE_CONTROLLER_H_
#define TABSIM_MANAGER_TIMELINE_TIMELINE_CONTROLLER_H_

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>

#include "manager/commands/timeline_switch.h"
#include "manager/timeline/timeline.h"

namespace tabsim {

class TabHost;

class TimelineController final : public TimelineSwitch {
 public:
  TimelineController(boost::asio::any_io_executor executor, TabHost& host,
                     std::function<void(const std::string& line)> report);
  TimelineController(const TimelineController&) = delete;
  TimelineController& operator=(const TimelineController&) = delete;
  ~TimelineController();

  // TimelineSwitch.
  Result<std::string> StartTimeline(const std::string& path,
                                    uint64_t max_bytes) override;
  Result<std::string> StopTimeline() override;

  // The run ends: stops the running timeline, if any, with `why`. Its
  // line, or an empty one when none ran.
  Result<std::string> Shutdown(std::string_view why);
  bool running() const { return timeline_ != nullptr; }

 private:
  void EndedByItself(const std::string& line);

  boost::asio::any_io_executor executor_;
  TabHost& host_;
  std::function<void(const std::string& line)> report_;
  std::unique_ptr<Timeline> timeline_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TIMELINE_TIMELINE_CONTROLLER_H_
