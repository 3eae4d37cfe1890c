//! The demo institution: a fictional county rural credit cooperative and a year of its business.
//!
//! `places` and `people` hold the data the cooperative writes in its books
//! (names, villages, identity numbers), `products` its loan products,
//! `simulation` the year of applications, repayments, arrears and end of
//! day, driven through the `Institution` use cases only. `prng` makes the
//! whole scenario a function of its seed.

pub(crate) mod collection;
pub(crate) mod deposits;
pub(crate) mod grid;
pub(crate) mod identity;
pub(crate) mod people;
pub(crate) mod places;
pub(crate) mod prng;
pub(crate) mod products;
pub(crate) mod rating;
pub(crate) mod simulation;
pub(crate) mod workflow;
