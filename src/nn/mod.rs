//! The engine: layers, losses, optimisers. No I/O, no JS, no clocks.
