//! Saving and loading trained networks in a small versioned binary format:
//! `"OVRW"`, u32 version, u32 spec length, spec as JSON, u32 parameter count, f32 parameters
//! (all little-endian).

use super::network::Network;
use super::spec::NetSpec;
use super::NetError;

const MAGIC: &[u8; 4] = b"OVRW";
pub const WEIGHTS_VERSION: u32 = 1;

pub fn save(net: &Network) -> Vec<u8> {
    let spec = serde_json::to_vec(net.spec()).expect("a spec always serialises");
    let mut out = Vec::with_capacity(16 + spec.len() + 4 * net.params.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&WEIGHTS_VERSION.to_le_bytes());
    out.extend_from_slice(&(spec.len() as u32).to_le_bytes());
    out.extend_from_slice(&spec);
    out.extend_from_slice(&(net.params.len() as u32).to_le_bytes());
    for p in &net.params {
        out.extend_from_slice(&p.to_le_bytes());
    }
    out
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at.checked_add(4)?)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
}

/// Reads a saved network. When `expected` is given, the file must hold exactly that architecture.
pub fn load(bytes: &[u8], expected: Option<&NetSpec>) -> Result<Network, NetError> {
    let (spec, params) = read(bytes, expected).map_err(NetError::Weights)?;
    Network::with_params(&spec, params, 0)
}

fn read(bytes: &[u8], expected: Option<&NetSpec>) -> Result<(NetSpec, Vec<f32>), String> {
    if bytes.get(..4) != Some(MAGIC) {
        return Err("not an ovr-lab weights file (wrong magic)".into());
    }
    let version = u32_at(bytes, 4).ok_or("truncated header")?;
    if version != WEIGHTS_VERSION {
        return Err(format!(
            "weights format version {version}, this build reads version {WEIGHTS_VERSION}"
        ));
    }
    let spec_len = u32_at(bytes, 8).ok_or("truncated header")? as usize;
    let spec_bytes = bytes
        .get(12..12usize.saturating_add(spec_len))
        .ok_or("truncated architecture")?;
    let spec: NetSpec =
        serde_json::from_slice(spec_bytes).map_err(|e| format!("unreadable architecture: {e}"))?;
    if let Some(want) = expected {
        if want != &spec {
            return Err("the file holds a different architecture than this model".into());
        }
    }
    let count_at = 12 + spec_len;
    let count = u32_at(bytes, count_at).ok_or("truncated parameter count")? as usize;
    let expected_count = spec.param_count().map_err(|e| e.to_string())?;
    if count != expected_count {
        return Err(format!(
            "the architecture has {expected_count} parameters but the file says {count}"
        ));
    }
    let data = &bytes[count_at + 4..];
    if data.len() != count * 4 {
        return Err(format!(
            "expected {} bytes of parameters, found {}",
            count * 4,
            data.len()
        ));
    }
    let params = data
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    Ok((spec, params))
}
