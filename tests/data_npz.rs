//! NPZ: files written by real NumPy (tests/data/make_npz.py) and hand-made hostile archives.

use ovr_lab::data::{is_balanced_blocks, load_bytes, npz::read_npz, Dataset};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn read(name: &str) -> Dataset {
    read_npz(&fixture(name), name, 1).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn numpy_uint8_nhw_with_test_split() {
    let ds = read("uint8_nhw.npz");
    assert_eq!(ds.name, "uint8_nhw");
    assert_eq!((ds.height, ds.width, ds.channels), (5, 4, 1));
    assert_eq!(ds.class_names, vec!["0", "1", "2"]);
    assert_eq!((ds.train.count(), ds.test.count()), (30, 9));
    assert!(ds.notes.is_empty(), "the file's own split is kept");
    for i in 0..30 {
        assert_eq!(ds.train.labels[i] as usize, i % 3);
        let img = ds.train.image(i, 20);
        for y in 0..5 {
            for x in 0..4 {
                assert_eq!(img[y * 4 + x] as usize, (i * 7 + y * 3 + x) % 256);
            }
        }
    }
    assert_eq!(ds.test.image(8, 20)[4 + 1], (8 * 5 + 1 + 2) as u8);
    // the dispatcher sniffs the ZIP signature
    assert_eq!(
        load_bytes(&fixture("uint8_nhw.npz"), "uint8_nhw.npz", 1).unwrap(),
        ds
    );
}

#[test]
fn numpy_float_nhwc_compressed_is_scaled_by_255() {
    let ds = read("float_nhwc.npz");
    assert_eq!((ds.height, ds.width, ds.channels), (3, 2, 3));
    assert_eq!(
        (ds.train.count(), ds.test.count(), ds.num_classes()),
        (16, 4, 4)
    );
    let expect = |i: usize, y: usize, x: usize, c: usize| {
        let v = ((i + y + x + c) % 11) as f64 / 10.0;
        ((v as f32) as f64 * 255.0).round() as u8
    };
    for (split, first) in [(&ds.train, 0), (&ds.test, 16)] {
        for j in 0..split.count() {
            let i = first + j;
            assert_eq!(split.labels[j] as usize, i % 4);
            let img = split.image(j, 18);
            for y in 0..3 {
                for x in 0..2 {
                    for c in 0..3 {
                        assert_eq!(
                            img[(y * 2 + x) * 3 + c],
                            expect(i, y, x, c),
                            "image {i} ({y},{x},{c})"
                        );
                    }
                }
            }
        }
    }
    assert!(ds.train.images.contains(&255) && ds.train.images.contains(&128));
}

#[test]
fn numpy_without_test_split_gets_a_seeded_stratified_split() {
    let ds = read("no_test.npz");
    assert_eq!(
        (ds.height, ds.width, ds.channels, ds.num_classes()),
        (4, 4, 1, 3)
    );
    assert_eq!(
        ds.notes,
        vec!["no test split in file: made a seeded stratified 80/20 split (seed 1)"]
    );
    assert_eq!(ds.test.per_class(3), vec![5, 3, 2]);
    assert_eq!(ds.train.per_class(3), vec![20, 12, 8]);
    assert!(
        is_balanced_blocks(&ds.train.labels[..24], 3),
        "interleaved by class"
    );
    // Every image kept its own label, and no image is in both splits.
    let mut seen = [false; 50];
    for s in [&ds.train, &ds.test] {
        for j in 0..s.count() {
            let img = s.image(j, 16);
            assert_eq!(img[0], s.labels[j]);
            assert!(!seen[img[1] as usize]);
            seen[img[1] as usize] = true;
        }
    }
    assert!(seen.iter().all(|&s| s));
    // Pinned, and pinned identically in tests/data_wasm.rs: the split is the same in WebAssembly.
    let h = ds
        .test
        .images
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
    assert_eq!(h, 4_264_694_011_784_799_194);
    let again = read("no_test.npz");
    assert_eq!(again, ds);
    let other = read_npz(&fixture("no_test.npz"), "no_test.npz", 2).unwrap();
    assert_ne!(other.test.images, ds.test.images);
    assert!(other.notes[0].contains("(seed 2)"));
}

#[test]
fn numpy_fortran_order_is_refused() {
    let e = read_npz(&fixture("fortran.npz"), "fortran.npz", 0).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("fortran.npz: array 'x_train' is stored in Fortran"),
        "{e}"
    );
}

// ---- hand-made archives -----------------------------------------------------------------------

/// A `.npy` file (format 1.0) with the given header fields and raw data.
fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    npy_with(
        &format!(
            "'descr': '{descr}', 'fortran_order': False, 'shape': {}",
            shape_text(shape)
        ),
        data,
    )
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn npy_with(fields: &str, data: &[u8]) -> Vec<u8> {
    let mut header = format!("{{{fields}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut c = flate2::Crc::new();
    c.update(data);
    c.sum()
}

/// A ZIP of stored (method 0) entries; `tweak` may bend each central directory record.
fn zip(entries: &[(&str, Vec<u8>)], tweak: impl Fn(&mut Vec<u8>)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = crc32(data);
        let mut local = vec![0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        local.extend(crc.to_le_bytes());
        local.extend((data.len() as u32).to_le_bytes());
        local.extend((data.len() as u32).to_le_bytes());
        local.extend((name.len() as u16).to_le_bytes());
        local.extend(0u16.to_le_bytes());
        local.extend(name.as_bytes());
        out.extend(local);
        out.extend(data);
        let mut cd = vec![0x50, 0x4b, 0x01, 0x02, 20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        cd.extend(crc.to_le_bytes());
        cd.extend((data.len() as u32).to_le_bytes());
        cd.extend((data.len() as u32).to_le_bytes());
        cd.extend((name.len() as u16).to_le_bytes());
        cd.extend([0u8; 12]);
        cd.extend(offset.to_le_bytes());
        cd.extend(name.as_bytes());
        tweak(&mut cd);
        central.extend(cd);
    }
    let cd_offset = out.len() as u32;
    out.extend(&central);
    out.extend([0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0]);
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((entries.len() as u16).to_le_bytes());
    out.extend((central.len() as u32).to_le_bytes());
    out.extend(cd_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A valid archive: 6 grey 2x2 images, 2 classes.
fn valid_entries() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "x_train.npy",
            npy("|u1", &[6, 2, 2], &(0..24).collect::<Vec<u8>>()),
        ),
        (
            "y_train.npy",
            npy(
                "<i8",
                &[6],
                &[0i64, 1, 0, 1, 0, 1]
                    .iter()
                    .flat_map(|v| v.to_le_bytes())
                    .collect::<Vec<_>>(),
            ),
        ),
    ]
}

fn problem(bytes: &[u8]) -> String {
    let e = read_npz(bytes, "bad.npz", 0).expect_err("must be refused");
    assert_eq!(e.file, "bad.npz");
    e.problem
}

fn with_entry(name: &'static str, data: Vec<u8>) -> Vec<u8> {
    let mut entries = valid_entries();
    entries.retain(|(n, _)| *n != name);
    entries.push((name, data));
    zip(&entries, |_| {})
}

#[test]
fn hand_made_archive_reads() {
    let ds = read_npz(&zip(&valid_entries(), |_| {}), "ok.npz", 0).unwrap();
    assert_eq!(
        (
            ds.train.count() + ds.test.count(),
            ds.num_classes(),
            ds.channels
        ),
        (6, 2, 1)
    );
}

#[test]
fn zip64_encrypted_and_unknown_methods_are_refused() {
    let zip64 = zip(&valid_entries(), |cd| {
        cd[20..24].copy_from_slice(&u32::MAX.to_le_bytes())
    });
    assert!(problem(&zip64).contains("uses ZIP64 sizes, which are not supported"));
    let encrypted = zip(&valid_entries(), |cd| cd[8] |= 1);
    assert!(problem(&encrypted).contains("entry 'x_train.npy' is encrypted"));
    let bzip2 = zip(&valid_entries(), |cd| cd[10] = 12);
    assert!(problem(&bzip2).contains("uses compression method 12; only stored (0) and deflate (8)"));
    let mut many = zip(&valid_entries(), |_| {});
    let n = many.len();
    many[n - 12..n - 10].copy_from_slice(&0xffffu16.to_le_bytes());
    assert!(problem(&many).contains("ZIP64 archives"));
}

#[test]
fn broken_archives_are_refused() {
    let good = zip(&valid_entries(), |_| {});
    assert!(problem(&good[..good.len() - 30]).contains("truncated or corrupt"));
    assert!(problem(b"PK\x03\x04").contains("truncated or corrupt"));
    let outside = zip(&valid_entries(), |cd| {
        cd[42..46].copy_from_slice(&1_000_000u32.to_le_bytes())
    });
    assert!(problem(&outside).contains("local header is missing or corrupt"));
    let huge = zip(&valid_entries(), |cd| {
        cd[20..24].copy_from_slice(&0xffff_fff0u32.to_le_bytes())
    });
    assert!(
        problem(&huge).contains("lie outside the archive")
            || problem(&huge).contains("inflates to more")
    );
    let mut bad_crc = good.clone();
    bad_crc[30 + 11 + 64 + 3] ^= 1; // inside x_train's pixels, after its local header and .npy header
    assert!(problem(&bad_crc).contains("CRC-32 mismatch"));
    assert!(problem(b"not a zip").contains("not an NPZ file"));
}

#[test]
fn deflate_bomb_is_capped() {
    use std::io::Write;
    // A deflated entry whose directory claims 300 MiB.
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(&vec![0u8; 1 << 20]).unwrap();
    let data = enc.finish().unwrap();
    let archive = zip(&[("x_train.npy", data)], |cd| {
        cd[10] = 8;
        cd[24..28].copy_from_slice(&(300u32 << 20).to_le_bytes());
    });
    assert!(problem(&archive).contains("inflates to more than 256 MiB"));
}

#[test]
fn missing_and_unpaired_arrays() {
    let only_x = zip(&valid_entries()[..1], |_| {});
    assert!(problem(&only_x).contains("the archive has no 'y_train' array (it holds: x_train.npy)"));
    let p = problem(&with_entry("x_test.npy", npy("|u1", &[1, 2, 2], &[0; 4])));
    assert!(
        p.contains("the archive has 'x_test' but no 'y_test'"),
        "{p}"
    );
}

#[test]
fn npy_headers_and_dtypes_are_checked() {
    let p = problem(&with_entry(
        "x_train.npy",
        b"\x93NUMPY\x05\x00\x00\x00".to_vec(),
    ));
    assert!(
        p.contains("array 'x_train' uses .npy format version 5.0"),
        "{p}"
    );
    let p = problem(&with_entry("x_train.npy", b"NOTNUMPY".to_vec()));
    assert!(p.contains("wrong magic"), "{p}");
    let p = problem(&with_entry(
        "x_train.npy",
        npy_with("'descr': '|u1', 'shape': (6, 2, 2)", &[0; 24]),
    ));
    assert!(p.contains("without 'fortran_order'"), "{p}");
    let p = problem(&with_entry(
        "x_train.npy",
        npy_with(
            "'descr': '|u1', 'fortran_order': True, 'shape': (6, 2, 2)",
            &[0; 24],
        ),
    ));
    assert!(p.contains("Fortran (column-major) order"), "{p}");
    let p = problem(&with_entry(
        "x_train.npy",
        npy_with("'descr': [('a', '<i4')], 'fortran_order': False", &[]),
    ));
    assert!(p.contains("unreadable .npy header"), "{p}");
    let p = problem(&with_entry("x_train.npy", npy(">f4", &[6, 2, 2], &[0; 96])));
    assert!(p.contains("dtype '>f4' is big-endian"), "{p}");
    let p = problem(&with_entry(
        "x_train.npy",
        npy("<c8", &[6, 2, 2], &[0; 192]),
    ));
    assert!(p.contains("dtype '<c8' is not supported"), "{p}");
    let p = problem(&with_entry("x_train.npy", npy("|u1", &[6, 2, 2], &[0; 23])));
    assert!(
        p.contains("holds 23 bytes of data but its shape and dtype '|u1' need 24"),
        "{p}"
    );
    let p = problem(&with_entry(
        "x_train.npy",
        npy("|u1", &[usize::MAX, 2, 2], &[0; 24]),
    ));
    assert!(p.contains("overflows"), "{p}");
    // A header longer than the file.
    let mut long = npy("|u1", &[6, 2, 2], &[0; 24]);
    long[8..10].copy_from_slice(&60_000u16.to_le_bytes());
    assert!(problem(&with_entry("x_train.npy", long)).contains("header longer than the array file"));
}

#[test]
fn image_shapes_are_checked() {
    let p = problem(&with_entry(
        "x_train.npy",
        npy("|u1", &[6, 1, 2, 2], &[0; 24]),
    ));
    assert!(
        p.contains(
            "x_train has shape (6, 1, 2, 2): expected (N, H, W) or (N, H, W, C) with C = 1 or 3"
        ),
        "{p}"
    );
    let p = problem(&with_entry("x_train.npy", npy("|u1", &[24], &[0; 24])));
    assert!(p.contains("x_train has shape (24,)"), "{p}");
    let p = problem(&with_entry(
        "x_train.npy",
        npy("|u1", &[6, 65, 1], &vec![0; 390]),
    ));
    assert!(p.contains("between 1 and 64"), "{p}");
    let p = problem(&with_entry("x_train.npy", npy("|u1", &[5, 2, 2], &[0; 20])));
    assert!(
        p.contains("y_train has 6 labels but there are 5 images"),
        "{p}"
    );
    let p = problem(&with_entry(
        "x_train.npy",
        npy("<i4", &[6, 2, 2], &[0xff; 96]),
    ));
    assert!(p.contains("integer images must lie in 0..=255"), "{p}");
    let nan: Vec<u8> = (0..24).flat_map(|_| f32::NAN.to_le_bytes()).collect();
    assert!(
        problem(&with_entry("x_train.npy", npy("<f4", &[6, 2, 2], &nan))).contains("contain NaN")
    );
}

#[test]
fn float_images_above_one_are_clamped_not_scaled() {
    let vals: Vec<u8> = [-5.0f64, 0.4, 0.6, 254.5, 300.0, 2.0]
        .iter()
        .cycle()
        .take(24)
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let ds = read_npz(
        &with_entry("x_train.npy", npy("<f8", &[6, 2, 2], &vals)),
        "f.npz",
        0,
    )
    .unwrap();
    let mut px: Vec<u8> = ds
        .train
        .images
        .iter()
        .chain(&ds.test.images)
        .copied()
        .collect();
    px.sort();
    px.dedup();
    assert_eq!(px, vec![0, 1, 2, 255]);
}

#[test]
fn labels_are_checked() {
    let labels = |vals: &[i64]| {
        npy(
            "<i8",
            &[vals.len()],
            &vals
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<_>>(),
        )
    };
    let p = problem(&with_entry("y_train.npy", labels(&[0, 1, -1, 1, 0, 1])));
    assert!(
        p.contains("y_train[2] = -1 is negative; labels must be 0..K-1"),
        "{p}"
    );
    let p = problem(&with_entry("y_train.npy", labels(&[0, 1, 0, 1, 0, 5000])));
    assert!(
        p.contains("y_train[5] = 5000: labels must be below 64"),
        "{p}"
    );
    let p = problem(&with_entry("y_train.npy", labels(&[0; 6])));
    assert!(
        p.contains("1 classes; classification needs at least 2"),
        "{p}"
    );
    let floats: Vec<u8> = [0.0f32, 1.0, 0.5, 1.0, 0.0, 1.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let p = problem(&with_entry("y_train.npy", npy("<f4", &[6], &floats)));
    assert!(
        p.contains("y_train[2] = 0.5 is not an integer class label"),
        "{p}"
    );
    let p = problem(&with_entry(
        "y_train.npy",
        npy("|u1", &[3, 2], &[0, 1, 0, 1, 0, 1]),
    ));
    assert!(p.contains("y_train has shape (3, 2): expected (6,)"), "{p}");
    // Other integer dtypes and (N, 1) columns are fine; K is the largest label + 1.
    let ok = with_entry("y_train.npy", npy("|i1", &[6, 1], &[0, 1, 2, 3, 0, 3]));
    assert_eq!(
        read_npz(&ok, "ok.npz", 0).unwrap().class_names,
        vec!["0", "1", "2", "3"]
    );
    let u64s: Vec<u8> = [1u64, 0, 1, 0, 1, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    assert!(read_npz(
        &with_entry("y_train.npy", npy("<u8", &[6], &u64s)),
        "ok.npz",
        0
    )
    .is_ok());
}

#[test]
fn npy_format_versions_2_and_3_are_read() {
    for major in [2u8, 3] {
        let v1 = npy("|u1", &[6, 2, 2], &(0..24).collect::<Vec<u8>>());
        let header_len = u16::from_le_bytes([v1[8], v1[9]]) as usize;
        let mut v = b"\x93NUMPY".to_vec();
        v.extend([major, 0]);
        v.extend((header_len as u32).to_le_bytes());
        v.extend(&v1[10..]);
        let ds = read_npz(&with_entry("x_train.npy", v), "v.npz", 0).unwrap();
        let mut px: Vec<u8> = ds
            .train
            .images
            .iter()
            .chain(&ds.test.images)
            .copied()
            .collect();
        px.sort();
        assert_eq!(px, (0..24).collect::<Vec<u8>>(), "version {major}.0");
    }
}
