// Sealed memfd regions for frame buffers, and mappings of them.
//
// SharedMemoryRegion owns one memfd. Create() makes it with MFD_CLOEXEC |
// MFD_ALLOW_SEALING, sizes it, and seals it against shrinking, growing and
// further sealing, so once a peer holds it neither side can change its size
// (no SIGBUS from a truncated mapping). Writes are not sealed: the tab writes
// frames into it; the manager maps it read-only.
//
// Mapping owns one mmap()ed range and unmaps it on destruction. Both types
// are move-only; default-constructed means invalid. Failures are returned as
// values with errno in the message.
#ifndef TABSIM_COMMON_SHARED_MEMORY_H_
#define TABSIM_COMMON_SHARED_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace tabsim {

class Mapping {
 public:
  Mapping() = default;
  Mapping(void* address, size_t size) : address_(address), size_(size) {}
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { Reset(); }

  bool IsValid() const { return address_ != nullptr; }
  void* data() const { return address_; }
  const uint8_t* bytes() const { return static_cast<const uint8_t*>(address_); }
  size_t size() const { return size_; }
  void Reset();

 private:
  void* address_ = nullptr;
  size_t size_ = 0;
};

// The seals every frame region must carry.
inline constexpr int kRequiredSeals = 0x0002 /*F_SEAL_SHRINK*/ |
                                      0x0004 /*F_SEAL_GROW*/ |
                                      0x0001 /*F_SEAL_SEAL*/;

class SharedMemoryRegion {
 public:
  SharedMemoryRegion() = default;

  // A new sealed region of `size` bytes (> 0) named `name` (shown in
  // /proc/PID/fd as /memfd:NAME).
  static Result<SharedMemoryRegion> Create(const std::string& name,
                                           size_t size);
  // Takes over an fd received from a peer. Fails unless it is a memfd of
  // exactly `expected_size` bytes carrying kRequiredSeals.
  static Result<SharedMemoryRegion> Adopt(UniqueFd fd, size_t expected_size);

  bool IsValid() const { return fd_.IsValid(); }
  int fd() const { return fd_.get(); }
  size_t size() const { return size_; }

  Result<Mapping> MapReadOnly() const;
  Result<Mapping> MapWritable() const;

  // A new CLOEXEC fd for the same region, e.g. to pass to a child.
  Result<UniqueFd> DuplicateFd() const;
  // Gives the fd away (to a child, a peer): the region lives on in its
  // mappings and in the fd's new owner; this object is then invalid.
  UniqueFd TakeFd() && {
    size_ = 0;
    return std::move(fd_);
  }

 private:
  SharedMemoryRegion(UniqueFd fd, size_t size)
      : fd_(std::move(fd)), size_(size) {}
  Result<Mapping> Map(int protection) const;

  UniqueFd fd_;
  size_t size_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_COMMON_SHARED_MEMORY_H_
