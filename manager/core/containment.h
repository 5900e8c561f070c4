// How the manager contains its tab processes (docs/security.md,
// "Containment"), decided once per manager process:
//   - namespaces (common/namespaces.h) where the kernel allows them and
//     tabsim-init is found: each tab process runs under tabsim-init, PID 1
//     of its own PID namespace (with its own user, network and IPC
//     namespaces), so whatever it forks dies with it;
//   - otherwise the fallback: this process becomes a child subreaper, each
//     tab's process group is SIGKILLed when the tab is reaped, and an
//     OrphanWatch kills and reaps whatever a tab left behind that was
//     reparented to us (common/orphan_reaper.h). The fallback is announced
//     once, loudly (a warning naming the reason), when it is decided.
// Namespaces are the default; the fallback is loud unless the user chose
// it (`tabsim run --no-tab-namespaces`). TABSIM_NO_NAMESPACES=1 stands for
// a kernel that refuses (tests).
#ifndef TABSIM_MANAGER_CORE_CONTAINMENT_H_
#define TABSIM_MANAGER_CORE_CONTAINMENT_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tabsim {

struct Containment {
  bool namespaces = false;
  std::string init_executable;  // tabsim-init, with namespaces
  std::string fallback_reason;  // why not namespaces; empty with them
};

// Thread-safe; the first call probes (and may log and prctl).
const Containment& DecideContainment();

// The fallback's orphan pass every `interval` on the loop while `busy()`
// (the host runs processes) or the last pass found something (an orphan
// killed is reaped by the next pass), and on demand. When neither holds it
// stops arming its timer, so a loop with nothing else to do can end; Start()
// arms it again. Owned by the TabHost; its destructor makes one last pass
// (what it kills then is reaped by init once we exit).
class OrphanWatch {
 public:
  static constexpr std::chrono::milliseconds kInterval{250};
  OrphanWatch(boost::asio::any_io_executor executor, std::function<bool()> busy,
              std::chrono::milliseconds interval = kInterval);
  OrphanWatch(const OrphanWatch&) = delete;
  OrphanWatch& operator=(const OrphanWatch&) = delete;
  ~OrphanWatch();

  // Arms the timer unless it is armed.
  void Start();
  // One pass now (a tab process just ended: its orphans are ours now).
  // True when it killed or reaped anything.
  bool PassNow();
  uint64_t killed() const { return killed_; }

 private:
  void Arm();

  boost::asio::steady_timer timer_;
  std::function<bool()> busy_;
  std::chrono::milliseconds interval_;
  bool armed_ = false;
  uint64_t killed_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_CONTAINMENT_H_
