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
//! toggle coverage (`scripts/coverage`).
//!
//! Compiled models are kept in `<target dir>/verilated/`, one directory per
//! model and content key (a hash of every source file the model is made
//! from, the shims, these build scripts, the flags and Verilator's version;
//! see [`Tools::cached`]). Every cargo profile (`check`/clippy, `dev`,
//! `test`, `release`) and both coverage choices link the same compiled
//! model instead of verilating and compiling it again, and a build script
//! that reruns because one file changed rebuilds only the models made from it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where Verilator and our shared C++ (`verilator-tb/csrc`) are, and whether
/// this build collects coverage.
pub struct Tools {
    pub vroot: PathBuf,
    pub csrc: PathBuf,
    pub coverage: bool,
    /// `verilator --version`, part of every cache key.
    pub version: String,
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
        println!(
            "cargo:rerun-if-changed={}",
            csrc.join("vl_model.h").display()
        );
        let coverage = std::env::var("NIC_COVERAGE").is_ok_and(|v| !v.is_empty() && v != "0");
        if coverage {
            println!("cargo:warning=NIC_COVERAGE: models built with line and toggle coverage");
        }
        let version = Command::new("verilator")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        Tools {
            vroot: verilator_root(),
            csrc,
            coverage,
            version,
        }
    }

    /// A `cc::Build` for verilated C++ with tracing (FST) compiled in.
    pub fn cc_build(&self) -> cc::Build {
        self.cc_build_traced(true)
    }

    /// A `cc::Build` for verilated C++, with tracing (FST) compiled in or not (for a model
    /// verilated without `--trace-fst`, see [`Tools::verilate_traced`]).
    pub fn cc_build_traced(&self, trace: bool) -> cc::Build {
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
            .define("VM_TRACE", if trace { "1" } else { "0" })
            .define("VM_TRACE_FST", if trace { "1" } else { "0" })
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

    /// Compiles a verilated model's generated `files` with `build` (which holds the model's
    /// includes, defines, shim and optimisation level) into `dir`/lib`name`.a. The files Verilator
    /// marks `__Slow` (constructors, initial and settle code, coverage point and trace
    /// declarations: run once, not per cycle) are compiled at -O0 instead: they are most of the
    /// source of a coverage build (the 64-bit NIC's largest is 3.3 MB, 63 s at -O3 and 6 s at -O0
    /// on the build machine) and none of its run time.
    pub fn compile_model(&self, build: &cc::Build, files: &[PathBuf], dir: &Path, name: &str) {
        let (slow, fast): (Vec<&PathBuf>, Vec<&PathBuf>) = files.iter().partition(|f| {
            f.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains("__Slow"))
        });
        let slow_objects = if slow.is_empty() {
            Vec::new()
        } else {
            let slow_dir = dir.join("slow");
            std::fs::create_dir_all(&slow_dir).expect("the target directory is writable");
            build
                .clone()
                .opt_level(0)
                .files(slow)
                .out_dir(&slow_dir)
                .cargo_metadata(false)
                .compile_intermediates()
        };
        build
            .clone()
            .files(fast)
            .objects(slow_objects)
            .out_dir(dir)
            .cargo_metadata(false)
            .compile(name);
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
        self.verilate_traced(root, mdir, prefix, args, true)
    }

    /// [`Tools::verilate`], with `--trace-fst` or (`trace` false) without: a model that cannot
    /// dump waveforms, and in which Verilator may drop logic that only a waveform would show.
    pub fn verilate_traced(
        &self,
        root: &Path,
        mdir: &Path,
        prefix: &str,
        args: &[String],
        trace: bool,
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
            .args(if trace { &["--trace-fst"][..] } else { &[][..] })
            .args(["--prefix", prefix, "--Mdir"])
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
    /// threads (from the cache of compiled models when it is there).
    pub fn link_runtime(&self, out: &Path, name: &str) {
        let mut files = vec![
            self.vroot.join("include/verilated.cpp"),
            self.vroot.join("include/verilated_threads.cpp"),
            self.vroot.join("include/verilated_fst_c.cpp"),
        ];
        if self.coverage {
            files.push(self.vroot.join("include/verilated_cov.cpp"));
        }
        let build = |dir: &Path| {
            let mut b = self.cc_build();
            b.files(&files).out_dir(dir).cargo_metadata(false);
            b.file(self.csrc.join("vl_capture.cpp")).compile(name);
        };
        self.cached(out, out, name, &files, "runtime", build);
        for lib in ["stdc++", "z", "pthread", "atomic"] {
            println!("cargo:rustc-link-lib={lib}");
        }
    }

    /// Links the static library `lib<name>.a` built by `build` for `key`,
    /// from the cache when it is there. `inputs` are the files it is made
    /// from (a `-f` filelist's files are read from the list); `key` the rest
    /// of what decides it (arguments, defines). `build(dir)` must leave
    /// `lib<name>.a` in `dir` (e.g. `cc::Build::out_dir(dir)`, with
    /// `cargo_metadata(false)`). Older entries of the same name and coverage
    /// choice are removed.
    pub fn cached(
        &self,
        out: &Path,
        root: &Path,
        name: &str,
        inputs: &[PathBuf],
        key: &str,
        build: impl FnOnce(&Path),
    ) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let mut hash = |bytes: &[u8]| std::hash::Hash::hash(bytes, &mut h);
        hash(key.as_bytes());
        hash(self.version.as_bytes());
        hash(if self.coverage { b"coverage" } else { b"plain" });
        let mut files: Vec<PathBuf> = Vec::new();
        for f in inputs {
            files.push(f.clone());
            if f.extension().is_some_and(|x| x == "f") {
                let list = std::fs::read_to_string(f).unwrap_or_default();
                for l in list.lines().map(str::trim) {
                    if !l.is_empty() && !l.starts_with('-') && !l.starts_with("//") {
                        files.push(root.join(l));
                    }
                }
            }
        }
        for common in ["vl_capture.h", "vl_capture.cpp", "vl_model.h"] {
            files.push(self.csrc.join(common));
        }
        files.push(self.csrc.join("../build_support.rs"));
        files.push(PathBuf::from("build.rs"));
        for f in &files {
            hash(f.to_string_lossy().as_bytes());
            hash(&std::fs::read(f).unwrap_or_default());
        }
        let tag = format!("{name}-{}", if self.coverage { "cov" } else { "plain" });
        let cache = cache_root(out);
        let dir = cache.join(format!("{tag}-{:016x}", std::hash::Hasher::finish(&h)));
        if !dir.join(format!("lib{name}.a")).exists() {
            let tmp = cache.join(format!("{tag}.tmp-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&tmp);
            std::fs::create_dir_all(&tmp).expect("the target directory is writable");
            build(&tmp);
            assert!(
                tmp.join(format!("lib{name}.a")).exists(),
                "building {name} left no lib{name}.a"
            );
            if std::fs::rename(&tmp, &dir).is_err() {
                // Another build put it there first: keep that one.
                let _ = std::fs::remove_dir_all(&tmp);
            }
            for e in std::fs::read_dir(&cache).into_iter().flatten().flatten() {
                let n = e.file_name().to_string_lossy().into_owned();
                // Older keys of this model, and builds that died half way.
                let ours =
                    n.starts_with(&format!("{tag}-")) || n.starts_with(&format!("{tag}.tmp-"));
                if ours && e.path() != dir {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        println!("cargo:rustc-link-search=native={}", dir.display());
        println!("cargo:rustc-link-lib=static={name}");
    }
}

/// `<target dir>/verilated`: OUT_DIR is `<target dir>/<profile>/build/<crate>-<hash>/out`
/// (or one level deeper with `--target`); the target directory is the one holding the profile
/// directory, found as the parent of the `build` directory's parent.
fn cache_root(out: &Path) -> PathBuf {
    let build = out
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "build"))
        .unwrap_or(out);
    let target = build.parent().and_then(Path::parent).unwrap_or(out);
    target.join("verilated")
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
