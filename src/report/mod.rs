//! Headless output of the model: the JSON schema (documented in the README) and Markdown.
//! Built from the same derived rows the TUI shows, so both always agree.

pub mod check;
pub mod json;
pub mod markdown;
pub mod view_markdown;
