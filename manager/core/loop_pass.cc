#include "manager/core/loop_pass.h"

#include <boost/asio/post.hpp>

#include <utility>

namespace tabsim {

LoopPass::LoopPass(boost::asio::any_io_executor executor)
    : executor_(std::move(executor)) {}

uint64_t LoopPass::Current() {
  if (!state_->marker_pending) {
    state_->marker_pending = true;
    boost::asio::post(executor_, [state = state_] {
      ++state->pass;
      state->marker_pending = false;
    });
  }
  return state_->pass;
}

}  // namespace tabsim
