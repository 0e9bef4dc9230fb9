//! Engine behaviour beyond gradients: learning, saving, optimisers, dropout, determinism.

use ndarray::Array4;
use ovr_lab::nn::loss::{sigmoid_binary_cross_entropy, softmax_cross_entropy};
use ovr_lab::nn::spec::{ref_cnn, small_cnn};
use ovr_lab::nn::{
    weights, LayerSpec, NetError, NetSpec, Network, Optimizer, OptimizerKind, OptimizerSpec,
    Schedule, Shape,
};
use ovr_lab::rng::Rng;

fn batch(rng: &mut Rng, n: usize, shape: Shape) -> Vec<f32> {
    (0..n * shape.len()).map(|_| rng.uniform()).collect()
}

fn train_steps(
    net: &mut Network,
    opt: &mut Optimizer,
    x: &[f32],
    labels: &[u8],
    steps: usize,
    lr: f32,
) -> f32 {
    let n = labels.len();
    let k = net.outputs();
    let mut grad = vec![0.0; n * k];
    let mut loss = f32::NAN;
    for _ in 0..steps {
        let logits = net.forward(x, n, true).to_vec();
        loss = softmax_cross_entropy(&logits, labels, k, &mut grad);
        net.backward(&grad, n);
        opt.step(&mut net.params, &net.grads, lr);
    }
    loss
}

#[test]
fn a_tiny_network_overfits_a_tiny_batch_to_zero_loss() {
    let spec = small_cnn(Shape::new(12, 12, 1), 4, 8, 3, 4);
    let mut rng = Rng::new(3);
    let mut net = Network::new(&spec, &mut rng).unwrap();
    let x = batch(&mut rng, 8, spec.input);
    let labels: Vec<u8> = (0..8).map(|i| (i % 4) as u8).collect();
    for kind in [OptimizerKind::Sgd, OptimizerKind::Adam] {
        let mut net = Network::new(&spec, &mut Rng::new(3)).unwrap();
        let lr = if kind == OptimizerKind::Adam {
            0.01
        } else {
            0.1
        };
        let mut opt = Optimizer::new(
            OptimizerSpec {
                kind,
                lr,
                ..OptimizerSpec::default()
            },
            net.params.len(),
        );
        let loss = train_steps(&mut net, &mut opt, &x, &labels, 300, lr);
        assert!(loss < 1e-3, "{kind:?}: loss {loss} after 300 steps");
    }
    // And the predictions agree with the labels.
    let mut opt = Optimizer::new(OptimizerSpec::default(), net.params.len());
    train_steps(&mut net, &mut opt, &x, &labels, 300, 0.1);
    let images = Array4::from_shape_vec((8, 12, 12, 1), x.clone()).unwrap();
    let logits = net.predict(images.view());
    for (row, &label) in logits.rows().into_iter().zip(&labels) {
        let best = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert_eq!(best, label as usize);
    }
}

#[test]
fn the_binary_loss_with_a_positive_weight_learns_a_rare_class() {
    let spec = small_cnn(Shape::new(8, 8, 1), 2, 4, 3, 1);
    let mut rng = Rng::new(5);
    let mut net = Network::new(&spec, &mut rng).unwrap();
    let x = batch(&mut rng, 10, spec.input);
    let targets: Vec<f32> = (0..10).map(|i| (i == 0) as u8 as f32).collect();
    let mut opt = Optimizer::new(
        OptimizerSpec {
            lr: 0.05,
            ..OptimizerSpec::default()
        },
        net.params.len(),
    );
    let mut grad = vec![0.0; 10];
    for _ in 0..400 {
        let logits = net.forward(&x, 10, true).to_vec();
        sigmoid_binary_cross_entropy(&logits, &targets, 10, 9.0, &mut grad);
        net.backward(&grad, 10);
        opt.step(&mut net.params, &net.grads, 0.05);
    }
    let logits = net.forward(&x, 10, false);
    assert!(logits[0] > 0.0, "the one positive is scored positive");
    assert!(logits[1..].iter().all(|&z| z < 0.0), "{logits:?}");
}

#[test]
fn saved_weights_load_back_identically_and_bad_files_are_refused() {
    let spec = ref_cnn(Shape::new(28, 28, 1), 10);
    let mut net = Network::new(&spec, &mut Rng::new(9)).unwrap();
    let bytes = weights::save(&net);
    let mut back = weights::load(&bytes, Some(&spec)).unwrap();
    assert_eq!(back.params, net.params);
    let x = batch(&mut Rng::new(1), 2, spec.input);
    assert_eq!(back.forward(&x, 2, false), net.forward(&x, 2, false));

    let mut wrong_version = bytes.clone();
    wrong_version[4] = 7;
    assert_eq!(
        weights::load(&wrong_version, None).err().unwrap(),
        NetError::Weights("weights format version 7, this build reads version 1".into())
    );
    let other = ref_cnn(Shape::new(28, 28, 1), 1);
    assert!(weights::load(&bytes, Some(&other))
        .err()
        .unwrap()
        .to_string()
        .contains("different architecture"));
    assert!(weights::load(&bytes[..bytes.len() - 4], None)
        .err()
        .unwrap()
        .to_string()
        .contains("expected 45096 bytes of parameters"));
    assert!(weights::load(b"PK\x03\x04....", None)
        .err()
        .unwrap()
        .to_string()
        .contains("wrong magic"));
}

#[test]
fn schedules_and_weight_decay_behave_as_documented() {
    assert_eq!(Schedule::Constant.rate(0.1, 50, 100), 0.1);
    assert_eq!(Schedule::Step.rate(1.0, 0, 90), 1.0);
    assert!((Schedule::Step.rate(1.0, 30, 90) - 0.1).abs() < 1e-7);
    assert!((Schedule::Step.rate(1.0, 89, 90) - 0.01).abs() < 1e-7);
    assert!((Schedule::Cosine.rate(1.0, 50, 100) - 0.5).abs() < 1e-6);
    assert!(Schedule::Cosine.rate(1.0, 100, 100).abs() < 1e-7);
    // With zero gradient, weight decay alone shrinks the weights.
    let mut opt = Optimizer::new(
        OptimizerSpec {
            weight_decay: 0.1,
            momentum: 0.0,
            ..OptimizerSpec::default()
        },
        1,
    );
    let mut w = [1.0f32];
    opt.step(&mut w, &[0.0], 0.5);
    assert!((w[0] - 0.95).abs() < 1e-7);
}

#[test]
fn dropout_is_active_only_in_training_and_keeps_the_mean() {
    let spec = NetSpec {
        input: Shape::new(40, 50, 1),
        layers: vec![
            LayerSpec::Flatten,
            LayerSpec::Dropout { rate: 0.5 },
            LayerSpec::Dense { units: 1 },
        ],
    };
    let mut net = Network::new(&spec, &mut Rng::new(1)).unwrap();
    // Sum the inputs: weights 1, bias 0.
    for p in net.params.iter_mut() {
        *p = 1.0;
    }
    let last = net.params.len() - 1;
    net.params[last] = 0.0;
    let x = vec![1.0; 2000];
    assert_eq!(net.forward(&x, 1, false)[0], 2000.0);
    let trained: Vec<f32> = (0..20).map(|_| net.forward(&x, 1, true)[0]).collect();
    assert!(
        trained.windows(2).any(|w| w[0] != w[1]),
        "dropout draws new masks"
    );
    let mean = trained.iter().sum::<f32>() / 20.0;
    assert!(
        (mean - 2000.0).abs() < 60.0,
        "inverted dropout keeps the expected sum: {mean}"
    );
}

#[test]
fn same_seed_same_bits() {
    let spec = ref_cnn(Shape::new(28, 28, 1), 10);
    let run = || {
        let mut rng = Rng::new(42);
        let mut net = Network::new(&spec, &mut rng).unwrap();
        let x = batch(&mut rng, 16, spec.input);
        let labels: Vec<u8> = (0..16).map(|i| (i % 10) as u8).collect();
        let mut opt = Optimizer::new(OptimizerSpec::default(), net.params.len());
        let loss = train_steps(&mut net, &mut opt, &x, &labels, 5, 0.05);
        (
            loss.to_bits(),
            net.params.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        )
    };
    assert_eq!(run(), run());
    let filters = Network::new(&spec, &mut Rng::new(42))
        .unwrap()
        .first_conv_filters()
        .unwrap();
    assert_eq!(filters.shape(), &[8, 5, 5, 1]);
}
