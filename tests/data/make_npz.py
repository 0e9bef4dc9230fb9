"""Writes the small .npz fixtures that tests/data_npz.rs reads, with NumPy itself (np.savez,
np.savez_compressed), so the Rust reader is tested against real NumPy output, ZIP64 local
headers included. Pixel values follow formulas the Rust test recomputes.

Run from this directory: python3 make_npz.py  (NumPy 2.x; output differs between runs only in
ZIP timestamps)."""
import numpy as np

# uint8 (N, H, W), int64 labels, explicit test split, stored (not compressed).
n, h, w = 30, 5, 4
i, y, x = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), indexing="ij")
x_train = ((i * 7 + y * 3 + x) % 256).astype(np.uint8)
y_train = (np.arange(n) % 3).astype(np.int64)
x_test = ((i[:9] * 5 + y[:9] + x[:9] * 2) % 256).astype(np.uint8)
y_test = (np.arange(9) % 3).astype(np.int64)
np.savez("uint8_nhw.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)

# float32 (N, H, W, 3) in [0, 1], int32 labels, compressed.
n, h, w, c = 20, 3, 2, 3
i, y, x, ch = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), np.arange(c), indexing="ij")
xf = (((i + y + x + ch) % 11) / 10.0).astype(np.float32)
yf = (np.arange(n) % 4).astype(np.int32)
np.savez_compressed(
    "float_nhwc.npz", x_train=xf[:16], y_train=yf[:16], x_test=xf[16:], y_test=yf[16:]
)

# uint8 (N, H, W, 1), uint8 labels with unequal classes (25, 15, 10), no test split.
labels = np.array([0] * 25 + [1] * 15 + [2] * 10, dtype=np.uint8)
imgs = np.zeros((50, 4, 4, 1), dtype=np.uint8)
imgs[:, 0, 0, 0] = labels  # pixel (0, 0) carries the label, pixel (0, 1) the index
imgs[:, 0, 1, 0] = np.arange(50)
np.savez("no_test.npz", x_train=imgs, y_train=labels)

# Fortran order is refused by the reader: keep one such file to test the message.
np.savez("fortran.npz", x_train=np.asfortranarray(x_train), y_train=y_train)
