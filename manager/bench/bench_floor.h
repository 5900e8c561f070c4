// The floors every tabsim figure is divided by, measured in the same run
// because the machines are shared and noisy. All use the same encoded
// protocol bytes between this process and a forked peer, with blocking
// syscalls and no Asio:
//   floor.pingpong_rtt_p50   one InputEvent frame out, one InputAck frame
//                            back, over a blocking socketpair (us)
//   floor.batched_protobuf   pre-encoded InputEvent frames written 64 KiB
//                            at a time; the peer decodes every frame
//                            (FrameDecoder + protobuf parse) (msg/s)
//   floor.one_write_per_message  the same, one write(2) per message
//   floor.memcpy.<W>x<H>     memcpy of one frame, as frames/s
//   floor.memcpy_bandwidth   the same at 1920x1080, GB/s
//   floor.socket_frame.<W>x<H>  whole frames (W*H*4 bytes) written by the
//                            peer in one write each through a blocking
//                            socketpair, read here into a frame buffer
//                            (frames/s): the socket frame path's floor
// A failing syscall is recorded as unavailable, never as a number.
#ifndef TABSIM_MANAGER_BENCH_BENCH_FLOOR_H_
#define TABSIM_MANAGER_BENCH_BENCH_FLOOR_H_

#include <utility>
#include <vector>

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

void RunFloors(const BenchOptions& options,
               const std::vector<std::pair<int, int>>& frame_sizes,
               BenchReport* report);

std::string FrameSizeName(int width, int height);  // "1920x1080"

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_FLOOR_H_
