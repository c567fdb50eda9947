//! Orderings the views share: numbers with missing values always last, whatever the direction.

use std::cmp::Ordering;

/// Smallest first; missing values after present ones.
pub fn opt_cmp(a: Option<f64>, b: Option<f64>) -> Ordering {
    opt_order(a, b, false)
}

/// Biggest first; missing values still after present ones (a swapped `opt_cmp` would put
/// them first).
pub fn opt_desc(a: Option<f64>, b: Option<f64>) -> Ordering {
    opt_order(a, b, true)
}

fn opt_order(a: Option<f64>, b: Option<f64>, desc: bool) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if desc => b.total_cmp(&a),
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}
