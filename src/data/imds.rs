//! IMDS v1, the lab's own dataset format (see `shared/data/README.md`): a magic, a version, a JSON
//! header and raw `u8` payloads at offsets the header gives. Readers see hostile bytes (anything a
//! user drops on the page), so every size is checked before it is used.

use super::{
    check_dims, check_labels, check_num_classes, is_balanced_blocks, read_bounded, DataError,
    Dataset, Split, MAX_DECOMPRESSED, MAX_IMAGES,
};
use serde::{Deserialize, Serialize};

const MAGIC: &[u8; 4] = b"IMDS";
const VERSION: u32 = 1;
/// Fixed part before the JSON header: magic, version, header length.
const PREAMBLE: usize = 12;

#[derive(Deserialize)]
struct Header {
    #[serde(default)]
    name: String,
    width: u64,
    height: u64,
    channels: u64,
    num_classes: u64,
    class_names: Vec<String>,
    train: SplitHeader,
    test: SplitHeader,
    #[serde(default)]
    source: serde_json::Value,
    #[serde(default)]
    license: String,
    #[serde(default)]
    split: Option<String>,
    #[serde(default)]
    notes: Vec<String>,
}

#[derive(Deserialize, Serialize)]
struct SplitHeader {
    count: u64,
    images_offset: u64,
    images_bytes: u64,
    labels_offset: u64,
    #[serde(default)]
    order: Option<String>,
    #[serde(default)]
    per_class: Option<Vec<u64>>,
}

/// Reads an IMDS v1 dataset, raw (`IMDS...`) or gzipped (`1f 8b ...`); `file` names it in errors.
pub fn read_imds(bytes: &[u8], file: &str) -> Result<Dataset, DataError> {
    read_imds_limited(bytes, file, MAX_DECOMPRESSED)
}

/// [`read_imds`] with a custom cap on the inflated size (tests use a small one).
pub(crate) fn read_imds_limited(
    bytes: &[u8],
    file: &str,
    limit: usize,
) -> Result<Dataset, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let raw = read_bounded(
            flate2::read::GzDecoder::new(bytes),
            limit,
            "the gzip stream",
            file,
        )?;
        if !raw.starts_with(MAGIC) {
            return Err(DataError::new(
                file,
                "the gzip stream does not contain an IMDS file (wrong magic)",
            ));
        }
        return read_raw(&raw, file);
    }
    read_raw(bytes, file)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn read_raw(bytes: &[u8], file: &str) -> Result<Dataset, DataError> {
    let header = read_header(bytes, file)?;
    let shape = Shape::of(&header, file)?;
    let train = read_split(bytes, file, "train", &header.train, &shape)?;
    let test = read_split(bytes, file, "test", &header.test, &shape)?;

    let mut notes = Vec::new();
    if let Some(split) = header.split {
        notes.push(format!("split: {split}"));
    }
    notes.extend(header.notes);
    let ds = Dataset {
        name: header.name,
        width: shape.width,
        height: shape.height,
        channels: shape.channels,
        class_names: header.class_names,
        train,
        test,
        source: describe_source(&header.source),
        license: header.license,
        notes,
    };
    ds.validate(file)?;
    Ok(ds)
}

/// Checks the preamble (magic, version, header length) and parses the JSON header. The length is
/// checked against the file before it is used, since it comes from the (untrusted) file itself.
fn read_header(bytes: &[u8], file: &str) -> Result<Header, DataError> {
    if bytes.len() < PREAMBLE || &bytes[..4] != MAGIC {
        return Err(DataError::new(
            file,
            "not an IMDS file: it does not start with the magic bytes \"IMDS\" (nor with gzip's 1f 8b)",
        ));
    }
    let version = u32_at(bytes, 4);
    if version != VERSION {
        return Err(DataError::new(
            file,
            format!(
                "IMDS format version {version} is not supported (this lab reads version {VERSION})"
            ),
        ));
    }
    let header_len = u32_at(bytes, 8) as usize;
    let header_end = PREAMBLE
        .checked_add(header_len)
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| {
            DataError::new(
                file,
                format!(
                    "the header length {header_len} reaches beyond the end of the file ({} bytes)",
                    bytes.len()
                ),
            )
        })?;
    serde_json::from_slice(&bytes[PREAMBLE..header_end])
        .map_err(|e| DataError::new(file, format!("the JSON header is invalid: {e}")))
}

/// Image size and class count from the header, checked against the lab's limits before any split
/// is read with them.
struct Shape {
    width: usize,
    height: usize,
    channels: usize,
    num_classes: usize,
}

impl Shape {
    fn of(header: &Header, file: &str) -> Result<Shape, DataError> {
        let as_usize = |v: u64, what: &str| {
            usize::try_from(v).map_err(|_| DataError::new(file, format!("{what} {v} is too large")))
        };
        let width = as_usize(header.width, "width")?;
        let height = as_usize(header.height, "height")?;
        let channels = as_usize(header.channels, "channels")?;
        let num_classes = as_usize(header.num_classes, "num_classes")?;
        if num_classes == 0 {
            return Err(DataError::new(
                file,
                "the header says num_classes is 0: a dataset needs classes",
            ));
        }
        check_num_classes(num_classes, file)?;
        if header.class_names.len() != num_classes {
            return Err(DataError::new(
                file,
                format!(
                    "the header lists {} class names but num_classes is {num_classes}",
                    header.class_names.len()
                ),
            ));
        }
        check_dims(width, height, channels, file)?;
        Ok(Shape {
            width,
            height,
            channels,
            num_classes,
        })
    }

    /// Bytes per image; `check_dims` has bounded the product, so it cannot overflow.
    fn image_len(&self) -> u64 {
        (self.width * self.height * self.channels) as u64
    }
}

/// Reads one split: its byte counts and offsets are checked before anything is copied, then its
/// labels against the header's claims.
fn read_split(
    bytes: &[u8],
    file: &str,
    name: &str,
    sh: &SplitHeader,
    shape: &Shape,
) -> Result<Split, DataError> {
    let need = images_bytes(file, name, sh, shape)?;
    let images = byte_range(bytes, file, name, sh.images_offset, need, "images")?;
    let labels = byte_range(bytes, file, name, sh.labels_offset, sh.count, "labels")?;
    let split = Split {
        images: bytes[images].to_vec(),
        labels: bytes[labels].to_vec(),
    };
    check_labels(&split.labels, shape.num_classes, name, file)?;
    check_split_claims(&split, sh, shape.num_classes, name, file)?;
    Ok(split)
}

/// The byte count of a split's images: count × image size, which must not overflow, must equal
/// the header's `images_bytes`, and must be of at most [`MAX_IMAGES`] images.
fn images_bytes(file: &str, name: &str, sh: &SplitHeader, shape: &Shape) -> Result<u64, DataError> {
    let (width, height, channels) = (shape.width, shape.height, shape.channels);
    let need = sh.count.checked_mul(shape.image_len()).ok_or_else(|| {
        DataError::new(
            file,
            format!(
                "{name}: count {} of {height}x{width}x{channels} images overflows the byte count",
                sh.count
            ),
        )
    })?;
    if need != sh.images_bytes {
        return Err(DataError::new(
            file,
            format!(
                "{name}: images_bytes is {} but count {} of {height}x{width}x{channels} images needs {need}",
                sh.images_bytes, sh.count
            ),
        ));
    }
    if sh.count > MAX_IMAGES as u64 {
        return Err(DataError::new(
            file,
            format!(
                "{name}: count {} is more than the maximum of {MAX_IMAGES} images per split",
                sh.count
            ),
        ));
    }
    Ok(need)
}

/// `offset..offset + n` as a range into the file, refused if it overflows or leaves the file.
fn byte_range(
    bytes: &[u8],
    file: &str,
    name: &str,
    offset: u64,
    n: u64,
    what: &str,
) -> Result<std::ops::Range<usize>, DataError> {
    let len = bytes.len() as u64;
    let end = offset.checked_add(n).ok_or_else(|| {
        DataError::new(
            file,
            format!("{name} {what}: offset {offset} plus {n} bytes overflows"),
        )
    })?;
    if end > len {
        return Err(DataError::new(
            file,
            format!("{name} {what}: bytes {offset}..{end} lie outside the file ({len} bytes)"),
        ));
    }
    // Both fit in the file's length, which is a usize.
    Ok(offset as usize..end as usize)
}

/// Checks the header's optional claims about a split (`per_class` counts, `balanced_blocks`
/// order) against its labels, so a header cannot describe data it does not hold.
fn check_split_claims(
    split: &Split,
    sh: &SplitHeader,
    num_classes: usize,
    name: &str,
    file: &str,
) -> Result<(), DataError> {
    if let Some(per_class) = &sh.per_class {
        let counted = split.per_class(num_classes);
        if per_class.len() != num_classes
            || per_class.iter().zip(&counted).any(|(&a, &b)| a != b as u64)
        {
            return Err(DataError::new(
                file,
                format!("{name}: header per_class {per_class:?} does not match the labels, which count {counted:?}"),
            ));
        }
    }
    if sh.order.as_deref() == Some("balanced_blocks")
        && !is_balanced_blocks(&split.labels, num_classes)
    {
        return Err(DataError::new(
            file,
            format!(
                "{name}: the header says order balanced_blocks, but some run of {num_classes} consecutive \
                 labels does not hold one of each class"
            ),
        ));
    }
    Ok(())
}

/// One line of provenance from the header's `source`, which is a string or an object.
fn describe_source(source: &serde_json::Value) -> String {
    use serde_json::Value;
    match source {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Object(map) => {
            let field = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or("");
            let package: Vec<&str> = ["registry", "package", "version"]
                .iter()
                .map(|k| field(k))
                .filter(|s| !s.is_empty())
                .collect();
            let mut out = package.join(" ");
            if !field("upstream").is_empty() {
                if !out.is_empty() {
                    out.push_str("; upstream: ");
                }
                out.push_str(field("upstream"));
            }
            if out.is_empty() {
                source.to_string()
            } else {
                out
            }
        }
        other => other.to_string(),
    }
}

#[derive(Serialize)]
struct OutHeader<'a> {
    format: &'static str,
    version: u32,
    name: &'a str,
    width: usize,
    height: usize,
    channels: usize,
    layout: &'static str,
    dtype: &'static str,
    num_classes: usize,
    class_names: &'a [String],
    source: &'a str,
    license: &'a str,
    notes: &'a [String],
    train: SplitHeader,
    test: SplitHeader,
    total_bytes: u64,
}

/// Writes `ds` as a raw (not gzipped) IMDS v1 file: space-padded JSON header, payload starting
/// 16-byte aligned, `per_class` and `order` recorded for each split. [`read_imds`] reads it back
/// to an equal dataset, except that `notes` gains nothing and `source` stays a string.
pub fn write_imds(ds: &Dataset) -> Vec<u8> {
    let k = ds.num_classes();
    let split_header = |s: &Split, images_offset: u64| SplitHeader {
        count: s.count() as u64,
        images_offset,
        images_bytes: s.images.len() as u64,
        labels_offset: images_offset + s.images.len() as u64,
        order: Some(
            if is_balanced_blocks(&s.labels, k) {
                "balanced_blocks"
            } else {
                "unspecified"
            }
            .into(),
        ),
        per_class: Some(s.per_class(k).into_iter().map(|c| c as u64).collect()),
    };
    let header_at = |payload: u64| {
        let train = split_header(&ds.train, payload);
        let test_at = train.labels_offset + ds.train.count() as u64;
        let test = split_header(&ds.test, test_at);
        let total_bytes = test.labels_offset + ds.test.count() as u64;
        let h = OutHeader {
            format: "IMDS",
            version: VERSION,
            name: &ds.name,
            width: ds.width,
            height: ds.height,
            channels: ds.channels,
            layout: "NHWC (row-major; per image H*W*C bytes)",
            dtype: "uint8",
            num_classes: k,
            class_names: &ds.class_names,
            source: &ds.source,
            license: &ds.license,
            notes: &ds.notes,
            train,
            test,
            total_bytes,
        };
        serde_json::to_vec(&h).expect("header serialises")
    };
    // The offsets are inside the header, so its length and the payload start depend on each other:
    // grow the guess until the header fits before it.
    let align = |n: usize| n.div_ceil(16) * 16;
    let mut payload = align(PREAMBLE);
    let mut json = header_at(payload as u64);
    while PREAMBLE + json.len() > payload {
        payload = align(PREAMBLE + json.len());
        json = header_at(payload as u64);
    }
    json.resize(payload - PREAMBLE, b' ');
    let mut out = Vec::with_capacity(
        payload + ds.train.images.len() + ds.test.images.len() + 2 * ds.train.count(),
    );
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(json.len() as u32).to_le_bytes());
    out.extend_from_slice(&json);
    for s in [&ds.train, &ds.test] {
        out.extend_from_slice(&s.images);
        out.extend_from_slice(&s.labels);
    }
    out
}
