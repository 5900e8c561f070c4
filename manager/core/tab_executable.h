// Where the tab program is. In this order:
//   1. --tab-exe PATH (explicit_path), when given;
//   2. $TABSIM_TAB_EXE, when set and not empty;
//   3. the install layout: ../libexec/tabsim/tabsim-tab from the directory
//      of the running tabsim (/proc/self/exe, so symlinks to tabsim work),
//      the relative path CMake computes from CMAKE_INSTALL_BINDIR and
//      CMAKE_INSTALL_LIBEXECDIR;
//   4. tabsim-tab in the same directory as tabsim: the build tree (both
//      programs at the top of the build folder) or a hand-copied pair.
// 1 and 2 are choices someone made: a wrong one is an error, never a quiet
// fall-through to another program. The environment comes before the
// layouts, as GIT_EXEC_PATH does for git's helpers: an override that only
// counted when nothing else is found could override nothing (ctest relies
// on it to pin the tab program of the build under test). 3 and 4 are
// searched; the first executable regular file wins, and when none is, the
// one-line error names every place looked. docs/install.md.
#ifndef TABSIM_MANAGER_CORE_TAB_EXECUTABLE_H_
#define TABSIM_MANAGER_CORE_TAB_EXECUTABLE_H_

#include <string>

#include "common/result.h"

namespace tabsim {

class CommandLine;

// What the search looks at, separated from the process so tests can fake
// the environment and where tabsim sits.
struct TabExecutableSources {
  std::string explicit_path;  // --tab-exe; empty: not given
  std::string environment;    // $TABSIM_TAB_EXE; empty: unset
  std::string self_path;      // the running tabsim, absolute
};

Result<std::string> FindTabExecutable(const TabExecutableSources& sources);

// The real sources: explicit_path, getenv("TABSIM_TAB_EXE") and
// readlink("/proc/self/exe").
Result<std::string> FindTabExecutable(const std::string& explicit_path);

// tabsim-init, PID 1 of each tab's namespaces (common/init_protocol.h):
// $TABSIM_INIT_EXE when set, else tabsim-init beside where 3. and 4. look
// for tabsim-tab. Never the --tab-exe directory: init is ours, whatever
// the tab program is.
Result<std::string> FindInitExecutable();

// --tab-exe PATH, in the same words in every command that starts tabs,
// stored into *explicit_path for FindTabExecutable().
void AddTabExecutableOption(CommandLine& cli, std::string* explicit_path);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_TAB_EXECUTABLE_H_
