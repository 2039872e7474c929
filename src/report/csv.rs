//! CSV: one RFC 4180 file per table (CRLF line ends), UTF-8, times in ISO 8601 with offset.
//!
//! Cells that came from Zoom (names, topics, uuids) and start with `=`, `+`, `-`, `@`, a tab or a carriage return
//! are prefixed with `'` (OWASP's rule against formula injection) so a spreadsheet opening
//! the file shows them as text; `--csv-raw` turns that off for scripts.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{Cell, CsvOptions, Report, TableKind, percent_text};
use crate::archive::write_atomically;

/// Writes `<stem>_<table>.csv` for each table; returns the paths.
pub fn write(report: &Report, out_dir: &Path, options: &CsvOptions) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for table in TableKind::ALL {
        let path = out_dir.join(format!("{}_{}.csv", report.file_stem(), table.key()));
        write_atomically(&path, |file| {
            let mut buffered = std::io::BufWriter::with_capacity(1 << 16, file);
            if options.bom {
                buffered.write_all("\u{feff}".as_bytes())?;
            }
            write_table(report, table, options, &mut buffered)?;
            buffered.flush()?;
            Ok(())
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes one table as CSV to `sink`.
pub fn write_table(
    report: &Report,
    table: TableKind,
    options: &CsvOptions,
    sink: impl Write,
) -> Result<()> {
    // RFC 4180 ends records with CRLF; the csv crate's default is a bare LF.
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(sink);
    writer.write_record(table.columns())?;
    for row in report.rows(table) {
        for cell in &row {
            writer.write_field(render(report, cell, options).as_bytes())?;
        }
        // An empty record ends the one whose fields were just written.
        writer.write_record(None::<&[u8]>)?;
    }
    writer.flush()?;
    Ok(())
}

fn render<'c>(report: &Report, cell: &'c Cell, options: &CsvOptions) -> Cow<'c, str> {
    match cell {
        Cell::Text(text) if options.raw => Cow::Borrowed(text),
        Cell::Text(text) => neutralise(text),
        Cell::Id(id) if options.raw => Cow::Borrowed(id),
        // Uuids are base64 and may start with `+`: a spreadsheet would read one as a formula.
        Cell::Id(id) => neutralise(id),
        Cell::Int(n) | Cell::Seconds(n) => Cow::Owned(n.to_string()),
        Cell::Percent(value) => Cow::Owned(percent_text(*value)),
        Cell::Time(time) => Cow::Owned(time.map(|t| report.iso_time(t)).unwrap_or_default()),
        Cell::Empty => Cow::Borrowed(""),
    }
}

/// Prefixes a cell that a spreadsheet would read as a formula.
pub fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn formula_starts_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("+84 912 345 678"), "'+84 912 345 678");
        assert_eq!(neutralise("-2+3"), "'-2+3");
        assert_eq!(neutralise("\t=1"), "'\t=1");
        assert_eq!(neutralise("\r=1"), "'\r=1");
        assert_eq!(neutralise("Nguyễn"), "Nguyễn");
        assert_eq!(neutralise("a=1"), "a=1");
    }
}
