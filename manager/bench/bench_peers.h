// Peers in the same run: message libraries a reader would reach for instead
// of tabsim's own channel, carrying the same encoded InputEvent bytes as
// the floors (a serialized ManagerToTab per message: ZeroMQ and nng frame
// messages themselves) between two forked processes over ipc://.
//
//   peers.zmq.pushpull.msgs    ZeroMQ PUSH -> PULL, msg/s delivered and
//                              parsed by the receiver (counted at end of
//                              stream, as floor.batched_protobuf is)
//   peers.zmq.reqrep.rtt_p50   ZeroMQ REQ -> REP, InputEvent out and an
//                   .rtt_p99   InputAck back, round trip in us
//   peers.nng.pair.msgs        nng pair1, one way, as push/pull
//   peers.nng.pair.rtt_p50/99  nng pair1, round trip as req/rep
//
// Both ends run in forked children, never in this process: neither library
// survives a fork once its I/O threads run, so this process never starts
// them. A library tabsim was built without (CMake found no libzmq or nng)
// is recorded as unavailable, "built without libzmq"; so is a peer that
// fails (with its error), after a 5 s timeout on any send or receive.
#ifndef TABSIM_MANAGER_BENCH_BENCH_PEERS_H_
#define TABSIM_MANAGER_BENCH_BENCH_PEERS_H_

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

// Figures under scenario "peers".
void RunPeers(const BenchOptions& options, BenchReport* report);

// The comparisons the issue sets: tabsim's delivered input against ZeroMQ
// push/pull, tabsim's input->ack p50 against the req/rep and nng round
// trips. Unavailable when either side did not run.
void AddPeerTargets(BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_PEERS_H_
