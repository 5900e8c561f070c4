#include "common/shared_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>

#include "tests/test_util.h"

namespace tabsim {
namespace {

TEST(SharedMemoryRegion, CreatesSealedCloexecMemfd) {
  auto region = SharedMemoryRegion::Create("tabsim-test", 8192);
  ASSERT_TRUE(region.ok()) << region.error().message;
  EXPECT_EQ(::fcntl(region->fd(), F_GET_SEALS) & kRequiredSeals, kRequiredSeals);
  EXPECT_TRUE(::fcntl(region->fd(), F_GETFD) & FD_CLOEXEC);
  auto fds = testing::OpenFds(::getpid());
  EXPECT_EQ(fds[region->fd()].rfind("/memfd:tabsim-test", 0), 0u)
      << fds[region->fd()];
}

TEST(SharedMemoryRegion, SealBlocksShrinkAndGrowWithEperm) {
  auto region = SharedMemoryRegion::Create("tabsim-test", 8192);
  ASSERT_TRUE(region.ok());
  errno = 0;
  EXPECT_EQ(::ftruncate(region->fd(), 4096), -1);
  EXPECT_EQ(errno, EPERM);
  errno = 0;
  EXPECT_EQ(::ftruncate(region->fd(), 16384), -1);
  EXPECT_EQ(errno, EPERM);
  // Nor can anyone remove or add seals any more.
  errno = 0;
  EXPECT_EQ(::fcntl(region->fd(), F_ADD_SEALS, F_SEAL_WRITE), -1);
  EXPECT_EQ(errno, EPERM);
}

TEST(SharedMemoryRegion, WritesThroughWritableMappingAreSeenReadOnly) {
  auto region = SharedMemoryRegion::Create("tabsim-test", 4096);
  ASSERT_TRUE(region.ok());
  auto writer = region->MapWritable();
  auto reader = region->MapReadOnly();
  ASSERT_TRUE(writer.ok() && reader.ok());
  std::memcpy(writer->data(), "frame", 5);
  EXPECT_EQ(std::memcmp(reader->data(), "frame", 5), 0);
}

TEST(SharedMemoryRegionDeathTest, ReadOnlyMappingFaultsOnWrite) {
  auto region = SharedMemoryRegion::Create("tabsim-test", 4096);
  ASSERT_TRUE(region.ok());
  auto reader = region->MapReadOnly();
  ASSERT_TRUE(reader.ok());
  EXPECT_EXIT(
      {
        *static_cast<volatile char*>(reader->data()) = 1;
        std::exit(0);
      },
      ::testing::KilledBySignal(SIGSEGV), "");
}

TEST(SharedMemoryRegion, ReadOnlyMappingCannotBeMadeWritable) {
  // The manager's mapping is PROT_READ of a MAP_SHARED fd it opened O_RDWR;
  // what matters is that nothing in the manager writes: check the mapping's
  // protection as the kernel reports it.
  auto region = SharedMemoryRegion::Create("tabsim-test", 4096);
  ASSERT_TRUE(region.ok());
  auto reader = region->MapReadOnly();
  ASSERT_TRUE(reader.ok());
  FILE* maps = std::fopen("/proc/self/maps", "r");
  ASSERT_NE(maps, nullptr);
  char line[512];
  bool found = false;
  auto start = reinterpret_cast<uintptr_t>(reader->data());
  while (std::fgets(line, sizeof(line), maps)) {
    uintptr_t from = 0;
    char perms[5] = {};
    if (std::sscanf(line, "%lx-%*x %4s", &from, perms) == 2 && from == start) {
      EXPECT_STREQ(perms, "r--s");
      found = true;
    }
  }
  std::fclose(maps);
  EXPECT_TRUE(found);
}

TEST(SharedMemoryRegion, AdoptChecksSealsAndSize) {
  auto region = SharedMemoryRegion::Create("tabsim-test", 4096);
  ASSERT_TRUE(region.ok());
  auto copy = region->DuplicateFd();
  ASSERT_TRUE(copy.ok());
  auto wrong_size = SharedMemoryRegion::Adopt(std::move(copy).value(), 8192);
  EXPECT_FALSE(wrong_size.ok());

  auto good = SharedMemoryRegion::Adopt(region->DuplicateFd().value(), 4096);
  EXPECT_TRUE(good.ok());

  UniqueFd unsealed(::memfd_create("unsealed", MFD_CLOEXEC));
  ASSERT_TRUE(unsealed.IsValid());
  ASSERT_EQ(::ftruncate(unsealed.get(), 4096), 0);
  auto rejected = SharedMemoryRegion::Adopt(std::move(unsealed), 4096);
  ASSERT_FALSE(rejected.ok());
  EXPECT_NE(rejected.error().message.find("missing seals"), std::string::npos);
}

TEST(SharedMemoryRegion, RejectsZeroSize) {
  EXPECT_FALSE(SharedMemoryRegion::Create("tabsim-test", 0).ok());
}

TEST(Mapping, UnmapsOnDestructionAndMoves) {
  auto region = SharedMemoryRegion::Create("tabsim-test", 4096);
  ASSERT_TRUE(region.ok());
  void* address = nullptr;
  {
    auto mapping = region->MapReadOnly();
    ASSERT_TRUE(mapping.ok());
    Mapping moved = std::move(mapping).value();
    address = moved.data();
    EXPECT_TRUE(moved.IsValid());
  }
  // The range is gone: msync on it fails with ENOMEM.
  EXPECT_EQ(::msync(address, 4096, MS_ASYNC), -1);
  EXPECT_EQ(errno, ENOMEM);
}

}  // namespace
}  // namespace tabsim
