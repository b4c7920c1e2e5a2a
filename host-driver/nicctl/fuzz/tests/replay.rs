//! Every seed of `corpus/<target>/` and every past crash of `regressions/<target>/` through
//! its target's body, as an ordinary test on stable Rust (no libFuzzer): the corpus keeps
//! exercising the bodies' checks, and a fixed crash stays fixed.

use std::path::Path;

fn replay(target: &str, body: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files.into_iter().filter(|f| f.is_file()) {
            if f.file_name().is_some_and(|n| n == ".gitkeep") {
                continue;
            }
            let data = std::fs::read(&f).unwrap();
            println!("{target}: {}", f.display());
            body(&data);
            n += 1;
        }
    }
    assert!(n > 0, "{target}: no corpus under {}", root.display());
}

#[test]
fn cli_args_corpus_and_regressions_replay() {
    replay("cli_args", nicctl_fuzz::cli_args);
}
