//! The science: approaches, the training schedule, metrics and the results document.
