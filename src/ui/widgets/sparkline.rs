//! A one-line trend from the last few values: eight block heights, scaled to the window's
//! own range but never to less than `floor` (a fraction of the warn threshold, a few messages
//! of lag), so jitter looks like jitter while a real rise still fills the cell. A flat series
//! looks flat. Negative values (stopped replication) draw as `×`.

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn spark(values: &[f64], width: usize, floor: f64) -> String {
    let vals = &values[values.len().saturating_sub(width)..];
    let (lo, hi) = vals
        .iter()
        .filter(|v| **v >= 0.0 && v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let mut out: String = vals
        .iter()
        .map(|&v| {
            if v < 0.0 || !v.is_finite() {
                '×'
            } else if (hi - lo).abs() < f64::EPSILON {
                // Flat: low blocks for zero, mid blocks for a constant non-zero value.
                if v == 0.0 { BLOCKS[0] } else { BLOCKS[3] }
            } else {
                let base = if lo > 0.0 { lo * 0.5 } else { lo };
                let top = hi.max(base + floor.max(0.0));
                let i = ((v - base) / (top - base) * 7.0).round() as usize;
                BLOCKS[i.min(7)]
            }
        })
        .collect();
    // Right-align: new data enters on the right.
    let pad = width.saturating_sub(vals.len());
    if pad > 0 {
        out = " ".repeat(pad) + &out;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(spark(&[0.0, 0.0, 0.0], 3, 0.0), "▁▁▁");
        assert_eq!(spark(&[5.0, 5.0], 2, 0.0), "▄▄");
        assert_eq!(spark(&[0.0, 7.0], 4, 0.0), "  ▁█");
        assert_eq!(spark(&[1.0, -1.0, 1.0], 3, 0.0).chars().nth(1), Some('×'));
        assert_eq!(spark(&[1.0, 2.0, 3.0, 4.0], 2, 0.0).chars().count(), 2);
    }

    #[test]
    fn jitter_under_the_floor_stays_low_and_a_rise_fills_the_cell() {
        // A consumer group wobbling between 0 and 2 messages (the demo's metrics-rollup drew
        // full-height bars): low blocks against a floor of 100.
        let wobble = [0.0, 0.0, 2.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 2.0, 0.0];
        assert!(spark(&wobble, 12, 100.0).chars().all(|c| c == '▁'), "{}", spark(&wobble, 12, 100.0));
        assert!(spark(&wobble, 12, 0.0).contains('█'), "without a floor, jitter fills the cell");
        // A real rise past the floor still reaches the top.
        let rise = [0.0, 50.0, 400.0, 2000.0];
        assert_eq!(spark(&rise, 4, 100.0).chars().last(), Some('█'));
    }
}
