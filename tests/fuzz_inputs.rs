//! Hostile input to every other reader: saved weights, settings from a URL or the command line,
//! and images handed over by the page. None may panic; what they accept must be valid.

use ovr_lab::data::user::from_images;
use ovr_lab::experiment::{Config, Mode};
use ovr_lab::nn::spec::small_cnn;
use ovr_lab::nn::{weights, Network, Shape};
use ovr_lab::rng::Rng;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

fn fuzz_cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn saved_network() -> Vec<u8> {
    let net = Network::new(
        &small_cnn(Shape::new(8, 8, 1), 2, 3, 3, 4),
        &mut Rng::new(1),
    )
    .unwrap();
    weights::save(&net)
}

const NAMES: [&str; 12] = [
    "dataset",
    "classes",
    "lr",
    "epochs",
    "batch",
    "approaches",
    "seeds",
    "arch",
    "budget",
    "shapes_noise",
    "augment_flip",
    "bogus",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: fuzz_cases(512),
        // Failures are saved beside this file and replayed first (no warning about lib.rs).
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_weights_never_panic(flips in proptest::collection::vec((any::<usize>(), 1..=255u8), 0..6), cut in any::<usize>()) {
        let mut bytes = saved_network();
        for (i, x) in flips {
            let n = bytes.len();
            bytes[i % n] ^= x;
        }
        let n = bytes.len();
        bytes.truncate(if cut % 4 == 0 { cut % n } else { n });
        if let Ok(net) = weights::load(&bytes, None) {
            prop_assert_eq!(net.params.len(), net.spec().param_count().unwrap());
        }
    }

    #[test]
    fn any_settings_text_is_clamped_or_refused(pairs in proptest::collection::vec((0..NAMES.len(), ".{0,40}"), 0..8)) {
        let pairs: Vec<(String, String)> = pairs.into_iter().map(|(k, v)| (NAMES[k].to_string(), v)).collect();
        let (cfg, _) = Config::from_pairs(&pairs, Mode::Clamp).unwrap();
        // What the page accepts after clamping is always a valid configuration.
        prop_assert!(cfg.validate().is_ok(), "{:?}", cfg.validate());
        if let Ok((strict, _)) = Config::from_pairs(&pairs, Mode::Strict) {
            prop_assert!(strict.validate().is_ok());
        }
    }

    #[test]
    fn any_image_set_from_the_page_is_accepted_valid_or_refused(
        classes in 0usize..5,
        labels in proptest::collection::vec(0usize..6, 0..40),
        side in 0usize..6,
        short in any::<bool>(),
    ) {
        let len = side * side;
        let images: Vec<(usize, Vec<u8>)> = labels.iter().enumerate().map(|(i, &l)| (l, vec![i as u8; if short && i == 0 { len / 2 } else { len }])).collect();
        let names = (0..classes).map(|c| format!("<b>class {c}</b>")).collect();
        if let Ok(ds) = from_images("fuzz", names, images, side, side, 1, 7) {
            prop_assert!(ds.validate("fuzz").is_ok());
        }
    }
}
