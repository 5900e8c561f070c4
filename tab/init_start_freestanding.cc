// tabsim-init's kernel interface without libc (tab/init_sys.h), x86-64
// only: the process entry point, the syscall instruction, and the memory
// functions a compiler may emit calls to even in freestanding code. Built
// with -nostdlib -static -fno-stack-protector (there is no TLS for a
// canary) and -fno-builtin (so memset is not compiled into a call to
// itself).
#include <stddef.h>
#include <sys/syscall.h>

#include "tab/init_sys.h"

#if !defined(__x86_64__)
#error "the freestanding tabsim-init is x86-64 only; build with init_start_libc.cc"
#endif

namespace tabsim::init {

long Sys(long number, long a, long b, long c, long d, long e, long f) {
  long result;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
                     "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
}

}  // namespace tabsim::init

// The kernel starts us with argc at the stack pointer, then argv, a null,
// the environment and a null. Align the stack as the ABI wants for a call.
extern "C" [[noreturn]] __attribute__((used)) void TabsimInitStart(long* stack) {
  const int argc = static_cast<int>(stack[0]);
  char** argv = reinterpret_cast<char**>(stack + 1);
  char** envp = argv + argc + 1;
  const int code = tabsim::init::InitMain(argc, argv, envp);
  for (;;) tabsim::init::Sys(SYS_exit_group, code);
}

__asm__(
    ".text\n"
    ".global _start\n"
    ".type _start,@function\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call TabsimInitStart\n"
    "  hlt\n");

extern "C" {

void* memset(void* to, int value, size_t size) {
  auto* bytes = static_cast<volatile unsigned char*>(to);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<unsigned char>(value);
  return to;
}

void* memcpy(void* to, const void* from, size_t size) {
  auto* out = static_cast<volatile unsigned char*>(to);
  const auto* in = static_cast<const unsigned char*>(from);
  for (size_t i = 0; i < size; ++i) out[i] = in[i];
  return to;
}

void* memmove(void* to, const void* from, size_t size) {
  auto* out = static_cast<volatile unsigned char*>(to);
  const auto* in = static_cast<const unsigned char*>(from);
  if (out < in) {
    for (size_t i = 0; i < size; ++i) out[i] = in[i];
  } else {
    for (size_t i = size; i > 0; --i) out[i - 1] = in[i - 1];
  }
  return to;
}

int memcmp(const void* a, const void* b, size_t size) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < size; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}

}  // extern "C"
