//! The RDS API's request rate, shared per account and region with the console and every other
//! tool (about 12 requests a second sustained, bursts of a few hundred): dbfleet keeps its own
//! calls under a smaller share, so running its Describe calls concurrently never throttles a
//! colleague's console. A GCRA limiter from `governor`, awaited before each request.

use std::num::NonZeroU32;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

/// Requests a second dbfleet allows itself per account and region: two thirds of the quota.
pub const RDS_PER_SECOND: u32 = 8;
/// Requests that may go at once before the rate applies (an inventory refresh's first wave).
pub const RDS_BURST: u32 = 16;

pub struct Pace(DefaultDirectRateLimiter);

impl Pace {
    pub fn new(per_second: u32, burst: u32) -> Pace {
        let rate = NonZeroU32::new(per_second.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
        Pace(RateLimiter::direct(Quota::per_second(rate).allow_burst(burst)))
    }

    pub fn rds() -> Pace {
        Pace::new(RDS_PER_SECOND, RDS_BURST)
    }

    /// Wait for a slot for one request.
    pub async fn wait(&self) {
        self.0.until_ready().await;
    }
}

impl std::fmt::Debug for Pace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pace")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn bursts_then_holds_the_rate() {
        // A lower bound only: a busy machine can make it slower, never faster.
        let pace = Pace::new(20, 5);
        let start = std::time::Instant::now();
        for _ in 0..9 {
            pace.wait().await;
        }
        // Five at once, then four more at 20 a second: at least 200 ms (less clock slack).
        assert!(start.elapsed().as_millis() >= 190, "{:?}", start.elapsed());
    }
}
