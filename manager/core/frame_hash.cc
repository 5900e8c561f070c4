#include "manager/core/frame_hash.h"

#include <cstring>

#include "common/check.h"

namespace tabsim {

namespace {
constexpr uint64_t kOffsetBasis = 14695981039346656037ull;
constexpr uint64_t kPrime = 1099511628211ull;
}  // namespace

uint64_t FrameHash(const FrameView& frame) {
  TABSIM_CHECK(frame.IsValid());
  const size_t pixels = size_t(frame.width) * size_t(frame.height);
  uint64_t hash = kOffsetBasis;
  size_t i = 0;
  for (; i + 2 <= pixels; i += 2) {
    uint64_t word;
    std::memcpy(&word, frame.pixels + i, sizeof word);
    hash = (hash ^ word) * kPrime;
  }
  if (i < pixels) hash = (hash ^ frame.pixels[i]) * kPrime;
  hash = (hash ^ uint64_t(uint32_t(frame.width))) * kPrime;
  hash = (hash ^ uint64_t(uint32_t(frame.height))) * kPrime;
  return hash;
}

}  // namespace tabsim
