// One verilated model as every extern "C" shim holds it (engines/engine_shim.cpp,
// module_shim.cpp, check_shim.cpp): its own VerilatedContext (so several models run side by side
// and on several threads), an optional FST trace, the half-cycle count, and the messages of the
// last cycle in which an assertion failed.
#ifndef VLTB_MODEL_H
#define VLTB_MODEL_H

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "verilated.h"
#include "verilated_fst_c.h"
#if VM_COVERAGE
#include <unistd.h>

#include "verilated_cov.h"
#endif

template <class Top>
struct VlModel {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Top> top;
    std::unique_ptr<VerilatedFstC> trace;
    uint64_t t = 0;  // half cycles evaluated
    std::string error;

    // The model named `name` in its own context, clock low, evaluated once.
    explicit VlModel(const char* name) : ctx(new VerilatedContext) {
        ctx->fatalOnError(false);
        top.reset(new Top(ctx.get(), name));
        top->clk = 0;
        top->eval();
    }

    // Starts an FST trace at `path` (models verilated with --trace only).
    void open_trace(const char* path) {
        ctx->traceEverOn(true);
        trace.reset(new VerilatedFstC);
        top->trace(trace.get(), 99);
        trace->open(path);
    }

    // $error and $stop go to the calling thread's context: make it this model's.
    void use_context() {
        if (VL_UNLIKELY(Verilated::threadContextp() != ctx.get())) {
            Verilated::threadContextp(ctx.get());
        }
    }

    // Evaluates with the clock at `level`, then dumps the trace; one half cycle.
    void half_cycle(uint8_t level) {
        top->clk = level;
        top->eval();
        if (trace) trace->dump(t);
        t++;
    }

    // 1 when an assertion failed in the cycle just run (its messages kept in `error`), else 0
    // (and whatever the model printed goes to stderr).
    uint8_t take_failure() {
        if (VL_UNLIKELY(ctx->gotError())) {
            error = "cycle " + std::to_string(t / 2 - 1) + ": " + vltb_take_output();
            ctx->gotError(false);
            return 1;
        }
        vltb_flush_output();
        return 0;
    }

    // Closes the trace and runs the final blocks; with coverage compiled in, writes the counters
    // to $NIC_COVERAGE_DIR/<vname>-<pid>-<n>.dat.
    void finish(const char* vname) {
        if (trace) trace->close();
        use_context();
        top->final();
#if VM_COVERAGE
        if (const char* dir = std::getenv("NIC_COVERAGE_DIR")) {
            static std::atomic<unsigned> written{0};
            std::string path = std::string(dir) + "/" + vname + "-" + std::to_string(getpid()) +
                               "-" + std::to_string(written++) + ".dat";
            ctx->coveragep()->write(path.c_str());
        }
#else
        (void)vname;
#endif
    }
};

#endif
