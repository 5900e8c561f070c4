// One end of a raw IPC transport for the benchmark's floors and transport
// comparisons: blocking byte I/O over a pair of fds (pipe, FIFO, socketpair)
// or over two shared-memory rings. Made before fork(); each process then
// uses its own end.
//
// Ownership: an FdEndpoint owns its fds; a RingEndpoint points into a
// shared mapping owned by the RingPair that made it, which must outlive
// both ends (it is inherited across fork). Failures of read/write are
// returned as -1 with errno set, like the syscalls.
#ifndef TABSIM_MANAGER_BENCH_BENCH_ENDPOINT_H_
#define TABSIM_MANAGER_BENCH_BENCH_ENDPOINT_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "common/result.h"
#include "common/shared_memory.h"
#include "common/unique_fd.h"

namespace tabsim {

// The wire bytes the benchmark uses: one framed ManagerToTab{input: mouse
// move} and one framed TabToManager{input_ack}.
std::string EncodedInputFrame(uint64_t sequence);
std::string EncodedAckFrame(uint64_t sequence);

class BenchEndpoint {
 public:
  virtual ~BenchEndpoint() = default;
  // Writes all of `size` bytes (one record on SOCK_SEQPACKET). False on error.
  virtual bool Write(const char* data, size_t size) = 0;
  // Blocks for at least one byte; 0 at end of stream, -1 on error.
  virtual ssize_t Read(char* data, size_t capacity) = 0;
  // End of stream for the peer's reads.
  virtual void CloseWrite() = 0;
  // Reads exactly `size` bytes; false on EOF or error.
  bool ReadExactly(char* data, size_t size);
};

class FdEndpoint final : public BenchEndpoint {
 public:
  FdEndpoint(UniqueFd read_fd, UniqueFd write_fd, bool shared_socket)
      : read_fd_(std::move(read_fd)),
        write_fd_(std::move(write_fd)),
        shared_socket_(shared_socket) {}
  bool Write(const char* data, size_t size) override;
  ssize_t Read(char* data, size_t capacity) override;
  void CloseWrite() override;

 private:
  UniqueFd read_fd_;
  UniqueFd write_fd_;   // invalid when shared_socket_: the read fd is used
  bool shared_socket_;  // a bidirectional socket: shutdown(SHUT_WR)
};

// A single-producer single-consumer byte ring in shared memory.
struct SharedRing {
  static constexpr size_t kCapacity = 1 << 20;
  alignas(64) std::atomic<uint64_t> head{0};  // consumer position
  alignas(64) std::atomic<uint64_t> tail{0};  // producer position
  alignas(64) std::atomic<uint32_t> closed{0};
  alignas(64) char bytes[kCapacity];
};
static_assert(std::atomic<uint64_t>::is_always_lock_free,
              "the shared ring needs lock-free 64-bit atomics");

class RingEndpoint final : public BenchEndpoint {
 public:
  RingEndpoint(SharedRing* in, SharedRing* out) : in_(in), out_(out) {}
  bool Write(const char* data, size_t size) override;
  ssize_t Read(char* data, size_t capacity) override;
  void CloseWrite() override;

 private:
  SharedRing* in_;
  SharedRing* out_;
};

// Two rings (one per direction) in one anonymous shared mapping.
class RingPair {
 public:
  static Result<RingPair> Create();
  RingEndpoint ParentEnd() { return RingEndpoint(ring(1), ring(0)); }
  RingEndpoint ChildEnd() { return RingEndpoint(ring(0), ring(1)); }

 private:
  SharedRing* ring(int i) {
    return static_cast<SharedRing*>(mapping_.data()) + i;
  }
  Mapping mapping_;
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_ENDPOINT_H_
