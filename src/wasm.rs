//! The worker-facing API: translates between JavaScript values and the library. No logic lives
//! here beyond that translation.

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

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// Trains and infers on `model` (`ref-cnn` or `ref-cnn-binary`) for about `seconds` each and
/// returns the rates (see `bench::BenchResult`).
#[wasm_bindgen]
pub fn bench(model: &str, batch: usize, seconds: f64) -> Result<JsValue, JsError> {
    let result =
        crate::bench::run(model, batch, seconds, &now_seconds).map_err(|e| JsError::new(&e))?;
    to_js(&result)
}

/// Whether this build uses 128-bit SIMD.
#[wasm_bindgen]
pub fn simd() -> bool {
    cfg!(target_feature = "simd128")
}

use crate::data::Dataset;
use crate::experiment::config::settings;
use crate::experiment::{self, Config, Mode, ModelResult, Trainer};
use std::sync::Arc;

fn from_js<T: serde::de::DeserializeOwned>(value: JsValue, what: &str) -> Result<T, JsError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| JsError::new(&format!("{what}: {e}")))
}

/// The configuration schema: every setting with its label, help, bounds and default.
#[wasm_bindgen]
pub fn schema() -> Result<JsValue, JsError> {
    to_js(&settings())
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
/// `notices` says what was changed or ignored. Keys in `ignore` (page-only parameters such as
/// `autorun`) are skipped silently.
#[wasm_bindgen]
pub fn parse_settings(pairs: JsValue, ignore: JsValue) -> Result<JsValue, JsError> {
    let pairs: Vec<(String, String)> = from_js(pairs, "settings")?;
    let ignore: Vec<String> = from_js(ignore, "ignored keys")?;
    let kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !ignore.contains(k))
        .collect();
    let (config, notices) = Config::from_pairs(&kept, Mode::Clamp).map_err(|e| JsError::new(&e))?;
    let query = encode(&config.to_pairs());
    to_js(&Parsed {
        config,
        notices,
        query,
    })
}

/// Checks a configuration object strictly and returns it normalised, with its query string.
#[wasm_bindgen]
pub fn check_config(config: JsValue) -> Result<JsValue, JsError> {
    let config: Config = from_js(config, "configuration")?;
    config.validate().map_err(|e| JsError::new(&e))?;
    let query = encode(&config.to_pairs());
    to_js(&Parsed {
        config,
        notices: Vec::new(),
        query,
    })
}

/// A dataset prepared for a configuration (class subset, training images per class), from which
/// jobs are planned, trainers made, and the report assembled.
#[wasm_bindgen]
pub struct Lab {
    config: Config,
    data: Arc<Dataset>,
}

#[wasm_bindgen]
impl Lab {
    /// `bytes` is the dataset file (IMDS, gzipped IMDS or NPZ) named `file`; ignored for the
    /// generated `shapes` dataset.
    #[wasm_bindgen(constructor)]
    pub fn new(config: JsValue, bytes: Option<Vec<u8>>, file: &str) -> Result<Lab, JsError> {
        let config: Config = from_js(config, "configuration")?;
        config.validate().map_err(|e| JsError::new(&e))?;
        let raw = if config.dataset == "shapes" {
            experiment::shapes_dataset(&config).map_err(|e| JsError::new(&e))?
        } else {
            let bytes = bytes.ok_or_else(|| JsError::new(&format!("{file}: no data was given")))?;
            crate::data::load_bytes(&bytes, file, config.seed)
                .map_err(|e| JsError::new(&e.to_string()))?
        };
        let data = experiment::prepare(&config, &raw).map_err(|e| JsError::new(&e))?;
        Ok(Lab {
            config,
            data: Arc::new(data),
        })
    }

    /// Name, sizes, class names, counts and notes of the prepared dataset.
    pub fn dataset(&self) -> Result<JsValue, JsError> {
        to_js(&experiment::report::DatasetInfo::of(&self.data))
    }

    /// Every model to train, in order (see `ModelPlan`).
    pub fn jobs(&self) -> Result<JsValue, JsError> {
        to_js(&experiment::jobs(&self.config, &self.data).map_err(|e| JsError::new(&e))?)
    }

    /// A trainer for job `index`.
    pub fn trainer(&self, index: usize) -> Result<JobRunner, JsError> {
        let plans = experiment::jobs(&self.config, &self.data).map_err(|e| JsError::new(&e))?;
        let plan = plans
            .get(index)
            .cloned()
            .ok_or_else(|| JsError::new(&format!("no job {index}")))?;
        let trainer = Trainer::new(&self.config, Arc::clone(&self.data), plan)
            .map_err(|e| JsError::new(&e))?;
        Ok(JobRunner {
            trainer: Some(trainer),
        })
    }

    /// The results document from the models' results so far (finished or not).
    pub fn assemble(&self, results: JsValue) -> Result<JsValue, JsError> {
        let results: Vec<ModelResult> = from_js(results, "model results")?;
        to_js(&experiment::assemble(&self.config, &self.data, &results))
    }

    /// Like `assemble`, with the results and the report as JSON text. Model results carry every
    /// epoch's scores (tens of thousands of numbers): as text they cross between JavaScript and
    /// wasm in one copy, where a JS array is read number by number, which blocked the page for
    /// hundreds of milliseconds.
    pub fn assemble_json(&self, results_json: &str) -> Result<String, JsError> {
        let results: Vec<ModelResult> = serde_json::from_str(results_json)
            .map_err(|e| JsError::new(&format!("model results: {e}")))?;
        serde_json::to_string(&experiment::assemble(&self.config, &self.data, &results))
            .map_err(|e| JsError::new(&e.to_string()))
    }

    /// Pixels (`height × width × channels` bytes each) of test images `indices`, for showing them.
    pub fn test_images(&self, indices: Vec<u32>) -> Vec<u8> {
        let len = self.data.image_len();
        let mut out = Vec::with_capacity(indices.len() * len);
        for i in indices {
            if (i as usize) < self.data.test.count() {
                out.extend_from_slice(self.data.test.image(i as usize, len));
            }
        }
        out
    }

    /// Test labels, one byte per image.
    pub fn test_labels(&self) -> Vec<u8> {
        self.data.test.labels.clone()
    }
}

/// One model in training, advanced a few batches at a time by its worker.
#[wasm_bindgen]
pub struct JobRunner {
    trainer: Option<Trainer>,
}

#[wasm_bindgen]
impl JobRunner {
    /// Trains up to `max_batches` batches (stopping at an epoch's end) and returns the progress.
    pub fn advance(&mut self, max_batches: usize) -> Result<JsValue, JsError> {
        let t = self
            .trainer
            .as_mut()
            .ok_or_else(|| JsError::new("the job has finished"))?;
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

    /// The result so far, without ending the job (for live views).
    pub fn snapshot(&self, train_seconds: f64) -> Result<JsValue, JsError> {
        let t = self
            .trainer
            .as_ref()
            .ok_or_else(|| JsError::new("the job has finished"))?;
        to_js(&t.snapshot(train_seconds))
    }

    /// `snapshot` as JSON text (see `Lab::assemble_json` for why).
    pub fn snapshot_json(&self, train_seconds: f64) -> Result<String, JsError> {
        let t = self
            .trainer
            .as_ref()
            .ok_or_else(|| JsError::new("the job has finished"))?;
        serde_json::to_string(&t.snapshot(train_seconds)).map_err(|e| JsError::new(&e.to_string()))
    }

    /// `finish` as JSON text.
    pub fn finish_json(&mut self, train_seconds: f64) -> Result<String, JsError> {
        let t = self
            .trainer
            .take()
            .ok_or_else(|| JsError::new("the job has finished"))?;
        serde_json::to_string(&t.finish(train_seconds)).map_err(|e| JsError::new(&e.to_string()))
    }

    /// The trained weights in the versioned weights format.
    pub fn weights(&self) -> Vec<u8> {
        self.trainer
            .as_ref()
            .map(|t| crate::nn::weights::save(t.network()))
            .unwrap_or_default()
    }

    /// Ends the job and returns its result; `train_seconds` is the time the worker measured.
    pub fn finish(&mut self, train_seconds: f64) -> Result<JsValue, JsError> {
        let t = self
            .trainer
            .take()
            .ok_or_else(|| JsError::new("the job has finished"))?;
        to_js(&t.finish(train_seconds))
    }
}

/// A trained model loaded from its weights, for scoring drawn images.
#[wasm_bindgen]
pub struct Model {
    net: crate::nn::Network,
}

#[wasm_bindgen]
impl Model {
    #[wasm_bindgen(constructor)]
    pub fn new(weights: Vec<u8>) -> Result<Model, JsError> {
        let net = crate::nn::weights::load(&weights, None).map_err(|e| JsError::new(&e))?;
        Ok(Model { net })
    }

    /// Logits for one image given as bytes (0 background … 255 ink), `height × width × channels`.
    pub fn scores(&mut self, pixels: Vec<u8>) -> Result<Vec<f32>, JsError> {
        let shape = self.net.input_shape();
        if pixels.len() != shape.len() {
            return Err(JsError::new(&format!(
                "expected {} pixels, got {}",
                shape.len(),
                pixels.len()
            )));
        }
        let x: Vec<f32> = pixels.iter().map(|&p| p as f32 / 255.0).collect();
        let mut out = vec![0.0; self.net.outputs()];
        self.net.infer(&x, 1, &mut out);
        Ok(out)
    }

    /// `[height, width, channels]` of the input.
    pub fn input_shape(&self) -> Vec<usize> {
        let s = self.net.input_shape();
        vec![s.height, s.width, s.channels]
    }
}

/// One answer per approach and seed for a drawn image, from each trained model's logits:
/// `models` is `[{plan, scores}]`, `k` the number of classes (see `report::ImageScores`).
#[wasm_bindgen]
pub fn combine_scores(models: JsValue, k: usize) -> Result<JsValue, JsError> {
    #[derive(serde::Deserialize)]
    struct Scored {
        plan: experiment::ModelPlan,
        scores: Vec<f32>,
    }
    let models: Vec<Scored> = from_js(models, "model scores")?;
    let pairs: Vec<_> = models.into_iter().map(|m| (m.plan, m.scores)).collect();
    to_js(&experiment::report::combine_image_scores(&pairs, k))
}

/// Builds a dataset file (IMDS bytes) from images the page decoded and resized: `labels[i]` is
/// the class of image i, `pixels` all images back to back.
#[wasm_bindgen]
#[allow(clippy::too_many_arguments)]
pub fn dataset_from_images(
    name: &str,
    class_names: JsValue,
    labels: Vec<u32>,
    pixels: Vec<u8>,
    width: usize,
    height: usize,
    channels: usize,
    seed: u64,
) -> Result<Vec<u8>, JsError> {
    let class_names: Vec<String> = from_js(class_names, "class names")?;
    let len = width * height * channels;
    if len == 0 || pixels.len() != labels.len() * len {
        return Err(JsError::new(&format!(
            "{name}: {} pixel bytes for {} images of {len} bytes",
            pixels.len(),
            labels.len()
        )));
    }
    let images = labels
        .iter()
        .zip(pixels.chunks_exact(len))
        .map(|(&l, p)| (l as usize, p.to_vec()))
        .collect();
    let ds =
        crate::data::user::from_images(name, class_names, images, width, height, channels, seed)
            .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(crate::data::imds::write_imds(&ds))
}
