//! The configuration file (`--config FILE`, env `VELLUM_CONFIG`): TOML whose keys are the
//! flags' names with `_` (`listen`, `data`, `database_url`, `workers`…). It sits between the
//! defaults and the environment: a value from it is used only when neither a flag nor a
//! `VELLUM_*` variable gives one, by handing it to the flag parser as if typed. A key that
//! names no flag refuses to start, naming the key.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};

/// The arguments to parse: `args` with the file's values added where nothing else set them.
pub fn merged(command: &Command, args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    // Help, a version query or a mistyped flag: the real parse says so.
    let Ok(first) = command.clone().try_get_matches_from(&args) else { return Ok(args) };
    let Some(file) = first.get_one::<std::path::PathBuf>("config").cloned() else { return Ok(args) };
    let table = read(&file)?;
    let known = keys(command);
    if let Some(unknown) = table.keys().find(|k| !known.contains(k.as_str())) {
        return Err(format!(
            "{}: '{unknown}' is not a setting (settings are the flags' names with '_', such as listen, data, \
             database_url, workers)",
            file.display()
        ));
    }
    let Some((name, sub)) = first.subcommand() else { return Ok(args) };
    let Some(sub_command) = command.find_subcommand(name) else { return Ok(args) };
    let mut out = args;
    for (key, value) in &table {
        let Some(arg) = sub_command.get_arguments().find(|a| a.get_id().as_str() == key) else { continue };
        if given(sub, key) {
            continue;
        }
        let Some(long) = arg.get_long() else { continue };
        let text = match value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(format!(
                    "{}: '{key}' must be a string, a number or true/false, not {}",
                    file.display(),
                    other.type_str()
                ))
            }
        };
        if arg.get_action().takes_values() {
            out.push(format!("--{long}={text}").into());
        } else if text == "true" {
            out.push(format!("--{long}").into());
        }
    }
    Ok(out)
}

/// Whether a flag or the environment already set this value.
fn given(m: &ArgMatches, id: &str) -> bool {
    matches!(m.value_source(id), Some(ValueSource::CommandLine | ValueSource::EnvVariable))
}

fn read(file: &Path) -> Result<toml::Table, String> {
    let text =
        std::fs::read_to_string(file).map_err(|e| format!("cannot read the configuration {}: {e}", file.display()))?;
    text.parse::<toml::Table>().map_err(|e| format!("{}: {e}", file.display()))
}

/// Every setting any command takes.
fn keys(command: &Command) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for sub in command.get_subcommands() {
        for arg in sub.get_arguments() {
            let id = arg.get_id().as_str();
            if arg.get_long().is_some() && !matches!(id, "config" | "help" | "version") {
                out.insert(id.to_string());
            }
        }
        out.extend(keys(sub));
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::{Arg, ArgAction};

    use super::*;

    fn cli() -> Command {
        Command::new("vellum")
            .arg(Arg::new("config").long("config").global(true).value_parser(clap::value_parser!(std::path::PathBuf)))
            .subcommand(
                Command::new("serve")
                    .arg(Arg::new("listen").long("listen").env("VELLUM_TEST_LISTEN").default_value("127.0.0.1:8080"))
                    .arg(Arg::new("workers").long("workers").default_value("2"))
                    .arg(Arg::new("quiet").long("quiet").action(ArgAction::SetTrue)),
            )
    }

    fn args(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    fn parsed(file: &str, argv: &[&str]) -> Result<ArgMatches, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vellum.toml");
        std::fs::write(&path, file).unwrap();
        let mut v = args(argv);
        v.push("--config".into());
        v.push(path.into_os_string());
        let merged = merged(&cli(), v)?;
        let m = cli().try_get_matches_from(merged).unwrap();
        Ok(m.subcommand_matches("serve").unwrap().clone())
    }

    #[test]
    fn the_file_fills_what_flags_leave_and_flags_win() {
        let m = parsed("workers = 8\nquiet = true\n", &["vellum", "serve"]).unwrap();
        assert_eq!(m.get_one::<String>("workers").unwrap(), "8");
        assert!(m.get_flag("quiet"));
        let m = parsed("workers = 8\n", &["vellum", "serve", "--workers", "3"]).unwrap();
        assert_eq!(m.get_one::<String>("workers").unwrap(), "3");
        let m = parsed("", &["vellum", "serve"]).unwrap();
        assert_eq!(m.get_one::<String>("workers").unwrap(), "2");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        // A variable only this test reads.
        std::env::set_var("VELLUM_TEST_LISTEN", "10.0.0.1:1");
        let m = parsed("listen = \"10.0.0.2:2\"\n", &["vellum", "serve"]).unwrap();
        assert_eq!(m.get_one::<String>("listen").unwrap(), "10.0.0.1:1");
        std::env::remove_var("VELLUM_TEST_LISTEN");
        let m = parsed("listen = \"10.0.0.2:2\"\n", &["vellum", "serve"]).unwrap();
        assert_eq!(m.get_one::<String>("listen").unwrap(), "10.0.0.2:2");
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = parsed("listne = \"0.0.0.0:80\"\n", &["vellum", "serve"]).unwrap_err();
        assert!(e.contains("'listne' is not a setting"), "{e}");
        let e = parsed("workers = [1]\n", &["vellum", "serve"]).unwrap_err();
        assert!(e.contains("'workers' must be"), "{e}");
        let e = parsed("workers = \n", &["vellum", "serve"]).unwrap_err();
        assert!(e.contains("vellum.toml"), "{e}");
    }
}
