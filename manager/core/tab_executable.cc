#include "manager/core/tab_executable.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "manager/base/cli.h"

namespace tabsim {

Result<std::string> FindTabExecutable(const std::string& explicit_path) {
  std::string path = explicit_path;
  if (path.empty()) {
    if (const char* env = std::getenv("TABSIM_TAB_EXE"); env && *env) {
      path = env;
    } else {
      char self[PATH_MAX];
      ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
      if (n < 0) return Error::FromErrno("readlink /proc/self/exe");
      self[n] = '\0';
      std::string dir(self);
      dir = dir.substr(0, dir.rfind('/'));
      path = dir + "/tabsim-tab";
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Error::FromErrno("tab executable " + path);
  if (!S_ISREG(st.st_mode) || ::access(path.c_str(), X_OK) != 0)
    return Error{"tab executable " + path + ": not an executable file", EACCES};
  return path;
}

void AddTabExecutableOption(CommandLine& cli, std::string* explicit_path) {
  cli.AddText({.name = "--tab-exe",
               .value_name = "PATH",
               .help = "the tab program",
               .default_text = "$TABSIM_TAB_EXE, else tabsim-tab next to "
                               "tabsim"},
              explicit_path, "path");
}

}  // namespace tabsim
