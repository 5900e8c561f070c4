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
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"

namespace tabsim {
namespace {

Status WriteProcFile(pid_t pid, const char* name, const std::string& text) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.IsValid()) return Error::FromErrno("open " + path);
  ssize_t written = ::write(fd.get(), text.data(), text.size());
  if (written != static_cast<ssize_t>(text.size()))
    return Error::FromErrno("write " + path);
  return Status::Ok();
}

bool g_namespaces_declined = false;

NamespaceProbe Probe() {
  if (!NamespaceWanted()) return {false, "turned off (--no-tab-namespaces)"};
  const char* forced = std::getenv("TABSIM_NO_NAMESPACES");
  if (forced != nullptr && *forced != '\0' && std::strcmp(forced, "0") != 0)
    return {false, "TABSIM_NO_NAMESPACES=" + std::string(forced)};
  int sync[2];
  if (::pipe2(sync, O_CLOEXEC) != 0)
    return {false, Error::FromErrno("pipe2").message};
  UniqueFd read_end(sync[0]);
  UniqueFd write_end(sync[1]);
  const uid_t uid = ::getuid();
  const gid_t gid = ::getgid();
  pid_t pid = ForkWithFlags(kSandboxNamespaces);
  if (pid < 0)
    return {false,
            Error::FromErrno(
                "clone(CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWIPC)")
                .message};
  if (pid == 0) {
    // Wait for the maps, then prove the capabilities can be dropped.
    ::close(write_end.get());
    char go = 0;
    if (::read(read_end.get(), &go, 1) != 1) ::_exit(1);
    ::_exit(DropCapabilitiesForExec() ? 0 : 2);
  }
  Status mapped = WriteIdMaps(pid, uid, gid);
  if (mapped.ok()) (void)!::write(write_end.get(), "g", 1);
  write_end.reset();  // without the byte, the child exits 1
  siginfo_t info{};
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED);
  } while (rc < 0 && errno == EINTR);
  if (!mapped.ok()) return {false, mapped.error().message};
  if (rc == 0 && info.si_code == CLD_EXITED && info.si_status == 2)
    return {false, "dropping capabilities in the new user namespace failed"};
  if (rc == 0 && (info.si_code != CLD_EXITED || info.si_status != 0))
    return {false, "the probe child failed (status " +
                       std::to_string(info.si_status) + ")"};
  return {true, ""};
}

}  // namespace

void RequestTabNamespaces() { g_namespaces_declined = false; }
void DeclineTabNamespaces() { g_namespaces_declined = true; }

bool NamespaceWanted() { return !g_namespaces_declined; }


const NamespaceProbe& NamespaceSupport() {
  static const NamespaceProbe probe = Probe();
  return probe;
}

pid_t ForkWithFlags(int flags) {
  // x86-64 and arm64 agree on (flags, stack, parent_tid, child_tid, tls);
  // a null stack means the child runs on a copy of ours, as after fork().
  return static_cast<pid_t>(
      ::syscall(SYS_clone, static_cast<unsigned long>(flags | SIGCHLD),
                nullptr, nullptr, nullptr, 0));
}

Status WriteIdMaps(pid_t pid, uid_t uid, gid_t gid) {
  Status denied = WriteProcFile(pid, "setgroups", "deny");
  // Kernels before 3.19 have no setgroups file and need no denial.
  if (!denied.ok() && denied.error().error_number != ENOENT) return denied;
  const std::string uid_text = std::to_string(uid);
  const std::string gid_text = std::to_string(gid);
  Status uid_map =
      WriteProcFile(pid, "uid_map", uid_text + " " + uid_text + " 1\n");
  if (!uid_map.ok()) return uid_map;
  return WriteProcFile(pid, "gid_map", gid_text + " " + gid_text + " 1\n");
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
