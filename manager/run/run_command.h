// `tabsim run`: the manager proper. One io_context on one thread serves
// every tab session, the signals and the timers.
#ifndef TABSIM_MANAGER_RUN_RUN_COMMAND_H_
#define TABSIM_MANAGER_RUN_RUN_COMMAND_H_

#include <string>
#include <vector>

namespace tabsim {

// Returns the process exit code: 0 after an orderly shutdown, 1 when the
// run could not start (tab program missing, a tab failed to spawn), 2 for
// bad arguments.
int RunCommand(const std::vector<std::string>& args);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RUN_RUN_COMMAND_H_
