//! The boot image embedded in the root task: the system manifest and the
//! component programs, as one rkyv archive validated in place at boot.

use system_manifest::{ArchivedBootImage, FORMAT_VERSION};

#[repr(C, align(16))]
struct AlignedBytes<T: ?Sized>(T);

include!(concat!(env!("OUT_DIR"), "/boot_image.rs"));

/// The embedded boot image, checked (bounds, enum tags, pointers) but not
/// copied or parsed.
pub fn boot_image() -> Result<&'static ArchivedBootImage, &'static str> {
    let image = rkyv::access::<ArchivedBootImage, rkyv::rancor::Failure>(&BOOT_IMAGE_BYTES.0)
        .map_err(|_| {
            "the embedded boot image is not a valid archive (rebuild with `cargo xtask build`)"
        })?;
    if image.format_version.to_native() != FORMAT_VERSION {
        return Err("the embedded boot image was written for another manifest format version");
    }
    Ok(image)
}
