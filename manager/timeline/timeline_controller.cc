#include "manager/timeline/timeline_controller.h"

#include <cerrno>


namespace tabsim {
namespace {

constexpr char kPrefix[] = "timeline: ";

}  // namespace

TimelineController::TimelineController(
    boost::asio::any_io_executor executor, TabHost& host,
    std::function<void(const std::string& line)> report)
    : executor_(std::move(executor)), host_(host), report_(std::move(report)) {}

TimelineController::~TimelineController() { (void)Shutdown("the manager exits"); }

Result<std::string> TimelineController::StartTimeline(const std::string& path,
                                                      uint64_t max_bytes) {
  if (timeline_)
    return Error{kPrefix + std::string("already recording to ") +
                     timeline_->path() + " (timeline stop first)",
                 EBUSY};
  Timeline::Options options;
  options.path = path;
  options.max_bytes = max_bytes ? max_bytes : Timeline::kDefaultMaxBytes;
  options.on_stopped = [this](const std::string& line) { EndedByItself(line); };
  const uint64_t cap = options.max_bytes;
  auto started = Timeline::Start(executor_, host_, std::move(options));
  if (!started.ok()) return Error{kPrefix + started.error().message, started.error().error_number};
  timeline_ = std::move(started).value();
  return kPrefix + std::string("recording to ") + path + " (cap " +
         Timeline::FormatCap(cap) + ")";
}

Result<std::string> TimelineController::StopTimeline() {
  if (!timeline_) return Error{kPrefix + std::string("not started"), ENOENT};
  return Shutdown("stopped (timeline stop)");
}

Result<std::string> TimelineController::Shutdown(std::string_view why) {
  if (!timeline_) return std::string();
  Result<std::string> stopped = timeline_->Stop(why);
  timeline_.reset();
  if (!stopped.ok()) return Error{kPrefix + stopped.error().message, stopped.error().error_number};
  return kPrefix + *stopped;
}

void TimelineController::EndedByItself(const std::string& line) {
  timeline_.reset();
  if (report_) report_(kPrefix + line);
}

}  // namespace tabsim
