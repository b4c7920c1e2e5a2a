//! Shared by the build scripts of verilator-tb and engine-tb: where Verilator
//! lives, how its C++ is compiled (-O2 whatever the cargo profile), and the
//! runtime library every verilated model links against.
//!
//! Every model is verilated with `--assert`, so the RTL's own assertions and
//! the protocol checkers of `hdl/check/` run in every simulation. Verilator's
//! runtime prints through `VL_PRINTF`, defined here as `vltb_printf`
//! (`csrc/vl_capture.cpp`), so a shim can hand an assertion's message to Rust.
//!
//! `NIC_COVERAGE=1` in the environment builds every model with line and
//! toggle coverage (`scripts/coverage`; use a target directory of its own).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Verilator and our shared C++ (`verilator-tb/csrc`) are, and whether
/// this build collects coverage.
pub struct Tools {
    pub vroot: PathBuf,
    pub csrc: PathBuf,
    pub coverage: bool,
}

impl Tools {
    /// `csrc`: the `verilator-tb/csrc` directory.
    pub fn new(csrc: PathBuf) -> Tools {
        println!("cargo:rerun-if-env-changed=NIC_COVERAGE");
        println!(
            "cargo:rerun-if-changed={}",
            csrc.join("vl_capture.h").display()
        );
        println!(
            "cargo:rerun-if-changed={}",
            csrc.join("vl_capture.cpp").display()
        );
        let coverage = std::env::var("NIC_COVERAGE").is_ok_and(|v| !v.is_empty() && v != "0");
        if coverage {
            println!("cargo:warning=NIC_COVERAGE: models built with line and toggle coverage");
        }
        Tools {
            vroot: verilator_root(),
            csrc,
            coverage,
        }
    }

    /// A `cc::Build` for verilated C++ with tracing (FST) compiled in.
    pub fn cc_build(&self) -> cc::Build {
        let mut b = cc::Build::new();
        b.cpp(true)
            .opt_level(2)
            .debug(false)
            .warnings(false)
            .std("gnu++17")
            .include(self.vroot.join("include"))
            .include(self.vroot.join("include/vltstd"))
            .include(&self.csrc)
            .define("VM_COVERAGE", if self.coverage { "1" } else { "0" })
            .define("VM_SC", "0")
            .define("VM_TRACE", "1")
            .define("VM_TRACE_FST", "1")
            .define("VM_TRACE_VCD", "0")
            .define("VL_PRINTF", "vltb_printf")
            .define("VL_USER_FATAL", None)
            .flag("-include")
            .flag(self.csrc.join("vl_capture.h").to_str().expect("UTF-8 path"))
            .flag("-faligned-new")
            .flag("-Wno-bool-operation")
            .flag("-Wno-sign-compare")
            .flag("-Wno-unused-parameter")
            .flag("-Wno-unused-variable")
            .flag("-Wno-shadow");
        b
    }

    /// Verilates `args` (run from `root`) into `mdir` as class `prefix`, with
    /// `--assert` (and coverage when asked), and returns the generated C++ files.
    pub fn verilate(
        &self,
        root: &Path,
        mdir: &Path,
        prefix: &str,
        args: &[String],
    ) -> Vec<PathBuf> {
        let _ = std::fs::remove_dir_all(mdir);
        let mut cmd = Command::new("verilator");
        cmd.current_dir(root)
            .args([
                "--cc",
                "-O3",
                "--x-assign",
                "fast",
                "--x-initial",
                "fast",
                "--no-timing",
                "--assert",
            ])
            .args(["--trace-fst", "--prefix", prefix, "--Mdir"])
            .arg(mdir);
        if self.coverage {
            cmd.args(["--coverage-line", "--coverage-toggle"]);
        }
        let status = cmd.args(args).status().unwrap_or_else(|e| {
            panic!("cannot run verilator ({e}); install it with scripts/setup")
        });
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

    /// Builds the Verilator runtime (with our print and fatal hooks) as
    /// `lib<name>.a` and links it, with the C++ runtime, zlib (FST) and
    /// threads. It is rebuilt only when our hooks or the coverage choice
    /// change (a stamp next to the library remembers what it was built from).
    pub fn link_runtime(&self, out: &Path, name: &str) {
        let mut files = vec![
            self.vroot.join("include/verilated.cpp"),
            self.vroot.join("include/verilated_threads.cpp"),
            self.vroot.join("include/verilated_fst_c.cpp"),
        ];
        if self.coverage {
            files.push(self.vroot.join("include/verilated_cov.cpp"));
        }
        files.push(self.csrc.join("vl_capture.cpp"));
        let mut stamp = format!("coverage={}\n", self.coverage);
        for f in files.iter().chain([&self.csrc.join("vl_capture.h")]) {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&text, &mut h);
            stamp += &format!("{} {:x}\n", f.display(), std::hash::Hasher::finish(&h));
        }
        let stamp_path = out.join(format!("lib{name}.stamp"));
        let built = out.join(format!("lib{name}.a")).exists()
            && std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp);
        if !built {
            let mut b = self.cc_build();
            b.files(&files);
            b.cargo_metadata(false).compile(name);
            std::fs::write(&stamp_path, &stamp).expect("OUT_DIR is writable");
        }
        println!("cargo:rustc-link-search=native={}", out.display());
        println!("cargo:rustc-link-lib=static={name}");
        for lib in ["stdc++", "z", "pthread", "atomic"] {
            println!("cargo:rustc-link-lib={lib}");
        }
    }
}

pub fn verilator_root() -> PathBuf {
    match Command::new("verilator")
        .args(["--getenv", "VERILATOR_ROOT"])
        .output()
    {
        Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
        _ => PathBuf::from("/usr/share/verilator"),
    }
}
