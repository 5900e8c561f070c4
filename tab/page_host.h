// PageHost: the tab's channel to the manager as a page sees it.
//
// Ordinary pages never need one. The hostile test pages (sim://flood,
// sim://bad-message, sim://escape, ...) use it to misbehave on the wire the
// way a compromised renderer could: raw bytes, FrameReady for any index, a
// second handshake, ftruncate on the frame region. TabProcess implements it
// (tab/tab_process.h); it deliberately bypasses the tab's own protocol
// discipline, because the manager must not depend on the tab having any.
//
// Ownership: the host outlives every page it is handed to (CreatePage()).
// Every Send* only queues bytes; the tab's loop writes them. Nothing here
// fails: after ShutdownWrite() (or once the channel is gone) sends are
// dropped silently.
#ifndef TABSIM_TAB_PAGE_HOST_H_
#define TABSIM_TAB_PAGE_HOST_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tabsim {

class PageHost {
 public:
  virtual ~PageHost() = default;

  // A LogLine (level WARNING) for the manager; long text is cut short.
  virtual void SendLog(std::string_view text) = 0;
  // Appends `bytes` to the outgoing stream as they are: no framing.
  virtual void SendRawBytes(std::string_view bytes) = 0;
  // A FrameReady for `buffer_index` of the current region with the next
  // frame sequence and whole-frame damage. The tab's own bookkeeping of
  // which buffer it owns is left alone.
  virtual void SendFrameReady(uint32_t buffer_index) = 0;
  // The same, claimed for view `view_id` (another view's, say).
  virtual void SendFrameReadyForView(uint32_t view_id, uint32_t buffer_index) = 0;
  // The id of the view (tab) this page is in.
  virtual uint32_t ViewId() const = 0;
  // A HelloReply claiming `protocol_version`, whatever the state.
  virtual void SendHelloReply(uint32_t protocol_version) = 0;
  // Once everything queued so far is written, shutdown(SHUT_WR) the channel
  // and send nothing more; the tab keeps running and reading.
  virtual void ShutdownWrite() = 0;

  // Bytes queued for the manager, not yet written.
  virtual size_t QueuedBytes() const = 0;
  // The buffer index of the last frame the tab announced, -1 before any.
  virtual int LastFrameBuffer() const = 0;
  // The current frame region (fd 4 until the first resize) and its size.
  virtual int RegionFd() const = 0;
  virtual uint64_t RegionSize() const = 0;
  virtual pid_t ManagerPid() const = 0;
  // False under --no-sandbox.
  virtual bool Sandboxed() const = 0;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_PAGE_HOST_H_
