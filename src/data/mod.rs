//! Bytes in, tensors out: the datasets the lab trains on.
