//! Seeded random stalls for every channel the harness drives.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// How often the harness says "ready" or "valid" in a cycle when it could,
/// and how long memory takes to answer. `Backpressure::none()` never stalls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backpressure {
    /// Chance per cycle that each ready the harness drives is high.
    pub ready: f64,
    /// Chance per cycle that a valid the harness could raise is raised.
    pub valid: f64,
    /// Memory latency in cycles, drawn uniformly from this inclusive range.
    pub latency: (u32, u32),
}

impl Backpressure {
    pub fn none() -> Self {
        Backpressure {
            ready: 1.0,
            valid: 1.0,
            latency: (2, 2),
        }
    }

    /// Frequent stalls on every channel and a variable memory latency.
    pub fn random() -> Self {
        Backpressure {
            ready: 0.6,
            valid: 0.7,
            latency: (1, 24),
        }
    }
}

/// The harness's random source: one seeded stream for every decision.
pub struct Dice {
    rng: ChaCha8Rng,
    bp: Backpressure,
}

impl Dice {
    pub fn new(seed: u64, bp: Backpressure) -> Self {
        Dice {
            rng: ChaCha8Rng::seed_from_u64(seed),
            bp,
        }
    }

    pub fn ready(&mut self) -> bool {
        self.bp.ready >= 1.0 || self.rng.gen_bool(self.bp.ready)
    }

    pub fn valid(&mut self) -> bool {
        self.bp.valid >= 1.0 || self.rng.gen_bool(self.bp.valid)
    }

    pub fn latency(&mut self) -> u64 {
        let (lo, hi) = self.bp.latency;
        if lo >= hi {
            lo as u64
        } else {
            self.rng.gen_range(lo..=hi) as u64
        }
    }
}
