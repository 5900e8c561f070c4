// Google Benchmark microbenchmarks for the frame codec: encode (AppendFrame)
// and decode (FrameDecoder + protobuf parse) per message, for the messages
// on the hot paths. Not a ctest test: run build/codec_benchmark.
#include <benchmark/benchmark.h>
#include <google/protobuf/arena.h>

#include <cstring>

#include <string>
#include <string_view>

#include "common/frame_codec.h"
#include "common/protocol.h"
#include "proto/tabsim.pb.h"

namespace tabsim {
namespace {

proto::ManagerToTab InputMessage(uint64_t sequence) {
  proto::ManagerToTab message;
  auto* input = message.mutable_input();
  input->set_sequence(sequence);
  auto* wheel = input->mutable_wheel();
  wheel->set_x(123);
  wheel->set_y(45);
  wheel->set_delta_y(-3);
  return message;
}

void BM_EncodeInput(benchmark::State& state) {
  proto::ManagerToTab message = InputMessage(1);
  std::string out;
  uint64_t sequence = 0;
  for (auto _ : state) {
    if (out.size() > (1 << 20)) out.clear();
    message.mutable_input()->set_sequence(++sequence);
    AppendFrame(message, kMaxMessageSize, &out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeInput);

// What TabSession::SendInput does per event besides the channel: a copy of
// the caller's event into the reused outgoing message.
void BM_EncodeInputWithCopy(benchmark::State& state) {
  proto::InputEvent event = InputMessage(1).input();
  proto::ManagerToTab outgoing;
  std::string out;
  for (auto _ : state) {
    if (out.size() > (1 << 20)) out.clear();
    proto::InputEvent copy = event;
    *outgoing.mutable_input() = std::move(copy);
    AppendFrame(outgoing, kMaxMessageSize, &out);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeInputWithCopy);

void BM_DecodeInput(benchmark::State& state) {
  std::string stream;
  const int kBatch = 4096;
  for (int i = 0; i < kBatch; ++i)
    AppendFrame(InputMessage(uint64_t(i) + 1), kMaxMessageSize, &stream);
  FrameDecoder decoder(kMaxMessageSize);
  proto::ManagerToTab message;
  for (auto _ : state) {
    std::span<char> space = decoder.PrepareWrite(stream.size());
    std::memcpy(space.data(), stream.data(), stream.size());
    decoder.Commit(stream.size());
    std::string_view payload;
    while (decoder.Next(&payload) == FrameDecoder::Result::kMessage) {
      message.ParseFromArray(payload.data(), int(payload.size()));
      benchmark::DoNotOptimize(message.input().sequence());
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DecodeInput);

// The same, parsing into an arena per batch (one 64 KiB read's worth), as
// proposed for TabProcess::ReadAvailable: no malloc/free per submessage.
void BM_DecodeInputArena(benchmark::State& state) {
  std::string stream;
  const int kBatch = 4096;
  for (int i = 0; i < kBatch; ++i)
    AppendFrame(InputMessage(uint64_t(i) + 1), kMaxMessageSize, &stream);
  FrameDecoder decoder(kMaxMessageSize);
  for (auto _ : state) {
    std::span<char> space = decoder.PrepareWrite(stream.size());
    std::memcpy(space.data(), stream.data(), stream.size());
    decoder.Commit(stream.size());
    google::protobuf::Arena arena;
    auto* message =
        google::protobuf::Arena::CreateMessage<proto::ManagerToTab>(&arena);
    std::string_view payload;
    while (decoder.Next(&payload) == FrameDecoder::Result::kMessage) {
      message->ParseFromArray(payload.data(), int(payload.size()));
      benchmark::DoNotOptimize(message->input().sequence());
    }
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_DecodeInputArena);

void BM_EncodeDecodeAck(benchmark::State& state) {
  proto::TabToManager ack;
  proto::TabToManager parsed;
  std::string out;
  FrameDecoder decoder(kMaxMessageSize);
  uint64_t sequence = 0;
  for (auto _ : state) {
    out.clear();
    ack.mutable_input_ack()->set_last_input_sequence(++sequence);
    AppendFrame(ack, kMaxMessageSize, &out);
    std::span<char> space = decoder.PrepareWrite(out.size());
    std::memcpy(space.data(), out.data(), out.size());
    decoder.Commit(out.size());
    std::string_view payload;
    decoder.Next(&payload);
    parsed.ParseFromArray(payload.data(), int(payload.size()));
    benchmark::DoNotOptimize(parsed.input_ack().last_input_sequence());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeDecodeAck);

}  // namespace
}  // namespace tabsim

BENCHMARK_MAIN();
