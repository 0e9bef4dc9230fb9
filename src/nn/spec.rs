//! A network described as data: serialisable, validated, and able to tell its own size and cost.

use super::NetError;
use serde::{Deserialize, Serialize};

/// Zero padding of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Padding {
    /// Pad so that stride 1 keeps the spatial size (needs an odd kernel).
    Same,
    /// No padding.
    Valid,
}

/// One layer of a network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LayerSpec {
    Conv {
        filters: usize,
        kernel: usize,
        stride: usize,
        padding: Padding,
    },
    MaxPool {
        size: usize,
    },
    Relu,
    Flatten,
    Dense {
        units: usize,
    },
    Dropout {
        rate: f32,
    },
}

/// Height, width, channels of one image (NHWC without the N).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shape {
    pub height: usize,
    pub width: usize,
    pub channels: usize,
}

impl Shape {
    pub fn new(height: usize, width: usize, channels: usize) -> Self {
        Shape {
            height,
            width,
            channels,
        }
    }

    pub fn len(&self) -> usize {
        self.height * self.width * self.channels
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A whole network: input shape and layers. The last layer's units are the logits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetSpec {
    pub input: Shape,
    pub layers: Vec<LayerSpec>,
}

/// What one layer does to shapes, and what it costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerPlan {
    pub input: Shape,
    pub output: Shape,
    /// Weights then biases, in the network's flat parameter vector.
    pub params: usize,
    /// Multiply-adds ×2 of one forward pass for one image.
    pub flops: u64,
}

/// Largest sizes a spec may ask for: they keep a worker's memory bounded.
pub const MAX_KERNEL: usize = 7;
pub const MAX_STRIDE: usize = 2;
pub const MAX_WIDTH: usize = 512;
pub const MAX_PARAMS: usize = 5_000_000;

impl NetSpec {
    /// Checks the spec and works out every layer's shapes, parameters and FLOPs.
    pub fn plan(&self) -> Result<Vec<LayerPlan>, NetError> {
        self.checked_plan().map_err(NetError::Spec)
    }

    fn checked_plan(&self) -> Result<Vec<LayerPlan>, String> {
        let mut shape = self.input;
        if shape.is_empty() || shape.height > 256 || shape.width > 256 || shape.channels > 4 {
            return Err(format!(
                "input {}×{}×{} is outside 1..256 × 1..256 × 1..4",
                shape.height, shape.width, shape.channels
            ));
        }
        if self.layers.is_empty() {
            return Err("a network needs at least one layer".into());
        }
        let mut plans = Vec::with_capacity(self.layers.len());
        let mut total_params = 0usize;
        for (index, layer) in self.layers.iter().enumerate() {
            let (output, params, flops) = layer
                .plan(shape)
                .map_err(|msg| format!("layer {} ({}): {msg}", index + 1, layer.name()))?;
            total_params += params;
            if total_params > MAX_PARAMS {
                return Err(format!("more than {MAX_PARAMS} parameters"));
            }
            plans.push(LayerPlan {
                input: shape,
                output,
                params,
                flops,
            });
            shape = output;
        }
        if shape.height != 1 || shape.width != 1 {
            return Err("the last layer must be dense (the logits)".into());
        }
        Ok(plans)
    }

    /// Number of trainable parameters.
    pub fn param_count(&self) -> Result<usize, NetError> {
        Ok(self.plan()?.iter().map(|p| p.params).sum())
    }

    /// Forward FLOPs for one image (multiply-adds ×2 of conv and dense layers).
    pub fn flops_per_image(&self) -> Result<u64, NetError> {
        Ok(self.plan()?.iter().map(|p| p.flops).sum())
    }

    /// FLOPs spent on one training sample: the forward pass, the weight gradients (as costly as
    /// the forward pass), and the input gradients of every layer but the first weighted one.
    pub fn flops_per_train_sample(&self) -> Result<u64, NetError> {
        let plans = self.plan()?;
        let forward: u64 = plans.iter().map(|p| p.flops).sum();
        let first_weighted = plans.iter().find(|p| p.flops > 0).map_or(0, |p| p.flops);
        Ok(3 * forward - first_weighted)
    }

    /// An upper estimate of the memory training takes for `batch` images, in bytes: every
    /// layer's activations, the padded and spread copies a convolution keeps, two gradient
    /// buffers as wide as the widest layer, and the parameters four times over (weights,
    /// gradients, two optimiser moments).
    pub fn training_bytes(&self, batch: usize) -> Result<u64, NetError> {
        let plans = self.plan()?;
        let mut per_image = self.input.len() as u64;
        let mut widest = self.input.len() as u64;
        for (layer, plan) in self.layers.iter().zip(&plans) {
            let out = plan.output.len() as u64;
            per_image += out;
            widest = widest.max(out);
            if let LayerSpec::Conv { kernel, .. } = *layer {
                let pad = |n: usize| (n + kernel) as u64;
                // The padded input, and dY spread and padded for the input gradient.
                per_image +=
                    pad(plan.input.height) * pad(plan.input.width) * plan.input.channels as u64;
                per_image +=
                    pad(plan.input.height) * pad(plan.input.width) * plan.output.channels as u64;
            }
        }
        per_image += 2 * widest;
        let params = plans.iter().map(|p| p.params as u64).sum::<u64>();
        Ok(4 * (batch as u64 * per_image + 4 * params))
    }

    /// Number of logits.
    pub fn outputs(&self) -> Result<usize, NetError> {
        Ok(self.plan()?.last().map_or(0, |p| p.output.len()))
    }
}

impl LayerSpec {
    /// The output shape, parameters and forward FLOPs of this layer on `shape`, or why it does
    /// not fit.
    fn plan(&self, shape: Shape) -> Result<(Shape, usize, u64), String> {
        match *self {
            LayerSpec::Conv {
                filters,
                kernel,
                stride,
                padding,
            } => conv_plan(shape, filters, kernel, stride, padding),
            LayerSpec::MaxPool { size } => {
                if !(2..=3).contains(&size) {
                    return Err(format!("pool size {size} is not 2 or 3"));
                }
                if shape.height < size || shape.width < size {
                    return Err(format!(
                        "a {size}×{size} pool does not fit a {}×{} input",
                        shape.height, shape.width
                    ));
                }
                let out = Shape::new(shape.height / size, shape.width / size, shape.channels);
                Ok((out, 0, 0))
            }
            LayerSpec::Relu => Ok((shape, 0, 0)),
            LayerSpec::Flatten => Ok((Shape::new(1, 1, shape.len()), 0, 0)),
            LayerSpec::Dense { units } => {
                if shape.height != 1 || shape.width != 1 {
                    return Err("dense needs a flat input: add a flatten layer first".into());
                }
                if !(1..=4096).contains(&units) {
                    return Err(format!("{units} units is outside 1..=4096"));
                }
                let n_in = shape.channels;
                Ok((
                    Shape::new(1, 1, units),
                    n_in * units + units,
                    2 * (n_in * units) as u64,
                ))
            }
            LayerSpec::Dropout { rate } => {
                if !(0.0..0.95).contains(&rate) {
                    return Err(format!("rate {rate} is outside 0..0.95"));
                }
                Ok((shape, 0, 0))
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            LayerSpec::Conv { .. } => "conv",
            LayerSpec::MaxPool { .. } => "max_pool",
            LayerSpec::Relu => "relu",
            LayerSpec::Flatten => "flatten",
            LayerSpec::Dense { .. } => "dense",
            LayerSpec::Dropout { .. } => "dropout",
        }
    }
}

fn conv_plan(
    shape: Shape,
    filters: usize,
    kernel: usize,
    stride: usize,
    padding: Padding,
) -> Result<(Shape, usize, u64), String> {
    if !(1..=MAX_KERNEL).contains(&kernel) {
        return Err(format!("kernel {kernel} is outside 1..={MAX_KERNEL}"));
    }
    if !(1..=MAX_STRIDE).contains(&stride) {
        return Err(format!("stride {stride} is outside 1..={MAX_STRIDE}"));
    }
    if !(1..=MAX_WIDTH).contains(&filters) {
        return Err(format!("{filters} filters is outside 1..={MAX_WIDTH}"));
    }
    if padding == Padding::Same && kernel.is_multiple_of(2) {
        return Err("'same' padding needs an odd kernel".into());
    }
    let pad = conv_pad(kernel, padding);
    let (oh, ow) = (
        conv_out(shape.height, kernel, stride, pad),
        conv_out(shape.width, kernel, stride, pad),
    );
    if oh == 0 || ow == 0 {
        return Err(format!(
            "a {kernel}×{kernel} kernel does not fit a {}×{} input",
            shape.height, shape.width
        ));
    }
    let k = kernel * kernel * shape.channels;
    Ok((
        Shape::new(oh, ow, filters),
        k * filters + filters,
        2 * (oh * ow * k * filters) as u64,
    ))
}

pub(crate) fn conv_pad(kernel: usize, padding: Padding) -> usize {
    match padding {
        Padding::Same => kernel / 2,
        Padding::Valid => 0,
    }
}

pub(crate) fn conv_out(size: usize, kernel: usize, stride: usize, pad: usize) -> usize {
    if size + 2 * pad < kernel {
        0
    } else {
        (size + 2 * pad - kernel) / stride + 1
    }
}

/// REF-CNN, the reference network of the benchmark: 28×28×1 → conv5×5(8) → pool → conv5×5(16) →
/// pool → dense(outputs).
pub fn ref_cnn(input: Shape, outputs: usize) -> NetSpec {
    small_cnn(input, 8, 16, 5, outputs)
}

/// Two conv blocks and a dense output layer, with the given widths.
pub fn small_cnn(input: Shape, c1: usize, c2: usize, kernel: usize, outputs: usize) -> NetSpec {
    let conv = |filters| LayerSpec::Conv {
        filters,
        kernel,
        stride: 1,
        padding: Padding::Same,
    };
    NetSpec {
        input,
        layers: vec![
            conv(c1),
            LayerSpec::Relu,
            LayerSpec::MaxPool { size: 2 },
            conv(c2),
            LayerSpec::Relu,
            LayerSpec::MaxPool { size: 2 },
            LayerSpec::Flatten,
            LayerSpec::Dense { units: outputs },
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_cnn_has_the_documented_size_and_cost() {
        let spec = ref_cnn(Shape::new(28, 28, 1), 10);
        // conv1 208 + conv2 3216 + dense 7850
        assert_eq!(spec.param_count().unwrap(), 11_274);
        // 313,600 + 1,254,400 + 15,680
        assert_eq!(spec.flops_per_image().unwrap(), 1_583_680);
        assert_eq!(
            spec.flops_per_train_sample().unwrap(),
            3 * 1_583_680 - 313_600
        );
    }

    #[test]
    fn bad_specs_are_refused_with_reasons() {
        let mut spec = ref_cnn(Shape::new(28, 28, 1), 10);
        spec.layers[0] = LayerSpec::Conv {
            filters: 8,
            kernel: 4,
            stride: 1,
            padding: Padding::Same,
        };
        assert!(spec.plan().unwrap_err().to_string().contains("odd kernel"));
        spec.layers.remove(0);
        spec.layers.remove(5); // flatten
        assert!(spec.plan().unwrap_err().to_string().contains("flatten"));
        let tiny = small_cnn(Shape::new(3, 3, 1), 4, 4, 7, 2);
        assert!(tiny.plan().is_err());
    }
}
