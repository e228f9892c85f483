//! The kmesos scheduler daemon.
