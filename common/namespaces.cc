#include "common/namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/wait_status.h"

namespace tabsim {
namespace {

// open, write, close: async-signal-safe. False with errno on failure.
bool WriteSelf(const char* path, const char* text) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const size_t length = std::strlen(text);
  const bool ok = ::write(fd, text, length) == static_cast<ssize_t>(length);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

bool g_namespaces_declined = false;

SharedNamespaceFds g_shared;

// The uid_map and gid_map lines that map this process's ids to themselves
// ("1000 1000 1\n"), formatted before a fork so the child allocates nothing.
struct IdMapLines {
  char uid[32];
  char gid[32];
};

IdMapLines OwnIdMapLines() {
  IdMapLines lines;
  std::snprintf(lines.uid, sizeof(lines.uid), "%u %u 1\n", ::getuid(), ::getuid());
  std::snprintf(lines.gid, sizeof(lines.gid), "%u %u 1\n", ::getgid(), ::getgid());
  return lines;
}

// In the holder cloned with CLONE_NEWUSER: "deny" to /proc/self/setgroups
// (required before an unprivileged gid_map), then its own uid_map and
// gid_map, which an unprivileged process may write for itself when each
// maps just its own id. Async-signal-safe. False with errno set on failure.
bool WriteOwnIdMaps(const IdMapLines& lines) {
  // Kernels before 3.19 have no setgroups file and need no denial.
  if (!WriteSelf("/proc/self/setgroups", "deny") && errno != ENOENT) return false;
  return WriteSelf("/proc/self/uid_map", lines.uid) &&
         WriteSelf("/proc/self/gid_map", lines.gid);
}

// Makes the shared namespaces: a holder child is cloned into them, maps
// its ids and stops; their fds are opened through its /proc entry, and it
// is killed and reaped. The namespaces live on while an fd holds them.
std::string MakeSharedNamespaces(SharedNamespaceFds* shared) {
  const IdMapLines maps = OwnIdMapLines();
  pid_t holder = ForkWithFlags(kSharedNamespaces);
  if (holder < 0)
    return Error::FromErrno("clone(CLONE_NEWUSER|CLONE_NEWNET)").message;
  if (holder == 0) {
    // Linux errnos are below 134: 10 + errno fits an exit code.
    if (!WriteOwnIdMaps(maps)) ::_exit(10 + errno);
    ::kill(::getpid(), SIGSTOP);
    ::_exit(0);
  }
  siginfo_t info{};
  int rc = WaitForPid(holder, &info, WEXITED | WSTOPPED);
  std::string failed;
  if (rc == 0 && info.si_code == CLD_STOPPED) {
    const std::string proc = "/proc/" + std::to_string(holder) + "/ns/";
    shared->user = ::open((proc + "user").c_str(), O_RDONLY | O_CLOEXEC);
    if (shared->user < 0) failed = Error::FromErrno("open " + proc + "user").message;
    shared->net = ::open((proc + "net").c_str(), O_RDONLY | O_CLOEXEC);
    if (shared->net < 0 && failed.empty())
      failed = Error::FromErrno("open " + proc + "net").message;
    ::kill(holder, SIGKILL);
    WaitForPid(holder, &info, WEXITED);
  } else if (rc == 0 && info.si_code == CLD_EXITED && info.si_status >= 10) {
    failed = "writing its own uid/gid map in the new user namespace failed: " +
             std::string(std::strerror(info.si_status - 10));
  } else {
    failed = "the namespace holder child failed (status " +
             std::to_string(info.si_status) + ")";
  }
  return failed;
}

// What Spawn()'s children do, in a child of ours: join the shared
// namespaces, make their own, drop their capabilities. Empty, or why not.
std::string TrySpawnSteps(const SharedNamespaceFds& shared) {
  pid_t pid = ForkWithFlags(0);
  if (pid < 0) return Error::FromErrno("fork (probe)").message;
  if (pid == 0) {
    // An exit code tells the step and its errno: 10 + errno for setns,
    // 130 + errno for unshare (the errnos either can give are below 100).
    if (!EnterSharedNamespaces(shared)) ::_exit(10 + (errno < 100 ? errno : 0));
    if (::unshare(kPerChildNamespaces) != 0)
      ::_exit(130 + (errno < 100 ? errno : 0));
    ::_exit(DropCapabilitiesForExec() ? 0 : 2);
  }
  siginfo_t info{};
  const int rc = WaitForPid(pid, &info, WEXITED);
  const int status = info.si_status;
  const bool exited = rc == 0 && info.si_code == CLD_EXITED;
  if (exited && status == 0) return "";
  if (exited && status >= 10 && status < 110)
    return "setns into the shared namespaces failed: " +
           std::string(std::strerror(status - 10));
  if (exited && status >= 130 && status < 230)
    return "unshare(CLONE_NEWPID|CLONE_NEWIPC) failed: " +
           std::string(std::strerror(status - 130));
  if (exited && status == 2)
    return "dropping capabilities in the shared user namespace failed";
  return "the probe child failed (status " + std::to_string(status) + ")";
}

NamespaceProbe Probe() {
  if (!NamespaceWanted()) return {false, "turned off (--no-tab-namespaces)"};
  const char* forced = std::getenv("TABSIM_NO_NAMESPACES");
  if (forced != nullptr && *forced != '\0' && std::strcmp(forced, "0") != 0)
    return {false, "TABSIM_NO_NAMESPACES=" + std::string(forced)};
  SharedNamespaceFds shared;
  std::string failed = MakeSharedNamespaces(&shared);
  if (failed.empty()) failed = TrySpawnSteps(shared);
  if (!failed.empty()) {
    if (shared.user >= 0) ::close(shared.user);
    if (shared.net >= 0) ::close(shared.net);
    return {false, failed};
  }
  g_shared = shared;
  return {true, ""};
}

}  // namespace

void DeclineTabNamespaces() { g_namespaces_declined = true; }

bool NamespaceWanted() { return !g_namespaces_declined; }


const NamespaceProbe& NamespaceSupport() {
  static const NamespaceProbe probe = Probe();
  return probe;
}

const SharedNamespaceFds& SharedSandboxNamespaces() { return g_shared; }

bool EnterSharedNamespaces(const SharedNamespaceFds& shared) {
  return ::setns(shared.user, CLONE_NEWUSER) == 0 &&
         ::setns(shared.net, CLONE_NEWNET) == 0;
}

pid_t ForkWithFlags(int flags, int* pidfd) {
  // x86-64 and arm64 agree on (flags, stack, parent_tid, child_tid, tls);
  // a null stack means the child runs on a copy of ours, as after fork().
  // CLONE_PIDFD writes the pidfd where parent_tid points.
  if (pidfd != nullptr) flags |= CLONE_PIDFD;
  return static_cast<pid_t>(
      ::syscall(SYS_clone, static_cast<unsigned long>(flags | SIGCHLD),
                nullptr, pidfd, nullptr, 0));
}

bool DropCapabilitiesForExec() {
  // The bounding set first: dropping from it needs CAP_SETPCAP, which the
  // capset below takes away. EINVAL marks the end of the kernel's list.
  for (int cap = 0; cap < 64; ++cap) {
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      if (errno == EINVAL) break;
      return false;
    }
  }
  if (::prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0,
              0) != 0)
    return false;
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
      errno != EINVAL)
    return false;
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace tabsim
