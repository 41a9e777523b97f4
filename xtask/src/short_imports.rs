//! wasm-bindgen names every import of the widget `__wbg_<name>_<16 hex
//! digits>` and the glue spells each name again as a key of its import
//! object: for the widget, 26 names of about 33 bytes, twice, that compress
//! badly (the hex digits are random). This renames them `a`, `b`, … in both
//! the module's import section and the glue, which saves the loader about
//! 0.7 KB gzipped on every page view (measured with `cargo xtask size`).
//!
//! Only the import section changes; every other section is copied byte for
//! byte. The renaming refuses anything it does not fully understand.

use anyhow::{bail, Context, Result};

/// The module the glue's import object provides.
const GLUE_MODULE: &str = "./widget_bg.js";

/// `wasm` and `glue` with the glue module's imports renamed.
pub fn shorten(wasm: &[u8], glue: &str) -> Result<(Vec<u8>, String)> {
    if wasm.get(..8) != Some(b"\0asm\x01\0\0\0".as_slice()) {
        bail!("not a version 1 wasm module");
    }
    let mut out = wasm[..8].to_vec();
    let mut renamed: Vec<(String, String)> = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let mut cursor = Cursor {
            bytes: wasm,
            at: at + 1,
        };
        let size = cursor.u32()? as usize;
        let start = cursor.at;
        let end = start
            .checked_add(size)
            .filter(|&end| end <= wasm.len())
            .context("a section runs past the end of the module")?;
        if id == 2 {
            let section = rename_imports(&wasm[start..end], &mut renamed)?;
            out.push(2);
            leb(&mut out, section.len() as u64);
            out.extend(section);
        } else {
            out.extend(&wasm[at..end]);
        }
        at = end;
    }
    let mut glue = glue.to_string();
    for (old, new) in &renamed {
        let key = format!("{old}:");
        if glue.matches(old.as_str()).count() != 1 || glue.matches(&key).count() != 1 {
            bail!("the glue does not name the import {old} exactly once, as a key");
        }
        glue = glue.replacen(&key, &format!("{new}:"), 1);
    }
    Ok((out, glue))
}

fn rename_imports(section: &[u8], renamed: &mut Vec<(String, String)>) -> Result<Vec<u8>> {
    let mut cursor = Cursor {
        bytes: section,
        at: 0,
    };
    let count = cursor.u32()?;
    let mut out = Vec::new();
    leb(&mut out, u64::from(count));
    for _ in 0..count {
        let module = cursor.name()?;
        let field = cursor.name()?;
        let desc_start = cursor.at;
        cursor.import_desc()?;
        let desc = &section[desc_start..cursor.at];
        let field = if module == GLUE_MODULE {
            let short = short_name(renamed.len());
            renamed.push((field.to_string(), short.clone()));
            short
        } else {
            field.to_string()
        };
        name(&mut out, module);
        name(&mut out, &field);
        out.extend(desc);
    }
    if cursor.at != section.len() {
        bail!("the import section has bytes after its last import");
    }
    Ok(out)
}

/// `a` … `z`, `ba` … : never a JavaScript keyword or `__proto__`.
fn short_name(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'a' + (index % 26) as u8);
        index /= 26;
        if index == 0 {
            break;
        }
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Result<u8> {
        let byte = *self
            .bytes
            .get(self.at)
            .context("the module ends too early")?;
        self.at += 1;
        Ok(byte)
    }

    fn u64(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        bail!("a LEB128 number is too long")
    }

    fn u32(&mut self) -> Result<u32> {
        u32::try_from(self.u64()?).context("a LEB128 number is too large")
    }

    fn name(&mut self) -> Result<&'a str> {
        let length = self.u32()? as usize;
        let end = self
            .at
            .checked_add(length)
            .filter(|&end| end <= self.bytes.len())
            .context("a name runs past its section")?;
        let text = std::str::from_utf8(&self.bytes[self.at..end]).context("a name is not UTF-8")?;
        self.at = end;
        Ok(text)
    }

    fn limits(&mut self) -> Result<()> {
        let flags = self.byte()?;
        if flags > 0x07 {
            bail!("limits with flags {flags:#x} are not understood");
        }
        self.u64()?;
        if flags & 1 != 0 {
            self.u64()?;
        }
        Ok(())
    }

    /// Skips one import description (function, table, memory, global, tag).
    fn import_desc(&mut self) -> Result<()> {
        match self.byte()? {
            0x00 => self.u32().map(drop),
            0x01 => {
                let reference = self.byte()?;
                if !matches!(reference, 0x70 | 0x6f) {
                    bail!("a table of type {reference:#x} is not understood");
                }
                self.limits()
            }
            0x02 => self.limits(),
            0x03 => {
                let value = self.byte()?;
                if !matches!(value, 0x7f | 0x7e | 0x7d | 0x7c | 0x7b | 0x70 | 0x6f) {
                    bail!("a global of type {value:#x} is not understood");
                }
                self.byte().map(drop)
            }
            0x04 => {
                self.byte()?;
                self.u32().map(drop)
            }
            kind => bail!("an import of kind {kind:#x} is not understood"),
        }
    }
}

fn leb(out: &mut Vec<u8>, mut value: u64) {
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

fn name(out: &mut Vec<u8>, text: &str) {
    leb(out, text.len() as u64);
    out.extend(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing two glue functions and a memory from elsewhere,
    /// with a type section before and a custom section after.
    fn module(first: &str, second: &str) -> Vec<u8> {
        let mut imports = Vec::new();
        leb(&mut imports, 3);
        for field in [first, second] {
            name(&mut imports, GLUE_MODULE);
            name(&mut imports, field);
            imports.extend([0x00, 0x00]);
        }
        name(&mut imports, "env");
        name(&mut imports, "memory");
        imports.extend([0x02, 0x01, 0x01, 0x90, 0x01]);
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]);
        wasm.push(0x02);
        leb(&mut wasm, imports.len() as u64);
        wasm.extend(imports);
        wasm.extend([0x00, 0x03, 0x01, b'x', 0x2a]);
        wasm
    }

    #[test]
    fn glue_imports_get_short_names_in_the_module_and_the_glue() {
        let glue = "const import0 = { __wbg_log_0123456789abcdef: function(a) {}, __wbg_now_fedcba9876543210: function() {} };";
        let (wasm, glue) = shorten(
            &module("__wbg_log_0123456789abcdef", "__wbg_now_fedcba9876543210"),
            glue,
        )
        .expect("shorten");
        assert_eq!(wasm, module("a", "b"));
        assert_eq!(
            glue,
            "const import0 = { a: function(a) {}, b: function() {} };"
        );
    }

    #[test]
    fn a_name_the_glue_does_not_spell_once_is_refused() {
        let wasm = module("__wbg_log_0123456789abcdef", "__wbg_now_fedcba9876543210");
        assert!(shorten(&wasm, "__wbg_log_0123456789abcdef: 1").is_err());
    }

    #[test]
    fn short_names_count_in_letters() {
        assert_eq!(short_name(0), "a");
        assert_eq!(short_name(25), "z");
        assert_eq!(short_name(26), "ba");
    }
}
