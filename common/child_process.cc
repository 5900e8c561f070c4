#include "common/child_process.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sched.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <new>
#include <set>

#include "common/check.h"
#include "common/fd_passing.h"
#include "common/init_protocol.h"
#include "common/namespaces.h"
#include "common/wait_status.h"

namespace tabsim {
namespace {

int PidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

int PidfdSendSignal(int pidfd, int signal) {
  return static_cast<int>(
      ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

// Reports errno to the parent through the exec-error pipe and exits.
[[noreturn]] void Fail(int error_pipe) {
  int error = errno;
  ssize_t ignored = ::write(error_pipe, &error, sizeof(error));
  (void)ignored;
  ::_exit(127);
}

// The most fds a child may be given (SpawnOptions::fds).
constexpr size_t kMaxFds = 16;

// The child's fd table. A clone without CLONE_FILES copies the parent's
// whole table into the child (a reference taken on every open file), and
// the child then closes all but a few of them: two walks over every fd
// the manager holds, a spawn, while the manager waits (vfork). Opening
// the 3,000th to 8,000th of 10,000 tabs, a quarter of the machine's CPU
// went to that (perf, docs/benchmarks.md), growing with every tab. So the
// child shares our table (CLONE_FILES) and, first
// thing, takes a private copy of only its lowest fds
// (close_range(end, ~0U, CLOSE_RANGE_UNSHARE), Linux 5.9, copies the fds
// below `end` alone). What it needs is put down there first: a few slots
// low in our table, reserved at the first spawn (each an fd of
// /dev/null), onto which Spawn() dup3()s the child's fds, and which it
// points back at /dev/null once the child has exec'ed. Sanitizer builds,
// which fork, copy the table and use no slots (the parent may refill the
// slots before a forked child has run, and under a low RLIMIT_NOFILE the
// second copy of each fd would cost the child room it lacks).
class SpawnSlots {
 public:
  // The fds in their slots, in order: slot(i) holds fds[i]. False with
  // errno (EMFILE: no room for a slot). Guarded by SpawnedMutex().
  bool Fill(const int* fds, size_t count) {
    if (!Reserve(count)) return false;
    for (size_t i = 0; i < count; ++i) {
      if (::dup3(fds[i], slots_[i + 1], O_CLOEXEC) < 0) {
        Clear(i);
        return false;
      }
    }
    filled_ = count;
    return true;
  }
  // Points every filled slot back at /dev/null, dropping our extra
  // references (the error pipe's write end among them).
  void Clear() { Clear(filled_); }
  int slot(size_t i) const { return slots_[i + 1]; }
  // One past the highest slot: the child keeps the fds below it.
  int end() const { return end_; }

 private:
  bool Reserve(size_t count) {
    if (slots_.empty()) {
      const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (null_fd < 0) return false;
      slots_.push_back(null_fd);  // slots_[0]: what a cleared slot holds
      end_ = null_fd + 1;
    }
    while (slots_.size() < count + 1) {
      const int slot = ::fcntl(slots_[0], F_DUPFD_CLOEXEC, 3);
      if (slot < 0) return false;
      slots_.push_back(slot);
      end_ = std::max(end_, slot + 1);
    }
    return true;
  }
  void Clear(size_t count) {
    for (size_t i = 0; i < count; ++i)
      TABSIM_CHECK(::dup3(slots_[0], slots_[i + 1], O_CLOEXEC) >= 0)
          << "clearing a spawn slot failed";
    filled_ = 0;
  }

  std::vector<int> slots_;  // held for the process's life, never closed
  int end_ = 3;
  size_t filled_ = 0;
};

SpawnSlots& Slots() {
  static SpawnSlots* slots = new SpawnSlots;
  return *slots;
}

// What the child needs, all prepared before fork.
struct ChildPlan {
  const SpawnOptions* options;
  char* const* argv;
  int error_pipe;
  pid_t parent;
  int top_fd;
  // Where the child finds options->fds' sources and output_fd (their
  // spawn slots, or where they are for a forked child), and whether it shares our fd table until it keeps the
  // fds below fd_end (SpawnSlots).
  int sources[kMaxFds] = {};
  int output_fd = -1;
  bool shares_fd_table = false;
  int fd_end = 3;
  // Namespaces: a pidfd of the parent (readable once it died); the child
  // holds every capability of the shared user namespace, to be dropped.
  int parent_pidfd = -1;
  bool drop_capabilities = false;
};

// First thing in a child that shares our fd table: a table of its own
// holding only the fds below plan.fd_end (the slots among them). Nothing
// before this may change an fd: it would change ours.
void UnshareFdTable(const ChildPlan& plan) {
  if (!plan.shares_fd_table) return;
  constexpr unsigned kCloseRangeUnshare = 1U << 1;  // CLOSE_RANGE_UNSHARE
  if (::syscall(SYS_close_range, plan.fd_end, ~0U, kCloseRangeUnshare) == 0)
    return;
  // Before Linux 5.9: a copy of the whole table, closed by ArrangeFds.
  if (errno != EINVAL || ::unshare(CLONE_FILES) != 0) Fail(plan.error_pipe);
}

// The parent may have died before PR_SET_PDEATHSIG took. Outside a new PID
// namespace getppid() says so; inside it is 0 either way, so the child
// looks at a pidfd of the parent, which is readable once it died.
void CheckParentAlive(const ChildPlan& plan) {
  if (plan.parent_pidfd < 0) {
    if (::getppid() != plan.parent) ::_exit(126);
    return;
  }
  pollfd parent{plan.parent_pidfd, POLLIN, 0};
  if (::poll(&parent, 1, 0) != 0) ::_exit(126);
}

// Moves the requested fds (and the output fd to 1 and 2) into place, takes
// stdin from /dev/null and closes everything else. Returns the error pipe's
// new number.
int ArrangeFds(const ChildPlan& plan) {
  const SpawnOptions& options = *plan.options;
  const int top_fd = plan.top_fd;
  int error_pipe = plan.error_pipe;
  // Move the error pipe and every source fd above all targets first, so
  // that a dup2 onto a target cannot clobber one of them.
  int pipe_fd = ::fcntl(error_pipe, F_DUPFD_CLOEXEC, top_fd + 1);
  if (pipe_fd < 0) Fail(error_pipe);
  error_pipe = pipe_fd;
  int moved[kMaxFds];
  const size_t count = options.fds.size();  // <= kMaxFds (Spawn checks)
  for (size_t i = 0; i < count; ++i) {
    moved[i] = ::fcntl(plan.sources[i], F_DUPFD_CLOEXEC, top_fd + 1);
    if (moved[i] < 0) Fail(error_pipe);
  }
  int output = -1;
  if (plan.output_fd >= 0) {
    output = ::fcntl(plan.output_fd, F_DUPFD_CLOEXEC, top_fd + 1);
    if (output < 0) Fail(error_pipe);
  }
  for (size_t i = 0; i < count; ++i) {
    // dup2 clears FD_CLOEXEC on the target.
    if (::dup2(moved[i], options.fds[i].second) < 0) Fail(error_pipe);
  }
  if (output >= 0 && (::dup2(output, STDOUT_FILENO) < 0 ||
                      ::dup2(output, STDERR_FILENO) < 0))
    Fail(error_pipe);
  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0 || ::dup2(null_fd, STDIN_FILENO) < 0) Fail(error_pipe);

  // Close every fd that is not 0-2, a target, or the error pipe (which is
  // CLOEXEC and so goes away at exec).
  for (int fd = 3; fd <= top_fd; ++fd) {
    bool wanted = false;
    for (size_t i = 0; i < count; ++i) wanted |= options.fds[i].second == fd;
    if (!wanted) ::close(fd);
  }
  if (pipe_fd > top_fd + 1 &&
      ::syscall(SYS_close_range, top_fd + 1, pipe_fd - 1, 0) != 0)
    Fail(error_pipe);
  if (::syscall(SYS_close_range, pipe_fd + 1, ~0U, 0) != 0) Fail(error_pipe);
  return error_pipe;
}

// Runs in the child between fork and exec: async-signal-safe calls only, no
// allocation, no locks. Reports errno through the error pipe and _exits.
[[noreturn]] void ExecChild(const ChildPlan& plan) {
  UnshareFdTable(plan);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) Fail(plan.error_pipe);
  CheckParentAlive(plan);
  if (plan.drop_capabilities && !DropCapabilitiesForExec()) Fail(plan.error_pipe);
  if (plan.options->new_process_group && ::setpgid(0, 0) != 0)
    Fail(plan.error_pipe);
  int error_pipe = ArrangeFds(plan);

  // Handlers first, then the mask: Spawn() blocks every signal around the
  // clone, so none of the parent's handlers can run here (with CLONE_VM
  // they would run on the parent's memory).
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  sigset_t empty;
  sigemptyset(&empty);
  ::sigprocmask(SIG_SETMASK, &empty, nullptr);
  ::execv(plan.options->executable.c_str(), plan.argv);
  Fail(error_pipe);
}

// The child borrows the parent's memory until it execs, and the parent
// waits meanwhile (CLONE_VM | CLONE_VFORK, as posix_spawn does): no page
// tables are copied, so a spawn costs the same beside 10 tabs or 10,000
// (fork() copies the manager's page tables, which grow with every tab's
// frame mapping). It borrows the fd table too (CLONE_FILES), for the same
// reason, until it takes its few fds (SpawnSlots). ExecChild allocates
// nothing and touches nothing of the parent's but its own stack, given
// here. Sanitizer builds fork instead:
// their runtimes do not expect a second thread of control on their memory.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TABSIM_SPAWN_FORKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define TABSIM_SPAWN_FORKS 1
#endif
#endif

#if defined(TABSIM_SPAWN_FORKS)
constexpr bool kChildSharesFdTable = false;
#else
constexpr bool kChildSharesFdTable = true;
#endif

#if !defined(TABSIM_SPAWN_FORKS)
int VforkChildMain(void* plan) {
  ExecChild(*static_cast<const ChildPlan*>(plan));
}
#endif

// The child's pidfd comes back in `pidfd`, made by the clone itself
// (CLONE_PIDFD): a pidfd_open() afterwards would race anything that reaps
// it first (with SIGCHLD ignored the kernel does, as soon as it exits).
pid_t SpawnClone(const ChildPlan& plan, int namespaces, int* pidfd) {
#if defined(TABSIM_SPAWN_FORKS)
  pid_t pid = ForkWithFlags(namespaces, pidfd);
  if (pid == 0) ExecChild(plan);
  return pid;
#else
  constexpr size_t kStackBytes = 256 * 1024;
  void* stack = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  pid_t pid = ::clone(&VforkChildMain, static_cast<char*>(stack) + kStackBytes,
                      CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD |
                          namespaces | SIGCHLD,
                      const_cast<ChildPlan*>(&plan), pidfd);
  int saved = errno;
  ::munmap(stack, kStackBytes);
  errno = saved;
  return pid;
#endif
}

// Into namespaces, a go-between does the clone: the manager itself cannot
// join another user namespace (it would lose its own credentials), so a
// child of ours joins the shared ones (EnterSharedNamespaces) and from
// there clones the real child into kPerChildNamespaces with CLONE_PARENT,
// which makes that child ours, not the go-between's. The go-between shares
// our fd table (CLONE_FILES), so the child's pidfd (CLONE_PIDFD) lands in
// it, and writes its report into a shared anonymous page that we read
// after reaping it (shared memory is what lets the same code serve the
// vfork-style path and sanitizer builds, which fork). Chromium's zygote
// plays this part for its renderers, once and long-lived; a go-between
// lives for one spawn and costs one more clone.
struct GoBetweenReport {
  pid_t pid = -1;
  int pidfd = -1;
  int error = 0;
  bool entered = false;  // the setns calls succeeded
};

struct GoBetweenPlan {
  const ChildPlan* plan;
  const SharedNamespaceFds* shared;
  GoBetweenReport* report;
};

[[noreturn]] void GoBetween(const GoBetweenPlan& go) {
  GoBetweenReport& report = *go.report;
  if (!EnterSharedNamespaces(*go.shared)) {
    report.error = errno;
    ::_exit(1);
  }
  report.entered = true;
  report.pid = SpawnClone(*go.plan, kPerChildNamespaces | CLONE_PARENT, &report.pidfd);
  report.error = report.pid < 0 ? errno : 0;
  ::_exit(0);
}

#if !defined(TABSIM_SPAWN_FORKS)
int GoBetweenMain(void* go) { GoBetween(*static_cast<const GoBetweenPlan*>(go)); }
#endif

// The child's pid and its pidfd, as SpawnClone; on failure -1 with errno,
// and *step names what failed.
pid_t SpawnIntoNamespaces(const ChildPlan& plan, int* pidfd, const char** step) {
  const SharedNamespaceFds& shared = SharedSandboxNamespaces();
  *step = "clone (the namespace go-between)";
  void* page = ::mmap(nullptr, sizeof(GoBetweenReport), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return -1;
  auto* report = new (page) GoBetweenReport;
  GoBetweenPlan go{&plan, &shared, report};
#if defined(TABSIM_SPAWN_FORKS)
  pid_t between = ForkWithFlags(CLONE_FILES);
  if (between == 0) GoBetween(go);
#else
  constexpr size_t kStackBytes = 64 * 1024;
  void* stack = ::mmap(nullptr, kStackBytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  pid_t between = -1;
  if (stack != MAP_FAILED) {
    between = ::clone(&GoBetweenMain, static_cast<char*>(stack) + kStackBytes,
                      CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &go);
    int saved = errno;
    ::munmap(stack, kStackBytes);
    errno = saved;
  }
#endif
  pid_t pid = -1;
  int error = errno;
  if (between > 0) {
    siginfo_t info{};
    const int rc = WaitForPid(between, &info, WEXITED);
    // ECHILD: reaped by the kernel (SIGCHLD ignored); its report stands.
    TABSIM_CHECK(rc == 0 || errno == ECHILD)
        << "waitid on the namespace go-between failed";
    pid = report->pid;
    *pidfd = report->pidfd;
    error = report->error;
    if (!report->entered) *step = "setns (the shared namespaces)";
    else if (pid < 0) *step = "clone (namespaces)";
    if (pid < 0 && error == 0) {
      *step = "the namespace go-between";
      error = ECHILD;
    }
  }
  ::munmap(page, sizeof(GoBetweenReport));
  errno = error;
  return pid;
}

std::mutex& SpawnedMutex() {
  static std::mutex mutex;
  return mutex;
}

// Children Spawn() made and nobody reaped yet. Guarded by SpawnedMutex().
std::set<pid_t>& Spawned() {
  static std::set<pid_t>* spawned = new std::set<pid_t>;
  return *spawned;
}

void Unregister(pid_t pid) {
  std::lock_guard<std::mutex> lock(SpawnedMutex());
  Spawned().erase(pid);
}

// Reads one InitMessage and the sender's pid as we see it (0 when the
// kernel attached none). 0 on end of stream, -1 with errno.
ssize_t ReceiveFromInit(int control, InitMessage* message, pid_t* sender) {
  iovec io{message, sizeof(*message)};
  alignas(cmsghdr) char space[CMSG_SPACE(sizeof(ucred))];
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = space;
  header.msg_controllen = sizeof(space);
  ssize_t got;
  do {
    got = ::recvmsg(control, &header, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  *sender = got > 0 ? SenderPidClosingFds(&header) : 0;
  if (got > 0 && got != static_cast<ssize_t>(sizeof(*message))) {
    errno = EPROTO;
    return -1;
  }
  return got;
}

// After init exec'ed: waits (bounded) for the program's hello and init's
// word on its exec. The program's pid, or why not; *exec_failed when init
// said the program's exec failed (init then reaps it and exits by itself;
// after any other error it may not, and must be killed).
Result<pid_t> AwaitProgram(int control, bool* exec_failed) {
  *exec_failed = false;
  constexpr int kTimeoutMs = 10000;
  pid_t program = 0;
  for (;;) {
    pollfd ready{control, POLLIN, 0};
    int rc;
    do {
      rc = ::poll(&ready, 1, kTimeoutMs);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0)
      return Error{"tabsim-init said nothing within 10 s", ETIMEDOUT};
    InitMessage message;
    pid_t sender = 0;
    ssize_t got = ReceiveFromInit(control, &message, &sender);
    if (got < 0) return Error::FromErrno("tabsim-init control");
    if (got == 0) return Error{"tabsim-init ended before the program started", EPIPE};
    if (message.type == InitMessage::kProgram) {
      program = sender;
    } else if (message.type == InitMessage::kExec) {
      if (message.value != 0) {
        *exec_failed = true;
        return Error::FromErrno("execv", message.value);
      }
      if (program <= 0)
        return Error{"tabsim-init: the program's pid did not arrive", EPROTO};
      return program;
    } else {
      return Error{"tabsim-init sent message type " + std::to_string(message.type),
                   EPROTO};
    }
  }
}

}  // namespace

std::string ChildExit::Describe() const {
  if (code == kReapedElsewhere) return "exited (status unknown: reaped elsewhere)";
  if (code == CLD_EXITED && status == kHighExitCode)
    return "exited with a code of 128 or more (tabsim-init passes on no more)";
  return DescribeChildExit(code, status);
}

std::unique_lock<std::mutex> GuardSpawnedChildren() {
  return std::unique_lock<std::mutex>(SpawnedMutex());
}

bool IsSpawnedChild(pid_t pid, const std::unique_lock<std::mutex>& guard) {
  TABSIM_CHECK(guard.owns_lock() && guard.mutex() == &SpawnedMutex());
  return Spawned().count(pid) != 0;
}

Result<ChildProcess> Spawn(const SpawnOptions& requested) {
  TABSIM_CHECK(!requested.argv.empty());
  TABSIM_CHECK(!requested.kill_group_on_exit || requested.new_process_group);
  TABSIM_CHECK(!requested.namespaces || !requested.init_executable.empty())
      << "namespaces need an init";
  int top_fd = 2;
  for (const auto& [source, target] : requested.fds) {
    TABSIM_CHECK(source >= 0 && target >= 3) << "bad fd mapping";
    top_fd = std::max(top_fd, target);
  }
  // In namespaces the first child execs init, which gets the program's
  // fds, its end of the control socket just above them, and the program's
  // path and argv after "--".
  SpawnOptions with_init;
  UniqueFd control, init_end;
  if (requested.namespaces) {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0)
      return Error::FromErrno("socketpair (init control)");
    control.reset(pair[0]);
    init_end.reset(pair[1]);
    const int on = 1;
    if (::setsockopt(control.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) != 0)
      return Error::FromErrno("setsockopt SO_PASSCRED");
    with_init = requested;
    ++top_fd;
    with_init.fds.push_back({init_end.get(), top_fd});
    with_init.executable = requested.init_executable;
    with_init.argv = {requested.init_executable, kInitControlFdFlag,
                      std::to_string(top_fd), "--", requested.executable};
    with_init.argv.insert(with_init.argv.end(), requested.argv.begin(),
                          requested.argv.end());
  }
  const SpawnOptions& options = requested.namespaces ? with_init : requested;
  if (options.fds.size() > kMaxFds)
    return Error{"a child may be given at most " + std::to_string(kMaxFds) +
                     " fds, not " + std::to_string(options.fds.size()),
                 EMFILE};
  // Everything the child touches is built before fork.
  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return Error::FromErrno("pipe2");
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);
  // Namespaces: the child watches our pidfd and drops its capabilities.
  UniqueFd parent_pidfd;
  ChildPlan plan{&options, argv.data(), write_end.get(), ::getpid(), top_fd};
  if (options.namespaces) {
    const NamespaceProbe& probe = NamespaceSupport();
    if (!probe.available)
      return Error{"namespaces unavailable: " + probe.reason, EPERM};
    parent_pidfd.reset(PidfdOpen(::getpid()));
    if (!parent_pidfd.IsValid()) return Error::FromErrno("pidfd_open (self)");
    plan.parent_pidfd = parent_pidfd.get();
    plan.drop_capabilities = true;
  }

  pid_t pid;
  int pidfd_raw = -1;
  {
    // Registered before the orphan reaper can see it.
    std::lock_guard<std::mutex> lock(SpawnedMutex());
    // Where the child finds its fds: where they are, or (when it shares
    // our table) in the spawn slots, filled in the order of `fields`.
    for (size_t i = 0; i < options.fds.size(); ++i)
      plan.sources[i] = options.fds[i].first;
    plan.output_fd = options.output_fd;
    int* fields[kMaxFds + 3];
    size_t filled = 0;
    for (size_t i = 0; i < options.fds.size(); ++i) fields[filled++] = &plan.sources[i];
    fields[filled++] = &plan.error_pipe;
    if (plan.output_fd >= 0) fields[filled++] = &plan.output_fd;
    if (plan.parent_pidfd >= 0) fields[filled++] = &plan.parent_pidfd;
    // A forked child (sanitizer builds) has a copy of our table anyway:
    // it takes its fds where they are, and slots would only cost it room.
    const bool use_slots = kChildSharesFdTable;
    if (use_slots) {
      int wanted[kMaxFds + 3];
      for (size_t i = 0; i < filled; ++i) wanted[i] = *fields[i];
      if (!Slots().Fill(wanted, filled)) return Error::FromErrno("dup3 (spawn slots)");
      for (size_t i = 0; i < filled; ++i) *fields[i] = Slots().slot(i);
      plan.fd_end = Slots().end();
    }
    plan.shares_fd_table = use_slots;
    // No handler of ours may run in the child before it resets them.
    sigset_t all, old;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    const char* step = "clone";
    pid = options.namespaces ? SpawnIntoNamespaces(plan, &pidfd_raw, &step)
                             : SpawnClone(plan, 0, &pidfd_raw);
    int clone_errno = errno;
    // The child has exec'ed or failed (vfork).
    if (use_slots) Slots().Clear();
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (pid < 0) return Error::FromErrno(step, clone_errno);
    Spawned().insert(pid);
  }

  write_end.reset();
  UniqueFd pidfd(pidfd_raw);
  ChildProcess child(pid, std::move(pidfd));
  child.in_namespaces_ = options.namespaces;
  child.kill_group_on_exit_ = options.kill_group_on_exit;
  int child_errno = 0;
  ssize_t got;
  do {
    got = ::read(read_end.get(), &child_errno, sizeof(child_errno));
  } while (got < 0 && errno == EINTR);
  if (got == sizeof(child_errno)) {
    child.Reap();
    return Error::FromErrno("exec " + options.executable, child_errno);
  }
  if (!child.pidfd_.IsValid()) {
    // A kernel before 5.2 ignores CLONE_PIDFD. Cannot watch the child:
    // the destructor kills and reaps it rather than leave it unobserved.
    return Error{"clone gave no pidfd (CLONE_PIDFD needs Linux 5.2)", ENOSYS};
  }
  if (requested.namespaces) {
    init_end.reset();
    bool exec_failed = false;
    auto program = AwaitProgram(control.get(), &exec_failed);
    // Init closes its end after kExec: from here on it speaks through its
    // exit status (common/init_protocol.h), and we hold no fd for it.
    control.reset();
    if (!program.ok()) {
      // The destructor SIGKILLs and reaps init otherwise.
      if (exec_failed) child.Reap();
      return Error{exec_failed ? "exec " + requested.executable + ": " +
                                     program.error().message
                               : program.error().message,
                   program.error().error_number};
    }
    child.program_pid_ = *program;
  }
  return child;
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      program_pid_(std::exchange(other.program_pid_, -1)),
      pidfd_(std::move(other.pidfd_)),
      exit_(std::move(other.exit_)),
      in_namespaces_(other.in_namespaces_),
      kill_group_on_exit_(other.kill_group_on_exit_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::move(other.pidfd_);
    exit_ = std::move(other.exit_);
    program_pid_ = std::exchange(other.program_pid_, -1);
    in_namespaces_ = other.in_namespaces_;
    kill_group_on_exit_ = other.kill_group_on_exit_;
  }
  return *this;
}

ChildProcess::~ChildProcess() { KillAndReap(); }

void ChildProcess::KillGroup() const {
  // Only before the reap: until then the group's id cannot be reused.
  if (kill_group_on_exit_ && pid_ > 0 && !exit_) ::kill(-pid_, SIGKILL);
}

void ChildProcess::KillAndReap() {
  if (pid_ > 0 && !exit_) {
    KillGroup();
    if (pidfd_.IsValid()) {
      PidfdSendSignal(pidfd_.get(), SIGKILL);
    } else {
      ::kill(pid_, SIGKILL);
    }
    Reap();
  }
}

Status ChildProcess::Signal(int signal) const {
  TABSIM_CHECK(IsValid());
  if (exit_) return Error{"signal: process already reaped", ESRCH};
  if (in_namespaces_ && signal != SIGKILL) {
    // To the program, by init, which knows whether it is still there. Init
    // is our unreaped child, so its pid is still init's.
    sigval value{};
    value.sival_int = signal;
    if (::sigqueue(pid_, kInitRelaySignal, value) != 0)
      return Error::FromErrno("signal " + std::to_string(pid()) + " through tabsim-init");
    return Status::Ok();
  }
  int rc = pidfd_.IsValid() ? PidfdSendSignal(pidfd_.get(), signal)
                            : ::kill(pid_, signal);
  if (rc != 0) return Error::FromErrno("kill " + std::to_string(pid_));
  return Status::Ok();
}

std::optional<ChildExit> ChildProcess::Wait(int flags) {
  TABSIM_CHECK(IsValid());
  if (exit_) return exit_;
  siginfo_t info{};
  int rc;
  if (kill_group_on_exit_) {
    // Look first (WNOWAIT): the group dies while its id is still held.
    rc = WaitForPid(pid_, &info, WEXITED | WNOWAIT | flags);
    if (rc == 0 && info.si_pid == 0) return std::nullopt;
    if (rc == 0) KillGroup();
  }
  rc = WaitForPid(pid_, &info, WEXITED | flags);
  if (rc != 0 && errno == ECHILD) {
    // Someone reaped it for us: SIGCHLD inherited as SIG_IGN makes the
    // kernel do so (the manager resets it at start; a library user may
    // not). The exit status is lost, not our invariant.
    exit_ = ChildExit{ChildExit::kReapedElsewhere, 0};
    pidfd_.reset();
    Unregister(pid_);
    return exit_;
  }
  TABSIM_CHECK(rc == 0) << "waitid on our own child " << pid_ << " failed";
  if (info.si_pid == 0) return std::nullopt;  // WNOHANG, still running
  exit_ = ChildExit{info.si_code, info.si_status};
  if (in_namespaces_ && info.si_code == CLD_EXITED) {
    // Init exits with the program's end encoded; killed (SIGKILL, ours or
    // the OOM killer's), its own fate is the program's too.
    const ProgramEnd end = DecodeProgramEnd(info.si_status & 0xff);
    exit_ = ChildExit{end.code, end.status};
  }
  Unregister(pid_);
  // A reaped child's pid may be reused; its pidfd is of no further use and
  // would otherwise stay open as long as this object (a tab's record).
  pidfd_.reset();
  return exit_;
}

UniqueFd ChildProcess::OpenPidfd() const {
  if (!IsValid() || reaped()) {
    errno = ESRCH;
    return UniqueFd();
  }
  return UniqueFd(PidfdOpen(pid_));  // pidfds are close-on-exec
}

std::optional<ChildExit> ChildProcess::TryReap() { return Wait(WNOHANG); }

ChildExit ChildProcess::Reap() { return *Wait(0); }

}  // namespace tabsim
