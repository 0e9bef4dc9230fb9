//! IMDS: the bundled datasets, round trips, and one test per kind of hostile input.

use flate2::{write::GzEncoder, Compression};
use ovr_lab::data::{
    imds::{read_imds, write_imds},
    is_balanced_blocks, load_bytes, Dataset, Split, BUNDLED, MAX_DECOMPRESSED,
};
use serde_json::{json, Value};
use std::io::Write;

fn shared(file: &str) -> Vec<u8> {
    let path = format!("{}/www/data/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for p in parts {
        for &b in *p {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

/// The header as the file states it, parsed independently of the reader.
fn header_of(gz: &[u8]) -> Value {
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz), &mut raw).unwrap();
    let len = u32::from_le_bytes(raw[8..12].try_into().unwrap()) as usize;
    serde_json::from_slice(&raw[12..12 + len]).unwrap()
}

struct Expect {
    file: &'static str,
    side: usize,
    classes: usize,
    train: usize,
    test: usize,
    /// FNV-1a 64 of train images, train labels, test images, test labels (computed with Python
    /// from the decompressed file when the test was written).
    fnv: u64,
    byte_sum: u64,
}

const EXPECT: [Expect; 5] = [
    Expect {
        file: "digits8x8.bin.gz",
        side: 8,
        classes: 10,
        train: 1437,
        test: 360,
        fnv: 0x824a_eadf_3b6d_33e0,
        byte_sum: 8_961_871,
    },
    Expect {
        file: "mnist28.bin.gz",
        side: 28,
        classes: 10,
        train: 6500,
        test: 2000,
        fnv: 0x3dea_330b_ae50_ecc1,
        byte_sum: 223_411_620,
    },
    Expect {
        file: "fashion28.bin.gz",
        side: 28,
        classes: 10,
        train: 8000,
        test: 2000,
        fnv: 0x43a7_af89_71eb_1645,
        byte_sum: 572_022_536,
    },
    Expect {
        file: "animals28.bin.gz",
        side: 28,
        classes: 10,
        train: 6000,
        test: 2000,
        fnv: 0xa2ce_52d4_743c_29bb,
        byte_sum: 436_294_120,
    },
    // Made by scripts/glyphs/make_glyphs.py: 55 characters, test fonts disjoint from training fonts.
    Expect {
        file: "glyphs.bin.gz",
        side: 28,
        classes: 55,
        train: 11000,
        test: 2200,
        fnv: 0xcbde_5993_8e38_e099,
        byte_sum: 433_109_064,
    },
];

#[test]
fn bundled_datasets_read_with_pinned_shapes_balance_and_checksums() {
    assert_eq!(BUNDLED.len(), EXPECT.len());
    for e in EXPECT {
        let b = BUNDLED
            .iter()
            .find(|b| b.file == e.file)
            .expect("every pinned file is bundled");
        let (name, file) = (&b.name, &b.file);
        let bytes = shared(file);
        let ds = load_bytes(&bytes, file, 0).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(ds.name, *name);
        assert_eq!(
            (ds.width, ds.height, ds.channels, ds.num_classes()),
            (e.side, e.side, 1, e.classes),
            "{file}"
        );
        assert_eq!(
            (b.width, b.height, b.channels),
            (ds.width, ds.height, ds.channels),
            "{file}: the size BUNDLED declares"
        );
        assert_eq!(
            (ds.train.count(), ds.test.count()),
            (e.train, e.test),
            "{file}"
        );
        assert_eq!(ds.train.images.len(), e.train * e.side * e.side);
        let header = header_of(&bytes);
        for (split, key) in [(&ds.train, "train"), (&ds.test, "test")] {
            let stated: Vec<usize> = header[key]["per_class"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(split.per_class(e.classes), stated, "{file} {key}");
            let balanced = header[key]["order"] == "balanced_blocks";
            assert_eq!(
                is_balanced_blocks(&split.labels, e.classes),
                balanced,
                "{file} {key}"
            );
        }
        let parts: [&[u8]; 4] = [
            &ds.train.images,
            &ds.train.labels,
            &ds.test.images,
            &ds.test.labels,
        ];
        assert_eq!(fnv(&parts), e.fnv, "{file}: fnv {:#x}", fnv(&parts));
        let sum: u64 = parts.iter().flat_map(|p| p.iter()).map(|&b| b as u64).sum();
        assert_eq!(sum, e.byte_sum, "{file}");
        assert!(
            !ds.source.is_empty() && !ds.license.is_empty(),
            "{file} keeps its provenance"
        );
        assert!(ds.notes.iter().any(|n| n.starts_with("split: ")), "{file}");
    }
    let digits = load_bytes(&shared("digits8x8.bin.gz"), "digits8x8.bin.gz", 0).unwrap();
    assert_eq!(
        digits.source.split(';').next(),
        Some("PyPI scikit-learn 1.9.1")
    );
    assert_eq!(
        digits.train.per_class(10),
        vec![142, 146, 141, 147, 145, 146, 145, 143, 138, 144]
    );
}

#[test]
fn glyphs_has_55_balanced_classes_from_disjoint_font_families() {
    let bytes = shared("glyphs.bin.gz");
    assert!(
        bytes.len() < 5_000_000,
        "glyphs.bin.gz is {} bytes",
        bytes.len()
    );
    let ds = load_bytes(&bytes, "glyphs.bin.gz", 0).unwrap();
    assert_eq!(
        ds.class_names.concat(),
        "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabdefghijmnqrty&@#%?$"
    );
    assert_eq!(ds.train.per_class(55), vec![200; 55]);
    assert_eq!(ds.test.per_class(55), vec![40; 55]);
    assert!(is_balanced_blocks(&ds.train.labels, 55));
    assert!(is_balanced_blocks(&ds.test.labels, 55));
    // Every training prefix of k·55 images is class-balanced, the first block included.
    let mut first: Vec<u8> = ds.train.labels[..55].to_vec();
    first.sort_unstable();
    assert_eq!(first, (0..55).collect::<Vec<u8>>());
    assert!(
        ds.source.starts_with("Debian fonts-* packages"),
        "{}",
        ds.source
    );

    // The test split measures unseen typefaces: no family on both sides, and enough of each.
    let header = header_of(&bytes);
    let fonts = header["source"]["fonts"].as_array().unwrap();
    let families = |split: &str| -> Vec<&str> {
        fonts
            .iter()
            .filter(|f| f["split"] == split)
            .map(|f| f["family"].as_str().unwrap())
            .collect()
    };
    let (train, test) = (families("train"), families("test"));
    assert_eq!((train.len(), test.len()), (21, 6));
    assert!(
        train.iter().all(|f| !test.contains(f)),
        "{train:?} / {test:?}"
    );
    for f in fonts {
        assert!(
            f["package"].as_str().unwrap().starts_with("fonts-")
                && !f["license"].as_str().unwrap().is_empty()
                && !f["version"].as_str().unwrap().is_empty(),
            "{f}"
        );
    }
}

#[test]
fn bundled_file_reads_the_same_raw_and_gzipped_and_round_trips() {
    let gz = shared("digits8x8.bin.gz");
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut raw).unwrap();
    let a = read_imds(&gz, "digits8x8.bin.gz").unwrap();
    let b = read_imds(&raw, "digits8x8.bin").unwrap();
    assert_eq!(a, b);
    let written = write_imds(&a);
    let back = read_imds(&written, "copy.bin").unwrap();
    assert_eq!(back, a);
}

fn tiny() -> Dataset {
    Dataset {
        name: "tiny".into(),
        width: 2,
        height: 2,
        channels: 1,
        class_names: vec!["a".into(), "b".into()],
        train: Split {
            images: (0..16).collect(),
            labels: vec![0, 1, 1, 0],
        },
        test: Split {
            images: (100..108).collect(),
            labels: vec![1, 0],
        },
        source: "made in a test".into(),
        license: "CC0".into(),
        notes: vec!["hello".into()],
    }
}

#[test]
fn write_imds_is_spec_conformant_and_round_trips() {
    let ds = tiny();
    let bytes = write_imds(&ds);
    assert_eq!(&bytes[..4], b"IMDS");
    assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()), 1);
    let len = u32::from_le_bytes(bytes[8..12].try_into().unwrap()) as usize;
    assert_eq!((12 + len) % 16, 0, "payload starts 16-byte aligned");
    let h: Value = serde_json::from_slice(&bytes[12..12 + len]).unwrap();
    assert_eq!(h["train"]["images_offset"], json!(12 + len));
    assert_eq!(h["train"]["per_class"], json!([2, 2]));
    assert_eq!(h["train"]["order"], "balanced_blocks");
    assert_eq!(h["test"]["labels_offset"], json!(bytes.len() - 2));
    assert_eq!(h["total_bytes"], json!(bytes.len()));
    assert_eq!(read_imds(&bytes, "tiny.bin").unwrap(), ds);
    let mut unordered = tiny();
    unordered.train.labels = vec![0, 0, 1, 1];
    let h2 = write_imds(&unordered);
    let len2 = u32::from_le_bytes(h2[8..12].try_into().unwrap()) as usize;
    let h2: Value = serde_json::from_slice(&h2[12..12 + len2]).unwrap();
    assert_eq!(h2["train"]["order"], "unspecified");
    // and gzipped
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&bytes).unwrap();
    assert_eq!(
        read_imds(&enc.finish().unwrap(), "tiny.bin.gz").unwrap(),
        ds
    );
}

// ---- hostile input: a hand-built file whose header we can bend -----------------------------

const HEADER_ROOM: usize = 1024;
const P: u64 = 12 + HEADER_ROOM as u64;

fn base_header() -> Value {
    json!({
        "name": "tiny", "width": 2, "height": 2, "channels": 1, "num_classes": 2, "class_names": ["a", "b"],
        "train": {"count": 4, "images_offset": P, "images_bytes": 16, "labels_offset": P + 16,
                  "order": "balanced_blocks", "per_class": [2, 2]},
        "test": {"count": 2, "images_offset": P + 20, "images_bytes": 8, "labels_offset": P + 28,
                 "order": "balanced_blocks", "per_class": [1, 1]},
        "source": "test", "license": "CC0"
    })
}

fn base_payload() -> Vec<u8> {
    let mut p: Vec<u8> = (0..16).collect();
    p.extend([0, 1, 0, 1]);
    p.extend(100..108);
    p.extend([1, 0]);
    p
}

fn file_with(header_text: &[u8], payload: &[u8]) -> Vec<u8> {
    assert!(header_text.len() <= HEADER_ROOM);
    let mut out = b"IMDS".to_vec();
    out.extend(1u32.to_le_bytes());
    out.extend((HEADER_ROOM as u32).to_le_bytes());
    out.extend(header_text);
    out.resize(12 + HEADER_ROOM, b' ');
    out.extend(payload);
    out
}

fn file(header: &Value) -> Vec<u8> {
    file_with(&serde_json::to_vec(header).unwrap(), &base_payload())
}

/// Reads a bent file and returns its error message, which must name the file.
fn problem(bytes: &[u8]) -> String {
    let e = read_imds(bytes, "bad.bin").expect_err("hostile input must be refused");
    assert_eq!(e.file, "bad.bin");
    assert!(e.to_string().starts_with("bad.bin: "));
    e.problem
}

fn bent(f: impl FnOnce(&mut Value)) -> String {
    let mut h = base_header();
    f(&mut h);
    problem(&file(&h))
}

#[test]
fn the_unbent_file_is_valid() {
    let ds = read_imds(&file(&base_header()), "ok.bin").unwrap();
    assert_eq!(ds.train.labels, vec![0, 1, 0, 1]);
    assert_eq!(ds.test.images, (100..108).collect::<Vec<u8>>());
}

#[test]
fn wrong_magic_and_short_input() {
    let mut b = file(&base_header());
    b[3] = b'X';
    assert!(problem(&b).contains("does not start with the magic bytes \"IMDS\""));
    assert!(problem(b"IMD").contains("not an IMDS file"));
    assert!(problem(b"").contains("not an IMDS file"));
}

#[test]
fn wrong_version() {
    let mut b = file(&base_header());
    b[4] = 2;
    assert!(problem(&b).contains("IMDS format version 2 is not supported"));
}

#[test]
fn header_length_beyond_file() {
    let mut b = file(&base_header());
    b[8..12].copy_from_slice(&1_000_000u32.to_le_bytes());
    assert!(problem(&b).contains("header length 1000000 reaches beyond the end of the file"));
    b[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(problem(&b).contains("header length 4294967295 reaches beyond"));
}

#[test]
fn invalid_json() {
    assert!(problem(&file_with(b"{\"width\": 2,", &base_payload()))
        .contains("the JSON header is invalid"));
    assert!(problem(&file_with(&[0xff, 0xfe, b'{'], &base_payload()))
        .contains("the JSON header is invalid"));
    let p = bent(|h| {
        h.as_object_mut()
            .unwrap()
            .remove("width")
            .map(|_| ())
            .unwrap()
    });
    assert!(
        p.contains("the JSON header is invalid: missing field `width`"),
        "{p}"
    );
    assert!(bent(|h| h["height"] = json!(-3)).contains("the JSON header is invalid"));
    assert!(bent(|h| h["class_names"] = json!("a,b")).contains("the JSON header is invalid"));
}

#[test]
fn offsets_outside_the_file() {
    let p = bent(|h| h["train"]["images_offset"] = json!(10_000));
    assert!(
        p.contains("train images: bytes 10000..10016 lie outside the file (1066 bytes)"),
        "{p}"
    );
    let p = bent(|h| h["test"]["labels_offset"] = json!(P + 29));
    assert!(
        p.contains("test labels: bytes 1065..1067 lie outside the file"),
        "{p}"
    );
}

#[test]
fn offsets_that_overflow() {
    let p = bent(|h| h["train"]["labels_offset"] = json!(u64::MAX));
    assert!(
        p.contains("train labels: offset 18446744073709551615 plus 4 bytes overflows"),
        "{p}"
    );
    let p = bent(|h| h["test"]["images_offset"] = json!(u64::MAX - 3));
    assert!(
        p.contains("test images: offset 18446744073709551612 plus 8 bytes overflows"),
        "{p}"
    );
}

#[test]
fn image_byte_count_overflow_and_mismatch() {
    let p = bent(|h| h["train"]["count"] = json!(1u64 << 62));
    assert!(
        p.contains("train: count 4611686018427387904 of 2x2x1 images overflows the byte count"),
        "{p}"
    );
    let p = bent(|h| h["train"]["images_bytes"] = json!(15));
    assert!(
        p.contains("train: images_bytes is 15 but count 4 of 2x2x1 images needs 16"),
        "{p}"
    );
}

#[test]
fn too_many_images() {
    let p = bent(|h| {
        h["train"]["count"] = json!(200_000);
        h["train"]["images_bytes"] = json!(800_000);
    });
    assert!(
        p.contains("train: count 200000 is more than the maximum of 100000 images per split"),
        "{p}"
    );
}

#[test]
fn label_not_below_num_classes() {
    let mut payload = base_payload();
    payload[16 + 2] = 12;
    let p = problem(&file_with(
        &serde_json::to_vec(&base_header()).unwrap(),
        &payload,
    ));
    assert_eq!(p, "label 12 at train index 2 is not below num_classes 2");
}

#[test]
fn zero_classes() {
    let p = bent(|h| {
        h["num_classes"] = json!(0);
        h["class_names"] = json!([]);
    });
    assert!(p.contains("num_classes is 0"), "{p}");
}

#[test]
fn class_names_length_mismatch() {
    let p = bent(|h| h["class_names"] = json!(["a"]));
    assert!(
        p.contains("the header lists 1 class names but num_classes is 2"),
        "{p}"
    );
}

#[test]
fn too_many_classes() {
    let p = bent(|h| {
        h["num_classes"] = json!(5000);
    });
    assert!(
        p.contains("5000 classes, more than the maximum of 64"),
        "{p}"
    );
    let p = bent(|h| h["num_classes"] = json!(u64::MAX));
    assert!(
        p.contains("classes, more than the maximum of 64") || p.contains("too large"),
        "{p}"
    );
}

#[test]
fn dimensions_beyond_bounds() {
    assert!(bent(|h| h["width"] = json!(65))
        .contains("images are 65x2 pixels; width and height must be between 1 and 64"));
    assert!(bent(|h| h["height"] = json!(0)).contains("must be between 1 and 64"));
    assert!(bent(|h| h["channels"] = json!(2))
        .contains("images have 2 channels; only 1 (grey) or 3 (RGB)"));
    assert!(bent(|h| h["width"] = json!(1u64 << 40)).contains("between 1 and 64"));
}

#[test]
fn header_claims_that_contradict_the_labels() {
    let p = bent(|h| h["train"]["per_class"] = json!([3, 1]));
    assert!(
        p.contains("train: header per_class [3, 1] does not match the labels, which count [2, 2]"),
        "{p}"
    );
    let mut payload = base_payload();
    payload[16..20].copy_from_slice(&[0, 0, 1, 1]);
    let p = problem(&file_with(
        &serde_json::to_vec(&base_header()).unwrap(),
        &payload,
    ));
    assert!(
        p.contains("train: the header says order balanced_blocks"),
        "{p}"
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn gzip_bomb_is_capped() {
    // 257 MiB that compress to about 260 KB: an IMDS preamble and then zeros.
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(b"IMDS\x01\0\0\0\x10\0\0\0").unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..=(MAX_DECOMPRESSED >> 20) {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 2 << 20);
    let p = problem(&bomb);
    assert!(
        p.contains("the gzip stream inflates to more than 256 MiB, the limit for a dataset"),
        "{p}"
    );
}

#[test]
fn truncated_and_corrupt_gzip() {
    let gz = gzip(&file(&base_header()));
    for cut in [3, 10, gz.len() / 2, gz.len() - 4, gz.len() - 1] {
        let p = problem(&gz[..cut]);
        assert!(
            p.contains("the gzip stream is truncated or corrupt"),
            "cut {cut}: {p}"
        );
    }
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    assert!(problem(&bad_crc).contains("the gzip stream is truncated or corrupt"));
    assert!(
        problem(&gzip(b"hello, world")).contains("the gzip stream does not contain an IMDS file")
    );
}

#[test]
fn load_file_reads_from_disk_and_names_missing_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("www/data");
    let ds = ovr_lab::data::load_file(&dir.join("digits8x8.bin.gz"), 0).unwrap();
    assert_eq!(ds.name, "digits8x8");
    let e = ovr_lab::data::load_file(&dir.join("nope.bin.gz"), 0).unwrap_err();
    assert!(
        e.file.ends_with("nope.bin.gz") && e.problem.starts_with("cannot read the file"),
        "{e}"
    );
}
