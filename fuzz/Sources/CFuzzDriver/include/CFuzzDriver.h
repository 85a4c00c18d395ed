#ifndef SWAPINSPECT_FUZZ_DRIVER_H
#define SWAPINSPECT_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry for programs with a main() of their own (compiler-rt FuzzerDriver.cpp). */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

/* SwiftPM links an executable target with main defined as MODULE_main (its entry point renamed so
   tests can import the module), so libFuzzer's own main() is never linked in: each fuzzer defines
   MODULE_main and hands over to libFuzzer here. */
int si_fuzz_main(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));

#endif
