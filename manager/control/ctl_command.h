// `tabsim ctl [--control PATH] COMMAND ...`: drives a running manager over
// its control socket (control_client.h). COMMAND is a query (ctl_queries.h)
// or a verb of the command layer (manager/commands/command.h), sent as
// words and run by the manager exactly as the other front ends run it. Synchronous; prints one line per
// error and returns 2 for usage errors, 1 for everything else that failed
// (no manager, unknown tab, bad URL, tab dead), 0 on success.
#ifndef TABSIM_MANAGER_CONTROL_CTL_COMMAND_H_
#define TABSIM_MANAGER_CONTROL_CTL_COMMAND_H_

#include <string>
#include <vector>

namespace tabsim {

// Returns the process exit code.
int CtlCommand(const std::vector<std::string>& args);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CTL_COMMAND_H_
