#include "manager/bench/bench_peers.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#ifdef TABSIM_HAVE_ZMQ
#include <zmq.h>
#endif
#ifdef TABSIM_HAVE_NNG
#include <nng/nng.h>
#include <nng/protocol/pair1/pair.h>
#endif

#include "common/unique_fd.h"
#include "manager/bench/bench_endpoint.h"
#include "manager/bench/bench_stats.h"
#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

constexpr int kTimeoutMs = 5000;
constexpr int kRetryMs = 1;  // reconnect interval of a dialer
// nng's pair sockets buffer nothing by default (each send waits for the
// receiver); ZeroMQ queues up to 1000 messages (its default HWM). nng gets
// a comparable queue.
constexpr int kNngBuffer = 1024;
constexpr size_t kDistinctPayloads = 1024;
constexpr int kWarmupRounds = 200;

// One end of a message link: whole messages, blocking, with a timeout.
class MessageSocket {
 public:
  virtual ~MessageSocket() = default;
  virtual bool Send(std::string_view message) = 0;
  // The message's full size (more than `capacity`: truncated), -1 on error.
  virtual long Receive(char* data, size_t capacity) = 0;
  virtual std::string LastError() const = 0;
};

using Opener =
    std::function<Result<std::unique_ptr<MessageSocket>>(const std::string&)>;

#ifdef TABSIM_HAVE_ZMQ
// Owns its own context: made after fork, in the process that uses it.
class ZmqSocket final : public MessageSocket {
 public:
  static Result<std::unique_ptr<MessageSocket>> Open(int type, bool bind,
                                                     const std::string& url) {
    auto socket = std::unique_ptr<ZmqSocket>(new ZmqSocket(type));
    if (socket->socket_ == nullptr) return socket->Failure("zmq_socket");
    int timeout = kTimeoutMs, linger = 0;
    zmq_setsockopt(socket->socket_, ZMQ_SNDTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(socket->socket_, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(socket->socket_, ZMQ_LINGER, &linger, sizeof linger);
    // A connect that comes before the bind retries after this (default
    // 100 ms, a third of a quick run).
    int retry = kRetryMs;
    zmq_setsockopt(socket->socket_, ZMQ_RECONNECT_IVL, &retry, sizeof retry);
    int rc = bind ? zmq_bind(socket->socket_, url.c_str())
                  : zmq_connect(socket->socket_, url.c_str());
    if (rc != 0) return socket->Failure(bind ? "zmq_bind" : "zmq_connect");
    return std::unique_ptr<MessageSocket>(std::move(socket));
  }
  ~ZmqSocket() override {
    if (socket_ != nullptr) zmq_close(socket_);
    zmq_ctx_term(context_);
  }
  bool Send(std::string_view message) override {
    return zmq_send(socket_, message.data(), message.size(), 0) >= 0;
  }
  long Receive(char* data, size_t capacity) override {
    return zmq_recv(socket_, data, capacity, 0);
  }
  std::string LastError() const override { return zmq_strerror(zmq_errno()); }

 private:
  explicit ZmqSocket(int type)
      : context_(zmq_ctx_new()), socket_(zmq_socket(context_, type)) {}
  Error Failure(const char* what) const {
    return Error{std::string(what) + ": " + LastError(), zmq_errno()};
  }
  void* context_;
  void* socket_;
};
#endif

#ifdef TABSIM_HAVE_NNG
class NngPairSocket final : public MessageSocket {
 public:
  static Result<std::unique_ptr<MessageSocket>> Open(bool listen,
                                                     const std::string& url) {
    auto socket = std::unique_ptr<NngPairSocket>(new NngPairSocket);
    int rv = nng_pair1_open(&socket->socket_);
    if (rv != 0) return Failure("nng_pair1_open", rv);
    socket->open_ = true;
    nng_socket_set_ms(socket->socket_, NNG_OPT_SENDTIMEO, kTimeoutMs);
    nng_socket_set_ms(socket->socket_, NNG_OPT_RECVTIMEO, kTimeoutMs);
    nng_socket_set_int(socket->socket_, NNG_OPT_SENDBUF, kNngBuffer);
    nng_socket_set_int(socket->socket_, NNG_OPT_RECVBUF, kNngBuffer);
    nng_socket_set_ms(socket->socket_, NNG_OPT_RECONNMINT, kRetryMs);
    nng_socket_set_ms(socket->socket_, NNG_OPT_RECONNMAXT, kRetryMs);
    // A dialer that starts first retries in the background.
    rv = listen ? nng_listen(socket->socket_, url.c_str(), nullptr, 0)
                : nng_dial(socket->socket_, url.c_str(), nullptr,
                           NNG_FLAG_NONBLOCK);
    if (rv != 0) return Failure(listen ? "nng_listen" : "nng_dial", rv);
    return std::unique_ptr<MessageSocket>(std::move(socket));
  }
  ~NngPairSocket() override {
    if (open_) nng_close(socket_);
  }
  bool Send(std::string_view message) override {
    last_error_ = nng_send(socket_, const_cast<char*>(message.data()),
                           message.size(), 0);
    return last_error_ == 0;
  }
  long Receive(char* data, size_t capacity) override {
    size_t size = capacity;
    last_error_ = nng_recv(socket_, data, &size, 0);
    return last_error_ == 0 ? long(size) : -1;
  }
  std::string LastError() const override { return nng_strerror(last_error_); }

 private:
  NngPairSocket() = default;
  static Error Failure(const char* what, int rv) {
    return Error{std::string(what) + ": " + nng_strerror(rv), 0};
  }
  nng_socket socket_ = NNG_SOCKET_INITIALIZER;
  bool open_ = false;
  int last_error_ = 0;
};
#endif

// The serialized ManagerToTab inside a frame (the varint length dropped).
std::string Unframed(const std::string& frame) {
  size_t at = 0;
  while (at < frame.size() && (uint8_t(frame[at]) & 0x80) != 0) ++at;
  return frame.substr(at + 1);
}

// What the sending child reports to this process through a pipe.
struct LinkResult {
  int ok = 0;
  double messages_per_second = 0;
  double rtt_p50 = 0;  // seconds
  double rtt_p99 = 0;
  char error[200] = {};
};

void SetError(LinkResult* result, const std::string& text) {
  std::snprintf(result->error, sizeof result->error, "%s", text.c_str());
}

bool WriteAll(int fd, const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= size_t(n);
  }
  return true;
}

bool ReadAll(int fd, void* data, size_t size) {
  char* bytes = static_cast<char*>(data);
  while (size > 0) {
    ssize_t n = ::read(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= size_t(n);
  }
  return true;
}

// The receiving child. One way: the first message says the link is up
// (the receiver answers it with a 0 through `count_fd`, so the sender's
// clock starts connected); then parse every message until an empty one,
// and tell the sender how many through `count_fd`. Round trip: answer each
// message with an InputAck, an empty one with an empty one.
int Receive(MessageSocket& socket, bool round_trip, int count_fd) {
  std::vector<char> buffer(64 * 1024);
  const std::string ack = Unframed(EncodedAckFrame(1));
  proto::ManagerToTab message;
  uint64_t count = 0, checksum = 0;
  bool connected = round_trip;
  for (;;) {
    long size = socket.Receive(buffer.data(), buffer.size());
    if (size < 0 || size_t(size) > buffer.size()) return 1;
    if (round_trip) {
      if (!socket.Send(size == 0 ? std::string_view() : ack)) return 1;
      if (size == 0) return 0;
      continue;
    }
    if (!connected) {
      connected = true;
      if (!WriteAll(count_fd, &count, sizeof count)) return 1;
      continue;
    }
    if (size == 0) break;
    if (!message.ParseFromArray(buffer.data(), int(size))) return 1;
    checksum += message.input().sequence();
    ++count;
  }
  if (checksum == 0) return 2;  // keeps the parse observable
  return WriteAll(count_fd, &count, sizeof count) ? 0 : 1;
}

// The sending child's one-way half: the rate at which messages were
// delivered, from the first send to the receiver's count.
void SendStream(MessageSocket& socket, const BenchOptions& options,
                int count_fd, LinkResult* result) {
  std::vector<std::string> payloads;
  for (uint64_t seq = 1; seq <= kDistinctPayloads; ++seq)
    payloads.push_back(Unframed(EncodedInputFrame(seq)));
  uint64_t count = 0;
  if (!socket.Send(payloads[0]) || !ReadAll(count_fd, &count, sizeof count))
    return SetError(result, "the receiver never got a first message");
  auto start = BenchClock::now();
  size_t next = 0;
  while (SecondsSince(start) < options.seconds) {
    for (int i = 0; i < 256; ++i, ++next) {
      if (!socket.Send(payloads[next % payloads.size()]))
        return SetError(result, "send: " + socket.LastError());
    }
  }
  if (!socket.Send(std::string_view()) ||
      !ReadAll(count_fd, &count, sizeof count) || count == 0)
    return SetError(result, "the receiver failed");
  result->messages_per_second = double(count) / SecondsSince(start);
  result->ok = 1;
}

void SendRoundTrips(MessageSocket& socket, const BenchOptions& options,
                    LinkResult* result) {
  const std::string request = Unframed(EncodedInputFrame(1));
  std::vector<char> reply(4096);
  std::vector<double> samples;
  samples.reserve(size_t(options.latency_samples));
  for (int i = 0; i < kWarmupRounds + options.latency_samples; ++i) {
    auto sent = BenchClock::now();
    if (!socket.Send(request) ||
        socket.Receive(reply.data(), reply.size()) <= 0)
      return SetError(result, "round trip: " + socket.LastError());
    if (i >= kWarmupRounds) samples.push_back(SecondsSince(sent));
  }
  if (!socket.Send(std::string_view()) ||
      socket.Receive(reply.data(), reply.size()) != 0)
    return SetError(result, "end of round trips: " + socket.LastError());
  LatencySummary summary = Summarize(&samples);
  result->rtt_p50 = summary.p50;
  result->rtt_p99 = summary.p99;
  result->ok = 1;
}

// A private directory for the ipc:// socket file, removed afterwards.
class IpcDir {
 public:
  IpcDir() {
    char pattern[] = "/tmp/tabsim-peers-XXXXXX";
    if (::mkdtemp(pattern) != nullptr) path_ = pattern;
  }
  ~IpcDir() {
    if (path_.empty()) return;
    ::unlink(socket_path().c_str());
    ::rmdir(path_.c_str());
  }
  bool ok() const { return !path_.empty(); }
  std::string socket_path() const { return path_ + "/link"; }

 private:
  std::string path_;
};

struct Pipe {
  UniqueFd read, write;
  static Result<Pipe> Make() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return Error::FromErrno("pipe");
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  }
};

// Runs one test: `open_receiver` and `open_sender` each in a forked child.
// (This and the Record functions go unused in a build without both
// libraries.)
[[maybe_unused]] Result<LinkResult> RunLink(const Opener& open_sender,
                                            const Opener& open_receiver,
                                            bool round_trip,
                                            const BenchOptions& options) {
  IpcDir dir;
  if (!dir.ok()) return Error::FromErrno("mkdtemp");
  const std::string url = "ipc://" + dir.socket_path();
  auto counts = Pipe::Make();
  if (!counts.ok()) return counts.error();
  auto results = Pipe::Make();
  if (!results.ok()) return results.error();

  // Each child closes the pipe ends it does not use, so that a peer's
  // death is an end of file for whoever waits on it.
  auto receiver = ForkedPeer::Start([&]() {
    counts->read.reset();
    results->read.reset();
    results->write.reset();
    auto socket = open_receiver(url);
    if (!socket.ok()) return 3;
    return Receive(**socket, round_trip, counts->write.get());
  });
  if (!receiver.ok()) return receiver.error();
  auto sender = ForkedPeer::Start([&]() {
    counts->write.reset();
    results->read.reset();
    LinkResult result;
    auto socket = open_sender(url);
    if (!socket.ok()) {
      SetError(&result, socket.error().message);
    } else if (round_trip) {
      SendRoundTrips(**socket, options, &result);
    } else {
      SendStream(**socket, options, counts->read.get(), &result);
    }
    return WriteAll(results->write.get(), &result, sizeof result) ? 0 : 1;
  });
  if (!sender.ok()) return sender.error();
  results->write.reset();
  counts->read.reset();
  counts->write.reset();

  LinkResult result;
  bool got = ReadAll(results->read.get(), &result, sizeof result);
  int sender_exit = sender->Wait();
  int receiver_exit = receiver->Wait();
  if (!got || sender_exit != 0)
    return Error{"the sending peer failed (exit " +
                     std::to_string(sender_exit) + ")", 0};
  result.error[sizeof result.error - 1] = '\0';
  if (!result.ok) return Error{result.error, 0};
  if (receiver_exit != 0)
    return Error{"the receiving peer failed (exit " +
                     std::to_string(receiver_exit) + ")", 0};
  return result;
}

[[maybe_unused]] void RecordStream(const std::string& key,
                                   const std::string& label,
                                   Result<LinkResult> result,
                                   BenchReport* report) {
  if (!result.ok()) {
    report->AddUnavailable("peers", key, result.error().message);
    return;
  }
  report->AddFigure({"peers", key, label, result->messages_per_second,
                     "msg/s", "floor.batched_protobuf"});
}

[[maybe_unused]] void RecordRoundTrip(const std::string& key,
                                      const std::string& label,
                                      Result<LinkResult> result,
                                      BenchReport* report) {
  if (!result.ok()) {
    report->AddUnavailable("peers", key + "_p50", result.error().message);
    report->AddUnavailable("peers", key + "_p99", result.error().message);
    return;
  }
  report->AddFigure({"peers", key + "_p50", label + " p50",
                     result->rtt_p50 * 1e6, "us", "floor.pingpong_rtt_p50"});
  report->AddFigure({"peers", key + "_p99", label + " p99",
                     result->rtt_p99 * 1e6, "us", "floor.pingpong_rtt_p99"});
}

void RunZmq(const BenchOptions& options, BenchReport* report) {
  std::fprintf(stderr, "bench: peers: zeromq\n");
#ifdef TABSIM_HAVE_ZMQ
  auto push = [](const std::string& url) {
    return ZmqSocket::Open(ZMQ_PUSH, true, url);
  };
  auto pull = [](const std::string& url) {
    return ZmqSocket::Open(ZMQ_PULL, false, url);
  };
  auto req = [](const std::string& url) {
    return ZmqSocket::Open(ZMQ_REQ, true, url);
  };
  auto rep = [](const std::string& url) {
    return ZmqSocket::Open(ZMQ_REP, false, url);
  };
  RecordStream("peers.zmq.pushpull.msgs", "ZeroMQ push/pull over ipc://",
               RunLink(push, pull, false, options), report);
  RecordRoundTrip("peers.zmq.reqrep.rtt", "ZeroMQ req/rep RTT over ipc://",
                  RunLink(req, rep, true, options), report);
#else
  (void)options;
  for (const char* key : {"peers.zmq.pushpull.msgs", "peers.zmq.reqrep.rtt_p50",
                          "peers.zmq.reqrep.rtt_p99"})
    report->AddUnavailable("peers", key, "built without libzmq");
#endif
}

void RunNng(const BenchOptions& options, BenchReport* report) {
  std::fprintf(stderr, "bench: peers: nng\n");
#ifdef TABSIM_HAVE_NNG
  auto listener = [](const std::string& url) {
    return NngPairSocket::Open(true, url);
  };
  auto dialer = [](const std::string& url) {
    return NngPairSocket::Open(false, url);
  };
  RecordStream("peers.nng.pair.msgs", "nng pair1 one way over ipc://",
               RunLink(listener, dialer, false, options), report);
  RecordRoundTrip("peers.nng.pair.rtt", "nng pair1 RTT over ipc://",
                  RunLink(listener, dialer, true, options), report);
#else
  (void)options;
  for (const char* key : {"peers.nng.pair.msgs", "peers.nng.pair.rtt_p50",
                          "peers.nng.pair.rtt_p99"})
    report->AddUnavailable("peers", key, "built without nng");
#endif
}

}  // namespace

void RunPeers(const BenchOptions& options, BenchReport* report) {
  RunZmq(options, report);
  RunNng(options, report);
}

void AddPeerTargets(BenchReport* report) {
  report->AddRatio("input, 1 tab / ZeroMQ push-pull",
                   "input.events_per_s.tabs=1",
                   "peers.zmq.pushpull.msgs", 2.0, true);
  report->AddRatio("input->ack p50 idle / ZeroMQ req-rep RTT p50",
                   "latency.idle.p50", "peers.zmq.reqrep.rtt_p50", 1.0, false);
  report->AddRatio("input, 1 tab / nng pair one way",
                   "input.events_per_s.tabs=1",
                   "peers.nng.pair.msgs", std::nullopt, true);
  report->AddRatio("input->ack p50 idle / nng pair RTT p50", "latency.idle.p50",
                   "peers.nng.pair.rtt_p50", std::nullopt, false);
}

}  // namespace tabsim
