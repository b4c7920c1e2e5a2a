//! `nicctl regs` (like `ethtool -d`): BAR0 decoded.

use super::*;

pub(crate) fn regs(dev: &mut Box<dyn Device>, json: bool) -> Result<ExitCode> {
    let mut rows = Vec::new();
    for t in [contract::REGISTERS] {
        for it in t.items {
            rows.push((it.name.to_string(), it.value as u32, it.doc));
        }
    }
    let (txqs, rxqs) = driver::queue_counts(dev.as_mut())?;
    for (dir, count, at) in [
        ("TXQ", txqs, contract::txq as fn(u32, u32) -> u32),
        ("RXQ", rxqs, contract::rxq),
    ] {
        for n in 0..count.min(contract::limits::MAX_QUEUES) {
            for it in contract::QUEUE_REGISTERS.items {
                rows.push((
                    format!("{dir}{n}_{}", it.name),
                    at(n, it.value as u32),
                    it.doc,
                ));
            }
        }
    }
    let mut out = Vec::new();
    for (name, off, doc) in rows {
        let v = dev.read32(off)?;
        out.push((name, off, v, decode(off, v), doc));
    }
    if json {
        let list: Vec<_> = out
            .iter()
            .map(|(n, o, v, d, _)| json!({"name": n, "offset": o, "value": v, "decoded": d}))
            .collect();
        say!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        say!("BAR0 registers of {}:", dev.describe());
        for (n, o, v, d, _) in out {
            let d = if d.is_empty() {
                String::new()
            } else {
                format!("  {d}")
            };
            say!("0x{o:03x}  {n:<16} 0x{v:08x}{d}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `off` is register `r` of some TX or RX queue.
pub(crate) fn is_queue_reg(off: u32, r: u32) -> bool {
    use contract::limits::{MAX_QUEUES, QUEUE_STRIDE, TXQ_BASE};
    // The TX blocks, then the RX blocks right after them.
    (TXQ_BASE..TXQ_BASE + 2 * MAX_QUEUES * QUEUE_STRIDE).contains(&off)
        && (off - TXQ_BASE) % QUEUE_STRIDE == r
}

/// Names the set bits of registers that hold bit fields.
pub(crate) fn decode(off: u32, v: u32) -> String {
    use contract::*;
    let table = match off {
        o if o == reg::CAPS || o == reg::FEATURES => Some(CAPS),
        o if o == reg::CTRL => Some(CTRL),
        o if o == reg::STATUS => Some(STATUS),
        o if o == reg::ERR_CAUSE => Some(ERRORS),
        o if o == reg::IRQ_CAUSE || o == reg::IRQ_MASK => Some(IRQ),
        o if is_queue_reg(o, qreg::STATUS) => Some(QSTATUS),
        o if is_queue_reg(o, qreg::CTRL) => Some(QCTRL),
        _ => None,
    };
    if off == reg::ERR_INFO {
        return describe_err_info(v).unwrap_or_default();
    }
    match table {
        Some(t) if t.kind == TableKind::Bits => t
            .items
            .iter()
            .filter(|i| v >> i.value & 1 != 0)
            .map(|i| i.name)
            .collect::<Vec<_>>()
            .join("|"),
        _ => String::new(),
    }
}
