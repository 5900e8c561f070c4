// Where the tab program is: an explicit path (--tab-exe), else
// $TABSIM_TAB_EXE, else tabsim-tab in the directory of the running tabsim
// binary (/proc/self/exe). The result is checked to be an executable file,
// so a wrong path fails up front with a clear message.
#ifndef TABSIM_MANAGER_CORE_TAB_EXECUTABLE_H_
#define TABSIM_MANAGER_CORE_TAB_EXECUTABLE_H_

#include <string>

#include "common/result.h"

namespace tabsim {

class CommandLine;

Result<std::string> FindTabExecutable(const std::string& explicit_path);

// --tab-exe PATH, in the same words in every command that starts tabs,
// stored into *explicit_path for FindTabExecutable().
void AddTabExecutableOption(CommandLine& cli, std::string* explicit_path);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_EXECUTABLE_H_
