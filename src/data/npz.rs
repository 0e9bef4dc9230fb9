//! NumPy `.npz` archives (`np.savez` / `np.savez_compressed`) holding `x_train`, `y_train` and
//! optionally `x_test`, `y_test`: a minimal ZIP reader (central directory, stored and deflate entries)
//! and a `.npy` parser for the few little-endian dtypes datasets use.
//!
//! Why hand-written rather than the `npyz` and `zip` crates: the reader needs only stored and
//! deflate entries and little-endian integer, float and bool arrays, and it must refuse hostile
//! bytes (anything dropped on the page) with bounded allocations and checked sizes — the inflated
//! total is capped before anything is inflated, and `tests/data_fuzz.rs` and `tests/data_npz.rs`
//! pin that behaviour, so a replacement would have to be held to the same tests. What the
//! crates would add, per `cargo info` (npyz 0.9.1, zip 9.8.2): `npyz` reads `.npz` only through
//! its `npz` feature, which depends on `zip` 0.6, and it always depends on `byteorder`,
//! `num-bigint` and `py_literal`; `zip`'s default features enable AES encryption, bzip2, deflate64,
//! LZMA/xz, PPMd, zstd and `time`, and even without them it lists ten crates it always depends on
//! (among them `getrandom`, `indexmap`, `memchr` and `typed-path`). This module needs only
//! `flate2`, already a dependency for gzipped IMDS files. The effect on the wasm module's size
//! has not been measured.

use super::{
    check_dims, check_num_classes, gather, read_bounded, stratified_split, DataError, Dataset,
    Split, MAX_CLASSES, MAX_DECOMPRESSED, MAX_IMAGES,
};

/// The files of a ZIP archive, inflated, by name.
struct Entry {
    name: String,
    data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;

/// Reads every entry of a ZIP archive through its central directory.
fn read_zip(bytes: &[u8], file: &str, limit: usize) -> Result<Vec<Entry>, DataError> {
    let (entries, cd_offset) = find_central_directory(bytes, file)?;
    let mut at = cd_offset;
    let mut out = Vec::new();
    let mut total = 0usize;
    for _ in 0..entries {
        let (record, next) = read_central_record(bytes, at, file)?;
        at = next;
        // Checked against the directory's sizes before anything is inflated, so a hostile archive
        // cannot make the reader allocate more than `limit` in total.
        total = total.saturating_add(record.size);
        if total > limit {
            return Err(DataError::new(
                file,
                format!(
                    "the archive inflates to more than {} MiB, the limit for a dataset",
                    limit >> 20
                ),
            ));
        }
        let raw = entry_bytes(bytes, &record, file)?;
        let data = inflate_entry(raw, &record, file)?;
        out.push(Entry {
            name: record.name,
            data,
        });
    }
    Ok(out)
}

/// The error for an archive whose directory structures are missing or cut short: one message for
/// every such case, since a truncated download is by far the likeliest cause.
fn truncated_zip(file: &str) -> DataError {
    DataError::new(
        file,
        "the ZIP archive is truncated or corrupt (central directory not found)",
    )
}

/// Finds the end-of-central-directory record and returns the number of entries and the offset of
/// the central directory. ZIP64 archives are refused here, before any of their fields are trusted.
fn find_central_directory(bytes: &[u8], file: &str) -> Result<(u16, usize), DataError> {
    let short = || truncated_zip(file);
    // The end-of-central-directory record is 22 bytes plus a comment of up to 64 KiB: search backwards.
    if bytes.len() < 22 {
        return Err(short());
    }
    let lowest = bytes.len().saturating_sub(22 + 0xffff);
    let eocd = (lowest..=bytes.len() - 22)
        .rev()
        .find(|&i| u32_at(bytes, i) == Some(EOCD_SIG))
        .ok_or_else(short)?;
    let entries = u16_at(bytes, eocd + 10).ok_or_else(short)?;
    let cd_size = u32_at(bytes, eocd + 12).ok_or_else(short)?;
    let cd_offset = u32_at(bytes, eocd + 16).ok_or_else(short)?;
    let zip64_locator = eocd >= 20 && u32_at(bytes, eocd - 20) == Some(ZIP64_LOCATOR_SIG);
    if zip64_locator || entries == 0xffff || cd_size == u32::MAX || cd_offset == u32::MAX {
        return Err(DataError::new(
            file,
            "ZIP64 archives (over 4 GiB or 65535 files) are not supported",
        ));
    }
    Ok((entries, cd_offset as usize))
}

/// What the central directory says about one entry, with its sizes already known not to be ZIP64
/// markers and the entry known not to be encrypted.
struct CentralRecord {
    name: String,
    method: u16,
    crc: u32,
    compressed: usize,
    size: usize,
    /// Offset of the entry's local header.
    local: usize,
}

/// Parses the central directory record at `at`; returns it and the offset of the next record.
fn read_central_record(
    bytes: &[u8],
    at: usize,
    file: &str,
) -> Result<(CentralRecord, usize), DataError> {
    let err = |p: String| DataError::new(file, p);
    let short = || truncated_zip(file);
    let field16 = |o: usize| u16_at(bytes, at + o).ok_or_else(short);
    let field32 = |o: usize| u32_at(bytes, at + o).ok_or_else(short);
    if field32(0)? != CENTRAL_SIG {
        return Err(short());
    }
    let flags = field16(8)?;
    let method = field16(10)?;
    let crc = field32(16)?;
    let compressed = field32(20)?;
    let size = field32(24)?;
    let name_len = field16(28)? as usize;
    let extra_len = field16(30)? as usize;
    let comment_len = field16(32)? as usize;
    let local = field32(42)?;
    let name_bytes = bytes.get(at + 46..at + 46 + name_len).ok_or_else(short)?;
    let name = String::from_utf8_lossy(name_bytes).into_owned();
    let next = at + 46 + name_len + extra_len + comment_len;
    if compressed == u32::MAX || size == u32::MAX || local == u32::MAX {
        return Err(err(format!(
            "entry '{name}' uses ZIP64 sizes, which are not supported"
        )));
    }
    if flags & 1 != 0 {
        return Err(err(format!(
            "entry '{name}' is encrypted; save the arrays without a password"
        )));
    }
    let record = CentralRecord {
        name,
        method,
        crc,
        compressed: compressed as usize,
        size: size as usize,
        local: local as usize,
    };
    Ok((record, next))
}

/// The entry's bytes as stored (compressed or not), found through its local header.
fn entry_bytes<'a>(
    bytes: &'a [u8],
    record: &CentralRecord,
    file: &str,
) -> Result<&'a [u8], DataError> {
    let (name, local, compressed) = (&record.name, record.local, record.compressed);
    let bad_local = || {
        DataError::new(
            file,
            format!("entry '{name}': local header is missing or corrupt"),
        )
    };
    if u32_at(bytes, local) != Some(LOCAL_SIG) {
        return Err(bad_local());
    }
    // The local header repeats name and extra field with lengths of its own (the extra field
    // differs when NumPy forces ZIP64 local records); the sizes come from the central directory.
    let local_name = u16_at(bytes, local + 26).ok_or_else(bad_local)? as usize;
    let local_extra = u16_at(bytes, local + 28).ok_or_else(bad_local)? as usize;
    let start = local + 30 + local_name + local_extra;
    start
        .checked_add(compressed)
        .and_then(|end| bytes.get(start..end))
        .ok_or_else(|| {
            DataError::new(
                file,
                format!("entry '{name}': its {compressed} bytes lie outside the archive"),
            )
        })
}

/// The entry's contents: stored bytes copied or deflate inflated, never past the size the
/// directory gives, then checked against the directory's CRC-32.
fn inflate_entry(raw: &[u8], record: &CentralRecord, file: &str) -> Result<Vec<u8>, DataError> {
    let err = |p: String| DataError::new(file, p);
    let (name, size) = (&record.name, record.size);
    let data = match record.method {
        0 => {
            if record.compressed != size {
                return Err(err(format!("entry '{name}': stored entry sizes disagree")));
            }
            raw.to_vec()
        }
        8 => {
            let what = format!("entry '{name}'");
            let data = read_bounded(flate2::read::DeflateDecoder::new(raw), size, &what, file)?;
            if data.len() != size {
                return Err(err(format!(
                    "entry '{name}' inflates to {} bytes, not the {size} its directory says",
                    data.len()
                )));
            }
            data
        }
        m => {
            return Err(err(format!(
                "entry '{name}' uses compression method {m}; only stored (0) and deflate (8) are supported"
            )))
        }
    };
    let mut hasher = flate2::Crc::new();
    hasher.update(&data);
    if hasher.sum() != record.crc {
        return Err(err(format!("entry '{name}' is corrupt (CRC-32 mismatch)")));
    }
    Ok(data)
}

/// Element types a `.npy` array may have here.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dtype {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
    Bool,
}

impl Dtype {
    fn parse(descr: &str) -> Result<Dtype, String> {
        // The byte order is one ASCII character; anything else (a damaged header may hold any
        // UTF-8) is no dtype of ours, and must not be split inside a character.
        let cut = descr.chars().next().map_or(0, char::len_utf8);
        let (order, kind) = descr.split_at(cut);
        let dtype = match kind {
            "u1" => Dtype::U8,
            "i1" => Dtype::I8,
            "b1" => Dtype::Bool,
            "u2" => Dtype::U16,
            "i2" => Dtype::I16,
            "u4" => Dtype::U32,
            "i4" => Dtype::I32,
            "u8" => Dtype::U64,
            "i8" => Dtype::I64,
            "f4" => Dtype::F32,
            "f8" => Dtype::F64,
            _ => {
                return Err(format!(
                "dtype '{descr}' is not supported (use uint8, an integer type, float32 or float64)"
            ))
            }
        };
        let ok = match order {
            "<" => true,
            "|" => dtype.size() == 1,
            ">" => {
                return Err(format!(
                    "dtype '{descr}' is big-endian; save little-endian arrays"
                ))
            }
            _ => false,
        };
        if !ok {
            return Err(format!("dtype '{descr}' is not supported"));
        }
        Ok(dtype)
    }

    fn size(self) -> usize {
        match self {
            Dtype::U8 | Dtype::I8 | Dtype::Bool => 1,
            Dtype::U16 | Dtype::I16 => 2,
            Dtype::U32 | Dtype::I32 | Dtype::F32 => 4,
            Dtype::U64 | Dtype::I64 | Dtype::F64 => 8,
        }
    }

    fn is_float(self) -> bool {
        matches!(self, Dtype::F32 | Dtype::F64)
    }
}

/// A parsed `.npy` array: shape, element type and its little-endian data.
struct Npy<'a> {
    shape: Vec<usize>,
    dtype: Dtype,
    data: &'a [u8],
}

impl Npy<'_> {
    fn len(&self) -> usize {
        self.data.len() / self.dtype.size()
    }

    /// Element `i` as f64; exact for every integer a dataset can hold (|v| < 2^53) and for floats.
    fn get(&self, i: usize) -> f64 {
        let s = self.dtype.size();
        let b = &self.data[i * s..(i + 1) * s];
        let mut w = [0u8; 8];
        w[..s].copy_from_slice(b);
        match self.dtype {
            Dtype::U8 | Dtype::Bool => b[0] as f64,
            Dtype::I8 => b[0] as i8 as f64,
            Dtype::U16 => u16::from_le_bytes([b[0], b[1]]) as f64,
            Dtype::I16 => i16::from_le_bytes([b[0], b[1]]) as f64,
            Dtype::U32 => u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Dtype::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Dtype::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64,
            Dtype::U64 => u64::from_le_bytes(w) as f64,
            Dtype::I64 => i64::from_le_bytes(w) as f64,
            Dtype::F64 => f64::from_le_bytes(w),
        }
    }

    fn shape_text(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(|d| d.to_string()).collect();
        if dims.len() == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        }
    }
}

/// Parses a `.npy` file (format versions 1.0, 2.0 and 3.0). The error is a problem text without file.
fn parse_npy(bytes: &[u8]) -> Result<Npy<'_>, String> {
    if !bytes.starts_with(b"\x93NUMPY") || bytes.len() < 10 {
        return Err("is not a .npy array (wrong magic)".into());
    }
    let (header_len, header_start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            let b = bytes.get(8..12).ok_or("has a truncated .npy header")?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => {
            return Err(format!(
                "uses .npy format version {v}.{}, which is not supported",
                bytes[7]
            ))
        }
    };
    let header = header_start
        .checked_add(header_len)
        .and_then(|end| bytes.get(header_start..end))
        .ok_or("has a .npy header longer than the array file")?;
    let header = std::str::from_utf8(header).map_err(|_| "has a .npy header that is not text")?;
    let dict = parse_py_dict(header).map_err(|e| format!("has an unreadable .npy header ({e})"))?;
    let mut descr = None;
    let mut fortran = None;
    let mut shape = None;
    for (k, v) in dict {
        match (k.as_str(), v) {
            ("descr", PyValue::Str(s)) => descr = Some(s),
            ("fortran_order", PyValue::Bool(b)) => fortran = Some(b),
            ("shape", PyValue::Tuple(t)) => shape = Some(t),
            _ => {}
        }
    }
    let descr = descr.ok_or("has a .npy header without 'descr' (or with a structured dtype)")?;
    let fortran = fortran.ok_or("has a .npy header without 'fortran_order'")?;
    let shape = shape.ok_or("has a .npy header without 'shape'")?;
    if fortran {
        return Err(
            "is stored in Fortran (column-major) order; save it with np.ascontiguousarray first"
                .into(),
        );
    }
    let dtype = Dtype::parse(&descr)?;
    let data = &bytes[header_start + header_len..];
    let need = shape
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .ok_or("has a shape whose byte count overflows")?;
    if data.len() != need {
        return Err(format!(
            "holds {} bytes of data but its shape and dtype '{descr}' need {need}",
            data.len()
        ));
    }
    Ok(Npy { shape, dtype, data })
}

enum PyValue {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

/// Parses the Python dict literal of a `.npy` header: string keys, values that are strings,
/// booleans or tuples of non-negative integers; anything else is an error.
fn parse_py_dict(s: &str) -> Result<Vec<(String, PyValue)>, String> {
    let mut c = Cursor { s, i: 0 };
    c.expect(b'{')?;
    let mut out = Vec::new();
    loop {
        c.skip_ws();
        if c.peek() == Some(b'}') {
            break;
        }
        let key = c.string()?;
        c.expect(b':')?;
        let value = c.value(&key)?;
        out.push((key, value));
        c.skip_ws();
        match c.peek() {
            Some(b',') => c.i += 1,
            Some(b'}') => break,
            _ => return Err(format!("expected ',' or '}}' at column {}", c.i)),
        }
    }
    Ok(out)
}

/// A position in a `.npy` header while [`parse_py_dict`] reads it. Errors name the column, so a
/// damaged header can be found by eye; `i` only ever stops on ASCII bytes, so slicing at it is safe.
struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        let b = self.s.as_bytes();
        while self.i < b.len() && (b[self.i] as char).is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// Skips whitespace, then consumes `c` or fails.
    fn expect(&mut self, c: u8) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected '{}' at column {}", c as char, self.i))
        }
    }

    /// A quoted string in single or double quotes. Escapes are not read: a header's strings are
    /// key names and dtype codes.
    fn string(&mut self) -> Result<String, String> {
        self.skip_ws();
        let q = self.peek().ok_or("unexpected end")?;
        if q != b'\'' && q != b'"' {
            return Err(format!("expected a string at column {}", self.i));
        }
        let start = self.i + 1;
        let len = self.s.as_bytes()[start..]
            .iter()
            .position(|&c| c == q)
            .ok_or("unterminated string")?;
        self.i = start + len + 1;
        Ok(self.s[start..start + len].to_string())
    }

    /// The value after `key:`: a string, a tuple of dimensions, `True` or `False`.
    fn value(&mut self, key: &str) -> Result<PyValue, String> {
        self.skip_ws();
        Ok(match self.peek() {
            Some(b'\'') | Some(b'"') => PyValue::Str(self.string()?),
            Some(b'(') => {
                self.i += 1;
                PyValue::Tuple(self.dims()?)
            }
            _ if self.s[self.i..].starts_with("True") => {
                self.i += 4;
                PyValue::Bool(true)
            }
            _ if self.s[self.i..].starts_with("False") => {
                self.i += 5;
                PyValue::Bool(false)
            }
            _ => return Err(format!("unexpected value for '{key}' at column {}", self.i)),
        })
    }

    /// The non-negative integers of a shape tuple up to its `)` (the `(` already consumed); a
    /// trailing comma is allowed, as in `(5,)`.
    fn dims(&mut self) -> Result<Vec<usize>, String> {
        let b = self.s.as_bytes();
        let mut dims = Vec::new();
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b')') => {
                    self.i += 1;
                    return Ok(dims);
                }
                Some(c) if c.is_ascii_digit() => {
                    let start = self.i;
                    while self.i < b.len() && b[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    let d = self.s[start..self.i]
                        .parse::<usize>()
                        .map_err(|_| "a dimension is too large")?;
                    dims.push(d);
                    self.skip_ws();
                    if self.peek() == Some(b',') {
                        self.i += 1;
                    }
                }
                _ => {
                    return Err(format!(
                        "unexpected character in shape at column {}",
                        self.i
                    ))
                }
            }
        }
    }
}

/// Reads a NumPy `.npz` with `x_train`, `y_train` and optionally `x_test`, `y_test`.
///
/// Images are (N, H, W) or (N, H, W, C) with C = 1 or 3, uint8 as is; float images whose maximum is
/// at most 1.0 are scaled by 255, others clamped to 0..255, then rounded; integer images must lie in
/// 0..=255. Labels are integers 0..K-1 (K = largest label + 1) of any integer dtype, or integral floats.
/// Without test arrays, a stratified 80/20 split is drawn from `seed` and recorded in `notes`.
/// Class names are "0".."K-1".
pub fn read_npz(bytes: &[u8], file: &str, seed: u64) -> Result<Dataset, DataError> {
    read_npz_limited(bytes, file, seed, MAX_DECOMPRESSED)
}

pub(crate) fn read_npz_limited(
    bytes: &[u8],
    file: &str,
    seed: u64,
    limit: usize,
) -> Result<Dataset, DataError> {
    if !bytes.starts_with(b"PK") {
        return Err(DataError::new(
            file,
            "not an NPZ file: it does not start with the ZIP signature \"PK\"",
        ));
    }
    let entries = read_zip(bytes, file, limit)?;
    let arrays = find_arrays(&entries, file)?;
    let x_test = arrays.test.as_ref().map(|(x, _)| x);
    let (height, width, channels) = image_dims(&arrays.x_train, x_test, file)?;
    let scale = pixel_scale(&arrays.x_train, x_test, file)?;

    let (x_train, y_train) = (&arrays.x_train, &arrays.y_train);
    let mut x_all = to_pixels(x_train, "x_train", scale, file)?;
    let mut y_all = labels(y_train, "y_train", x_train.shape[0], file)?;
    let n_train = y_all.len();
    if let Some((xt, yt)) = &arrays.test {
        x_all.extend(to_pixels(xt, "x_test", scale, file)?);
        y_all.extend(labels(yt, "y_test", xt.shape[0], file)?);
    }
    let k = y_all.iter().max().map_or(0, |&m| m + 1);
    check_num_classes(k, file)?;
    let labels_u8: Vec<u8> = y_all.iter().map(|&l| l as u8).collect();
    let test_from = arrays.test.is_some().then_some(n_train);
    let image_len = height * width * channels;
    let (train, test, notes) = train_test(&x_all, &labels_u8, image_len, test_from, k, seed);
    let name = file.split('/').next_back().unwrap_or(file);
    let name = name.strip_suffix(".npz").unwrap_or(name).to_string();
    let ds = Dataset {
        name,
        width,
        height,
        channels,
        class_names: (0..k).map(|c| c.to_string()).collect(),
        train,
        test,
        source: String::new(),
        license: String::new(),
        notes,
    };
    ds.validate(file)?;
    Ok(ds)
}

/// The arrays a dataset is made of: training images and labels, and the test pair when the
/// archive has both of its arrays.
struct Arrays<'a> {
    x_train: Npy<'a>,
    y_train: Npy<'a>,
    test: Option<(Npy<'a>, Npy<'a>)>,
}

/// Finds and parses the dataset's arrays among the archive's entries. A test split needs both of
/// its arrays: one without the other is more likely a mistake than an intent, so it is refused.
fn find_arrays<'a>(entries: &'a [Entry], file: &str) -> Result<Arrays<'a>, DataError> {
    let err = |p: String| DataError::new(file, p);
    let find = |key: &str| -> Result<Option<Npy<'a>>, DataError> {
        let with_ext = format!("{key}.npy");
        match entries.iter().find(|e| e.name == with_ext || e.name == key) {
            None => Ok(None),
            Some(e) => parse_npy(&e.data)
                .map(Some)
                .map_err(|p| err(format!("array '{key}' {p}"))),
        }
    };
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let missing = |key: &str| {
        err(format!(
            "the archive has no '{key}' array (it holds: {})",
            names.join(", ")
        ))
    };
    let x_train = find("x_train")?.ok_or_else(|| missing("x_train"))?;
    let y_train = find("y_train")?.ok_or_else(|| missing("y_train"))?;
    let test = match (find("x_test")?, find("y_test")?) {
        (Some(x), Some(y)) => Some((x, y)),
        (None, None) => None,
        (x_test, _) => {
            let (has, lacks) = if x_test.is_some() {
                ("x_test", "y_test")
            } else {
                ("y_test", "x_test")
            };
            return Err(err(format!("the archive has '{has}' but no '{lacks}'")));
        }
    };
    Ok(Arrays {
        x_train,
        y_train,
        test,
    })
}

/// (height, width, channels) of the images, which both splits must share, within the lab's limits.
fn image_dims(
    x_train: &Npy,
    x_test: Option<&Npy>,
    file: &str,
) -> Result<(usize, usize, usize), DataError> {
    let (height, width, channels) = image_shape(x_train, "x_train", file)?;
    if let Some(xt) = x_test {
        let dims = image_shape(xt, "x_test", file)?;
        if dims != (height, width, channels) {
            return Err(DataError::new(
                file,
                format!(
                    "x_test has shape {} but x_train has images of {height}x{width}x{channels}",
                    xt.shape_text()
                ),
            ));
        }
    }
    check_dims(width, height, channels, file)?;
    Ok((height, width, channels))
}

/// The factor float images are multiplied by: 255 when no float pixel of either split exceeds 1.0,
/// else 1. One scaling rule for both splits, so equal floats give equal bytes in train and test.
fn pixel_scale(x_train: &Npy, x_test: Option<&Npy>, file: &str) -> Result<f64, DataError> {
    let mut max = f64::NEG_INFINITY;
    for x in std::iter::once(x_train).chain(x_test) {
        if x.dtype.is_float() {
            for i in 0..x.len() {
                let v = x.get(i);
                if v.is_nan() {
                    return Err(DataError::new(file, "the images contain NaN"));
                }
                max = max.max(v);
            }
        }
    }
    Ok(if max <= 1.0 { 255.0 } else { 1.0 })
}

/// Train and test splits of all the images (train first), and the notes that say how they were
/// made: the file's own split when it has test arrays (`test_from` is where they start), else a
/// stratified 80/20 split drawn from `seed`.
fn train_test(
    pixels: &[u8],
    labels: &[u8],
    image_len: usize,
    test_from: Option<usize>,
    k: usize,
    seed: u64,
) -> (Split, Split, Vec<String>) {
    let mut notes = Vec::new();
    let (train_idx, test_idx) = match test_from {
        Some(n_train) => ((0..n_train).collect(), (n_train..labels.len()).collect()),
        None => {
            notes.push(format!(
                "no test split in file: made a seeded stratified 80/20 split (seed {seed})"
            ));
            stratified_split(labels, k, seed)
        }
    };
    (
        gather(pixels, labels, image_len, &train_idx),
        gather(pixels, labels, image_len, &test_idx),
        notes,
    )
}

/// (height, width, channels) of an image array shaped (N, H, W) or (N, H, W, C).
fn image_shape(x: &Npy, key: &str, file: &str) -> Result<(usize, usize, usize), DataError> {
    let bad = || {
        DataError::new(
            file,
            format!(
                "{key} has shape {}: expected (N, H, W) or (N, H, W, C) with C = 1 or 3",
                x.shape_text()
            ),
        )
    };
    let (h, w, c) = match x.shape[..] {
        [_, h, w] => (h, w, 1),
        [_, h, w, c] if c == 1 || c == 3 => (h, w, c),
        _ => return Err(bad()),
    };
    if x.shape[0] > MAX_IMAGES {
        return Err(DataError::new(
            file,
            format!(
                "{key} holds {} images, more than the maximum of {MAX_IMAGES}",
                x.shape[0]
            ),
        ));
    }
    Ok((h, w, c))
}

fn to_pixels(x: &Npy, key: &str, scale: f64, file: &str) -> Result<Vec<u8>, DataError> {
    if x.dtype == Dtype::U8 {
        return Ok(x.data.to_vec());
    }
    let mut out = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let v = x.get(i);
        if x.dtype.is_float() {
            out.push(libm::round((v * scale).clamp(0.0, 255.0)) as u8);
        } else if (0.0..=255.0).contains(&v) {
            out.push(v as u8);
        } else {
            return Err(DataError::new(
                file,
                format!("{key} holds the integer pixel value {v} at index {i}; integer images must lie in 0..=255"),
            ));
        }
    }
    Ok(out)
}

fn labels(y: &Npy, key: &str, n: usize, file: &str) -> Result<Vec<usize>, DataError> {
    let err = |p: String| DataError::new(file, p);
    let column = matches!(y.shape[..], [_]) || matches!(y.shape[..], [_, 1]);
    if !column {
        return Err(err(format!(
            "{key} has shape {}: expected ({n},)",
            y.shape_text()
        )));
    }
    if y.shape[0] != n {
        return Err(err(format!(
            "{key} has {} labels but there are {n} images",
            y.shape[0]
        )));
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let v = y.get(i);
        if v.is_nan() || v != libm::trunc(v) {
            return Err(err(format!(
                "{key}[{i}] = {v} is not an integer class label"
            )));
        }
        if v < 0.0 {
            return Err(err(format!(
                "{key}[{i}] = {v} is negative; labels must be 0..K-1"
            )));
        }
        if v >= MAX_CLASSES as f64 {
            return Err(err(format!(
                "{key}[{i}] = {v}: labels must be below {MAX_CLASSES} (at most {MAX_CLASSES} classes)"
            )));
        }
        out.push(v as usize);
    }
    Ok(out)
}

#[cfg(test)]
mod dtype_tests {
    use super::Dtype;

    #[test]
    fn a_damaged_dtype_with_multibyte_characters_is_refused_not_split() {
        // Found by `make fuzz`: slicing at byte 1 panicked inside a two-byte character.
        assert!(Dtype::parse("ѹ|u1").unwrap_err().contains("not supported"));
        assert!(Dtype::parse("").is_err());
        assert!(matches!(Dtype::parse("|u1"), Ok(Dtype::U8)));
    }
}
