//! kmesos engine: plain data (config, state, plan). No I/O.
