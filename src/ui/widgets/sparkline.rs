//! A one-line trend from the last few values: eight block heights, scaled to the window's
//! own range so a flat series looks flat. Negative values (stopped replication) draw as `×`.

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

pub fn spark(values: &[f64], width: usize) -> String {
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
                let min_floor = if lo > 0.0 { lo * 0.5 } else { lo };
                let i = ((v - min_floor) / (hi - min_floor) * 7.0).round() as usize;
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
        assert_eq!(spark(&[0.0, 0.0, 0.0], 3), "▁▁▁");
        assert_eq!(spark(&[5.0, 5.0], 2), "▄▄");
        assert_eq!(spark(&[0.0, 7.0], 4), "  ▁█");
        assert_eq!(spark(&[1.0, -1.0, 1.0], 3).chars().nth(1), Some('×'));
        assert_eq!(spark(&[1.0, 2.0, 3.0, 4.0], 2).chars().count(), 2);
    }
}
