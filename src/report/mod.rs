//! Output of the model for people and machines outside the terminal: the JSON schema
//! (documented in the README), Markdown, `check`, and the files `e` exports. Built from the
//! same derived rows the TUI shows, so both always agree.

pub mod check;
pub mod export;
pub mod json;
pub mod markdown;
pub mod view_markdown;
