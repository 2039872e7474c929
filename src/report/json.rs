//! JSON: the four tables and the problems list in one file, for scripts.
//!
//! Rows are objects keyed by the CSV column names; times are ISO 8601 with offset, lengths
//! whole seconds, percentages rounded to one decimal as in the other formats. Rows are
//! streamed out one at a time so a large report does not build a second copy in memory.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{Map, Value, json};

use super::{Cell, Report, TableKind, round_percent};
use crate::archive::write_atomically;

pub fn write(report: &Report, path: &Path) -> Result<PathBuf> {
    write_atomically(path, |file| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
        write_to(report, &mut out)?;
        out.flush()?;
        Ok(())
    })?;
    Ok(path.to_path_buf())
}

/// Writes the whole report as one JSON object to `out`.
pub fn write_to(report: &Report, out: &mut impl Write) -> Result<()> {
    let header = json!({
        "from": report.range.from.to_string(),
        "to": report.range.to.to_string(),
        "time_zone": report.tz.name(),
        "generated_at": report.iso_time(report.generated_at),
        "complete": report.is_complete,
        "totals": report.totals(),
        "problems": report.problems,
    });
    let header = serde_json::to_string(&header)?;
    // Reopen the header object so the tables can be streamed in after its fields.
    out.write_all(&header.as_bytes()[..header.len() - 1])?;
    for table in TableKind::ALL {
        write!(out, ",\"{}\":[", table.key())?;
        for (index, row) in report.rows(table).enumerate() {
            if index > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &row_object(report, table, &row))?;
        }
        out.write_all(b"]")?;
    }
    out.write_all(b"}\n")?;
    Ok(())
}

fn row_object(report: &Report, table: TableKind, row: &[Cell]) -> Map<String, Value> {
    table
        .columns()
        .iter()
        .zip(row)
        .map(|(column, cell)| (column.to_string(), value(report, cell)))
        .collect()
}

fn value(report: &Report, cell: &Cell) -> Value {
    match cell {
        Cell::Text(text) => Value::from(text.as_ref()),
        Cell::Id(id) => Value::from(id.as_ref()),
        Cell::Int(n) | Cell::Seconds(n) => Value::from(*n),
        Cell::Percent(value) => value.map_or(Value::Null, |v| json!(round_percent(v))),
        Cell::Time(time) => time.map_or(Value::Null, |t| Value::from(report.iso_time(t))),
        Cell::Empty => Value::Null,
    }
}
