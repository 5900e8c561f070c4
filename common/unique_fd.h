// UniqueFd: sole owner of one file descriptor.
//
// Move-only. Default-constructed (or moved-from) means invalid (-1). The
// destructor closes a valid fd; close errors are ignored because the fd is
// gone either way on Linux. release() hands ownership to the caller.
#ifndef TABSIM_COMMON_UNIQUE_FD_H_
#define TABSIM_COMMON_UNIQUE_FD_H_

namespace tabsim {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  bool IsValid() const { return fd_ >= 0; }
  int get() const { return fd_; }
  [[nodiscard]] int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

}  // namespace tabsim

#endif  // TABSIM_COMMON_UNIQUE_FD_H_
