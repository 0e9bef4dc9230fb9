//! A drawing as a model's input: the draw panel's canvas (RGBA bytes: dark ink on a light
//! background, or a dropped picture either way round) prepared the way MNIST's digits were, so
//! that the models see it as they saw their training images:
//!
//! 1. ink = 255 − luminance (0.299 R + 0.587 G + 0.114 B, composited over white);
//! 2. a mostly dark picture (mean ink above half) is a light drawing on a dark background, and is
//!    inverted;
//! 3. the ink's bounding box (pixels with ink above [`INK_THRESHOLD`]) is scaled, keeping its
//!    aspect ratio, to fit a square of [`BOX_OF_28`]/28 of the output's smaller side (area
//!    averaging);
//! 4. it is placed so that its centre of mass is the output's centre, and each output pixel is
//!    repeated over the output's channels (0 background … 255 ink, as the datasets store images).

use super::{DataError, MAX_CHANNELS, MAX_SIDE};

/// A pixel counts as ink (for the bounding box) above this.
pub const INK_THRESHOLD: f32 = 24.0;
/// MNIST's digits fit a 20 × 20 box in their 28 × 28 images.
pub const BOX_OF_28: usize = 20;
/// Largest canvas side accepted.
pub const MAX_CANVAS_SIDE: usize = 4096;

/// Ink (0 … 255) of each pixel of an RGBA image, transparent pixels counting as white.
fn ink(rgba: &[u8]) -> Vec<f32> {
    rgba.chunks_exact(4)
        .map(|p| {
            let lum = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
            (p[3] as f32 / 255.0) * (255.0 - lum)
        })
        .collect()
}

/// For each of `m` target cells over `n` source cells: the source cells it covers and the share
/// of the target cell each covers (shares add up to 1).
fn spans(n: usize, m: usize) -> Vec<Vec<(usize, f32)>> {
    let step = n as f64 / m as f64;
    (0..m)
        .map(|i| {
            let (a, b) = (i as f64 * step, (i + 1) as f64 * step);
            let first = a.floor() as usize;
            let last = (b.ceil() as usize).min(n);
            (first..last)
                .filter_map(|j| {
                    let overlap = (b.min(j as f64 + 1.0) - a.max(j as f64)).max(0.0);
                    (overlap > 0.0).then_some((j, (overlap / step) as f32))
                })
                .collect()
        })
        .collect()
}

/// The canvas (`width × height` RGBA bytes) as `out_height × out_width × channels` bytes; `None`
/// when there is no ink.
pub fn to_input(
    rgba: &[u8],
    width: usize,
    height: usize,
    out_width: usize,
    out_height: usize,
    channels: usize,
) -> Result<Option<Vec<u8>>, DataError> {
    check_sizes(rgba.len(), width, height, out_width, out_height, channels)?;
    let ink = dark_background_ink(rgba);
    let Some(bbox) = ink_bounds(&ink, width, height) else {
        return Ok(None);
    };
    let (dw, dh) = fitted_size(bbox.width, bbox.height, out_width, out_height);
    let small = scale_box(&ink, width, &bbox, dw, dh);
    Ok(Some(centre_by_mass(
        &small, dw, dh, out_width, out_height, channels,
    )))
}

/// Refuses canvases and inputs outside the sizes the lab handles, and a pixel buffer whose length
/// does not match its canvas, before anything is allocated for them.
fn check_sizes(
    rgba_len: usize,
    width: usize,
    height: usize,
    out_width: usize,
    out_height: usize,
    channels: usize,
) -> Result<(), DataError> {
    let bad = |why: String| DataError::new("drawing", why);
    if width == 0 || height == 0 || width > MAX_CANVAS_SIDE || height > MAX_CANVAS_SIDE {
        return Err(bad(format!(
            "a {width} × {height} canvas (sides 1 to {MAX_CANVAS_SIDE})"
        )));
    }
    if rgba_len != width * height * 4 {
        return Err(bad(format!(
            "{rgba_len} bytes for a {width} × {height} RGBA canvas ({} expected)",
            width * height * 4
        )));
    }
    if !(1..=MAX_SIDE).contains(&out_width)
        || !(1..=MAX_SIDE).contains(&out_height)
        || !(1..=MAX_CHANNELS).contains(&channels)
    {
        return Err(bad(format!(
            "an input of {out_width} × {out_height} × {channels} (sides 1 to {MAX_SIDE}, 1 to {MAX_CHANNELS} channels)"
        )));
    }
    Ok(())
}

/// Steps 1 and 2: the ink of each pixel, inverted when the picture is mostly dark, so that ink is
/// always bright on a dark background as in the training images.
fn dark_background_ink(rgba: &[u8]) -> Vec<f32> {
    let mut ink = ink(rgba);
    let mean = ink.iter().map(|&v| v as f64).sum::<f64>() / ink.len() as f64;
    if mean > 127.5 {
        ink.iter_mut().for_each(|v| *v = 255.0 - *v);
    }
    ink
}

/// A rectangle of canvas pixels: its top-left corner and its size.
struct InkBox {
    x: usize,
    y: usize,
    width: usize,
    height: usize,
}

/// The bounding box of the pixels with ink above [`INK_THRESHOLD`]; `None` when there are none.
fn ink_bounds(ink: &[f32], width: usize, height: usize) -> Option<InkBox> {
    let (mut x0, mut y0, mut x1, mut y1) = (width, height, 0, 0);
    for (i, _) in ink.iter().enumerate().filter(|(_, &v)| v > INK_THRESHOLD) {
        let (x, y) = (i % width, i / width);
        x0 = x0.min(x);
        x1 = x1.max(x + 1);
        y0 = y0.min(y);
        y1 = y1.max(y + 1);
    }
    if x1 <= x0 || y1 <= y0 {
        return None;
    }
    Some(InkBox {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    })
}

/// Step 3's target size: a `bw × bh` box scaled, aspect ratio kept, so its longer side is
/// [`BOX_OF_28`]/28 of the output's smaller side (at least one pixel, at most the output).
fn fitted_size(bw: usize, bh: usize, out_width: usize, out_height: usize) -> (usize, usize) {
    let side = ((out_width.min(out_height) * BOX_OF_28) as f64 / 28.0)
        .round()
        .max(1.0);
    let scale = side / bw.max(bh) as f64;
    let dw = ((bw as f64 * scale).round() as usize).clamp(1, out_width);
    let dh = ((bh as f64 * scale).round() as usize).clamp(1, out_height);
    (dw, dh)
}

/// Step 3: the box's ink scaled to `dw × dh` by area averaging: each output pixel is the mean ink
/// of the canvas area it covers, so no stroke is skipped as point sampling could skip it.
fn scale_box(ink: &[f32], width: usize, bbox: &InkBox, dw: usize, dh: usize) -> Vec<f32> {
    let (sx, sy) = (spans(bbox.width, dw), spans(bbox.height, dh));
    let mut small = vec![0f32; dw * dh];
    for (ty, ys) in sy.iter().enumerate() {
        for (tx, xs) in sx.iter().enumerate() {
            let mut v = 0.0;
            for &(y, wy) in ys {
                for &(x, wx) in xs {
                    v += wy * wx * ink[(bbox.y + y) * width + bbox.x + x];
                }
            }
            small[ty * dw + tx] = v;
        }
    }
    small
}

/// Step 4: the `dw × dh` ink placed in an empty output so that its centre of mass is the output's
/// centre (as MNIST centred its digits), repeated over the channels; what falls outside is dropped.
fn centre_by_mass(
    small: &[f32],
    dw: usize,
    dh: usize,
    out_width: usize,
    out_height: usize,
    channels: usize,
) -> Vec<u8> {
    let (mut m, mut cx, mut cy) = (0f64, 0f64, 0f64);
    for (i, &v) in small.iter().enumerate() {
        let v = v as f64;
        m += v;
        cx += v * (i % dw) as f64;
        cy += v * (i / dw) as f64;
    }
    let (cx, cy) = if m > 0.0 {
        (cx / m, cy / m)
    } else {
        (dw as f64 / 2.0, dh as f64 / 2.0)
    };
    let ox = (out_width as f64 / 2.0 - cx - 0.5).round() as isize;
    let oy = (out_height as f64 / 2.0 - cy - 0.5).round() as isize;
    let mut out = vec![0u8; out_width * out_height * channels];
    for (i, &v) in small.iter().enumerate() {
        let (tx, ty) = ((i % dw) as isize + ox, (i / dw) as isize + oy);
        if tx < 0 || ty < 0 || tx >= out_width as isize || ty >= out_height as isize {
            continue;
        }
        let at = (ty as usize * out_width + tx as usize) * channels;
        out[at..at + channels].fill(v.round().clamp(0.0, 255.0) as u8);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A white `w × h` canvas with black ink on `[x0, x1) × [y0, y1)`.
    fn canvas(w: usize, h: usize, rect: (usize, usize, usize, usize)) -> Vec<u8> {
        let mut c = vec![255u8; w * h * 4];
        for y in rect.2..rect.3 {
            for x in rect.0..rect.1 {
                c[(y * w + x) * 4..(y * w + x) * 4 + 3].fill(0);
            }
        }
        c
    }

    fn ink_box(img: &[u8], w: usize) -> (usize, usize, usize, usize) {
        let on: Vec<usize> = (0..img.len()).filter(|&i| img[i] > 0).collect();
        let xs = on.iter().map(|i| i % w);
        let ys = on.iter().map(|i| i / w);
        (
            xs.clone().min().unwrap(),
            xs.max().unwrap() + 1,
            ys.clone().min().unwrap(),
            ys.max().unwrap() + 1,
        )
    }

    #[test]
    fn a_blank_canvas_is_no_input() {
        assert_eq!(
            to_input(&canvas(50, 40, (0, 0, 0, 0)), 50, 40, 28, 28, 1),
            Ok(None)
        );
    }

    #[test]
    fn ink_in_a_corner_is_scaled_into_the_box_and_centred() {
        // A tall bar in the top-left corner of a 280-px canvas.
        let img = to_input(&canvas(280, 280, (10, 50, 20, 220)), 280, 280, 28, 28, 1)
            .unwrap()
            .unwrap();
        assert_eq!(img.len(), 28 * 28);
        let (x0, x1, y0, y1) = ink_box(&img, 28);
        // 200 px high scaled to the 20-px box; 40 px wide to 4; centred on (13.5, 13.5).
        assert_eq!((y1 - y0, x1 - x0), (20, 4));
        assert_eq!((x0 + x1, y0 + y1), (28, 28));
        assert!(img.iter().all(|&v| v == 0 || v == 255));
    }

    #[test]
    fn a_light_drawing_on_dark_reads_as_the_same_drawing() {
        let dark = canvas(100, 100, (30, 60, 20, 70));
        let mut light = dark.clone();
        for p in light.chunks_exact_mut(4) {
            for c in &mut p[..3] {
                *c = 255 - *c;
            }
        }
        // The light picture is mostly ink, so it is inverted back: the same input.
        let a = to_input(&dark, 100, 100, 16, 16, 1).unwrap();
        assert!(a.is_some());
        assert_eq!(a, to_input(&light, 100, 100, 16, 16, 1).unwrap());
    }

    #[test]
    fn channels_repeat_the_grey_value_and_transparency_is_background() {
        let mut c = canvas(20, 20, (5, 15, 5, 15));
        // A transparent black pixel far from the ink is no ink.
        c[..4].copy_from_slice(&[0, 0, 0, 0]);
        let grey = to_input(&c, 20, 20, 8, 8, 1).unwrap().unwrap();
        let rgb = to_input(&c, 20, 20, 8, 8, 3).unwrap().unwrap();
        assert_eq!(rgb.len(), 8 * 8 * 3);
        for (i, &g) in grey.iter().enumerate() {
            assert_eq!(&rgb[i * 3..i * 3 + 3], &[g, g, g]);
        }
        assert_eq!(ink_box(&grey, 8), (1, 7, 1, 7)); // 8 × 20/28 ≈ 6, centred
    }

    #[test]
    fn area_averaging_keeps_partial_cover() {
        // One ink column of a 3-px box scaled to 1 px: a third of full ink.
        let s = spans(3, 1);
        assert_eq!(s[0].len(), 3);
        assert!((s[0].iter().map(|p| p.1).sum::<f32>() - 1.0).abs() < 1e-6);
        let s = spans(2, 3);
        assert_eq!(s[1], vec![(0, 0.5), (1, 0.5)]);
    }

    #[test]
    fn sizes_are_checked() {
        assert!(to_input(&[0; 12], 2, 2, 28, 28, 1).is_err());
        assert!(to_input(&[0; 16], 2, 2, 0, 28, 1).is_err());
        assert!(to_input(&[0; 16], 2, 2, 28, 28, 4).is_err());
        assert!(to_input(&[], 0, 0, 28, 28, 1).is_err());
    }
}
