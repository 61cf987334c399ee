//! `vellum bench …`: figures next to their baselines from the same run.

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum BenchCommand {}

pub async fn run(command: BenchCommand) -> Result<ExitCode, String> {
    match command {}
}
