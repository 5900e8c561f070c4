// Placeholder until `tabsim bench` lands; it says so instead of pretending.
#include "manager/bench_command.h"

#include <cstdio>

namespace tabsim {

int BenchCommand(const std::vector<std::string>& /*args*/) {
  std::fprintf(stderr, "tabsim bench: not implemented yet\n");
  return 2;
}

}  // namespace tabsim
