#include "common/shared_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

namespace tabsim {

static_assert(kRequiredSeals == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL));

Mapping::Mapping(Mapping&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    Reset();
    address_ = std::exchange(other.address_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void Mapping::Reset() {
  if (address_ != nullptr) ::munmap(address_, size_);
  address_ = nullptr;
  size_ = 0;
}

Result<SharedMemoryRegion> SharedMemoryRegion::Create(const std::string& name,
                                                      size_t size) {
  if (size == 0) return Error{"memfd " + name + ": size 0", EINVAL};
  UniqueFd fd(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.IsValid()) return Error::FromErrno("memfd_create " + name);
  if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
    return Error::FromErrno("ftruncate memfd " + name);
  if (::fcntl(fd.get(), F_ADD_SEALS, kRequiredSeals) != 0)
    return Error::FromErrno("seal memfd " + name);
  return SharedMemoryRegion(std::move(fd), size);
}

Result<SharedMemoryRegion> SharedMemoryRegion::Adopt(UniqueFd fd,
                                                     size_t expected_size) {
  if (!fd.IsValid()) return Error{"adopt region: invalid fd", EBADF};
  int seals = ::fcntl(fd.get(), F_GET_SEALS);
  if (seals < 0) return Error::FromErrno("adopt region: F_GET_SEALS");
  if ((seals & kRequiredSeals) != kRequiredSeals)
    return Error{"adopt region: missing seals (have " +
                     std::to_string(seals) + ")",
                 EINVAL};
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::FromErrno("adopt region: fstat");
  if (static_cast<size_t>(st.st_size) != expected_size)
    return Error{"adopt region: size " + std::to_string(st.st_size) +
                     ", expected " + std::to_string(expected_size),
                 EINVAL};
  return SharedMemoryRegion(std::move(fd), expected_size);
}

Result<Mapping> SharedMemoryRegion::Map(int protection) const {
  if (!IsValid()) return Error{"map region: invalid region", EBADF};
  void* address = ::mmap(nullptr, size_, protection, MAP_SHARED, fd_.get(), 0);
  if (address == MAP_FAILED) return Error::FromErrno("mmap region");
  return Mapping(address, size_);
}

Result<Mapping> SharedMemoryRegion::MapReadOnly() const { return Map(PROT_READ); }

Result<Mapping> SharedMemoryRegion::MapWritable() const {
  return Map(PROT_READ | PROT_WRITE);
}

Result<UniqueFd> SharedMemoryRegion::DuplicateFd() const {
  UniqueFd copy(::fcntl(fd_.get(), F_DUPFD_CLOEXEC, 0));
  if (!copy.IsValid()) return Error::FromErrno("dup region fd");
  return copy;
}

}  // namespace tabsim
