// Raising the process's own open-file limit, for managers of many tabs.
#ifndef TABSIM_COMMON_FD_LIMIT_H_
#define TABSIM_COMMON_FD_LIMIT_H_

namespace tabsim {

// Every tab costs the manager a socket, a pidfd (and its dup) and a memfd:
// raises RLIMIT_NOFILE's soft limit to the hard limit. Best effort; the
// limit stays as it was if that fails.
void RaiseFdLimit();

}  // namespace tabsim

#endif  // TABSIM_COMMON_FD_LIMIT_H_
