// `tabsim bench`. See bench_command.cc.
#ifndef TABSIM_MANAGER_BENCH_BENCH_COMMAND_H_
#define TABSIM_MANAGER_BENCH_BENCH_COMMAND_H_

#include <string>
#include <vector>

namespace tabsim {

// Returns the process exit code.
int BenchCommand(const std::vector<std::string>& args);

}  // namespace tabsim

#endif
