//! Verilates `hdl/` (top `nic_top`, filelist `hdl/nic.f`) at `DATA_W` 64 and 512 and compiles the
//! generated C++, the Verilator runtime and our `extern "C"` shim with the
//! `cc` crate, whatever the cargo profile: the model at -O3, the runtime at -O2.
//! Each width is built twice: with FST tracing (used when `NIC_TRACE` asks for a waveform) and
//! without. Verilator keeps every signal a waveform could show, so the traced model evaluates
//! logic nothing reads (about 5 % of the 64-bit model's instructions per cycle); the trace-free
//! model, which every run without `NIC_TRACE` uses, drops it. Both give the same outputs cycle
//! for cycle.
//! The filelist brings the protocol checkers of `hdl/check/` and their binds;
//! `--assert` is always on (build_support.rs).

#[path = "build_support.rs"]
mod build_support;

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest.parent().unwrap().to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let hdl = root.join("hdl");
    for dir in [hdl.clone(), hdl.join("check")] {
        println!("cargo:rerun-if-changed={}", dir.display());
        for e in std::fs::read_dir(&dir).expect("hdl/ exists").flatten() {
            println!("cargo:rerun-if-changed={}", e.path().display());
        }
    }
    println!("cargo:rerun-if-changed=csrc/nic_shim.cpp");
    println!("cargo:rerun-if-changed=build_support.rs");
    println!("cargo:rerun-if-changed=sim.vlt");

    let tools = build_support::Tools::new(manifest.join("csrc"));
    let inputs = [
        root.join("hdl/nic.f"),
        manifest.join("sim.vlt"),
        manifest.join("csrc/nic_shim.cpp"),
    ];
    // DATA_W 64 (class Vnic_top, libnic_rtl.a) and 512 (class Vnic512, libnic_rtl512.a), and the
    // same without tracing (Vnic_nt, libnic_rtl_nt.a; Vnic512_nt, libnic_rtl512_nt.a).
    for trace in [true, false] {
        for bits in [64u32, 512] {
            let name = match (bits, trace) {
                (64, true) => "nic_rtl",
                (64, false) => "nic_rtl_nt",
                (_, true) => "nic_rtl512",
                (_, false) => "nic_rtl512_nt",
            };
            let key = format!("{VERILATOR_ARGS:?} {bits} trace={trace}");
            tools.cached(&out, &root, name, &inputs, &key, |dir| {
                build_model(&tools, &root, &out, dir, bits, trace, name)
            });
        }
    }
    tools.link_runtime(&out, "verilated_rt");
}

/// Verilator's arguments for the whole NIC (run from the repository root).
const VERILATOR_ARGS: &[&str] = &[
    "--trace-structs",
    // Unroll every loop of the RTL (Verilator's defaults stop at 64
    // iterations / 30 statements and leave e.g. 128-byte header loops
    // as run-time loops with a multiply, a divide and a bit-select call
    // per iteration): 21.1k -> 7.1k instructions per cycle.
    "--unroll-count",
    "1024",
    "--unroll-stmts",
    "100000",
    "-f",
    "hdl/nic.f",
    "verilator-tb/sim.vlt",
];

/// Verilates the whole NIC at `DATA_W = bits`, with tracing or not, into OUT_DIR and compiles it
/// with the shim into `dir`/lib`name`.a.
fn build_model(
    tools: &build_support::Tools,
    root: &Path,
    out: &Path,
    dir: &Path,
    bits: u32,
    trace: bool,
    name: &str,
) {
    let wide = bits != 64;
    let (mdir, prefix) = match (wide, trace) {
        (true, true) => (out.join("obj_dir_512"), "Vnic512"),
        (true, false) => (out.join("obj_dir_512_nt"), "Vnic512_nt"),
        (false, true) => (out.join("obj_dir"), "Vnic_top"),
        (false, false) => (out.join("obj_dir_nt"), "Vnic_nt"),
    };
    let mut args: Vec<String> = VERILATOR_ARGS.iter().map(|a| a.to_string()).collect();
    args.push(format!("-GDATA_W={bits}"));
    let files = if trace {
        tools.verilate(root, &mdir, prefix, &args)
    } else {
        tools.verilate_traced(root, &mdir, prefix, &args, false)
    };
    let mut model = tools.cc_build_traced(trace);
    if wide {
        model.define("NIC_WIDE", "1");
    }
    if !trace {
        model.define("NIC_NOTRACE", "1");
    }
    // The shim's rising edge skips the input-combinational (ico) pass, which is
    // right only while no ico logic reads the clock: check the generated code.
    if ico_reads(&files, "clk") {
        println!("cargo:warning={prefix}: ico logic reads clk; the shim uses plain eval()");
        model.define("NIC_ICO_READS_CLK", "1");
    }
    // It also skips ico when only now_ns changed, which is right only while no ico logic
    // reads now_ns.
    if ico_reads(&files, "now_ns") {
        println!("cargo:warning={prefix}: ico logic reads now_ns; the shim runs ico every cycle");
        model.define("NIC_ICO_READS_NOW", "1");
    }
    // Nor is it right when eval() starts by sampling signals (`__Vsampled`, what $past and
    // other sampled-value functions make): rise() would skip that. The checkers of hdl/check/
    // keep their previous cycle in flops for this reason.
    if files.iter().any(|f| {
        std::fs::read_to_string(f)
            .expect("generated C++ is readable")
            .contains("__Vsampled")
    }) {
        println!(
            "cargo:warning={prefix}: eval() samples signals ($past?); the shim uses plain eval()"
        );
        model.define("NIC_ICO_READS_CLK", "1");
    }
    // -O3 for the model's own C++ (plain -O3, no -march: CI machines differ): the same
    // instructions per cycle as -O2 but about 5 % more cycles per second on the build machine.
    model.opt_level(3);
    model.include(&mdir);
    let mut sources = vec![PathBuf::from("csrc/nic_shim.cpp")];
    sources.extend(files);
    tools.compile_model(&model, &sources, dir, name);
}

/// True if any generated input-combinational function (`*ico_sequent*`) mentions
/// `name` (a false positive, e.g. a signal named `clk_en` for `clk`, only costs speed).
fn ico_reads(files: &[PathBuf], name: &str) -> bool {
    files.iter().any(|f| {
        let text = std::fs::read_to_string(f).expect("generated C++ is readable");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("ico_sequent") {
            let body = &rest[at..];
            let end = body.find("\n}\n").unwrap_or(body.len());
            if body[..end].contains(name) {
                return true;
            }
            rest = &body[end..];
        }
        false
    })
}
