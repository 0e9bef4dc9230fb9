//! Hostile bytes never panic: random flips, truncations and insertions in valid files.

use flate2::{write::GzEncoder, Compression};
use ovr_lab::data::{imds, load_bytes, npz::read_npz, Dataset, Split};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use std::io::Write;

/// Cases per property: 512 in `make test`, many more under `make fuzz` (FUZZ_CASES).
fn fuzz_cases(default: u32) -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn tiny_imds() -> Vec<u8> {
    let ds = Dataset {
        name: "tiny".into(),
        width: 3,
        height: 2,
        channels: 1,
        class_names: vec!["a".into(), "b".into(), "c".into()],
        train: Split {
            images: (0..36).collect(),
            labels: vec![0, 1, 2, 2, 1, 0],
        },
        test: Split {
            images: (50..68).collect(),
            labels: vec![2, 0, 1],
        },
        source: "fuzz".into(),
        license: "CC0".into(),
        notes: vec![],
    };
    imds::write_imds(&ds)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A stored-entry ZIP with correct CRCs, so that damage inside an entry reaches the .npy parser.
fn stored_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data) in entries {
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let common = |v: &mut Vec<u8>| {
            v.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            v.extend(crc.sum().to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((data.len() as u32).to_le_bytes());
            v.extend((name.len() as u16).to_le_bytes());
        };
        central.extend([0x50, 0x4b, 0x01, 0x02, 20, 0]);
        common(&mut central);
        central.extend([0u8; 12]);
        central.extend((out.len() as u32).to_le_bytes());
        central.extend(name.as_bytes());
        out.extend([0x50, 0x4b, 0x03, 0x04]);
        common(&mut out);
        out.extend(0u16.to_le_bytes());
        out.extend(name.as_bytes());
        out.extend(*data);
    }
    let at = out.len() as u32;
    out.extend(&central);
    out.extend([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend([0, 0]);
    out
}

#[derive(Clone, Debug)]
enum Damage {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        4 => (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Damage::Flip(i, x)),
        1 => any::<usize>().prop_map(Damage::Truncate),
        1 => (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, v)| Damage::Insert(i, v)),
    ];
    proptest::collection::vec(one, 1..6)
}

fn apply(mut bytes: Vec<u8>, ops: &[Damage]) -> Vec<u8> {
    for op in ops {
        let n = bytes.len().max(1);
        match op {
            Damage::Flip(i, x) => {
                if !bytes.is_empty() {
                    bytes[i % n] ^= x;
                }
            }
            Damage::Truncate(i) => bytes.truncate(i % n),
            Damage::Insert(i, v) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, v.iter().copied());
            }
        }
    }
    bytes
}

/// Every reader returns (Ok or Err) instead of panicking, and what it accepts is valid.
fn survives(bytes: &[u8]) {
    let results = [
        load_bytes(bytes, "f", 3),
        imds::read_imds(bytes, "f"),
        read_npz(bytes, "f", 3),
    ];
    for ds in results.into_iter().flatten() {
        ds.validate("f").unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: fuzz_cases(512),
        // Failures are saved beside this file and replayed first (no warning about lib.rs).
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("proptest-regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_imds_never_panics(ops in damage()) {
        survives(&apply(tiny_imds(), &ops));
    }

    #[test]
    fn damaged_gzip_never_panics(ops in damage()) {
        survives(&apply(gzip(&tiny_imds()), &ops));
    }

    #[test]
    fn damaged_numpy_npz_never_panics(ops in damage(), deflated in any::<bool>()) {
        let file = if deflated { "float_nhwc.npz" } else { "uint8_nhw.npz" };
        survives(&apply(fixture(file), &ops));
    }

    #[test]
    fn damaged_npy_inside_a_sound_zip_never_panics(ops in damage(), which in 0..2usize) {
        // Unpack NumPy's entries (stored), damage one, and re-zip with fresh CRCs.
        let ds = read_npz(&fixture("uint8_nhw.npz"), "f", 0).unwrap();
        prop_assert_eq!(ds.train.count(), 30);
        let x = b"\x93NUMPY\x01\x00\x76\x00{'descr': '|u1', 'fortran_order': False, 'shape': (4, 2, 2), }";
        let mut x = x.to_vec();
        x.resize(10 + 0x76 - 1, b' ');
        x.push(b'\n');
        x.extend(0..16u8);
        let mut y = b"\x93NUMPY\x01\x00\x76\x00{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }".to_vec();
        y.resize(10 + 0x76 - 1, b' ');
        y.push(b'\n');
        for l in [0i64, 1, 0, 1] {
            y.extend(l.to_le_bytes());
        }
        prop_assert!(read_npz(&stored_zip(&[("x_train.npy", &x), ("y_train.npy", &y)]), "f", 0).is_ok());
        if which == 0 { x = apply(x, &ops) } else { y = apply(y, &ops) }
        survives(&stored_zip(&[("x_train.npy", &x), ("y_train.npy", &y)]));
    }
}

#[test]
fn fuzz_inputs_are_valid_before_damage() {
    let imds = tiny_imds();
    assert_eq!(load_bytes(&imds, "f", 0).unwrap().train.count(), 6);
    assert_eq!(load_bytes(&gzip(&imds), "f", 0).unwrap().test.count(), 3);
    for f in ["float_nhwc.npz", "uint8_nhw.npz"] {
        assert!(load_bytes(&fixture(f), f, 0).is_ok());
    }
}
