// Turns a child's end into the cause string users see, in the manner of
// OpenSMTPD's reaper: "exited with code 3", "killed by signal 9 (SIGKILL)",
// "killed by signal 11 (SIGSEGV), core dumped".
#ifndef TABSIM_COMMON_WAIT_STATUS_H_
#define TABSIM_COMMON_WAIT_STATUS_H_

#include <string>

namespace tabsim {

// `code` and `status` as waitid() fills si_code and si_status: CLD_EXITED,
// CLD_KILLED or CLD_DUMPED.
std::string DescribeChildExit(int code, int status);

// The symbolic name, "SIGKILL"; "SIG<n>" for unknown numbers.
std::string SignalName(int signal_number);

// The number for "KILL", "SIGKILL" or "9"; -1 when unknown.
int SignalFromName(const std::string& name);

}  // namespace tabsim

#endif  // TABSIM_COMMON_WAIT_STATUS_H_
