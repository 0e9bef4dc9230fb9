//! The worker-facing API: translates between JavaScript values and the library. No logic lives
//! here beyond that translation. Errors reach JavaScript as `{kind, setting, message}` objects
//! (see `error::Error`), so the page can name the setting a refusal is about.

use crate::data::Dataset;
use crate::error::Error;
use crate::experiment::analysis::{self, TakenLooks};
use crate::experiment::config::{Config, Mode};
use crate::experiment::models::{InputInfo, ModelSet};
use crate::experiment::report::DatasetInfo;
use crate::experiment::session::{Progress, Run, RunSession};
use crate::experiment::{self, ModelResult, Trainer};
use wasm_bindgen::prelude::*;

/// Runs when the module is instantiated: panics reach the console with their message and the
/// JS caller gets an exception instead of a silent hang.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn now_seconds() -> f64 {
    js_sys::Date::now() / 1000.0
}

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsValue::from_str(&e.to_string()))
}

/// An error as a JS object `{kind, setting, message}`.
fn err(e: Error) -> JsValue {
    to_js(&e).unwrap_or_else(|_| JsValue::from_str(&e.to_string()))
}

fn input(what: &str, e: impl std::fmt::Display) -> JsValue {
    err(Error::Input(format!("{what}: {e}")))
}

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsValue> {
    serde_wasm_bindgen::from_value(value).map_err(|e| input(what, e))
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serialises")
}

/// Trains and infers on `model` (`ref-cnn` or `ref-cnn-binary`) for about `seconds` each and
/// returns the rates (see `bench::BenchResult`).
#[wasm_bindgen]
pub fn bench(model: &str, batch: usize, seconds: f64) -> Result<JsValue, JsValue> {
    to_js(&crate::bench::run(model, batch, seconds, &now_seconds).map_err(err)?)
}

/// Whether this build uses 128-bit SIMD.
#[wasm_bindgen]
pub fn simd() -> bool {
    cfg!(target_feature = "simd128")
}

/// The settings, bundled datasets, approaches and scenarios (see `experiment::Catalog`).
#[wasm_bindgen]
pub fn catalog() -> Result<JsValue, JsValue> {
    to_js(&experiment::catalog())
}

#[derive(serde::Serialize)]
struct Parsed {
    config: Config,
    notices: Vec<String>,
    /// The canonical query for this configuration (settings that differ from the defaults).
    query: String,
}

fn encode(pairs: &[(String, String)]) -> String {
    let esc = |s: &str| -> String {
        js_sys::encode_uri_component(s)
            .as_string()
            .unwrap_or_default()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", esc(k), esc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Reads settings from URL query pairs (`[[name, value], …]`), clamping what is out of bounds;
/// `notices` says what was changed or ignored. A value that is fine alone but refused with the
/// others (e.g. patience without a validation split) falls back to its default, with a notice,
/// so that a URL can never leave the page without a usable configuration. Keys in `ignore`
/// (page-only parameters such as `autorun`) are skipped silently.
#[wasm_bindgen]
pub fn parse_settings(pairs: JsValue, ignore: JsValue) -> Result<JsValue, JsValue> {
    let pairs: Vec<(String, String)> = from_js(pairs, "settings")?;
    let ignore: Vec<String> = from_js(ignore, "ignored keys")?;
    let mut kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !ignore.contains(k))
        .collect();
    let mut dropped = Vec::new();
    loop {
        let (config, notices) = Config::from_pairs(&kept, Mode::Clamp).map_err(err)?;
        match config.validate() {
            Ok(()) => {
                let query = encode(&config.to_pairs());
                let notices = dropped.into_iter().chain(notices).collect();
                return to_js(&Parsed {
                    config,
                    notices,
                    query,
                });
            }
            Err(e) => {
                let name = e.setting_name().map(str::to_string);
                match name {
                    Some(n) if kept.iter().any(|(k, _)| *k == n) => {
                        kept.retain(|(k, _)| *k != n);
                        dropped.push(format!("{e}; kept the default"));
                    }
                    _ => return Err(err(e)),
                }
            }
        }
    }
}

/// Checks a configuration object strictly and returns it normalised, with its query string.
#[wasm_bindgen]
pub fn check_config(config: JsValue) -> Result<JsValue, JsValue> {
    let config: Config = from_js(config, "configuration")?;
    config.validate().map_err(err)?;
    let query = encode(&config.to_pairs());
    to_js(&Parsed {
        config,
        notices: Vec::new(),
        query,
    })
}

/// The settings on which configuration `a` differs from `b` (both as the results document's
/// `config`), in the schema's order: `[{name, label, value, other}]`, `value` being `a`'s and
/// `other` `b`'s, as text. The page lists them beside each kept run.
#[wasm_bindgen]
pub fn config_differences(a: JsValue, b: JsValue) -> Result<JsValue, JsValue> {
    let a: Config = from_js(a, "configuration")?;
    let b: Config = from_js(b, "configuration")?;
    to_js(&a.differences(&b))
}

/// Two results documents side by side (the Runs panel's Compare): the settings on which they
/// differ, each approach's accuracy and each comparison's verdict in both, and a sentence.
#[wasm_bindgen]
pub fn compare_runs(a: JsValue, b: JsValue) -> Result<JsValue, JsValue> {
    use experiment::report::between::{between, RunSummary};
    let a: RunSummary = from_js(a, "results document A")?;
    let b: RunSummary = from_js(b, "results document B")?;
    to_js(&between(&a, &b))
}

/// The dataset a configuration names: `bytes` is its file (IMDS, gzipped IMDS or NPZ) called
/// `file`; ignored for the generated `shapes` dataset.
fn dataset(config: &Config, bytes: Option<Vec<u8>>, file: &str) -> Result<Dataset, JsValue> {
    if config.dataset == "shapes" {
        return experiment::shapes_dataset(config).map_err(err);
    }
    let bytes = bytes.ok_or_else(|| input(file, "no data was given"))?;
    crate::data::load_bytes(&bytes, file, config.seed).map_err(|e| err(e.into()))
}

/// Name, sizes, class names and counts of the dataset a configuration would train on (before
/// its class subset): what the page's class checkboxes need.
#[wasm_bindgen]
pub fn dataset_info(
    config: JsValue,
    bytes: Option<Vec<u8>>,
    file: &str,
) -> Result<JsValue, JsValue> {
    let config: Config = from_js(config, "configuration")?;
    to_js(&DatasetInfo::of(&dataset(&config, bytes, file)?))
}

/// The run as a training worker sees it: the prepared data and the plan, to make trainers from.
#[wasm_bindgen]
pub struct Jobs {
    run: Run,
}

#[wasm_bindgen]
impl Jobs {
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, bytes: Option<Vec<u8>>, file: &str) -> Result<Jobs, JsValue> {
        let config: Config = from_js(config, "configuration")?;
        let raw = dataset(&config, bytes, file)?;
        Ok(Jobs {
            run: Run::new(config, &raw).map_err(err)?,
        })
    }

    /// The looks the analyses will take at a finished model (its result as JSON text, as the
    /// report worker records it, so both hold the same bits): `{meta, floats}` for
    /// `Session.add_looks`, or null when there are none (see `analysis::looks_at`).
    pub fn looks_at(&self, result: &str) -> Result<JsValue, JsValue> {
        let m: ModelResult = serde_json::from_str(result).map_err(|e| input("model result", e))?;
        let taken = analysis::looks_at(&self.run, &m).map_err(err)?;
        if taken.is_empty() {
            return Ok(JsValue::NULL);
        }
        let (meta, floats) = taken.to_parts();
        let out = js_sys::Object::new();
        let set = |k: &str, v: JsValue| js_sys::Reflect::set(&out, &k.into(), &v).map(|_| ());
        set("meta", meta.into())?;
        set("floats", js_sys::Float32Array::from(&floats[..]).into())?;
        Ok(out.into())
    }

    /// A trainer for job `index`.
    pub fn trainer(&self, index: usize) -> Result<JobRunner, JsValue> {
        Ok(JobRunner {
            trainer: Some(self.run.trainer(index).map_err(err)?),
        })
    }
}

/// One model in training, advanced a few batches at a time by its worker.
#[wasm_bindgen]
pub struct JobRunner {
    trainer: Option<Trainer>,
}

#[wasm_bindgen]
impl JobRunner {
    fn live(&self) -> Result<&Trainer, JsValue> {
        self.trainer
            .as_ref()
            .ok_or_else(|| input("job", "it has finished"))
    }

    /// Trains up to `max_batches` batches (stopping at an epoch's end) and returns the progress.
    pub fn advance(&mut self, max_batches: usize) -> Result<JsValue, JsValue> {
        let t = self
            .trainer
            .as_mut()
            .ok_or_else(|| input("job", "it has finished"))?;
        to_js(&t.advance(max_batches))
    }

    /// `[kernel, kernel, channels, filters]` of the first conv layer (empty without one).
    pub fn filter_shape(&self) -> Vec<usize> {
        self.trainer
            .as_ref()
            .and_then(|t| t.network().first_conv().map(|(p, _)| p.shape.clone()))
            .unwrap_or_default()
    }

    /// The model's first-layer filters now.
    pub fn filters(&self) -> Vec<f32> {
        self.trainer
            .as_ref()
            .map(|t| t.current_filters().to_vec())
            .unwrap_or_default()
    }

    /// The result so far as JSON text, without ending the job (for live views). Results carry
    /// every epoch's scores: as text they cross between workers and wasm in one copy.
    pub fn snapshot_json(&self, train_seconds: f64) -> Result<String, JsValue> {
        Ok(json(&self.live()?.snapshot(train_seconds)))
    }

    /// Ends the job and returns its result (with the final weights) as JSON text;
    /// `train_seconds` is the time the worker measured.
    pub fn finish_json(&mut self, train_seconds: f64) -> Result<String, JsValue> {
        let t = self
            .trainer
            .take()
            .ok_or_else(|| input("job", "it has finished"))?;
        Ok(json(&t.finish(train_seconds)))
    }
}

/// The run in the report worker: it takes the models' results and makes the report, the
/// analyses, the models file and the drawn image's answers.
#[wasm_bindgen]
pub struct Session {
    session: RunSession,
    models: Option<ModelSet>,
}

#[wasm_bindgen]
impl Session {
    /// `ood_bytes`/`ood_file`: the out-of-distribution dataset, when the configuration names one.
    #[wasm_bindgen(constructor)]
    pub fn new(
        config: JsValue,
        bytes: Option<Vec<u8>>,
        file: &str,
        ood_bytes: Option<Vec<u8>>,
        ood_file: &str,
    ) -> Result<Session, JsValue> {
        let config: Config = from_js(config, "configuration")?;
        let raw = dataset(&config, bytes, file)?;
        let ood = match ood_bytes {
            Some(b) => Some(
                crate::data::load_bytes(&b, ood_file, config.seed).map_err(|e| err(e.into()))?,
            ),
            None => None,
        };
        Ok(Session {
            session: RunSession::new(config, &raw, ood).map_err(err)?,
            models: None,
        })
    }

    /// Every model to train, in order (see `ModelPlan`).
    pub fn jobs(&self) -> Result<JsValue, JsValue> {
        to_js(&self.session.plans())
    }

    /// The prepared dataset's name, sizes, class names and counts.
    pub fn dataset(&self) -> Result<JsValue, JsValue> {
        to_js(&DatasetInfo::of(&self.session.run().data))
    }

    /// Takes a model's result (JSON text from `JobRunner`).
    pub fn record_json(&mut self, result: &str) -> Result<(), JsValue> {
        let r = serde_json::from_str(result).map_err(|e| input("model result", e))?;
        self.models = None;
        self.session.record(r).map_err(err)
    }

    pub fn is_complete(&self) -> bool {
        self.session.is_complete()
    }

    /// Runs the analyses that need every final model (representations, transfer probe, other
    /// dataset); does nothing until the run is complete.
    pub fn analyse(&mut self) -> Result<(), JsValue> {
        self.session.analyse().map_err(err)
    }

    /// Keeps the looks a training worker took at a finished model (`Jobs.looks_at`'s `meta` and
    /// `floats`), recorded before; the analyses at the end take only the others.
    pub fn add_looks(&mut self, meta: &str, floats: &[f32]) -> Result<(), JsValue> {
        let taken = TakenLooks::from_parts(meta, floats).map_err(err)?;
        self.session.add_looks(taken).map_err(err)
    }

    /// The results document as JSON text.
    pub fn report_json(&self) -> String {
        json(&self.session.report())
    }

    fn model_set(&mut self) -> Result<&mut ModelSet, JsValue> {
        if self.models.is_none() {
            self.models = Some(self.session.models().map_err(err)?);
        }
        Ok(self.models.as_mut().expect("just made"))
    }

    /// The finished models as a models file (JSON text).
    pub fn models_json(&mut self) -> Result<String, JsValue> {
        Ok(self.model_set()?.to_json())
    }

    /// How many finished models can answer a drawn image.
    pub fn model_count(&mut self) -> Result<usize, JsValue> {
        Ok(self.model_set()?.len())
    }

    /// Every approach's answer for one image of `height × width × channels` bytes.
    pub fn score_image(&mut self, pixels: Vec<u8>) -> Result<JsValue, JsValue> {
        let rows = self.model_set()?.score(&pixels).map_err(err)?;
        to_js(&rows)
    }

    /// The test split's labels, one byte per image (to find the images behind a confusion cell).
    pub fn test_labels(&self) -> Vec<u8> {
        self.session.run().data.test.labels.clone()
    }

    /// Pixels (`height × width × channels` bytes each) of test images `indices`, for showing them.
    pub fn test_images(&self, indices: Vec<u32>) -> Vec<u8> {
        let d = &self.session.run().data;
        let len = d.image_len();
        indices
            .iter()
            .filter(|&&i| (i as usize) < d.test.count())
            .flat_map(|&i| d.test.image(i as usize, len).to_vec())
            .collect()
    }
}

/// Trained models loaded from a models file, for the draw panel on a page that did not train them.
#[wasm_bindgen]
pub struct LoadedModels {
    set: ModelSet,
}

#[wasm_bindgen]
impl LoadedModels {
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str, name: &str) -> Result<LoadedModels, JsValue> {
        Ok(LoadedModels {
            set: ModelSet::from_json(text, name).map_err(err)?,
        })
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// `{width, height, channels, class_names}` of the images the models take.
    pub fn input(&self) -> Result<JsValue, JsValue> {
        to_js::<InputInfo>(&self.set.input)
    }

    /// The settings the models were trained with.
    pub fn config(&self) -> Result<JsValue, JsValue> {
        to_js(&self.set.config)
    }

    pub fn score_image(&mut self, pixels: Vec<u8>) -> Result<JsValue, JsValue> {
        to_js(&self.set.score(&pixels).map_err(err)?)
    }

    /// The same file again (e.g. to save it after loading).
    pub fn to_json(&self) -> String {
        self.set.to_json()
    }
}

/// Progress accounting for the page: the overall fraction (by training FLOPs) and time left.
#[wasm_bindgen]
pub struct RunProgress {
    progress: Progress,
}

#[wasm_bindgen]
impl RunProgress {
    /// `jobs` is the list `Session::jobs` gave.
    #[wasm_bindgen(constructor)]
    pub fn new(jobs: JsValue) -> Result<RunProgress, JsValue> {
        let plans: Vec<experiment::ModelPlan> = from_js(jobs, "jobs")?;
        Ok(RunProgress {
            progress: Progress::new(&plans),
        })
    }

    pub fn set(&mut self, index: usize, fraction: f64) {
        self.progress.set(index, fraction);
    }

    /// `{fraction, models_done, models, seconds_left}` after `elapsed_seconds` of training.
    pub fn overall(&self, elapsed_seconds: f64) -> Result<JsValue, JsValue> {
        to_js(&self.progress.overall(elapsed_seconds))
    }
}

/// A folder of images the page decodes and resizes with a canvas, handed over one image at a time
/// as RGBA bytes; the engine turns them grey or keeps their colour, decides whether the set is
/// inverted, and writes the dataset file (see `data::user::ImageFolder`).
#[wasm_bindgen]
pub struct ImageFolder {
    folder: crate::data::ImageFolder,
}

#[wasm_bindgen]
impl ImageFolder {
    /// Images of `width × height` pixels kept with `channels` (1: grey, 3: RGB) channels.
    #[wasm_bindgen(constructor)]
    pub fn new(
        name: &str,
        class_names: JsValue,
        width: usize,
        height: usize,
        channels: usize,
    ) -> Result<ImageFolder, JsValue> {
        let class_names: Vec<String> = from_js(class_names, "class names")?;
        let folder = crate::data::ImageFolder::new(name, class_names, width, height, channels)
            .map_err(|e| err(e.into()))?;
        Ok(ImageFolder { folder })
    }

    /// Adds an image of class `label` (an index into the class names) from its RGBA bytes,
    /// `width × height × 4`, composited on white.
    pub fn add(&mut self, label: usize, rgba: &[u8]) -> Result<(), JsValue> {
        self.folder.add(label, rgba).map_err(|e| err(e.into()))
    }

    pub fn len(&self) -> usize {
        self.folder.len()
    }

    pub fn is_empty(&self) -> bool {
        self.folder.is_empty()
    }

    /// The dataset file (IMDS bytes), split 80/20 per class from `seed`; its notes say whether
    /// the images were inverted and how they were kept. Ends the folder.
    pub fn finish(self, seed: u64) -> Result<Vec<u8>, JsValue> {
        let ds = self.folder.finish(seed).map_err(|e| err(e.into()))?;
        Ok(crate::data::imds::write_imds(&ds))
    }
}

/// The draw panel's canvas as a model input (see `data::drawing`): `rgba` is the canvas's
/// `width × height × 4` bytes (`getImageData().data`); returns `out_height × out_width ×
/// channels` bytes (0 background … 255 ink), or no bytes when nothing is drawn.
#[wasm_bindgen]
pub fn drawing_input(
    rgba: &[u8],
    width: usize,
    height: usize,
    out_width: usize,
    out_height: usize,
    channels: usize,
) -> Result<Vec<u8>, JsValue> {
    crate::data::drawing::to_input(rgba, width, height, out_width, out_height, channels)
        .map(Option::unwrap_or_default)
        .map_err(|e| err(e.into()))
}
