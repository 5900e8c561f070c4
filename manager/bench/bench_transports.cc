#include "manager/bench/bench_transports.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "manager/bench/bench_endpoint.h"
#include "manager/bench/bench_stats.h"

namespace tabsim {
namespace {

constexpr size_t kReadBuffer = 64 * 1024;

// Both ends of one transport, made before fork. For a FIFO the opens happen
// after fork (they block until both sides are there), in OpenChild/Parent.
struct Transport {
  std::unique_ptr<BenchEndpoint> parent;
  std::unique_ptr<BenchEndpoint> child;
  std::function<bool()> open_parent;  // FIFO only
  std::function<bool()> open_child;
  std::optional<RingPair> rings;
};

// A private directory for the FIFOs, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/tabsim-bench-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    if (path_.empty()) return;
    ::unlink((path_ + "/to-child").c_str());
    ::unlink((path_ + "/to-parent").c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Result<Transport> MakeTransport(const std::string& kind, TempDir* dir,
                                BenchReport* report) {
  Transport t;
  if (kind == "pipe") {
    int down[2], up[2];
    if (::pipe2(down, O_CLOEXEC) != 0) return Error::FromErrno("pipe");
    if (::pipe2(up, O_CLOEXEC) != 0) {
      ::close(down[0]);
      ::close(down[1]);
      return Error::FromErrno("pipe");
    }
    t.parent = std::make_unique<FdEndpoint>(UniqueFd(up[0]),
                                            UniqueFd(down[1]), false);
    t.child = std::make_unique<FdEndpoint>(UniqueFd(down[0]),
                                           UniqueFd(up[1]), false);
    return t;
  }
  if (kind == "stream" || kind == "seqpacket") {
    int fds[2];
    int type = kind == "stream" ? SOCK_STREAM : SOCK_SEQPACKET;
    if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0)
      return Error::FromErrno("socketpair");
    t.parent = std::make_unique<FdEndpoint>(UniqueFd(fds[0]), UniqueFd(), true);
    t.child = std::make_unique<FdEndpoint>(UniqueFd(fds[1]), UniqueFd(), true);
    return t;
  }
  if (kind == "shm_ring") {
    auto rings = RingPair::Create();
    if (!rings.ok()) return rings.error();
    t.rings = std::move(rings).value();
    t.parent = std::make_unique<RingEndpoint>(t.rings->ParentEnd());
    t.child = std::make_unique<RingEndpoint>(t.rings->ChildEnd());
    return t;
  }
  // FIFO: two named pipes in a private directory. Opening one end blocks
  // until the other end is opened too, so the parent opens in the order
  // the child does, and a non-blocking open for writing fails with ENXIO
  // while there is no reader.
  if (dir->path().empty()) return Error::FromErrno("mkdtemp");
  std::string to_child = dir->path() + "/to-child";
  std::string to_parent = dir->path() + "/to-parent";
  ::unlink(to_child.c_str());
  ::unlink(to_parent.c_str());
  if (::mkfifo(to_child.c_str(), 0600) != 0 ||
      ::mkfifo(to_parent.c_str(), 0600) != 0)
    return Error::FromErrno("mkfifo");
  int probe = ::open(to_child.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (probe >= 0) {
    ::close(probe);
  } else if (report != nullptr) {
    report->AddNote(std::string("fifo: open(O_WRONLY|O_NONBLOCK) with no "
                                "reader fails: ") +
                    std::strerror(errno) +
                    "; a blocking open waits for the reader");
  }
  auto parent = std::make_shared<std::pair<UniqueFd, UniqueFd>>();
  auto child = std::make_shared<std::pair<UniqueFd, UniqueFd>>();
  t.open_child = [=]() {
    child->first.reset(::open(to_child.c_str(), O_RDONLY | O_CLOEXEC));
    child->second.reset(::open(to_parent.c_str(), O_WRONLY | O_CLOEXEC));
    return child->first.IsValid() && child->second.IsValid();
  };
  t.open_parent = [=]() {
    parent->second.reset(::open(to_child.c_str(), O_WRONLY | O_CLOEXEC));
    parent->first.reset(::open(to_parent.c_str(), O_RDONLY | O_CLOEXEC));
    return parent->first.IsValid() && parent->second.IsValid();
  };
  // The endpoints take the fds once they are open (see Adopt below).
  struct Lazy final : BenchEndpoint {
    std::shared_ptr<std::pair<UniqueFd, UniqueFd>> fds;
    std::unique_ptr<FdEndpoint> real;
    FdEndpoint& get() {
      if (!real)
        real = std::make_unique<FdEndpoint>(std::move(fds->first),
                                            std::move(fds->second), false);
      return *real;
    }
    bool Write(const char* d, size_t s) override { return get().Write(d, s); }
    ssize_t Read(char* d, size_t c) override { return get().Read(d, c); }
    void CloseWrite() override { get().CloseWrite(); }
  };
  auto p = std::make_unique<Lazy>();
  p->fds = parent;
  auto c = std::make_unique<Lazy>();
  c->fds = child;
  t.parent = std::move(p);
  t.child = std::move(c);
  return t;
}

struct Outcome {
  double messages_per_second = 0;
  double rtt_p50 = 0;  // ping-pong only, seconds
  double open_wait = 0;  // FIFO only, seconds
};

// Runs one test with a forked peer. `batch` messages per write.
Result<Outcome> RunOne(const std::string& kind, bool ping_pong, int batch,
                       const BenchOptions& options, BenchReport* report) {
  TempDir dir;
  auto made = MakeTransport(kind, &dir, report);
  if (!made.ok()) return made.error();
  Transport& t = *made;
  std::string message = EncodedInputFrame(7);
  std::string batch_bytes;
  for (int i = 0; i < batch; ++i) batch_bytes += message;
  const size_t message_size = message.size();

  auto peer = ForkedPeer::Start([&]() -> int {
    t.parent.reset();
    if (t.open_child && !t.open_child()) return 3;
    BenchEndpoint& end = *t.child;
    if (ping_pong) {
      std::string buffer(batch_bytes.size(), '\0');
      while (end.ReadExactly(buffer.data(), buffer.size()))
        if (!end.Write(buffer.data(), buffer.size())) return 1;
      return 0;
    }
    std::string buffer(kReadBuffer, '\0');
    uint64_t bytes = 0;
    for (;;) {
      ssize_t got = end.Read(buffer.data(), buffer.size());
      if (got < 0) return 1;
      if (got == 0) break;
      bytes += uint64_t(got);
    }
    uint64_t count = bytes / message_size;
    return end.Write(reinterpret_cast<const char*>(&count), sizeof(count))
               ? 0
               : 1;
  });
  if (!peer.ok()) return peer.error();
  t.child.reset();
  Outcome outcome;
  auto open_start = BenchClock::now();
  if (t.open_parent && !t.open_parent()) return Error::FromErrno("open fifo");
  outcome.open_wait = SecondsSince(open_start);
  BenchEndpoint& end = *t.parent;

  if (ping_pong) {
    const int rounds = std::max(200, options.latency_samples / 2);
    std::vector<double> samples;
    samples.reserve(size_t(rounds));
    std::string buffer(batch_bytes.size(), '\0');
    auto start = BenchClock::now();
    for (int i = 0; i < rounds; ++i) {
      auto sent = BenchClock::now();
      if (!end.Write(batch_bytes.data(), batch_bytes.size()) ||
          !end.ReadExactly(buffer.data(), buffer.size()))
        return Error{"the peer went away", EPIPE};
      samples.push_back(SecondsSince(sent));
    }
    double elapsed = SecondsSince(start);
    end.CloseWrite();
    peer->Wait();
    outcome.rtt_p50 = Summarize(&samples).p50;
    outcome.messages_per_second = double(rounds) * batch / elapsed;
    return outcome;
  }
  const double seconds = options.seconds / 2;
  auto start = BenchClock::now();
  bool ok = true;
  while (ok && SecondsSince(start) < seconds) {
    for (int i = 0; ok && i < 1024; ++i)
      ok = end.Write(batch_bytes.data(), batch_bytes.size());
  }
  end.CloseWrite();
  uint64_t count = 0;
  ok = ok && end.ReadExactly(reinterpret_cast<char*>(&count), sizeof(count));
  double elapsed = SecondsSince(start);
  int code = peer->Wait();
  if (!ok || code != 0 || count == 0)
    return Error{"the peer failed (exit " + std::to_string(code) + ")", 0};
  outcome.messages_per_second = double(count) / elapsed;
  return outcome;
}

}  // namespace

void RunTransports(const BenchOptions& options, BenchReport* report) {
  static const char* const kKinds[] = {"pipe", "fifo", "stream", "seqpacket",
                                       "shm_ring"};
  for (const char* kind_name : kKinds) {
    std::string kind = kind_name;
    std::fprintf(stderr, "bench: transports: %s\n", kind.c_str());
    for (bool ping_pong : {true, false}) {
      for (int batch : {1, kTransportBatch}) {
        std::string test = std::string(ping_pong ? "pingpong" : "stream") +
                           (batch == 1 ? "" : ".batched");
        std::string key = "transports." + kind + "." + test;
        std::string label = kind + " " +
                            (ping_pong ? "ping-pong" : "one-way stream") +
                            (batch == 1 ? "" : " x" + std::to_string(batch));
        auto outcome = RunOne(kind, ping_pong, batch, options,
                              ping_pong && batch == 1 && kind == "fifo"
                                  ? report
                                  : nullptr);
        if (!outcome.ok()) {
          report->AddUnavailable("transports", key, outcome.error().message);
          continue;
        }
        report->AddFigure({"transports", key + ".msgs", label,
                           outcome->messages_per_second, "msg/s",
                           ping_pong ? "" : "floor.batched_protobuf"});
        if (ping_pong)
          report->AddFigure({"transports", key + ".rtt_p50",
                             label + " RTT p50", outcome->rtt_p50 * 1e6, "us",
                             batch == 1 ? "floor.pingpong_rtt_p50" : ""});
        if (kind == "fifo" && ping_pong && batch == 1)
          report->AddFigure({"transports", "transports.fifo.open_wait",
                             "fifo blocking open (waits for the peer)",
                             outcome->open_wait * 1e6, "us", ""});
      }
    }
  }
}

}  // namespace tabsim
