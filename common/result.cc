#include "common/result.h"

#include <cstring>

namespace tabsim {

Error Error::FromErrno(const std::string& what) {
  return FromErrno(what, errno);
}

Error Error::FromErrno(const std::string& what, int error_number) {
  return Error{what + ": " + std::strerror(error_number), error_number};
}

}  // namespace tabsim
