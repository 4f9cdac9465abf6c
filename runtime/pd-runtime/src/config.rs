//! The component's view of itself: its archived `ComponentConfig`, mapped
//! read-only by the root task and read in place.

use system_manifest::ArchivedComponentConfig;

use crate::global::Global;

static CONFIG: Global<&'static ArchivedComponentConfig> = Global::new();

/// Validates the archive at `bytes` and makes it the component's config.
pub(crate) fn init(bytes: &'static [u8]) {
    match rkyv::access::<ArchivedComponentConfig, rkyv::rancor::Failure>(bytes) {
        Ok(config) => CONFIG.set(config),
        // Nothing to log with yet: fault, and the supervisor reports it.
        Err(_) => crate::panic::fault_now(),
    }
}

/// The component's configuration (channels, rings, devices).
pub fn config() -> &'static ArchivedComponentConfig {
    CONFIG.get()
}

/// The component's name in the system description.
pub fn name() -> &'static str {
    config().name.as_str()
}

/// The name, or a placeholder before the config is read (for panics).
pub(crate) fn name_or_unknown() -> &'static str {
    // SAFETY of the check: `is_set` only reads the flag the runtime set.
    if CONFIG.is_set() {
        name()
    } else {
        "(unknown)"
    }
}
