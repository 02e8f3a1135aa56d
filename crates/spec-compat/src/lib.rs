//! Compares a hand-maintained OpenAPI 3.0 document (the contract) with one generated from code
//! (utoipa emits OpenAPI 3.1) *semantically*.
//!
//! Both documents are first normalised to one canonical form ([`normalise`]): 3.1 and 3.0
//! spellings of the same thing become one spelling, order that carries no meaning is removed,
//! defaults are made implicit, documentation-only keys are dropped, and references to
//! components other than schemas are resolved. The canonical trees are then compared
//! ([`compare`]); every difference names a JSON pointer into each *original* document.
//!
//! The rules are listed in docs/spec-check.md; each has a fixture under `tests/cases/`.

mod compare;
mod load;
mod normalise;
mod pointer;

pub use compare::{compare, render_report, Difference, Side};
pub use load::{load_generated, load_hand, LoadError};
pub use normalise::normalise;
