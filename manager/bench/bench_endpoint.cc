#include "manager/bench/bench_endpoint.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

// Spin briefly (the peer is usually on the other core), then yield so a
// peer sharing our core can run.
void Backoff(int* spins) {
  if (++*spins < 256) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    return;
  }
  ::sched_yield();
}

}  // namespace

std::string EncodedInputFrame(uint64_t sequence) {
  proto::ManagerToTab message;
  auto* input = message.mutable_input();
  input->set_sequence(sequence);
  auto* mouse = input->mutable_mouse();
  mouse->set_action(proto::MouseEvent::MOVE);
  mouse->set_x(123);
  mouse->set_y(45);
  std::string out;
  AppendFrame(message, kMaxMessageSize, &out);
  return out;
}

std::string EncodedAckFrame(uint64_t sequence) {
  proto::TabToManager message;
  message.mutable_input_ack()->set_last_input_sequence(sequence);
  std::string out;
  AppendFrame(message, kMaxMessageSize, &out);
  return out;
}

bool BenchEndpoint::ReadExactly(char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t got = Read(data + done, size - done);
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

bool FdEndpoint::Write(const char* data, size_t size) {
  int fd = shared_socket_ ? read_fd_.get() : write_fd_.get();
  size_t done = 0;
  while (done < size) {
    ssize_t sent = ::write(fd, data + done, size - done);
    if (sent < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(sent);
  }
  return true;
}

ssize_t FdEndpoint::Read(char* data, size_t capacity) {
  for (;;) {
    ssize_t got = ::read(read_fd_.get(), data, capacity);
    if (got < 0 && errno == EINTR) continue;
    return got;
  }
}

void FdEndpoint::CloseWrite() {
  if (shared_socket_)
    ::shutdown(read_fd_.get(), SHUT_WR);
  else
    write_fd_.reset();
}

bool RingEndpoint::Write(const char* data, size_t size) {
  SharedRing* ring = out_;
  while (size > 0) {
    uint64_t tail = ring->tail.load(std::memory_order_relaxed);
    uint64_t head = ring->head.load(std::memory_order_acquire);
    size_t space = SharedRing::kCapacity - size_t(tail - head);
    int spins = 0;
    while (space == 0) {
      Backoff(&spins);
      head = ring->head.load(std::memory_order_acquire);
      space = SharedRing::kCapacity - size_t(tail - head);
    }
    size_t chunk = std::min(space, size);
    size_t offset = size_t(tail % SharedRing::kCapacity);
    size_t first = std::min(chunk, SharedRing::kCapacity - offset);
    std::memcpy(ring->bytes + offset, data, first);
    std::memcpy(ring->bytes, data + first, chunk - first);
    ring->tail.store(tail + chunk, std::memory_order_release);
    data += chunk;
    size -= chunk;
  }
  return true;
}

ssize_t RingEndpoint::Read(char* data, size_t capacity) {
  SharedRing* ring = in_;
  uint64_t head = ring->head.load(std::memory_order_relaxed);
  uint64_t tail = ring->tail.load(std::memory_order_acquire);
  int spins = 0;
  while (tail == head) {
    if (ring->closed.load(std::memory_order_acquire)) {
      tail = ring->tail.load(std::memory_order_acquire);
      if (tail == head) return 0;
      break;
    }
    Backoff(&spins);
    tail = ring->tail.load(std::memory_order_acquire);
  }
  size_t chunk = std::min(capacity, size_t(tail - head));
  size_t offset = size_t(head % SharedRing::kCapacity);
  size_t first = std::min(chunk, SharedRing::kCapacity - offset);
  std::memcpy(data, ring->bytes + offset, first);
  std::memcpy(data + first, ring->bytes, chunk - first);
  ring->head.store(head + chunk, std::memory_order_release);
  return static_cast<ssize_t>(chunk);
}

void RingEndpoint::CloseWrite() {
  out_->closed.store(1, std::memory_order_release);
}

Result<RingPair> RingPair::Create() {
  size_t size = 2 * sizeof(SharedRing);
  void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) return Error::FromErrno("mmap shared ring");
  // Zeroed anonymous memory is a valid pair of empty rings; construct the
  // atomics formally all the same.
  new (address) SharedRing();
  new (static_cast<SharedRing*>(address) + 1) SharedRing();
  RingPair pair;
  pair.mapping_ = Mapping(address, size);
  return pair;
}

}  // namespace tabsim
