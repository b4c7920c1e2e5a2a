// Verilator's print and fatal hooks for every model of this repository (see vl_capture.h).
// Compiled into the Verilator runtime library (build_support.rs, link_runtime) with
// VL_USER_FATAL, so vl_fatal below replaces the runtime's own.

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "verilated.h"

namespace {
thread_local std::string t_out;
}

int vltb_printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    va_list ap2;
    va_copy(ap2, ap);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    if (n >= 0 && static_cast<size_t>(n) < sizeof buf) {
        t_out.append(buf, static_cast<size_t>(n));
    } else if (n >= 0) {
        std::string big(static_cast<size_t>(n) + 1, '\0');
        std::vsnprintf(&big[0], big.size(), fmt, ap2);
        big.resize(static_cast<size_t>(n));
        t_out += big;
    }
    va_end(ap2);
    va_end(ap);
    return n;
}

std::string vltb_take_output() {
    // Without the "%Error: file:line: Verilog $stop" line Verilator adds after each failed
    // assertion's own message.
    std::string s;
    size_t at = 0;
    while (at < t_out.size()) {
        size_t end = t_out.find('\n', at);
        end = (end == std::string::npos) ? t_out.size() : end + 1;
        if (t_out.substr(at, end - at).find("Verilog $stop") == std::string::npos) {
            s.append(t_out, at, end - at);
        }
        at = end;
    }
    t_out.clear();
    return s;
}

void vltb_flush_output() {
    if (!t_out.empty()) {
        std::fputs(t_out.c_str(), stderr);
        t_out.clear();
    }
}

// A fatal error (a $fatal, a model that does not converge, or $stop with fatalOnError) ends the
// process, as Verilator's own vl_fatal does, after printing what was kept.
void vl_fatal(const char* filename, int linenum, const char* hier, const char* msg) {
    (void)hier;
    Verilated::threadContextp()->gotError(true);
    Verilated::threadContextp()->gotFinish(true);
    vltb_flush_output();
    if (filename && filename[0]) {
        std::fprintf(stderr, "%%Error: %s:%d: %s\nAborting...\n", filename, linenum, msg);
    } else {
        std::fprintf(stderr, "%%Error: %s\nAborting...\n", msg);
    }
    std::fflush(stderr);
    Verilated::runFlushCallbacks();
    Verilated::runExitCallbacks();
    std::abort();
}
