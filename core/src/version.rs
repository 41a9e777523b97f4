//! Build identity shown by `/healthz` and the admin app footer.

/// Product name as shown to people.
pub const PRODUCT_NAME: &str = "Switchboard";

/// Version of the domain crate; the server and app report it so an admin can
/// tell which build answers.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
