//! Profile images of chatbots, as files under the data directory:
//! `chatbot-images/{bot}/{file}`. Each upload gets a new file name, so a URL
//! names one image forever; the document says which file is current.
//! Files are written like the store file (temporary file, fsync, rename,
//! fsync of the directory).

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub const IMAGES_DIR: &str = "chatbot-images";

#[derive(Debug, Clone)]
pub struct ProfileImages {
    dir: PathBuf,
}

/// Ids and file names are ours (`[a-z0-9-.]`), but a name from a URL is
/// checked before it becomes a path.
fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

impl ProfileImages {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join(IMAGES_DIR),
        }
    }

    fn path(&self, bot: &str, file: &str) -> Option<PathBuf> {
        (is_safe_name(bot) && is_safe_name(file)).then(|| self.dir.join(bot).join(file))
    }

    pub fn write(&self, bot: &str, file: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self
            .path(bot, file)
            .ok_or_else(|| std::io::Error::other("not a valid image name"))?;
        let folder = self.dir.join(bot);
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&folder)?;
        let temp = folder.join(format!(".{file}.tmp"));
        let written = (|| {
            let mut out = File::options()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&temp)?;
            out.write_all(bytes)?;
            out.sync_all()?;
            drop(out);
            fs::rename(&temp, &path)?;
            File::open(&folder)?.sync_all()
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temp);
        }
        written
    }

    pub fn read(&self, bot: &str, file: &str) -> Option<Vec<u8>> {
        fs::read(self.path(bot, file)?).ok()
    }

    /// Removes one image; one already gone is fine.
    pub fn remove(&self, bot: &str, file: &str) {
        if let Some(path) = self.path(bot, file) {
            if let Err(error) = fs::remove_file(&path) {
                if error.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(%error, path = %path.display(), "cannot remove a replaced profile image");
                }
            }
        }
    }

    /// Removes every image of a deleted bot.
    pub fn remove_bot(&self, bot: &str) {
        if !is_safe_name(bot) {
            return;
        }
        let folder = self.dir.join(bot);
        if let Err(error) = fs::remove_dir_all(&folder) {
            if error.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(%error, path = %folder.display(), "cannot remove a deleted bot's images");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_written_read_and_removed_under_their_bot_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let images = ProfileImages::new(dir.path());
        images.write("bot1", "photo-3.png", b"png").expect("write");
        assert_eq!(
            images.read("bot1", "photo-3.png").as_deref(),
            Some(&b"png"[..])
        );
        for bad in ["../bot1", ".hidden", "a/b", "PHOTO.png", ""] {
            assert!(images.read(bad, "photo-3.png").is_none(), "{bad}");
            assert!(images.read("bot1", bad).is_none(), "{bad}");
        }
        images.remove("bot1", "photo-3.png");
        assert!(images.read("bot1", "photo-3.png").is_none());
        images.write("bot1", "cover-4.png", b"x").expect("write");
        images.remove_bot("bot1");
        assert!(!dir.path().join(IMAGES_DIR).join("bot1").exists());
    }
}
