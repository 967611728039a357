//! Developer tools, not part of the service: demo data (`zhengming demo`, `serve
//! --demo`), a county's year of cases for measuring (`demo --scale N`) and the figures'
//! benchmark (`bench-stats`). Nothing in the service imports these.

pub mod bench;
pub mod demo;
pub mod demo_scale;
pub mod jurisdiction_seed;
