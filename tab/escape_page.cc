#include "tab/escape_page.h"

#include "common/protocol.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "tab/page_host.h"

namespace tabsim {

EscapePage::EscapePage(std::string url, PageHost* host)
    : ReportPage(std::move(url), "Escape",
                 "Tries to open files, reach the manager, ptrace, fork, exec.",
                 Rgb(30, 30, 30), host) {}

std::string EscapePage::ControlSocketGuess() {
  if (const char* path = std::getenv("TABSIM_CONTROL_SOCKET"); path && *path)
    return path;
  if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir && *dir == '/')
    return std::string(dir) + "/tabsim/control";
  return "/tmp/tabsim-" + std::to_string(::getuid()) + "/control";
}

void EscapePage::Record(const std::string& what, long rc, int error) {
  ++attempts_;
  if (rc < 0) {
    ++blocked_;
    Report(what + ": blocked (" + DescribeErrno(error) + ")");
  } else {
    Report(what + ": SUCCEEDED");
  }
}

void EscapePage::Tick(Clock::time_point /*now*/) {
  if (idle() || frames_rendered() == 0) return;
  SetIdle();
  const pid_t manager = host() != nullptr ? host()->ManagerPid() : ::getppid();
  const bool sandboxed = host() != nullptr && host()->Sandboxed();
  const std::string proc_fd = "/proc/" + std::to_string(manager) + "/fd";

  // Files.
  {
    int fd = ::open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    Record("open /etc/passwd", fd, errno);
    if (fd >= 0) ::close(fd);
  }
  {
    struct stat st {};
    int rc = ::stat("/etc/passwd", &st);
    Record("stat /etc/passwd", rc, errno);
  }
  // The manager's control socket.
  {
    const std::string path = ControlSocketGuess();
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      Record("connect " + path + " (socket)", fd, errno);
    } else {
      sockaddr_un address{};
      address.sun_family = AF_UNIX;
      std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
      int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&address),
                         sizeof(address));
      Record("connect " + path, rc, errno);
      ::close(fd);
    }
  }
  // The manager's fds.
  {
    int fd = ::open(proc_fd.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    Record("open " + proc_fd, fd, errno);
    if (fd >= 0) ::close(fd);
    fd = ::open((proc_fd + "/3").c_str(), O_RDWR | O_CLOEXEC);
    Record("open " + proc_fd + "/3", fd, errno);
    if (fd >= 0) ::close(fd);
  }
  // ptrace. PTRACE_SEIZE does not stop the tracee; on success interrupt,
  // wait for the stop and detach at once.
  {
    long rc = ::ptrace(PTRACE_SEIZE, manager, nullptr, nullptr);
    Record("ptrace manager pid " + std::to_string(manager), rc, errno);
    if (rc == 0) {
      ::ptrace(PTRACE_INTERRUPT, manager, nullptr, nullptr);
      int status = 0;
      ::waitpid(manager, &status, __WALL);
      ::ptrace(PTRACE_DETACH, manager, nullptr, nullptr);
    }
  }
  // Signal routing: with F_SETOWN(manager) and O_ASYNC on the channel, the
  // kernel would signal the manager (SIGIO, or any F_SETSIG signal) on its
  // next write. Each half is undone at once should it ever succeed.
  {
    int rc = ::fcntl(kChannelFd, F_SETOWN, manager);
    Record("fcntl(channel, F_SETOWN, manager)", rc, errno);
    if (rc == 0) ::fcntl(kChannelFd, F_SETOWN, 0);
  }
  {
    int flags = ::fcntl(kChannelFd, F_GETFL);
    int rc = flags < 0 ? -1 : ::fcntl(kChannelFd, F_SETFL, flags | O_ASYNC);
    Record("fcntl(channel, F_SETFL, O_ASYNC)", rc, errno);
    if (rc == 0) ::fcntl(kChannelFd, F_SETFL, flags);
  }
  // Signals to another process (0: only checks permission).
  {
    int rc = ::kill(manager, 0);
    Record("kill(manager, 0)", rc, errno);
  }
  // New processes and programs.
  {
    pid_t pid = ::fork();
    Record("fork", pid, errno);
    if (pid == 0) ::_exit(0);
    if (pid > 0) ::waitpid(pid, nullptr, 0);
  }
  {
    char sh[] = "/bin/sh";
    char dash_c[] = "-c";
    char exit_now[] = "exit 0";
    char* const argv[] = {sh, dash_c, exit_now, nullptr};
    char* const envp[] = {nullptr};
    if (sandboxed) {
      // For real: if this ever succeeded the tab would be gone.
      int rc = ::execve(sh, argv, envp);
      Record("exec /bin/sh", rc, errno);
    } else {
      // Unsandboxed, prove the point in a child instead.
      pid_t pid = ::fork();
      if (pid == 0) {
        ::execve(sh, argv, envp);
        ::_exit(127);
      }
      int status = 0;
      if (pid > 0) ::waitpid(pid, &status, 0);
      const bool ran = pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
      Record("exec /bin/sh (in a child)", ran ? 0 : -1, pid < 0 ? errno : ENOEXEC);
    }
  }
  // Undo the address-space limit.
  {
    rlimit limit{RLIM_INFINITY, RLIM_INFINITY};
    int rc = ::setrlimit(RLIMIT_AS, &limit);
    Record("raise RLIMIT_AS", rc, errno);
  }
  SetTitle("Escape: " + std::to_string(blocked_) + "/" +
           std::to_string(attempts_) + " blocked" + std::string(kTitleAttack));
}

}  // namespace tabsim
