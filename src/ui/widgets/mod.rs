//! Small drawing pieces shared by the views.

pub mod sparkline;
pub mod table;
pub mod timeline;
