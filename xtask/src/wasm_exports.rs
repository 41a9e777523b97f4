//! Removes exports from a wasm module. wasm-ld exports `__data_end` and
//! `__heap_base` from every cdylib; the loader's JavaScript never reads them,
//! and once they are gone wasm-opt can drop the globals too (a few dozen
//! bytes of a loader that runs on every page view).

use anyhow::{bail, Context, Result};

const EXPORT_SECTION: u8 = 7;

/// `module` without the exports named in `unwanted`.
pub fn without_exports(module: &[u8], unwanted: &[&str]) -> Result<Vec<u8>> {
    if module.get(..4) != Some(b"\0asm".as_slice()) || module.len() < 8 {
        bail!("not a wasm module");
    }
    let mut out = module[..8].to_vec();
    let mut at = 8;
    while at < module.len() {
        let id = module[at];
        at += 1;
        let size = read_u32(module, &mut at)? as usize;
        let payload = module
            .get(at..at + size)
            .context("a section runs past the end of the module")?;
        at += size;
        let payload = if id == EXPORT_SECTION {
            filter_exports(payload, unwanted)?
        } else {
            payload.to_vec()
        };
        out.push(id);
        write_u32(&mut out, payload.len() as u32);
        out.extend_from_slice(&payload);
    }
    Ok(out)
}

fn filter_exports(payload: &[u8], unwanted: &[&str]) -> Result<Vec<u8>> {
    let mut at = 0;
    let count = read_u32(payload, &mut at)?;
    let mut kept = Vec::new();
    let mut kept_count = 0;
    for _ in 0..count {
        let start = at;
        let length = read_u32(payload, &mut at)? as usize;
        let name = payload
            .get(at..at + length)
            .context("an export name runs past its section")?;
        at += length + 1; // the name, then the kind
        read_u32(payload, &mut at)?; // the index
        if !unwanted.iter().any(|u| u.as_bytes() == name) {
            kept.extend_from_slice(payload.get(start..at).context("export past its section")?);
            kept_count += 1;
        }
    }
    let mut out = Vec::new();
    write_u32(&mut out, kept_count);
    out.extend_from_slice(&kept);
    Ok(out)
}

fn read_u32(bytes: &[u8], at: &mut usize) -> Result<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at).context("a number runs past the end")?;
        *at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("a number longer than 5 bytes")
}

fn write_u32(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module exporting memory 0 as "memory" and global 0 as "__heap_base".
    fn module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // memory section: one memory, min 1 page
        m.extend_from_slice(&[5, 3, 1, 0, 1]);
        // global section: one i32 global = 0
        m.extend_from_slice(&[6, 6, 1, 0x7f, 0, 0x41, 0, 0x0b]);
        let mut exports = vec![2];
        exports.extend_from_slice(&[6]);
        exports.extend_from_slice(b"memory");
        exports.extend_from_slice(&[2, 0]);
        exports.extend_from_slice(&[11]);
        exports.extend_from_slice(b"__heap_base");
        exports.extend_from_slice(&[3, 0]);
        m.push(EXPORT_SECTION);
        m.push(exports.len() as u8);
        m.extend_from_slice(&exports);
        m
    }

    #[test]
    fn drops_only_the_named_exports_and_keeps_every_other_section() {
        let stripped = without_exports(&module(), &["__heap_base"]).expect("valid module");
        let mut expected = b"\0asm\x01\0\0\0".to_vec();
        expected.extend_from_slice(&[5, 3, 1, 0, 1]);
        expected.extend_from_slice(&[6, 6, 1, 0x7f, 0, 0x41, 0, 0x0b]);
        expected.extend_from_slice(&[EXPORT_SECTION, 10, 1, 6]);
        expected.extend_from_slice(b"memory");
        expected.extend_from_slice(&[2, 0]);
        assert_eq!(stripped, expected);
        assert_eq!(
            without_exports(&module(), &[]).expect("valid module"),
            module()
        );
    }

    #[test]
    fn numbers_round_trip_and_garbage_is_refused() {
        for value in [0, 1, 127, 128, 300, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_u32(&mut out, value);
            let mut at = 0;
            assert_eq!(read_u32(&out, &mut at).expect("valid"), value);
            assert_eq!(at, out.len());
        }
        assert!(without_exports(b"not wasm", &[]).is_err());
        let mut truncated = module();
        truncated.truncate(truncated.len() - 3);
        assert!(without_exports(&truncated, &["memory"]).is_err());
    }
}
