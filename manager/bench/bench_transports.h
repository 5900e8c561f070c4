// The classic IPC mechanisms side by side: pipe, FIFO (a named pipe in a
// private temp dir, including its blocking open), UNIX stream socketpair,
// SOCK_SEQPACKET socketpair, and a shared-memory SPSC ring. Each carries
// the same encoded InputEvent frames between this process and a forked
// peer (no threads, no Asio), as a ping-pong (round-trip p50, messages/s)
// and as a one-way stream (messages/s), with one message per write and in
// batches of kBatch.
//
// A transport the machine refuses is recorded as unavailable with the
// errno text; nothing here aborts the run.
#ifndef TABSIM_MANAGER_BENCH_BENCH_TRANSPORTS_H_
#define TABSIM_MANAGER_BENCH_BENCH_TRANSPORTS_H_

#include "manager/bench/bench_options.h"
#include "manager/bench/bench_report.h"

namespace tabsim {

inline constexpr int kTransportBatch = 64;

// Figures under scenario "transports", keys "transports.<kind>.<test>".
void RunTransports(const BenchOptions& options, BenchReport* report);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BENCH_BENCH_TRANSPORTS_H_
