// Every tab process's stdout and stderr, read through one socket: the
// manager holds one fd for all of them instead of a pipe a tab.
//
// The hub is a SOCK_DGRAM socket with SO_PASSCRED, autobound to an
// abstract address in the manager's network namespace. Each tab process
// gets a sender of its own (NewSender: a SOCK_DGRAM socket connected to
// the hub, non-blocking), dup'ed to its fds 1 and 2 by Spawn(); the
// manager closes its copy at once. Each write(2) of the tab is one
// datagram, and the kernel attaches the writer's pid to it, translated
// into the manager's PID namespace: a tab cannot write as another (in its
// own PID namespace it can name only itself and its init). The hub hands
// each datagram to the TabOutput added for that pid (Add), which splits,
// bounds, cleans and rate-limits the lines as it did for a pipe.
//
// What a writer can do to others: the hub's queue is the kernel's, at most
// net.unix.max_dgram_qlen datagrams. A full queue makes every sender's
// write fail with EAGAIN (the sender is non-blocking): a noisy tab drops
// output, its own and others', and stalls nobody. A tab that makes its own
// sender blocking (it is its own open file) blocks only itself. The hub
// reads at most kDatagramsPerWake datagrams per turn of the loop.
// Datagrams from a pid nobody added (a tab's own child, a process that
// found the abstract address) are dropped and counted (unclaimed()).
//
// Ownership: shared by the TabHost and its ProcessHosts (shared_ptr), so
// that it outlives every TabOutput added to it until Remove(). The
// TabOutputs stay their ProcessHosts'. Single-threaded, on the loop's
// thread. Create() fails (socket, bind) with the error; NewSender() fails
// with EMFILE when no fd is left, which the spawner reports.
#ifndef TABSIM_MANAGER_CORE_TAB_OUTPUT_HUB_H_
#define TABSIM_MANAGER_CORE_TAB_OUTPUT_HUB_H_

#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "common/unique_fd.h"
#include "manager/core/tab_output.h"

namespace tabsim {

class TabOutputHub : public std::enable_shared_from_this<TabOutputHub> {
 public:
  static constexpr int kDatagramsPerWake = 64;
  // ReadPending()'s bound: a process that has just ended sent a finite
  // amount, but others may be writing.
  static constexpr int kDatagramsPerDrain = 1024;

  static Result<std::shared_ptr<TabOutputHub>> Create(
      boost::asio::any_io_executor executor);
  TabOutputHub(const TabOutputHub&) = delete;
  TabOutputHub& operator=(const TabOutputHub&) = delete;
  ~TabOutputHub();

  // A new sender connected to the hub (non-blocking, close-on-exec), for
  // one process's stdout and stderr.
  Result<UniqueFd> NewSender() const;
  // Datagrams from `pid` go to `output` until Remove(pid, output). A pid
  // added again (reused by a new process before the old one was removed)
  // goes to the newer output.
  void Add(pid_t pid, TabOutput* output);
  // Only if `pid` still goes to `output`.
  void Remove(pid_t pid, const TabOutput* output);
  // Reads what is queued now, without waiting (at most
  // kDatagramsPerDrain): before a process's last lines are flushed.
  void ReadPending();

  // The hub's address, for tests ("\0" and five hex digits).
  const std::string& address() const { return address_; }
  uint64_t datagrams() const { return datagrams_; }
  uint64_t unclaimed() const { return unclaimed_; }
  size_t outputs() const { return outputs_.size(); }

 private:
  TabOutputHub(boost::asio::any_io_executor executor, UniqueFd socket,
               std::string address);
  // Waits for the next datagram, while any output is added.
  void Arm();
  // Reads and hands on at most `most` datagrams; false when none is left.
  bool Read(int most);
  void ArmFlush();

  boost::asio::posix::stream_descriptor socket_;
  std::string address_;
  // Armed only while an output is added, so that the hub keeps the loop
  // running no longer than the tabs do.
  bool armed_ = false;
  boost::asio::steady_timer flush_;
  bool flush_armed_ = false;
  std::unordered_map<pid_t, TabOutput*> outputs_;
  uint64_t datagrams_ = 0;
  uint64_t unclaimed_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_OUTPUT_HUB_H_
