// `tabsim ctl`. See ctl_command.cc.
#ifndef TABSIM_MANAGER_CTL_COMMAND_H_
#define TABSIM_MANAGER_CTL_COMMAND_H_

#include <string>
#include <vector>

namespace tabsim {

// Returns the process exit code.
int CtlCommand(const std::vector<std::string>& args);

}  // namespace tabsim

#endif
