// Spawning a child the OpenBSD privsep way, and owning it until reaped.
//
// Spawn() forks; the child moves the requested fds to their fixed numbers,
// takes stdin from /dev/null, closes every other fd (close_range), resets
// its signal mask and dispositions, asks for SIGKILL when the parent dies
// (PR_SET_PDEATHSIG), puts itself in its own process group (so a terminal's
// Ctrl-C reaches only the manager, which then shuts tabs down in order), and
// execs. Only async-signal-safe calls run between fork and exec; everything
// the child needs is prepared before fork. An exec failure reaches the
// parent through a CLOEXEC pipe and Spawn() returns it as an error (the
// child is reaped), so a missing binary never looks like a hung tab.
// The child shares our fd table until it has taken a copy of only the few
// fds it needs, which Spawn() puts in "spawn slots" low in our table (a
// handful of /dev/null fds held for the process's life): a spawn costs
// the same beside 10 open fds or 10,000.
//
// With `namespaces` (common/namespaces.h) a go-between (the same
// vfork-style clone) joins the manager's shared user and network
// namespaces and clones the child from there into its own PID and IPC
// namespaces, as our child (CLONE_PARENT). The child checks a pidfd of the
// parent for whether the parent died before PR_SET_PDEATHSIG took
// (getppid() is 0 in a new PID namespace), drops every capability, and
// execs `init_executable`
// (tabsim-init, common/init_protocol.h) as PID 1 of its namespace, which
// forks and execs the program as PID 2. Spawn() returns once the program
// exec'ed (or its exec error); pid() is then the program's pid, the pidfd
// and the reaping are init's, the exit status is the program's (init
// exits with it encoded, common/init_protocol.h: no fd is held for init
// beyond its pidfd), and Signal() goes to the program through init (a
// queued signal), SIGKILL to init itself (which takes the whole namespace
// with it).
// With `output_fd` its stdout and stderr are that fd instead of ours.
// With `kill_group_on_exit` (the fallback where namespaces are not
// available) the child's process group is SIGKILLed when the child is
// reaped, so what it forked without setsid() goes with it.
//
// ChildProcess owns the pid and a pidfd for it (race-free signals and
// waiting, and readable when the child exits, so an event loop can watch
// it). It is move-only. If it is destroyed before the child was reaped, it
// SIGKILLs and reaps the child: a ChildProcess never leaves a zombie.
#ifndef TABSIM_COMMON_CHILD_PROCESS_H_
#define TABSIM_COMMON_CHILD_PROCESS_H_

#include <sys/types.h>

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/init_protocol.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace tabsim {

struct SpawnOptions {
  std::string executable;          // path; no PATH search
  std::vector<std::string> argv;   // argv[0] included
  // fds the child gets: {fd in the parent, number in the child}, at most
  // 16 (15 in namespaces, where init takes one). Targets must be >= 3 and
  // distinct. Nothing else survives besides 0, 1, 2.
  std::vector<std::pair<int, int>> fds;
  bool new_process_group = true;
  // stdout and stderr of the child (dup'ed to 1 and 2); -1: ours.
  int output_fd = -1;
  // Join the shared namespaces and clone into kPerChildNamespaces, with
  // `init_executable` as PID 1 in front of the program. Spawn() fails,
  // naming the reason, if NamespaceSupport() is not available.
  bool namespaces = false;
  std::string init_executable;
  // SIGKILL the child's process group (new_process_group required) when it
  // is reaped or killed by ~ChildProcess.
  bool kill_group_on_exit = false;
};

struct ChildExit {
  // Not a CLD_* value: the child was reaped by someone else (SIGCHLD set to
  // SIG_IGN), so its status is unknown.
  static constexpr int kReapedElsewhere = -1;
  // A `status` of CLD_EXITED: the program, under tabsim-init, exited with a
  // code from 128 to 255; init's one byte of exit status cannot say which.
  static constexpr int kHighExitCode = kProgramHighExitCode;
  int code = 0;    // si_code: CLD_EXITED, CLD_KILLED or CLD_DUMPED
  int status = 0;  // si_status: exit code or signal number
  std::string Describe() const;
};

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool IsValid() const { return pid_ > 0; }
  // The program's pid (in our PID namespace): for /proc, nice, the logs.
  pid_t pid() const { return program_pid_ > 0 ? program_pid_ : pid_; }
  // Our direct child: the program, or its init (in_namespaces()).
  pid_t child_pid() const { return pid_; }
  // Readable once the child has exited. Owned by this object and closed
  // when the child is reaped (-1 from then on).
  int pidfd() const { return pidfd_.get(); }
  // Hands the pidfd to an event loop that watches for the exit (one fd per
  // child instead of a dup). Signals then go by pid, which is as safe: until
  // this object reaps the child, nobody else can, so its pid cannot be
  // reused. Invalid once reaped or taken.
  UniqueFd TakePidfd() { return std::move(pidfd_); }
  // A new pidfd for our direct child (child_pid()), for a caller that gave
  // the first one up (TakePidfd) and needs one again. As safe as the first:
  // the child is ours and unreaped. Invalid (errno set) once reaped, or
  // when no fd is left.
  UniqueFd OpenPidfd() const;
  bool reaped() const { return exit_.has_value(); }
  const std::optional<ChildExit>& exit() const { return exit_; }
  // Spawned into namespaces: the program is PID 2 of its own PID
  // namespace, under tabsim-init.
  bool in_namespaces() const { return in_namespaces_; }

  // Sends `signal` unless the child was already reaped. Errors (ESRCH for a
  // child that exited but is not reaped yet) are returned, not logged. In
  // namespaces a signal other than SIGKILL is relayed by init: Ok means
  // init was asked, and it drops it if the program has just ended.
  Status Signal(int signal) const;
  // Reaps the child if it has exited; nullopt while it runs.
  std::optional<ChildExit> TryReap();
  // Blocks until the child exits and reaps it.
  ChildExit Reap();

 private:
  friend Result<ChildProcess> Spawn(const SpawnOptions& options);
  ChildProcess(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}
  std::optional<ChildExit> Wait(int flags);
  void KillAndReap();

  void KillGroup() const;

  pid_t pid_ = -1;
  pid_t program_pid_ = -1;  // under init; -1: pid_ is the program
  UniqueFd pidfd_;
  std::optional<ChildExit> exit_;
  bool in_namespaces_ = false;
  bool kill_group_on_exit_ = false;
};

Result<ChildProcess> Spawn(const SpawnOptions& options);

// The orphan reaper (common/orphan_reaper.h) leaves the children Spawn()
// made to their owners. Holding the guard keeps Spawn() (on any thread)
// from forking, so a child cannot be seen before it is registered;
// IsSpawnedChild() is true from the fork until the reap.
std::unique_lock<std::mutex> GuardSpawnedChildren();
bool IsSpawnedChild(pid_t pid, const std::unique_lock<std::mutex>& guard);

}  // namespace tabsim

#endif  // TABSIM_COMMON_CHILD_PROCESS_H_
