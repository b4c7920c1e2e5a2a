// Force-included (-include) into every C++ file of a verilated model, its runtime and its shim
// (build_support.rs). Verilator's runtime prints every message, $error and assertion failures
// included, through VL_PRINTF, which build_support.rs defines as vltb_printf: the text is kept on
// the calling thread, so a shim can hand an assertion failure's message to Rust.
#ifndef VLTB_CAPTURE_H
#define VLTB_CAPTURE_H

#ifdef __cplusplus
#include <string>

int vltb_printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// What this thread printed through VL_PRINTF since the last call; clears it.
std::string vltb_take_output();
// Prints what this thread has kept to stderr and clears it.
void vltb_flush_output();
#endif

#endif
