#include "manager/core/containment.h"

#include "common/log.h"
#include "common/namespaces.h"
#include "common/orphan_reaper.h"
#include "manager/core/tab_executable.h"

namespace tabsim {

const Containment& DecideContainment() {
  static const Containment containment = [] {
    Containment decided;
    const NamespaceProbe& probe = NamespaceSupport();
    std::string reason = probe.reason;
    if (probe.available) {
      auto init = FindInitExecutable();
      if (init.ok()) {
        decided.namespaces = true;
        decided.init_executable = *init;
        return decided;
      }
      reason = init.error().message;
    }
    decided.fallback_reason = reason;
    Status subreaper = BecomeSubreaper();
    if (!NamespaceWanted()) {
      // Someone chose this: say it once, quietly.
      TABSIM_LOG(kInfo) << "containment: process groups and a subreaper ("
                        << reason << ")"
                        << (subreaper.ok() ? "" : "; " + subreaper.error().message);
      return decided;
    }
    TABSIM_LOG(kWarning)
        << "CONTAINMENT FALLBACK: tabs run WITHOUT namespaces ("
        << reason
        << "): a tab's own process group is killed with it and this manager "
           "kills what its tabs leave behind as a subreaper"
        << (subreaper.ok() ? "" : " (but " + subreaper.error().message + ")")
        << "; nothing contains a tab's descendants if the manager is "
           "SIGKILLed, and tabs share the manager's network and IPC "
           "(docs/security.md)";
    return decided;
  }();
  return containment;
}

OrphanWatch::OrphanWatch(boost::asio::any_io_executor executor,
                         std::function<bool()> busy,
                         std::chrono::milliseconds interval)
    : timer_(executor), busy_(std::move(busy)), interval_(interval) {}

OrphanWatch::~OrphanWatch() {
  alive_.reset();
  PassNow();
}

void OrphanWatch::Start() {
  if (!armed_) Arm();
}

void OrphanWatch::Arm() {
  armed_ = true;
  timer_.expires_after(interval_);
  timer_.async_wait([this, alive = std::weak_ptr<bool>(alive_)](
                        boost::system::error_code error) {
    if (error || alive.expired()) return;
    armed_ = false;
    const bool found = PassNow();
    if (found || (busy_ && busy_())) Arm();
  });
}

bool OrphanWatch::PassNow() {
  OrphanPass pass = KillOrphans();
  for (pid_t pid : pass.killed) {
    ++killed_;
    TABSIM_LOG(kInfo) << "killed pid " << pid
                      << ", left behind by a tab (containment fallback)";
  }
  return !pass.killed.empty() || !pass.reaped.empty();
}

}  // namespace tabsim
