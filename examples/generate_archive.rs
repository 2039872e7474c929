//! Writes a synthetic archive of any size, deterministic from a seed, for benchmarks and for
//! trying the tool on a large account.
//!
//! ```text
//! cargo run --release --example generate_archive -- --out /tmp/year --instances 20000 \
//!     --people 30000 --rows 1000000 --from 2024-01-01 --to 2024-12-31 [--seed 1]
//! ```

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use std::path::PathBuf;

use chrono::NaiveDate;
use synthetic::{Spec, Synthetic};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let number = |flag: &str, default: &str| -> usize {
        value(flag, default)
            .parse()
            .unwrap_or_else(|_| usage(&format!("{flag} takes a number")))
    };
    let day = |flag: &str, default: &str| -> NaiveDate {
        value(flag, default)
            .parse()
            .unwrap_or_else(|_| usage(&format!("{flag} takes YYYY-MM-DD")))
    };
    let Some(out) = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
    else {
        usage("--out DIR is required");
    };
    let out = PathBuf::from(out);
    let (from, to) = (day("--from", "2024-07-01"), day("--to", "2024-07-31"));
    let instances = number("--instances", "600").max(1);
    let rows = number("--rows", "30000");
    let mut spec = Spec::small(from, to);
    spec.seed = number("--seed", "1") as u64;
    spec.hosts = number("--hosts", "20").max(1);
    spec.instances = instances;
    spec.people = number("--people", "2000").max(spec.hosts + 1);
    // Rejoins, second devices and waiting rooms add about 3 % to the rows drawn.
    spec.rows_per_instance = ((rows as f64 / instances as f64) / 1.03).round().max(2.0) as usize;
    let account = Synthetic::generate(&spec);
    if let Err(error) = account.write_archive(&out, from, to) {
        eprintln!("generate_archive: cannot write {}: {error}", out.display());
        std::process::exit(1);
    }
    println!(
        "wrote {}: {} instances, {} join rows, {} hosts",
        out.display(),
        account.meetings.len(),
        account.row_count(),
        account.users.len()
    );
}

fn usage(problem: &str) -> ! {
    eprintln!("generate_archive: {problem}");
    eprintln!(
        "usage: generate_archive --out DIR [--instances N] [--rows N] [--people N] [--hosts N] \
         [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed N]"
    );
    std::process::exit(2);
}
