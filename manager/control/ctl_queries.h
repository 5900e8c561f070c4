// The queries of `tabsim ctl` (list, stats, snapshot, watch, trace): what
// the manager reports rather than a verb acting on tabs. Each parses its
// own arguments (words after the query's name), talks to the manager over
// `client`, prints, and returns the exit code: 0 done, 1 failed, 2 usage.
#ifndef TABSIM_MANAGER_CONTROL_CTL_QUERIES_H_
#define TABSIM_MANAGER_CONTROL_CTL_QUERIES_H_

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "manager/control/control_client.h"

namespace tabsim {

struct CtlQuery {
  std::string_view name;
  std::string_view usage;  // what follows the name
  std::string_view help;   // one line
  // Checks `args` (usage errors are returned, nothing is sent), then runs.
  int (*run)(const std::string& control_path, const std::vector<std::string>& args);
};

const std::vector<CtlQuery>& CtlQueries();
const CtlQuery* FindCtlQuery(std::string_view name);

inline constexpr int kCtlFailed = 1;
inline constexpr int kCtlUsage = 2;

// Prints "tabsim ctl NAME: MESSAGE" and returns kCtlUsage.
int CtlUsageError(std::string_view name, const std::string& message);
// Connects to the manager, printing why not ("no tabsim manager running").
Result<ControlClient> CtlConnect(const std::string& control_path);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CONTROL_CTL_QUERIES_H_
