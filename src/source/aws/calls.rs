//! Counts API calls per operation and metrics requested during one poll: what watching costs,
//! shown in the status bar and under `api` in the snapshot JSON.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct CallCounter {
    calls: Mutex<BTreeMap<&'static str, u64>>,
    metrics: AtomicU64,
}

impl CallCounter {
    pub fn call(&self, operation: &'static str) {
        // A poisoned lock only means another task panicked mid-increment; counts stay usable.
        let mut m = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(operation).or_insert(0) += 1;
    }

    pub fn metrics(&self, n: usize) {
        self.metrics.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The counts so far, and reset for the next poll.
    pub fn take(&self) -> (BTreeMap<String, u64>, u64) {
        let mut m = self.calls.lock().unwrap_or_else(|e| e.into_inner());
        let calls = std::mem::take(&mut *m).into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        (calls, self.metrics.swap(0, Ordering::Relaxed))
    }
}

/// Operations the live source may call. Read-only by construction: only Describe, List and
/// Get operations appear anywhere in `source::aws` (a test greps for anything else).
pub mod ops {
    pub const DESCRIBE_DB_INSTANCES: &str = "DescribeDBInstances";
    pub const DESCRIBE_DB_CLUSTERS: &str = "DescribeDBClusters";
    pub const DESCRIBE_GLOBAL_CLUSTERS: &str = "DescribeGlobalClusters";
    pub const DESCRIBE_PENDING_MAINTENANCE_ACTIONS: &str = "DescribePendingMaintenanceActions";
    pub const DESCRIBE_BLUE_GREEN_DEPLOYMENTS: &str = "DescribeBlueGreenDeployments";
    pub const DESCRIBE_DB_ENGINE_VERSIONS: &str = "DescribeDBEngineVersions";
    pub const DESCRIBE_DB_MAJOR_ENGINE_VERSIONS: &str = "DescribeDBMajorEngineVersions";
    pub const DESCRIBE_DB_PARAMETERS: &str = "DescribeDBParameters";
    pub const DESCRIBE_DB_CLUSTER_PARAMETERS: &str = "DescribeDBClusterParameters";
    pub const LIST_CLUSTERS_V2: &str = "ListClustersV2";
    pub const LIST_METRICS: &str = "ListMetrics";
    pub const GET_METRIC_DATA: &str = "GetMetricData";
    pub const DESCRIBE_EVENTS: &str = "DescribeEvents";
    pub const DESCRIBE_ALARMS: &str = "DescribeAlarms";
}
