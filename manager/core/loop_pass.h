// LoopPass: numbers the passes of a single-threaded event loop, so work
// that would repeat for every call made within one pass can be done once
// a pass instead: TabSession stamps a burst of input events with one clock
// read, not one per event (a clock read was a fifth of the manager's CPU
// per event; docs/benchmarks.md).
//
// A pass ends once the handlers already queued when Current() was first
// called in it have run: that call posts a marker to the executor, and the
// marker advances the number when it runs. So everything one handler does
// falls in one pass, and so does whatever else the loop runs before it
// gets back to the marker (at most one loop iteration's ready handlers).
//
// Ownership: the number lives in a state shared with the pending marker,
// so destroying a LoopPass with a marker pending is safe; the marker then
// advances a number nobody reads. Single-threaded: use from the
// executor's thread.
#ifndef TABSIM_MANAGER_CORE_LOOP_PASS_H_
#define TABSIM_MANAGER_CORE_LOOP_PASS_H_

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <memory>

namespace tabsim {

class LoopPass {
 public:
  explicit LoopPass(boost::asio::any_io_executor executor);
  LoopPass(const LoopPass&) = delete;
  LoopPass& operator=(const LoopPass&) = delete;

  // The current pass's number (starting at 1); posts the marker that ends
  // the pass if none is pending.
  uint64_t Current();

 private:
  struct State {
    uint64_t pass = 1;
    bool marker_pending = false;
  };
  boost::asio::any_io_executor executor_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_CORE_LOOP_PASS_H_
