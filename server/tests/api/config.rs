use clap::Parser;
use switchboard_server::configuration::Config;

#[test]
fn defaults_listen_on_loopback_8080_with_data_and_dist() {
    // Parsed without the environment variables clap would otherwise read.
    let config = Config::try_parse_from(["switchboard-server"]).expect("defaults parse");
    if std::env::var_os("SWITCHBOARD_LISTEN").is_none() {
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    }
    if std::env::var_os("SWITCHBOARD_DATA_DIR").is_none() {
        assert_eq!(config.data_dir, std::path::PathBuf::from("data"));
    }
}

#[test]
fn flags_override_defaults() {
    let config = Config::try_parse_from([
        "switchboard-server",
        "--listen",
        "0.0.0.0:9000",
        "--data-dir",
        "/var/lib/switchboard",
        "--assets-dir",
        "/opt/switchboard/dist",
    ])
    .expect("flags parse");
    assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
    assert_eq!(
        config.data_dir,
        std::path::PathBuf::from("/var/lib/switchboard")
    );
    assert_eq!(
        config.assets_dir,
        std::path::PathBuf::from("/opt/switchboard/dist")
    );
}

#[test]
fn a_bad_listen_address_is_refused_with_a_message() {
    let error = Config::try_parse_from(["switchboard-server", "--listen", "localhost"])
        .expect_err("must fail");
    assert!(error.to_string().contains("--listen"), "{error}");
}
