//! One module per view; each renders `&Model` into an area.

pub mod detail;
pub mod empty;
pub mod errors;
pub mod events;
pub mod findings;
pub mod fleet;
pub mod help;
pub mod kafka;
pub mod maintenance;
pub mod replication;
pub mod table_view;
