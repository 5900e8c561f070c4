#include "manager/bench/bench_floor.h"

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <string>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "manager/bench/bench_endpoint.h"
#include "manager/bench/bench_stats.h"
#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

constexpr size_t kWriteChunk = 64 * 1024;

Result<std::pair<FdEndpoint, FdEndpoint>> SocketPair(int type) {
  int fds[2];
  if (::socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) != 0)
    return Error::FromErrno("socketpair");
  return std::make_pair(FdEndpoint(UniqueFd(fds[0]), UniqueFd(), true),
                        FdEndpoint(UniqueFd(fds[1]), UniqueFd(), true));
}

void PingPong(const BenchOptions& options, BenchReport* report) {
  auto pair = SocketPair(SOCK_STREAM);
  if (!pair.ok()) {
    report->AddUnavailable("floor", "floor.pingpong_rtt_p50",
                           pair.error().message);
    return;
  }
  const std::string request = EncodedInputFrame(1);
  const std::string reply = EncodedAckFrame(1);
  FdEndpoint& ours = pair->first;
  FdEndpoint& theirs = pair->second;
  auto peer = ForkedPeer::Start([&]() {
    std::string buffer(request.size(), '\0');
    while (theirs.ReadExactly(buffer.data(), buffer.size()))
      if (!theirs.Write(reply.data(), reply.size())) return 1;
    return 0;
  });
  if (!peer.ok()) {
    report->AddUnavailable("floor", "floor.pingpong_rtt_p50",
                           peer.error().message);
    return;
  }
  theirs = FdEndpoint(UniqueFd(), UniqueFd(), false);
  const int warmup = 200;
  const int rounds = options.latency_samples;
  std::vector<double> samples;
  samples.reserve(size_t(rounds));
  std::string buffer(reply.size(), '\0');
  for (int i = 0; i < warmup + rounds; ++i) {
    auto start = BenchClock::now();
    if (!ours.Write(request.data(), request.size()) ||
        !ours.ReadExactly(buffer.data(), buffer.size())) {
      report->AddUnavailable("floor", "floor.pingpong_rtt_p50",
                             "the peer went away");
      return;
    }
    if (i >= warmup) samples.push_back(SecondsSince(start));
  }
  ours.CloseWrite();
  peer->Wait();
  LatencySummary summary = Summarize(&samples);
  report->AddFigure({"floor", "floor.pingpong_rtt_p50",
                     "raw socketpair ping-pong RTT p50", summary.p50 * 1e6,
                     "us", ""});
  report->AddFigure({"floor", "floor.pingpong_rtt_p99",
                     "raw socketpair ping-pong RTT p99", summary.p99 * 1e6,
                     "us", ""});
}

// Writes pre-encoded InputEvent frames for `seconds` (in 64 KiB writes, or
// one write per message); the peer decodes and parses every one and
// reports how many at end of stream.
void Stream(const BenchOptions& options, bool batched, BenchReport* report) {
  const std::string key =
      batched ? "floor.batched_protobuf" : "floor.one_write_per_message";
  const std::string label = batched
                                ? "raw batched write + protobuf decode"
                                : "raw one write per message + decode";
  auto pair = SocketPair(SOCK_STREAM);
  if (!pair.ok()) {
    report->AddUnavailable("floor", key, pair.error().message);
    return;
  }
  FdEndpoint& ours = pair->first;
  FdEndpoint& theirs = pair->second;
  auto peer = ForkedPeer::Start([&]() {
    FrameDecoder decoder(kMaxMessageSize);
    proto::ManagerToTab message;
    uint64_t count = 0;
    uint64_t checksum = 0;
    for (;;) {
      std::span<char> space = decoder.PrepareWrite(kWriteChunk);
      ssize_t got = theirs.Read(space.data(), space.size());
      if (got <= 0) break;
      decoder.Commit(size_t(got));
      std::string_view payload;
      while (decoder.Next(&payload) == FrameDecoder::Result::kMessage) {
        if (!message.ParseFromArray(payload.data(), int(payload.size())))
          return 1;
        checksum += message.input().sequence();
        ++count;
      }
    }
    if (checksum == 0) return 2;  // keeps the parse observable
    return theirs.Write(reinterpret_cast<const char*>(&count), sizeof(count))
               ? 0
               : 1;
  });
  if (!peer.ok()) {
    report->AddUnavailable("floor", key, peer.error().message);
    return;
  }
  theirs = FdEndpoint(UniqueFd(), UniqueFd(), false);
  std::string chunk;
  const std::string one = EncodedInputFrame(1);
  if (batched) {
    for (uint64_t seq = 1; chunk.size() + 16 < kWriteChunk; ++seq)
      chunk += EncodedInputFrame(seq);
  }
  const double seconds = batched ? options.seconds : options.seconds / 2;
  auto start = BenchClock::now();
  bool ok = true;
  while (ok && SecondsSince(start) < seconds) {
    for (int i = 0; ok && i < (batched ? 16 : 4096); ++i)
      ok = batched ? ours.Write(chunk.data(), chunk.size())
                   : ours.Write(one.data(), one.size());
  }
  ours.CloseWrite();
  uint64_t count = 0;
  ok = ok && ours.ReadExactly(reinterpret_cast<char*>(&count), sizeof(count));
  double elapsed = SecondsSince(start);
  if (peer->Wait() != 0 || !ok || count == 0) {
    report->AddUnavailable("floor", key, "the decoding peer failed");
    return;
  }
  report->AddFigure(
      {"floor", key, label, double(count) / elapsed, "msg/s", ""});
}

void Memcpy(const BenchOptions& options,
            const std::vector<std::pair<int, int>>& frame_sizes,
            BenchReport* report) {
  for (auto [width, height] : frame_sizes) {
    size_t bytes = FrameBytes(width, height);
    auto source = std::make_unique<char[]>(bytes);
    auto target = std::make_unique<char[]>(bytes);
    std::memset(source.get(), 0x5a, bytes);
    std::memset(target.get(), 0, bytes);
    auto start = BenchClock::now();
    uint64_t copies = 0;
    while (copies < 3 || SecondsSince(start) < options.seconds / 4) {
      source[copies % bytes] = char(copies);
      std::memcpy(target.get(), source.get(), bytes);
      asm volatile("" : : "r"(target.get()) : "memory");
      ++copies;
    }
    double elapsed = SecondsSince(start);
    std::string name = FrameSizeName(width, height);
    report->AddFigure({"floor", "floor.memcpy." + name,
                       "memcpy of one frame " + name,
                       double(copies) / elapsed, "frames/s", ""});
    if (width == 1920 && height == 1080)
      report->AddFigure({"floor", "floor.memcpy_bandwidth",
                         "memcpy bandwidth (1080p frames)",
                         double(copies) * double(bytes) / elapsed / 1e9,
                         "GB/s", ""});
  }
}

// The frame path with nothing of ours in it: a forked peer writes whole
// frames (W*H*4 bytes, one write(2) call each, which the kernel takes in
// socket-buffer-sized pieces) through a blocking socketpair; this process
// reads each whole frame into a frame buffer, in reads as large as it can.
void SocketFrames(const BenchOptions& options,
                  const std::vector<std::pair<int, int>>& frame_sizes,
                  BenchReport* report) {
  for (auto [width, height] : frame_sizes) {
    const std::string name = FrameSizeName(width, height);
    const std::string key = "floor.socket_frame." + name;
    auto pair = SocketPair(SOCK_STREAM);
    if (!pair.ok()) {
      report->AddUnavailable("floor", key, pair.error().message);
      continue;
    }
    const size_t bytes = FrameBytes(width, height);
    FdEndpoint& ours = pair->first;
    FdEndpoint& theirs = pair->second;
    auto peer = ForkedPeer::Start([&]() {
      // Ends when we close our end: a write error, not a SIGPIPE. (Its copy
      // of our end goes first, or that close would never be seen.)
      ours = FdEndpoint(UniqueFd(), UniqueFd(), false);
      ::signal(SIGPIPE, SIG_IGN);
      auto frame = std::make_unique<char[]>(bytes);
      std::memset(frame.get(), 0x5a, bytes);
      for (uint64_t n = 0;; ++n) {
        frame[0] = char(n);
        if (!theirs.Write(frame.get(), bytes)) return 0;
      }
    });
    if (!peer.ok()) {
      report->AddUnavailable("floor", key, peer.error().message);
      continue;
    }
    theirs = FdEndpoint(UniqueFd(), UniqueFd(), false);
    auto frame = std::make_unique<char[]>(bytes);
    uint64_t frames = 0;
    bool ok = true;
    auto start = BenchClock::now();
    // Half the frames scenario's window: long enough to see through a
    // shared machine's noise, which a quarter was not.
    while (ok && (frames < 3 || SecondsSince(start) < options.seconds / 2)) {
      ok = ours.ReadExactly(frame.get(), bytes);
      frames += ok ? 1 : 0;
    }
    const double elapsed = SecondsSince(start);
    ours = FdEndpoint(UniqueFd(), UniqueFd(), false);  // ends the peer
    if (peer->Wait() != 0 || !ok) {
      report->AddUnavailable("floor", key, "the writing peer failed");
      continue;
    }
    report->AddFigure({"floor", key, "raw socketpair frame transfer " + name,
                       double(frames) / elapsed, "frames/s", ""});
  }
}

}  // namespace

std::string FrameSizeName(int width, int height) {
  return std::to_string(width) + "x" + std::to_string(height);
}

void RunFloors(const BenchOptions& options,
               const std::vector<std::pair<int, int>>& frame_sizes,
               BenchReport* report) {
  PingPong(options, report);
  Stream(options, /*batched=*/true, report);
  Stream(options, /*batched=*/false, report);
  Memcpy(options, frame_sizes, report);
  SocketFrames(options, frame_sizes, report);
}

}  // namespace tabsim
