// A child's end: waiting for it (WaitForPid, the one EINTR loop around
// waitid for every caller in common/), and the cause string users see, in
// the manner of OpenSMTPD's reaper: "exited with code 3", "killed by
// signal 9 (SIGKILL)", "killed by signal 11 (SIGSEGV), core dumped".
#ifndef TABSIM_COMMON_WAIT_STATUS_H_
#define TABSIM_COMMON_WAIT_STATUS_H_

#include <signal.h>
#include <sys/types.h>

#include <string>

namespace tabsim {

// `code` and `status` as waitid() fills si_code and si_status: CLD_EXITED,
// CLD_KILLED or CLD_DUMPED.
std::string DescribeChildExit(int code, int status);

// waitid(P_PID, pid, info, options), retried on EINTR: 0, or -1 with errno.
int WaitForPid(pid_t pid, siginfo_t* info, int options);

// The symbolic name, "SIGKILL"; "SIG<n>" for unknown numbers.
std::string SignalName(int signal_number);

// The number for "KILL", "SIGKILL" or "9"; -1 when unknown.
int SignalFromName(const std::string& name);

}  // namespace tabsim

#endif  // TABSIM_COMMON_WAIT_STATUS_H_
