#!/usr/bin/env python3
"""Render the bundled many-class dataset `glyphs` (IMDS v1, see www/data/README.md).

55 classes of characters (digits, letters, symbols), each image one character
rendered from a Debian font package, jittered (position, size, aspect, rotation,
slant, stroke weight), drawn at 4x resolution and box-averaged down to 28x28 grey
(0 = background, 255 = ink).  Training and test images come from DISJOINT font
families, so the test accuracy measures generalisation to unseen typefaces.

Deterministic: a self-contained splitmix64 PRNG (not numpy's) draws every
choice, pixels are averaged with integer arithmetic, and the gzip stream has no
name and mtime 0.  The same font files and the same Pillow (whose wheel bundles
FreeType) give a byte-identical file; the font files are checked against pinned
SHA-256 prefixes, and a missing one is refused with the Debian package that
provides it.  See README.md beside this script for the apt-get / pip lines.

Usage:
  python3 scripts/glyphs/make_glyphs.py [--out www/data/glyphs.bin.gz] [--sheet docs/glyphs.png]
"""
import argparse
import gzip
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np
import PIL
from PIL import Image, ImageDraw, ImageFilter, ImageFont

NAME = "glyphs"
SEED = 0x6C79_7068          # "glyph"-ish; every draw derives from it
TRAIN_PER_CLASS = 200
TEST_PER_CLASS = 40
SIDE = 28                   # output side in pixels
SS = 4                      # supersampling: render at SIDE*SS, box-average down
MASTER_PX = 160             # font size of the master rendering of each glyph

# 55 classes.  Left out, because they are the same shape as a kept class in most
# fonts once each glyph is scaled to fill the frame (as here, like MNIST/EMNIST):
#   O o  (= 0)     I l  (= 1)     c s u v w x z  (= C S U V W X Z)
#   k p  (= K P: same strokes, only the ascender/bowl proportions differ)
# and thin marks (- . , ' : ; | / _) that are a bar or a dot after scaling.
CLASSES = list("0123456789"
               "ABCDEFGHJKLMNPQRSTUVWXYZ"
               "abdefghijmnqrty"
               "&@#%?$")

FONTS_DEB = "Debian 12 (bookworm)"
# (family, split, Debian package, package version, licence, files: ((path, sha256 prefix), ...))
# Regular first, then Bold when the family has one.  Designs that are clones of one
# another (Helvetica: FreeSans/Liberation Sans/TeX Gyre Heros; Times; Courier) all sit
# on the training side so that no test family is a near-copy of a training family.
_T = "/usr/share/texmf/fonts/opentype/public/tex-gyre/"
FONTS = [
    ("DejaVu Sans", "train", "fonts-dejavu-core", "2.37-6", "Bitstream Vera licence (DejaVu changes public domain)",
     (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "abdc775b21b1bc47"),
      ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "0d977336a6d5fba3"))),
    ("DejaVu Serif", "train", "fonts-dejavu-core", "2.37-6", "Bitstream Vera licence (DejaVu changes public domain)",
     (("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", "13e61509f5c81d7c"),
      ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "e2fd85eba2de65ac"))),
    ("Liberation Sans", "train", "fonts-liberation", "1:1.07.4-11", "GPL-2 with font exception (Red Hat)",
     (("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", "f8ace1f892b2bd9d"),
      ("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf", "361c61b82d575c5c"))),
    ("Liberation Serif", "train", "fonts-liberation", "1:1.07.4-11", "GPL-2 with font exception (Red Hat)",
     (("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", "1c9c77c2cd0f3c2d"),
      ("/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf", "af228b9de767e516"))),
    ("Liberation Mono", "train", "fonts-liberation", "1:1.07.4-11", "GPL-2 with font exception (Red Hat)",
     (("/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf", "a2e642d350acb1c5"),
      ("/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf", "267ae0b63fc67980"))),
    ("FreeSans", "train", "fonts-freefont-ttf", "20120503-10", "GPL-3+ with font exception",
     (("/usr/share/fonts/truetype/freefont/FreeSans.ttf", "0b602f2825b30f9f"),
      ("/usr/share/fonts/truetype/freefont/FreeSansBold.ttf", "e8b93173d6d8214f"))),
    ("FreeSerif", "train", "fonts-freefont-ttf", "20120503-10", "GPL-3+ with font exception",
     (("/usr/share/fonts/truetype/freefont/FreeSerif.ttf", "12ee050384c99c97"),
      ("/usr/share/fonts/truetype/freefont/FreeSerifBold.ttf", "12bd953ceb1fa8c7"))),
    ("FreeMono", "train", "fonts-freefont-ttf", "20120503-10", "GPL-3+ with font exception",
     (("/usr/share/fonts/truetype/freefont/FreeMono.ttf", "1175cc31865a2a1b"),
      ("/usr/share/fonts/truetype/freefont/FreeMonoBold.ttf", "30b4b98748839431"))),
    ("TeX Gyre Adventor", "train", "fonts-texgyre", "20180621-6", "GUST Font License",
     ((_T + "texgyreadventor-regular.otf", "ee265c1c9728be94"), (_T + "texgyreadventor-bold.otf", "e373ae29c808c6d9"))),
    ("TeX Gyre Bonum", "train", "fonts-texgyre", "20180621-6", "GUST Font License",
     ((_T + "texgyrebonum-regular.otf", "8ad5a53ae61d710f"), (_T + "texgyrebonum-bold.otf", "173710158270252e"))),
    ("TeX Gyre Pagella", "train", "fonts-texgyre", "20180621-6", "GUST Font License",
     ((_T + "texgyrepagella-regular.otf", "44e64260716d8f2b"), (_T + "texgyrepagella-bold.otf", "dd4f9b69f0b24f1f"))),
    ("TeX Gyre Schola", "train", "fonts-texgyre", "20180621-6", "GUST Font License",
     ((_T + "texgyreschola-regular.otf", "935b82e25f56b1d1"), (_T + "texgyreschola-bold.otf", "988c7b2a0ff0eae7"))),
    ("Open Sans", "train", "fonts-open-sans", "1.11-2", "Apache-2.0",
     (("/usr/share/fonts/truetype/open-sans/OpenSans-Regular.ttf", "e64e508b2aa2880f"),
      ("/usr/share/fonts/truetype/open-sans/OpenSans-Bold.ttf", "5894a3649b213cf5"))),
    ("Lato", "train", "fonts-lato", "2.0-2.1", "OFL-1.1",
     (("/usr/share/fonts/truetype/lato/Lato-Regular.ttf", "0ad460bd756454f8"),
      ("/usr/share/fonts/truetype/lato/Lato-Bold.ttf", "e0b1c4de011de8dd"))),
    ("Go", "train", "fonts-go", "0~20170330-1", "BSD-3-Clause",
     (("/usr/share/fonts/fonts-go/Go-Regular.ttf", "dd02d2f04dbc9f63"),
      ("/usr/share/fonts/fonts-go/Go-Bold.ttf", "47d5aab3f49d958d"))),
    ("Linux Libertine", "train", "fonts-linuxlibertine", "5.3.0-6", "GPL-2+ with font exception, and OFL-1.1",
     (("/usr/share/fonts/opentype/linux-libertine/LinLibertine_R.otf", "057bbfa1ac76133c"),
      ("/usr/share/fonts/opentype/linux-libertine/LinLibertine_RB.otf", "56acd1e11373900e"))),
    ("Linux Biolinum", "train", "fonts-linuxlibertine", "5.3.0-6", "GPL-2+ with font exception, and OFL-1.1",
     (("/usr/share/fonts/opentype/linux-libertine/LinBiolinum_R.otf", "f3cf97ba8cc3a511"),
      ("/usr/share/fonts/opentype/linux-libertine/LinBiolinum_RB.otf", "97679df5eabc6e87"))),
    ("Cabin", "train", "fonts-cabin", "1.5-3", "OFL-1.1",
     (("/usr/share/fonts/opentype/cabin/Cabin-Regular.otf", "28b2901516089b2b"),
      ("/usr/share/fonts/opentype/cabin/Cabin-Bold.otf", "f2a43add6a75ae9b"))),
    ("Inconsolata", "train", "fonts-inconsolata", "001.010-6", "OFL-1.0",
     (("/usr/share/fonts/truetype/inconsolata/Inconsolata.otf", "1561e616c414a1b8"),)),
    ("Roboto", "train", "fonts-roboto-unhinted", "2:0~20170802-3", "Apache-2.0",
     (("/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf", "797e35f7f5d6020a"),
      ("/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Bold.ttf", "36f3709dea3e3ce3"))),
    ("EB Garamond", "train", "fonts-ebgaramond", "0.016+git20210310.42d4f9f2-1", "OFL-1.1",
     (("/usr/share/fonts/opentype/ebgaramond/EBGaramond12-Regular.otf", "4ee3bdb3a6618e74"),
      ("/usr/share/fonts/opentype/ebgaramond/EBGaramond12-Bold.otf", "9a65d97bb80ebd3e"))),
    # ---- test families: one informal, one serif, two sans, two monospaced ----
    ("Comic Neue", "test", "fonts-comic-neue", "2.51-4", "OFL-1.1",
     (("/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf", "2728ee8f303e3193"),
      ("/usr/share/fonts/opentype/comic-neue/ComicNeue-Bold.otf", "0637fea8f858cd1d"))),
    ("Vollkorn", "test", "fonts-vollkorn", "4.105-2", "OFL-1.1",
     (("/usr/share/fonts/truetype/vollkorn/Vollkorn-Regular.ttf", "33c0e4742dbf693d"),
      ("/usr/share/fonts/truetype/vollkorn/Vollkorn-Bold.ttf", "e905eac2b4b6286b"))),
    ("Karla", "test", "fonts-karla", "20201218-1", "OFL-1.1",
     (("/usr/share/fonts/truetype/karla/Karla-Regular.otf", "be5fbf55f7409ad4"),
      ("/usr/share/fonts/truetype/karla/Karla-Bold.otf", "7d871fac4800a919"))),
    ("B612", "test", "fonts-b612", "1.008-3", "OFL-1.1 (and EPL-2.0 / EDL-1.0)",
     (("/usr/share/fonts/opentype/b612/B612-Regular.otf", "df7f7328313c175d"),
      ("/usr/share/fonts/opentype/b612/B612-Bold.otf", "527ddd0597d234e2"))),
    ("Courier Prime", "test", "fonts-courier-prime", "0+git20190115-3", "OFL-1.1",
     (("/usr/share/fonts/opentype/courier-prime/Courier Prime.otf", "26bb2ce38aa96cdc"),
      ("/usr/share/fonts/opentype/courier-prime/Courier Prime Bold.otf", "a414b06c018ed4b6"))),
    ("JetBrains Mono", "test", "fonts-jetbrains-mono", "2.242+ds-3", "Apache-2.0",
     (("/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf", "a3014fb90ae8ddfb"),
      ("/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Bold.ttf", "3481028266ee8074"))),
]

MASK64 = (1 << 64) - 1


class SplitMix64:
    """The PRNG of convert.py (shared data folder), so every draw is portable and exact."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self, lo, hi):
        """A float in [lo, hi) from the top 53 bits (exact on every platform)."""
        return lo + (hi - lo) * ((self.next() >> 11) * 2.0 ** -53)

    def shuffle(self, seq):
        """In-place Fisher-Yates: for i = n-1 .. 1: j = next() mod (i+1)."""
        for i in range(len(seq) - 1, 0, -1):
            j = self.next() % (i + 1)
            seq[i], seq[j] = seq[j], seq[i]
        return seq


# --------------------------------------------------------------------------
# fonts: find, verify, render each glyph once
# --------------------------------------------------------------------------
def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def check_fonts(any_version):
    """Refuse, naming the Debian package, when a font file is missing or is another version."""
    problems = []
    for family, _, package, version, _, files in FONTS:
        for path, pinned in files:
            if not os.path.exists(path):
                problems.append(f"missing {path} ({family}): it is in the Debian package {package} "
                                f"(apt-get install -y {package}={version})")
            elif sha256_file(path)[:16] != pinned and not any_version:
                problems.append(f"{path} ({family}) is not the file of {package} {version} that the "
                                f"committed glyphs.bin.gz was made from (sha256 {sha256_file(path)[:16]}..., "
                                f"pinned {pinned}...); --any-font-version renders with it anyway")
    if problems:
        sys.exit("make_glyphs: cannot render the fonts as pinned:\n  " + "\n  ".join(problems))


def render_master(font, ch):
    """One character, white ink on black, cropped to its ink: the font's own shape, before jitter."""
    left, top, right, bottom = font.getbbox(ch)
    img = Image.new("L", (right - left + 8, bottom - top + 8), 0)
    ImageDraw.Draw(img).text((4 - left, 4 - top), ch, fill=255, font=font)
    box = img.getbbox()
    return None if box is None else img.crop(box)


def load_masters(fonts):
    """{(path, char): master image} for every file of `fonts`; refuses a font that lacks a class."""
    masters = {}
    for family, _, package, _, _, files in fonts:
        for path, _ in files:
            # BASIC layout: no dependence on whether Pillow was built with libraqm.
            font = ImageFont.truetype(path, MASTER_PX, layout_engine=ImageFont.Layout.BASIC)
            missing = render_master(font, "\U0010FFFD")     # a private-use code point: the .notdef box
            for ch in CLASSES:
                m = render_master(font, ch)
                if m is None or (missing is not None and m.tobytes() == missing.tobytes()
                                 and m.size == missing.size):
                    sys.exit(f"make_glyphs: {path} ({family}, {package}) has no glyph for {ch!r}")
                masters[path, ch] = m
    return masters


# --------------------------------------------------------------------------
# one image: jitter, affine warp at SS x resolution, stroke weight, box average
# --------------------------------------------------------------------------
CANVAS = SIDE * SS
# Stroke weight change in high-resolution pixels per side (1 = a quarter output pixel):
# negative erodes, positive dilates.  Bold faces are never thickened much further,
# so that counters (e, a, @, 8) stay open at 28 px.
STROKES = {False: (-1, 0, 1, 2), True: (-2, -1, 0, 1)}
SIZE = (0.55, 0.90)         # longer side of the glyph, as a fraction of the frame
ASPECT = (0.80, 1.25)       # width stretch
ANGLE = 15.0                # rotation, up to this many degrees either way
SHEAR = 0.25                # slant: x += SHEAR * y at most (about 14 degrees)
SHIFT = 3.0                 # the glyph's centre moves up to this many output pixels
# The ranges were widened until a shared REF-CNN stopped reaching 94%+ test accuracy
# after 5 epochs: with them it reaches about 90%, and 1-nearest-neighbour about 67%.


def draw_jitter(rng, has_bold):
    """All random choices for one image, drawn in a fixed order (so the stream never shifts)."""
    bold = has_bold and rng.next() % 2 == 1
    return dict(
        bold=bold,
        size=rng.uniform(*SIZE),
        aspect=rng.uniform(*ASPECT),
        angle=rng.uniform(-ANGLE, ANGLE),
        shear=rng.uniform(-SHEAR, SHEAR),
        dx=rng.uniform(-1.0, 1.0),         # as a fraction of the allowed shift
        dy=rng.uniform(-1.0, 1.0),
        stroke=STROKES[bold][rng.next() % 4],
    )


def glyph_matrix(w, h, j):
    """The 2x2 linear map (rotation . shear . scale) for a w x h master, shrunk to fit the frame."""
    s = j["size"] * CANVAS / max(w, h)
    sx, sy = s * j["aspect"], s
    c, t = math.cos(math.radians(j["angle"])), math.sin(math.radians(j["angle"]))
    # rotation [[c,-t],[t,c]] times shear [[1,k],[0,1]] times scale diag(sx, sy)
    k = j["shear"]
    a = [[c * sx, (c * k - t) * sy], [t * sx, (t * k + c) * sy]]
    ex = (abs(a[0][0]) * w + abs(a[0][1]) * h) / 2      # half extents of the warped box
    ey = (abs(a[1][0]) * w + abs(a[1][1]) * h) / 2
    fit = min(1.0, 0.46 * CANVAS / max(ex, ey))          # keep 4% of the frame free at each edge
    return [[v * fit for v in row] for row in a], ex * fit, ey * fit


def erode(img, per_side):
    """Thin the strokes by up to `per_side` pixels, but never erase them: a light face's
    hairlines would vanish first, so erode less while that keeps under 60% of the ink."""
    ink = int(np.asarray(img, dtype=np.uint32).sum())
    for e in range(per_side, 0, -1):
        thin = img.filter(ImageFilter.MinFilter(2 * e + 1))
        if int(np.asarray(thin, dtype=np.uint32).sum()) * 10 >= ink * 6:
            return thin
    return img


def render_sample(master, j):
    """A 28x28 uint8 image of `master` warped by jitter `j`."""
    w, h = master.size
    a, ex, ey = glyph_matrix(w, h, j)
    max_shift = SHIFT * SS                                # less where the glyph nearly fills the frame
    cx = CANVAS / 2 + j["dx"] * min(max_shift, 0.48 * CANVAS - ex)
    cy = CANVAS / 2 + j["dy"] * min(max_shift, 0.48 * CANVAS - ey)
    det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
    inv = [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]]
    # Pillow maps each output point (x, y) to the input point (a x + b y + c, d x + e y + f).
    data = (inv[0][0], inv[0][1], w / 2 - inv[0][0] * cx - inv[0][1] * cy,
            inv[1][0], inv[1][1], h / 2 - inv[1][0] * cx - inv[1][1] * cy)
    img = master.transform((CANVAS, CANVAS), Image.Transform.AFFINE, data, resample=Image.Resampling.BILINEAR)
    if j["stroke"] > 0:
        img = img.filter(ImageFilter.MaxFilter(2 * j["stroke"] + 1))
    elif j["stroke"] < 0:
        img = erode(img, -j["stroke"])
    # Box average SS x SS blocks in integers: exact antialiasing, no resampler in between.
    block = np.asarray(img, dtype=np.uint32).reshape(SIDE, SS, SIDE, SS).sum(axis=(1, 3))
    return ((block + SS * SS // 2) // (SS * SS)).astype(np.uint8)


# --------------------------------------------------------------------------
# splits: fonts cycled evenly within each class; balanced_blocks order
# --------------------------------------------------------------------------
def render_split(fonts, per_class, rng, masters):
    """Images and labels of one split, class by class: every class sees each family equally often."""
    xs, ys = [], []
    for c, ch in enumerate(CLASSES):
        cycle = []
        while len(cycle) < per_class:                 # whole shuffled rounds of the families
            cycle += rng.shuffle(list(range(len(fonts))))
        for f in cycle[:per_class]:
            files = fonts[f][5]
            j = draw_jitter(rng, len(files) > 1)
            xs.append(render_sample(masters[files[1 if j["bold"] else 0][0], ch], j))
            ys.append(c)
    return np.stack(xs), np.asarray(ys, np.uint8)


def balanced_block_order(labels, rng, ncls):
    """As convert.py: every consecutive block of `ncls` positions holds one item of each class."""
    per = [[p for p, l in enumerate(labels) if l == c] for c in range(ncls)]
    assert all(len(p) == len(per[0]) for p in per)
    for p in per:
        rng.shuffle(p)
    out = []
    for i in range(len(per[0])):
        block = [per[c][i] for c in range(ncls)]
        rng.shuffle(block)
        out.extend(block)
    return out


# --------------------------------------------------------------------------
# IMDS v1 (the layout of convert.py's build_imds)
# --------------------------------------------------------------------------
def header_fields():
    """Everything in the JSON header except the per-split offsets."""
    train = [f[0] for f in FONTS if f[1] == "train"]
    test = [f[0] for f in FONTS if f[1] == "test"]
    return dict(
        format="IMDS", version=1, name=NAME, width=SIDE, height=SIDE, channels=1,
        layout="NHWC (row-major; per image H*W*C bytes)", dtype="uint8",
        pixel_meaning="0 = background (black), 255 = ink (white)",
        num_classes=len(CLASSES), class_names=CLASSES,
        split=f"by font family: train rendered from {len(train)} families ({', '.join(train)}), "
              f"test from {len(test)} others ({', '.join(test)}); {TRAIN_PER_CLASS} train and "
              f"{TEST_PER_CLASS} test images per class, families cycled evenly within each class",
        seed=SEED, prng="splitmix64; Fisher-Yates (for i=n-1..1: j = next() % (i+1)); "
                        "uniform = lo + (hi-lo) * (next() >> 11) * 2^-53",
        order_note="balanced_blocks: every consecutive block of num_classes items has one item per class, "
                   "so any prefix of k*num_classes items is class-balanced",
        jitter=f"per image: regular or bold face; glyph's longer side {SIZE[0]}-{SIZE[1]} of the frame; "
               f"width x{ASPECT[0]}-{ASPECT[1]}; rotation +-{ANGLE} deg; slant +-{SHEAR}; shift up to {SHIFT} px; "
               f"stroke {min(STROKES[True]) / SS}..+{max(STROKES[False]) / SS} px per side (erosion/dilation "
               f"at {SS}x, erosion limited to keep 60% of the ink); rendered at {CANVAS}x{CANVAS}, "
               f"box-averaged to {SIDE}x{SIDE}",
        source=dict(
            registry="Debian", package="fonts-* packages", version=FONTS_DEB,
            upstream=f"{len(CLASSES)} characters rendered from {len(train)} training and {len(test)} test "
                     f"font families by scripts/glyphs/make_glyphs.py (Pillow {PIL.__version__})",
            fonts=[dict(family=f[0], split=f[1], package=f[2], version=f[3], license=f[4],
                        files=[dict(path=p, sha256=sha256_file(p)) for p, _ in f[5]]) for f in FONTS]),
        license="images made by ovr-lab (MIT) from free fonts, each under its own licence as listed in "
                "source.fonts: OFL-1.0/1.1, Apache-2.0, GPL with font exception, Bitstream Vera, "
                "GUST Font License, BSD-3-Clause",
        converter="scripts/glyphs/make_glyphs.py (IMDS v1)",
    )


def build_imds(splits):
    """splits: {'train': (x, y), 'test': (x, y)} already in file order -> the IMDS byte string."""
    hdr = header_fields()
    payload = {n: (x.tobytes(), y.tobytes(), np.bincount(y, minlength=len(CLASSES)).tolist())
               for n, (x, y) in splits.items()}
    # offsets depend on the header length and vice versa: iterate to a fixed point
    for _ in range(10):
        header_json = json.dumps(hdr, ensure_ascii=False, separators=(",", ":")).encode()
        off = (12 + len(header_json) + 15) // 16 * 16          # payload starts 16-byte aligned
        for n in ("train", "test"):
            px, lab, per = payload[n]
            hdr[n] = dict(count=len(lab), images_offset=off, images_bytes=len(px),
                          labels_offset=off + len(px), order="balanced_blocks", per_class=per)
            off += len(px) + len(lab)
        hdr["total_bytes"] = off
        if json.dumps(hdr, ensure_ascii=False, separators=(",", ":")).encode() == header_json:
            break
    else:
        raise RuntimeError("header length did not converge")
    header_json += b" " * (hdr["train"]["images_offset"] - 12 - len(header_json))
    out = bytearray(b"IMDS" + struct.pack("<II", 1, len(header_json)) + header_json)
    for n in ("train", "test"):
        assert len(out) == hdr[n]["images_offset"]
        out += payload[n][0] + payload[n][1]
    assert len(out) == hdr["total_bytes"]
    return bytes(out)


def write_gz(path, blob):
    """Deterministic gzip: no file name, mtime 0."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as gz:
            gz.write(blob)


def read_back(path):
    """Parse the written file independently of the writer: (header, {split: (x, y)})."""
    raw = gzip.decompress(open(path, "rb").read())
    assert raw[:4] == b"IMDS" and struct.unpack("<I", raw[4:8])[0] == 1
    hdr = json.loads(raw[12:12 + struct.unpack("<I", raw[8:12])[0]])
    out = {}
    for n in ("train", "test"):
        m = hdr[n]
        x = np.frombuffer(raw, np.uint8, m["count"] * SIDE * SIDE, m["images_offset"]).reshape(-1, SIDE, SIDE)
        out[n] = (x, np.frombuffer(raw, np.uint8, m["count"], m["labels_offset"]))
    return hdr, out


def contact_sheet(path, splits, rows=5):
    """One column per class: the first `rows` train images, a gap, the first `rows` test images."""
    cell = SIDE + 1
    sheet = np.full(((2 * rows + 1) * cell, len(CLASSES) * cell), 64, np.uint8)
    for r0, (x, y) in ((0, splits["train"]), (rows + 1, splits["test"])):
        for c in range(len(CLASSES)):
            for r, i in enumerate(np.flatnonzero(y == c)[:rows]):
                top, left = (r0 + r) * cell, c * cell
                sheet[top:top + SIDE, left:left + SIDE] = x[i]
    Image.fromarray(sheet).save(path, optimize=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "..", "www", "data", NAME + ".bin.gz")))
    ap.add_argument("--sheet", help="also write a PNG contact sheet (train rows above, test rows below)")
    ap.add_argument("--any-font-version", action="store_true",
                    help="render even when a font file differs from the pinned one (the output will differ)")
    args = ap.parse_args()
    check_fonts(args.any_font_version)
    masters = load_masters(FONTS)
    splits = {}
    for n, per_class, stream in (("train", TRAIN_PER_CLASS, 1), ("test", TEST_PER_CLASS, 2)):
        # one PRNG stream per split, so changing one split's size leaves the other unchanged
        rng = SplitMix64(SEED ^ stream)
        fonts = [f for f in FONTS if f[1] == n]
        x, y = render_split(fonts, per_class, rng, masters)
        order = balanced_block_order(y.tolist(), SplitMix64(SEED ^ (stream << 8)), len(CLASSES))
        splits[n] = (x[order], y[order])
    blob = build_imds(splits)
    write_gz(args.out, blob)
    hdr, back = read_back(args.out)
    for n in splits:
        assert np.array_equal(back[n][0], splits[n][0]) and np.array_equal(back[n][1], splits[n][1])
    if args.sheet:
        contact_sheet(args.sheet, splits)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes gzipped ({len(blob)} raw), "
          f"sha256 {sha256_file(args.out)}; {len(CLASSES)} classes, "
          f"train {hdr['train']['count']}, test {hdr['test']['count']}")


if __name__ == "__main__":
    main()
