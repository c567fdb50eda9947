//! The app: one owner of state (`Model`) and the only code that changes it (`update`), with
//! the keymap, the view states and the derivations the views read. No terminal, no drawing:
//! the loop that feeds it lives in `dashboard`.

pub mod action;
pub mod apply;
pub mod demand;
pub mod derive;
pub mod filter;
pub mod filter_fields;
pub mod held;
pub mod kafka_tree;
pub mod keymap;
pub mod keys;
pub mod msg;
pub mod order;
pub mod overlay;
pub mod state;
pub mod timeline;
pub mod update;
pub mod views;
