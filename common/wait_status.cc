#include "common/wait_status.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include <cstdlib>

#include <cerrno>

namespace tabsim {

int WaitForPid(pid_t pid, siginfo_t* info, int options) {
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid), info, options);
  } while (rc < 0 && errno == EINTR);
  return rc;
}

std::string SignalName(int signal_number) {
  const char* abbrev = sigabbrev_np(signal_number);
  if (abbrev == nullptr) return "SIG" + std::to_string(signal_number);
  return std::string("SIG") + abbrev;
}

int SignalFromName(const std::string& name) {
  if (name.empty()) return -1;
  char* end = nullptr;
  long number = std::strtol(name.c_str(), &end, 10);
  if (*end == '\0') return (number > 0 && number < NSIG) ? int(number) : -1;
  std::string bare = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev != nullptr && bare == abbrev) return sig;
  }
  return -1;
}

std::string DescribeChildExit(int code, int status) {
  switch (code) {
    case CLD_EXITED:
      return "exited with code " + std::to_string(status);
    case CLD_KILLED:
      return "killed by signal " + std::to_string(status) + " (" +
             SignalName(status) + ")";
    case CLD_DUMPED:
      return "killed by signal " + std::to_string(status) + " (" +
             SignalName(status) + "), core dumped";
    default:
      return "ended (si_code " + std::to_string(code) + ")";
  }
}

}  // namespace tabsim
