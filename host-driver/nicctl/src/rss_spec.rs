//! `nicctl rss`'s words, as `ethtool -x/-X` has them: the `--indir` forms (`default`, `equal N`,
//! `weight W0 W1 ...`) and the tables they build, the key as hex, the table printed in rows. The
//! driver (`host_driver::driver`) only reads and writes tables and keys.

use host_driver::driver::{default_indir, Indirection, INDIRECTION_LEN, RSS_KEY_LEN};

/// How `nicctl rss --indir` asks for a table (ethtool -X's words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndirSpec {
    /// `default`: the driver's round robin over every RX queue.
    Default,
    /// `equal N`: round robin over queues 0..N-1.
    Equal(u32),
    /// `weight W0 W1 ...`: queue `j` gets entries in proportion to `Wj`.
    Weight(Vec<u32>),
}

/// The accepted forms, for error messages.
pub const INDIR_FORMS: &str = "equal N, weight W0 W1 ..., or default";

/// Parses the words after `--indir`.
pub fn parse_indir(words: &[String]) -> Result<IndirSpec, String> {
    let number = |what: &str, w: &str| {
        w.parse::<u32>()
            .map_err(|_| format!("--indir {what}: '{w}' is not a whole number"))
    };
    match words {
        [] => Err(format!("--indir needs {INDIR_FORMS}")),
        [d] if d == "default" => Ok(IndirSpec::Default),
        [d, rest @ ..] if d == "default" => Err(format!(
            "--indir default takes nothing after it, got '{}'",
            rest.join(" ")
        )),
        [e] if e == "equal" => Err("--indir equal needs the number of queues N".into()),
        [e, n] if e == "equal" => Ok(IndirSpec::Equal(number("equal", n)?)),
        [e, _, rest @ ..] if e == "equal" => Err(format!(
            "--indir equal takes one number, got '{}' after it",
            rest.join(" ")
        )),
        [w] if w == "weight" => Err("--indir weight needs one weight per queue".into()),
        [w, ws @ ..] if w == "weight" => ws
            .iter()
            .map(|x| number("weight", x))
            .collect::<Result<Vec<_>, _>>()
            .map(IndirSpec::Weight),
        [other, ..] => Err(format!(
            "--indir: unknown word '{other}': give {INDIR_FORMS}"
        )),
    }
}

impl IndirSpec {
    /// The table for a NIC with `queues` RX queues.
    pub fn table(&self, queues: u32) -> Result<Indirection, String> {
        match self {
            IndirSpec::Default => Ok(default_indir(queues)),
            IndirSpec::Equal(0) => Err("--indir equal 0: N must be at least 1".into()),
            IndirSpec::Equal(n) if *n > queues => Err(format!(
                "--indir equal {n}: the NIC has only {queues} RX queue(s)"
            )),
            IndirSpec::Equal(n) => Ok(default_indir(*n)),
            IndirSpec::Weight(w) => weighted_indir(w, queues),
        }
    }
}

/// A table that gives queue `j` a share of the entries proportional to
/// `weights[j]`, queues in order: entry `i` goes to the queue whose slice of
/// the running weight sum holds `i * sum / 128`. Weight 0 gets no entry.
pub fn weighted_indir(weights: &[u32], queues: u32) -> Result<Indirection, String> {
    if weights.is_empty() {
        return Err("--indir weight needs one weight per queue".into());
    }
    if weights.len() > queues as usize {
        return Err(format!(
            "--indir weight: {} weights, but the NIC has only {queues} RX queue(s)",
            weights.len()
        ));
    }
    let sum: u64 = weights.iter().map(|&w| u64::from(w)).sum();
    if sum == 0 {
        return Err("--indir weight: the weights are all 0; at least one must be positive".into());
    }
    let mut t = [0u8; INDIRECTION_LEN];
    let mut queue = 0usize;
    let mut upto = u64::from(weights[0]);
    for (i, e) in t.iter_mut().enumerate() {
        let pos = i as u64 * sum;
        // Entry i belongs to queue j when pos / 128 lies in [cum_j, cum_{j+1}).
        while pos >= upto * INDIRECTION_LEN as u64 {
            queue += 1;
            upto += u64::from(weights[queue]);
        }
        *e = queue as u8;
    }
    Ok(t)
}

/// The table as `ethtool -x` prints it: rows of eight entries, each row led
/// by the index of its first entry.
pub fn format_indir(table: &Indirection) -> Vec<String> {
    table
        .chunks(8)
        .enumerate()
        .map(|(r, row)| {
            let mut s = format!("{:5}: ", r * 8);
            for e in row {
                s.push_str(&format!(" {e:5}"));
            }
            s
        })
        .collect()
}

/// Parses an RSS key as ethtool prints it (`6d:5a:...`, 40 bytes) or as
/// plain hex (80 digits).
pub fn parse_rss_key(s: &str) -> Result<[u8; RSS_KEY_LEN], String> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    if hex.len() != 2 * RSS_KEY_LEN || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(format!(
            "'{s}' is not an RSS key: give {RSS_KEY_LEN} bytes as hex, e.g. 6d:5a:56:da:..."
        ));
    }
    let mut key = [0u8; RSS_KEY_LEN];
    for (i, b) in key.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| format!("'{s}' is not an RSS key: bad hex at byte {i}"))?;
    }
    Ok(key)
}

/// An RSS key as ethtool prints it: bytes in hex joined by colons.
pub fn format_rss_key(key: &[u8]) -> String {
    key.iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn shares(t: &Indirection, n: usize) -> Vec<usize> {
        (0..n)
            .map(|q| t.iter().filter(|&&e| e as usize == q).count())
            .collect()
    }

    #[test]
    fn equal_and_default_are_round_robin() {
        let t = parse_indir(&words("equal 4")).unwrap().table(8).unwrap();
        assert!(t.iter().enumerate().all(|(i, &e)| e as usize == i % 4));
        let d = parse_indir(&words("default")).unwrap().table(8).unwrap();
        assert!(d.iter().enumerate().all(|(i, &e)| e as usize == i % 8));
        assert_eq!(IndirSpec::Default.table(1).unwrap(), [0; INDIRECTION_LEN]);
    }

    #[test]
    fn weights_share_the_entries_in_proportion() {
        let t = weighted_indir(&[1, 1, 2], 8).unwrap();
        assert_eq!(shares(&t, 3), vec![32, 32, 64]);
        // Queues in order, each one contiguous run.
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
        let t = weighted_indir(&[0, 3, 0, 1], 4).unwrap();
        assert_eq!(shares(&t, 4), vec![0, 96, 0, 32]);
        let t = weighted_indir(&[5], 1).unwrap();
        assert_eq!(t, [0; INDIRECTION_LEN]);
        let t = weighted_indir(&[u32::MAX; 8], 8).unwrap();
        assert_eq!(shares(&t, 8), vec![16; 8]);
        let t = weighted_indir(&[1, 1, 1], 8).unwrap();
        let s = shares(&t, 3);
        assert_eq!(s.iter().sum::<usize>(), 128);
        assert!(s.iter().all(|&n| (42..=43).contains(&n)), "{s:?}");
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        for (w, says) in [
            ("", "needs"),
            ("equal", "needs the number"),
            ("equal x", "not a whole number"),
            ("equal -1", "not a whole number"),
            ("equal 2 3", "takes one number"),
            ("weight", "one weight per queue"),
            ("weight 1 a", "not a whole number"),
            ("default 3", "takes nothing"),
            ("even 4", "unknown word 'even'"),
        ] {
            let e = parse_indir(&words(w)).unwrap_err();
            assert!(e.contains(says), "{w}: {e}");
        }
        for (w, says) in [
            ("equal 0", "at least 1"),
            ("equal 9", "only 8 RX queue(s)"),
            ("weight 0 0", "all 0"),
            ("weight 1 1 1 1 1 1 1 1 1", "9 weights"),
        ] {
            let e = parse_indir(&words(w)).unwrap().table(8).unwrap_err();
            assert!(e.contains(says), "{w}: {e}");
        }
    }

    #[test]
    fn rows_are_printed_like_ethtool() {
        let rows = format_indir(&default_indir(8));
        assert_eq!(rows.len(), 16);
        assert_eq!(
            rows[0],
            "    0:      0     1     2     3     4     5     6     7"
        );
        assert!(rows[15].starts_with("  120: "), "{}", rows[15]);
    }
}
