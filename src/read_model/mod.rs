//! The read side shared by the JSON API and the pages: the views of applications,
//! documents, dispatches and users (the API's response bodies, which the pages turn
//! into their own text), the assembly of one case for its caller, and the public
//! status of a case.

pub mod audit;
pub mod detail;
pub mod dispatches;
pub mod track;
pub mod views;
