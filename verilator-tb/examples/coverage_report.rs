//! Merges the coverage files the models wrote (`scripts/coverage`) and turns
//! them into a per-file summary of line and toggle coverage of `hdl/`, and an
//! lcov file of line hits for `genhtml`.
//!
//! `cargo run --example coverage_report -- OUT_DIR FILE.dat...` writes
//! `OUT_DIR/merged.dat` (every point once, with the most any file counted:
//! Verilator's format, for `verilator_coverage --annotate`),
//! `OUT_DIR/summary.md` (the table it also prints), `OUT_DIR/lines.info` and
//! `OUT_DIR/uncovered_lines.txt`. Merging here, in one pass, takes seconds
//! where `verilator_coverage --write` took minutes over a few hundred files.
//!
//! - Lines: every source line a `v_line` point (a block or a branch: if, else,
//!   case item, ...) spans. A line is covered when a point spanning it ran at
//!   least once in any instance of the module, in any model (the whole NIC and
//!   every engine and module bench).
//! - Toggles: every bit of every signal (`v_toggle`, up to Verilator's
//!   `--coverage-max-width`, 256 bits). A bit is covered when it changed at
//!   least twice, i.e. it went both 0->1 and 1->0, in some instance.
//!
//! Only files under `hdl/` are reported; `hdl/check/` is `coverage_off` (the
//! checkers are not the design), `nic_pkg.sv` has no logic.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// One coverage point: its key-value pairs and count.
struct Point {
    file: String,
    line: u32,
    page: String,
    name: String,
    span: String,
    count: u64,
}

fn parse_line(l: &str) -> Option<Point> {
    let rest = l.strip_prefix("C '")?;
    let end = rest.rfind('\'')?;
    let (keys, count) = (&rest[..end], rest[end + 1..].trim());
    let mut p = Point {
        file: String::new(),
        line: 0,
        page: String::new(),
        name: String::new(),
        span: String::new(),
        count: count.parse().ok()?,
    };
    for kv in keys.split('\u{1}').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('\u{2}')?;
        match k {
            "f" => p.file = v.to_string(),
            "l" => p.line = v.parse().ok()?,
            "page" => p.page = v.to_string(),
            "o" => p.name = v.to_string(),
            "S" => p.span = v.to_string(),
            _ => {}
        }
    }
    Some(p)
}

/// The lines of a span such as `5-6,9` (the point's own line if empty).
fn span_lines(span: &str, line: u32) -> Vec<u32> {
    if span.is_empty() {
        return vec![line];
    }
    let mut out = Vec::new();
    for part in span.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.parse::<u32>(), b.parse::<u32>()) {
                    out.extend(a..=b);
                }
            }
            None => out.extend(part.parse::<u32>().ok()),
        }
    }
    out
}

#[derive(Default)]
struct FileCov {
    /// line -> most executions of any point spanning it
    lines: BTreeMap<u32, u64>,
    /// (line, signal bit) -> most changes in any instance
    toggles: BTreeMap<(u32, String), u64>,
}

fn pct(hit: usize, all: usize) -> String {
    if all == 0 {
        "-".to_string()
    } else {
        format!("{:.1} %", 100.0 * hit as f64 / all as f64)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: coverage_report OUT_DIR FILE.dat...");
        std::process::exit(2);
    }
    let out = std::path::Path::new(&args[1]);
    // Every point once: its key line, and the most any file counted.
    let mut merged: BTreeMap<String, u64> = BTreeMap::new();
    let mut header = String::from("# SystemC::Coverage-3");
    for path in &args[2..] {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
            eprintln!("coverage_report: cannot read {path}: {e}");
            std::process::exit(1);
        });
        for l in text.lines() {
            if l.starts_with('#') {
                header = l.to_string();
                continue;
            }
            let Some(rest) = l.strip_prefix("C '") else {
                continue;
            };
            let Some(end) = rest.rfind('\'') else {
                continue;
            };
            let Ok(count) = rest[end + 1..].trim().parse::<u64>() else {
                continue;
            };
            let c = merged.entry(rest[..end].to_string()).or_insert(0);
            *c = (*c).max(count);
        }
    }
    let mut text = header + "\n";
    for (key, count) in &merged {
        let _ = writeln!(text, "C '{key}' {count}");
    }
    std::fs::create_dir_all(out).expect("output directory");
    std::fs::write(out.join("merged.dat"), &text).expect("merged.dat written");
    let mut files: BTreeMap<String, FileCov> = BTreeMap::new();
    for p in text.lines().filter_map(parse_line) {
        let file = p.file.trim_start_matches("./").to_string();
        if !file.starts_with("hdl/") || file.starts_with("hdl/check/") {
            continue;
        }
        let f = files.entry(file).or_default();
        if p.page.starts_with("v_line/") || p.page.starts_with("v_branch/") {
            for l in span_lines(&p.span, p.line) {
                let c = f.lines.entry(l).or_insert(0);
                *c = (*c).max(p.count);
            }
        } else if p.page.starts_with("v_toggle/") {
            let c = f.toggles.entry((p.line, p.name.clone())).or_insert(0);
            *c = (*c).max(p.count);
        }
    }

    let mut table = String::new();
    let _ = writeln!(
        table,
        "| file | lines | covered | line % | toggle bits | covered | toggle % |"
    );
    let _ = writeln!(table, "|---|---:|---:|---:|---:|---:|---:|");
    let (mut la, mut lh, mut ta, mut th) = (0, 0, 0, 0);
    let mut info = String::from("TN:nic\n");
    for (name, f) in &files {
        let l_hit = f.lines.values().filter(|&&c| c > 0).count();
        let t_hit = f.toggles.values().filter(|&&c| c >= 2).count();
        let _ = writeln!(
            table,
            "| `{name}` | {} | {l_hit} | {} | {} | {t_hit} | {} |",
            f.lines.len(),
            pct(l_hit, f.lines.len()),
            f.toggles.len(),
            pct(t_hit, f.toggles.len())
        );
        la += f.lines.len();
        lh += l_hit;
        ta += f.toggles.len();
        th += t_hit;
        let _ = writeln!(info, "SF:{name}");
        for (l, c) in &f.lines {
            let _ = writeln!(info, "DA:{l},{c}");
        }
        let _ = writeln!(info, "LF:{}\nLH:{l_hit}\nend_of_record", f.lines.len());
    }
    let _ = writeln!(
        table,
        "| **all of hdl/** | {la} | {lh} | **{}** | {ta} | {th} | **{}** |",
        pct(lh, la),
        pct(th, ta)
    );
    let uncovered: BTreeSet<String> = files
        .iter()
        .flat_map(|(name, f)| {
            f.lines
                .iter()
                .filter(|(_, &c)| c == 0)
                .map(move |(l, _)| format!("{name}:{l}"))
        })
        .collect();
    std::fs::create_dir_all(out).expect("output directory");
    std::fs::write(out.join("summary.md"), &table).expect("summary.md written");
    std::fs::write(out.join("lines.info"), &info).expect("lines.info written");
    std::fs::write(
        out.join("uncovered_lines.txt"),
        uncovered.into_iter().collect::<Vec<_>>().join("\n") + "\n",
    )
    .expect("uncovered_lines.txt written");
    print!("{table}");
}
