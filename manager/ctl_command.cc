// Placeholder until `tabsim ctl` lands; it says so instead of pretending.
#include "manager/ctl_command.h"

#include <cstdio>

namespace tabsim {

int CtlCommand(const std::vector<std::string>& /*args*/) {
  std::fprintf(stderr, "tabsim ctl: not implemented yet\n");
  return 2;
}

}  // namespace tabsim
