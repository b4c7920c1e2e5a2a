//! Shared by the build scripts of verilator-tb and engine-tb: where Verilator
//! lives, how its C++ is compiled (-O2 whatever the cargo profile), and the
//! runtime library every verilated model links against.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn verilator_root() -> PathBuf {
    match Command::new("verilator")
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
    {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => PathBuf::from("/usr/share/verilator"),
    }
}

/// A `cc::Build` for verilated C++ with tracing (FST) compiled in.
pub fn cc_build(vroot: &Path) -> cc::Build {
    let mut b = cc::Build::new();
    b.cpp(true)
        .opt_level(2)
        .debug(false)
        .warnings(false)
        .std("gnu++17")
        .include(vroot.join("include"))
        .include(vroot.join("include/vltstd"))
        .define("VM_COVERAGE", "0")
        .define("VM_SC", "0")
        .define("VM_TRACE", "1")
        .define("VM_TRACE_FST", "1")
        .define("VM_TRACE_VCD", "0")
        .flag("-faligned-new")
        .flag("-Wno-bool-operation")
        .flag("-Wno-sign-compare")
        .flag("-Wno-unused-parameter")
        .flag("-Wno-unused-variable")
        .flag("-Wno-shadow");
    b
}

/// Verilates `sources` (run from `root`) into `mdir` as class `prefix`, with
/// extra Verilator arguments, and returns the generated C++ files.
pub fn verilate(root: &Path, mdir: &Path, prefix: &str, args: &[String]) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(mdir);
    let status = Command::new("verilator")
        .current_dir(root)
        .args([
            "--cc",
            "-O3",
            "--x-assign",
            "fast",
            "--x-initial",
            "fast",
            "--no-timing",
        ])
        .args(["--trace-fst", "--prefix", prefix, "--Mdir"])
        .arg(mdir)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("cannot run verilator ({e}); install it with scripts/setup"));
    assert!(
        status.success(),
        "verilator failed for {prefix} (see the messages above)"
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(mdir)
        .expect("verilator output directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cpp"))
        .collect();
    files.sort();
    files
}

/// Builds the Verilator runtime once per OUT_DIR as `lib<name>.a` and links
/// it, with the C++ runtime, zlib (FST) and threads.
pub fn link_runtime(vroot: &Path, out: &Path, name: &str) {
    if !out.join(format!("lib{name}.a")).exists() {
        let mut b = cc_build(vroot);
        for f in [
            "verilated.cpp",
            "verilated_threads.cpp",
            "verilated_fst_c.cpp",
        ] {
            b.file(vroot.join("include").join(f));
        }
        b.cargo_metadata(false).compile(name);
    }
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static={name}");
    for lib in ["stdc++", "z", "pthread", "atomic"] {
        println!("cargo:rustc-link-lib={lib}");
    }
}
