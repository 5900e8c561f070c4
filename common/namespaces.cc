#include "common/namespaces.h"

#include <fcntl.h>
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

NamespaceProbe Probe() {
  if (!NamespaceWanted()) return {false, "turned off (--no-tab-namespaces)"};
  const char* forced = std::getenv("TABSIM_NO_NAMESPACES");
  if (forced != nullptr && *forced != '\0' && std::strcmp(forced, "0") != 0)
    return {false, "TABSIM_NO_NAMESPACES=" + std::string(forced)};
  // What Spawn()'s child does: map its own ids, drop its capabilities.
  const IdMapLines maps = OwnIdMapLines();
  pid_t pid = ForkWithFlags(kSandboxNamespaces);
  if (pid < 0)
    return {false,
            Error::FromErrno(
                "clone(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWIPC)")
                .message};
  if (pid == 0) {
    // Linux errnos are below 134: 10 + errno fits an exit code.
    if (!WriteOwnIdMaps(maps)) ::_exit(10 + errno);
    ::_exit(DropCapabilitiesForExec() ? 0 : 2);
  }
  siginfo_t info{};
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
  } while (rc < 0 && errno == EINTR);
  if (rc == 0 && info.si_code == CLD_EXITED && info.si_status >= 10)
    return {false, "writing its own uid/gid map in the new user namespace failed: " +
                       std::string(std::strerror(info.si_status - 10))};
  if (rc == 0 && info.si_code == CLD_EXITED && info.si_status == 2)
    return {false, "dropping capabilities in the new user namespace failed"};
  if (rc == 0 && (info.si_code != CLD_EXITED || info.si_status != 0))
    return {false, "the probe child failed (status " +
                       std::to_string(info.si_status) + ")"};
  return {true, ""};
}

}  // namespace

void DeclineTabNamespaces() { g_namespaces_declined = true; }

bool NamespaceWanted() { return !g_namespaces_declined; }


const NamespaceProbe& NamespaceSupport() {
  static const NamespaceProbe probe = Probe();
  return probe;
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

IdMapLines OwnIdMapLines() {
  IdMapLines lines;
  std::snprintf(lines.uid, sizeof(lines.uid), "%u %u 1\n", ::getuid(), ::getuid());
  std::snprintf(lines.gid, sizeof(lines.gid), "%u %u 1\n", ::getgid(), ::getgid());
  return lines;
}

bool WriteOwnIdMaps(const IdMapLines& lines) {
  // Kernels before 3.19 have no setgroups file and need no denial.
  if (!WriteSelf("/proc/self/setgroups", "deny") && errno != ENOENT) return false;
  return WriteSelf("/proc/self/uid_map", lines.uid) &&
         WriteSelf("/proc/self/gid_map", lines.gid);
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
