//! JSON serialization.
