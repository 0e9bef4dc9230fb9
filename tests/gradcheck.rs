//! Gradients of every layer and both losses against central finite differences computed by an
//! independent, naive f64 implementation of the same network.
//!
//! Tolerance: for every parameter tensor, max |analytic − numeric| ≤ 1e-3 · max |numeric|
//! (the analytic gradients come from the f32 engine).

use ovr_lab::nn::loss::{sigmoid_binary_cross_entropy, softmax_cross_entropy};
use ovr_lab::nn::{LayerSpec, NetSpec, Network, Padding, Shape};
use ovr_lab::rng::Rng;
use proptest::prelude::*;

/// A naive f64 forward pass: the reference the engine is checked against.
fn reference_forward(spec: &NetSpec, params: &[f64], x: &[f64], batch: usize) -> Vec<f64> {
    let plans = spec.plan().unwrap();
    let mut cur = x.to_vec();
    let mut at = 0;
    for (layer, plan) in spec.layers.iter().zip(&plans) {
        let (i, o) = (plan.input, plan.output);
        let mut next = vec![0.0; batch * o.len()];
        match *layer {
            LayerSpec::Conv {
                kernel,
                stride,
                padding,
                ..
            } => {
                let pad = if padding == Padding::Same {
                    kernel / 2
                } else {
                    0
                } as isize;
                let w = &params[at..];
                let bias_at = kernel * kernel * i.channels * o.channels;
                for b in 0..batch {
                    for oy in 0..o.height {
                        for ox in 0..o.width {
                            for f in 0..o.channels {
                                let mut s = w[bias_at + f];
                                for ky in 0..kernel {
                                    for kx in 0..kernel {
                                        let iy = (oy * stride + ky) as isize - pad;
                                        let ix = (ox * stride + kx) as isize - pad;
                                        if iy < 0
                                            || ix < 0
                                            || iy >= i.height as isize
                                            || ix >= i.width as isize
                                        {
                                            continue;
                                        }
                                        for c in 0..i.channels {
                                            let xv = cur[((b * i.height + iy as usize) * i.width
                                                + ix as usize)
                                                * i.channels
                                                + c];
                                            s += xv
                                                * w[((ky * kernel + kx) * i.channels + c)
                                                    * o.channels
                                                    + f];
                                        }
                                    }
                                }
                                next[((b * o.height + oy) * o.width + ox) * o.channels + f] = s;
                            }
                        }
                    }
                }
            }
            LayerSpec::MaxPool { size } => {
                for b in 0..batch {
                    for oy in 0..o.height {
                        for ox in 0..o.width {
                            for c in 0..o.channels {
                                let mut m = f64::NEG_INFINITY;
                                for dy in 0..size {
                                    for dx in 0..size {
                                        m = m.max(
                                            cur[((b * i.height + oy * size + dy) * i.width
                                                + ox * size
                                                + dx)
                                                * i.channels
                                                + c],
                                        );
                                    }
                                }
                                next[((b * o.height + oy) * o.width + ox) * o.channels + c] = m;
                            }
                        }
                    }
                }
            }
            LayerSpec::Relu => next = cur.iter().map(|v| v.max(0.0)).collect(),
            LayerSpec::Flatten | LayerSpec::Dropout { .. } => next = cur.clone(),
            LayerSpec::Dense { units } => {
                let n_in = i.len();
                let w = &params[at..];
                for b in 0..batch {
                    for u in 0..units {
                        let mut s = w[n_in * units + u];
                        for k in 0..n_in {
                            s += cur[b * n_in + k] * w[k * units + u];
                        }
                        next[b * units + u] = s;
                    }
                }
            }
        }
        at += plan.params;
        cur = next;
    }
    cur
}

enum Loss {
    Softmax(Vec<u8>),
    Binary(Vec<f32>, f32),
}

fn reference_loss(loss: &Loss, logits: &[f64], batch: usize) -> f64 {
    let k = logits.len() / batch;
    match loss {
        Loss::Softmax(labels) => {
            let mut total = 0.0;
            for (z, &y) in logits.chunks(k).zip(labels) {
                let max = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let lse = z.iter().map(|v| (v - max).exp()).sum::<f64>().ln() + max;
                total += lse - z[y as usize];
            }
            total / batch as f64
        }
        Loss::Binary(targets, pw) => {
            let mut total = 0.0;
            for (&z, &y) in logits.iter().zip(targets) {
                let y = y as f64;
                let sp = |t: f64| t.max(0.0) + (-t.abs()).exp().ln_1p();
                total += *pw as f64 * y * sp(-z) + (1.0 - y) * sp(z);
            }
            total / batch as f64
        }
    }
}

fn check(spec: &NetSpec, seed: u64, batch: usize, binary: bool) -> Result<(), TestCaseError> {
    let mut rng = Rng::new(seed);
    let mut net = Network::new(spec, &mut rng).unwrap();
    // Non-zero biases so that they are tested too.
    for p in net.params.iter_mut() {
        *p += 0.05 * rng.normal();
    }
    let x: Vec<f32> = (0..batch * spec.input.len())
        .map(|_| rng.uniform())
        .collect();
    let k = spec.outputs().unwrap();
    let loss = if binary {
        Loss::Binary(
            (0..batch * k).map(|_| (rng.below(2)) as f32).collect(),
            1.0 + rng.uniform() * 3.0,
        )
    } else {
        Loss::Softmax((0..batch).map(|_| rng.below(k) as u8).collect())
    };
    let logits = net.forward(&x, batch, true).to_vec();
    let mut d = vec![0.0; logits.len()];
    let engine_loss = match &loss {
        Loss::Softmax(labels) => softmax_cross_entropy(&logits, labels, k, &mut d),
        Loss::Binary(t, pw) => sigmoid_binary_cross_entropy(&logits, t, batch, *pw, &mut d),
    };
    net.backward(&d, batch);

    let p64: Vec<f64> = net.params.iter().map(|&v| v as f64).collect();
    let x64: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let base = reference_loss(&loss, &reference_forward(spec, &p64, &x64, batch), batch);
    prop_assert!(
        (base - engine_loss as f64).abs() < 1e-4 * (1.0 + base.abs()),
        "loss {base} vs {engine_loss}"
    );

    let eps = 1e-6;
    for t in net.param_tensors() {
        let mut worst = 0.0f64;
        let mut scale = 0.0f64;
        for i in t.offset..t.offset + t.len() {
            let mut p = p64.clone();
            p[i] += eps;
            let up = reference_loss(&loss, &reference_forward(spec, &p, &x64, batch), batch);
            p[i] -= 2.0 * eps;
            let down = reference_loss(&loss, &reference_forward(spec, &p, &x64, batch), batch);
            let numeric = (up - down) / (2.0 * eps);
            worst = worst.max((numeric - net.grads[i] as f64).abs());
            scale = scale.max(numeric.abs());
        }
        prop_assert!(
            worst <= 1e-3 * scale.max(1e-6),
            "layer {} {}: max error {worst:e} against gradient scale {scale:e}",
            t.layer,
            t.name
        );
    }
    Ok(())
}

fn arb_spec() -> impl Strategy<Value = NetSpec> {
    (
        4usize..10,
        4usize..10,
        1usize..4,
        1usize..8,
        1usize..3,
        any::<bool>(),
        1usize..5,
        0usize..4,
        1usize..4,
        1usize..6,
    )
        .prop_filter_map(
            "kernel must fit",
            |(h, w, c, kernel, stride, same, filters, pool, dense_hidden, outputs)| {
                let padding = if same && kernel % 2 == 1 {
                    Padding::Same
                } else {
                    Padding::Valid
                };
                let mut layers = vec![
                    LayerSpec::Conv {
                        filters,
                        kernel,
                        stride,
                        padding,
                    },
                    LayerSpec::Relu,
                ];
                if pool >= 2 {
                    layers.push(LayerSpec::MaxPool { size: pool });
                }
                layers.push(LayerSpec::Conv {
                    filters: 2,
                    kernel: 1,
                    stride: 1,
                    padding: Padding::Valid,
                });
                layers.push(LayerSpec::Flatten);
                layers.push(LayerSpec::Dense {
                    units: dense_hidden * 3,
                });
                layers.push(LayerSpec::Relu);
                layers.push(LayerSpec::Dropout { rate: 0.0 });
                layers.push(LayerSpec::Dense { units: outputs + 1 });
                let spec = NetSpec {
                    input: Shape::new(h, w, c),
                    layers,
                };
                spec.plan().ok().map(|_| spec)
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn softmax_network_gradients_match_finite_differences(spec in arb_spec(), seed in 0u64..1000, batch in 1usize..4) {
        check(&spec, seed, batch, false)?;
    }

    #[test]
    fn binary_network_gradients_match_finite_differences(spec in arb_spec(), seed in 0u64..1000, batch in 1usize..4) {
        check(&spec, seed, batch, true)?;
    }
}

#[test]
fn reference_cnn_gradients_match() {
    let spec = ovr_lab::nn::spec::small_cnn(Shape::new(12, 12, 1), 3, 4, 5, 3);
    check(&spec, 11, 2, false).unwrap();
    check(&spec, 12, 2, true).unwrap();
}
