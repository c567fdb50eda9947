//! dbfleet: a terminal dashboard for a fleet of AWS databases and MSK streams.
//!
//! Data flows one way: a `source` polls and sends owned `FleetSnapshot`s; the `app` owns the
//! model and derives rows and findings through the pure `domain`; the `ui` renders the model.

pub mod app;
pub mod cli;
pub mod collect;
pub mod config;
pub mod dashboard;
pub mod doctor;
pub mod domain;
pub mod errors;
pub mod headless;
pub mod memory;
pub mod record;
pub mod report;
pub mod session;
pub mod source;
pub mod tui;
pub mod ui;
