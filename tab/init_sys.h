// The kernel interface of tabsim-init (tab/init_main.cc): one entry point,
// Sys(), that makes a system call and returns its result or -errno, as the
// kernel does. Two implementations, chosen by tab/CMakeLists.txt:
//
//  - init_start_freestanding.cc (x86-64, normal builds): no libc at all.
//    Its own _start, the syscall instruction, and the few memory functions
//    the compiler may call. Why: a statically linked glibc program spends
//    about 1.1 ms of CPU before main() on this project's VM (perf stat of
//    a static `int main() { return 0; }`: 1.34 ms, against 0.21 ms for a
//    raw exit), most of it glibc probing the CPU with `cpuid`, which traps
//    to the hypervisor (6.4 us each here). Init runs once per tab, on the
//    spawn's critical path, in front of the tab program.
//  - init_start_libc.cc (sanitizer and fuzz builds, other architectures):
//    libc's main() and syscall(2).
//
// Either calls InitMain() with argc, argv and the environment. Nothing in
// init may call libc directly: the freestanding build would not link.
#ifndef TABSIM_TAB_INIT_SYS_H_
#define TABSIM_TAB_INIT_SYS_H_

namespace tabsim::init {

// A system call with up to six arguments: its result, or -errno.
long Sys(long number, long a = 0, long b = 0, long c = 0, long d = 0,
         long e = 0, long f = 0);

// tab/init_main.cc: returns init's exit code.
int InitMain(int argc, char** argv, char** envp);

}  // namespace tabsim::init

#endif  // TABSIM_TAB_INIT_SYS_H_
