//! `pipeline-stats`, the video pipeline's Rust stage: a zero-copy broadcast
//! reader of the frames ring computing each frame's luma histogram, mean
//! and motion energy (examples/pipeline/PROTOCOL.md).

pub mod args;
mod cpu;
mod events;
pub mod frame;
pub mod luma;
mod recorder;
pub mod signals;
pub mod stage;
