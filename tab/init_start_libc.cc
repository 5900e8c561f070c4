// tabsim-init's kernel interface through libc (tab/init_sys.h): for
// sanitizer and fuzz builds, whose runtimes need libc, and architectures
// without a freestanding entry.
#include <errno.h>
#include <unistd.h>

#include "tab/init_sys.h"

namespace tabsim::init {

long Sys(long number, long a, long b, long c, long d, long e, long f) {
  long result = ::syscall(number, a, b, c, d, e, f);
  return result == -1 ? -errno : result;
}

}  // namespace tabsim::init

int main(int argc, char** argv) {
  return tabsim::init::InitMain(argc, argv, environ);
}
