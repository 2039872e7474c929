//! Excel workbook: a `Summary` sheet, then `People`, `Meetings`, `Attendance`, `Sessions`,
//! and `Problems` when anything could not be fetched.
//!
//! Cells keep their types: times are Excel date-times in the report's zone, lengths are
//! durations (`[h]:mm:ss`), percentages are percentages, and ids are text so that meeting
//! ids beyond 2^53 never turn into rounded numbers. Sheets are written in constant-memory
//! mode, row by row, each table's sheets on threads of their own; a table longer than
//! Excel's row limit continues on `<Sheet> (2)`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use rust_xlsxwriter::{
    Color, ConditionalFormatFormula, ExcelDateTime, Format, FormatAlign, Table, TableColumn,
    TableStyle, Workbook, Worksheet, XlsxError,
};

use super::{Cell, Report, TableKind, round_percent};
use crate::archive::write_atomically;

/// Excel's last row is 1,048,576; one row of each sheet is its header.
pub const EXCEL_DATA_ROWS: usize = 1_048_575;

/// Sheets up to this many rows are Excel tables. rust_xlsxwriter checks a table cell by
/// cell (about 4 µs and 300 bytes a row), so longer sheets get the same look from an
/// autofilter, the header format and banded rows instead.
const TABLE_ROWS: usize = 100_000;

/// Where sheets are cut and tables stop.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Data rows per sheet before a table continues on `<Sheet> (2)`.
    pub rows_per_sheet: usize,
    /// The longest sheet written as an Excel table.
    pub table_rows: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            rows_per_sheet: EXCEL_DATA_ROWS,
            table_rows: TABLE_ROWS,
        }
    }
}

pub fn write(report: &Report, path: &Path) -> Result<PathBuf> {
    write_with_limits(report, path, Limits::default())?;
    Ok(path.to_path_buf())
}

/// The start of the message rust_xlsxwriter panics with when a constant-memory sheet's
/// temporary file cannot be written.
const SHEET_WRITE_PANIC: &str = "Couldn't write to xml file";

/// Whether a panic is rust_xlsxwriter failing to write a sheet's temporary file, which
/// [`write_with_limits`] turns into an error: the panic hook need not print it.
pub fn is_sheet_write_panic(payload: &(dyn std::any::Any + Send)) -> bool {
    panic_text(payload).is_some_and(|text| text.starts_with(SHEET_WRITE_PANIC))
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}

/// Writes the workbook, splitting tables as `limits` says.
///
/// Errors: the path named, when any part of the workbook cannot be written. A full disk
/// while a sheet is written makes rust_xlsxwriter panic rather than return an error; that
/// panic is caught here and reported like any other write error.
pub fn write_with_limits(report: &Report, path: &Path, limits: Limits) -> Result<()> {
    let writing = std::panic::AssertUnwindSafe(|| build(report, path, limits));
    match std::panic::catch_unwind(writing) {
        Ok(result) => result,
        Err(payload) if is_sheet_write_panic(payload.as_ref()) => {
            let text = panic_text(payload.as_ref()).unwrap_or_default();
            // The text ends with the io::Error's Debug form: `... message: "No space left" }`.
            let cause = text
                .rsplit_once("message: \"")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map_or(text, |(message, _)| message);
            Err(anyhow::anyhow!(
                "cannot write {}: a sheet could not be written ({cause})",
                path.display()
            ))
        }
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

fn build(report: &Report, path: &Path, limits: Limits) -> Result<()> {
    let mut workbook = Workbook::new();
    // Sheets are buffered in temporary files beside the report rather than in the system's
    // temporary folder, which may be small.
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        workbook.set_tempdir(folder)?;
    }
    // Compressing the sheets is most of the time a large workbook takes; level 2 saves
    // about 40 % of it for files about 10 % larger than the default level 6.
    workbook.set_zip_compression_level(2);
    let styles = Styles::new();
    // The sheets are filled on several threads, which share the workbook's format table.
    // rust_xlsxwriter adds a format it has not seen without checking again under its
    // write lock, so two threads meeting a new format at once could give it two numbers
    // and cells the wrong style. Registering every format the sheets use first leaves the
    // threads only reading the table.
    for format in [
        &styles.time,
        &styles.duration,
        &styles.percent,
        &styles.header,
    ] {
        workbook.register_format(format);
    }
    let summary = workbook.add_worksheet();
    write_summary(report, summary, &styles, limits.rows_per_sheet)?;
    for sheet in write_tables(report, &mut workbook, &styles, limits)? {
        workbook.push_worksheet(sheet);
    }
    if !report.problems.is_empty() {
        write_problems(report, workbook.add_worksheet(), &styles)?;
    }
    write_atomically(path, |file| Ok(workbook.save_to_writer(file)?))
}

struct Styles {
    time: Format,
    duration: Format,
    percent: Format,
    title: Format,
    label: Format,
    header: Format,
    wrap: Format,
    left: Format,
    hours: Format,
    left_percent: Format,
    band: Format,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            time: Format::new().set_num_format("yyyy-mm-dd hh:mm:ss"),
            duration: Format::new().set_num_format("[h]:mm:ss"),
            percent: Format::new().set_num_format("0.0%"),
            title: Format::new().set_bold().set_font_size(14),
            label: Format::new().set_bold(),
            // The header colours of the Medium2 table style, spelt out for programs that
            // ignore table styles.
            header: Format::new()
                .set_bold()
                .set_font_color(Color::White)
                .set_background_color(Color::RGB(0x4472C4)),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            left: Format::new().set_align(FormatAlign::Left),
            hours: Format::new()
                .set_num_format("0.00")
                .set_align(FormatAlign::Left),
            left_percent: Format::new()
                .set_num_format("0.0%")
                .set_align(FormatAlign::Left),
            // The light band of the Medium2 table style.
            band: Format::new().set_background_color(Color::RGB(0xD9E1F2)),
        }
    }
}

/// How many sheets a table needs.
fn sheet_count(rows: usize, rows_per_sheet: usize) -> usize {
    rows.div_ceil(rows_per_sheet).max(1)
}

fn sheet_name(table: TableKind, part: usize) -> String {
    if part == 0 {
        table.title().to_string()
    } else {
        format!("{} ({})", table.title(), part + 1)
    }
}

fn write_summary(
    report: &Report,
    sheet: &mut Worksheet,
    styles: &Styles,
    rows_per_sheet: usize,
) -> Result<()> {
    sheet.set_name("Summary")?;
    sheet.set_column_width(0, 26)?;
    sheet.set_column_width(1, 60)?;
    sheet.write_string_with_format(0, 0, "Zoom attendance report", &styles.title)?;
    let totals = report.totals();
    let mut lines: Vec<(&str, Summary)> = vec![
        (
            "Range",
            Summary::Text(format!("{} to {}", report.range.from, report.range.to)),
        ),
        ("Time zone", Summary::Text(report.tz.name().to_string())),
        (
            "Generated at",
            Summary::Text(report.short_time(report.generated_at)),
        ),
        ("Meetings", Summary::Count(totals.meetings)),
        ("People", Summary::Count(totals.people)),
        (
            "Hours attended",
            Summary::Hours(totals.attended_seconds as f64 / 3600.0),
        ),
        (
            "Average attendance",
            Summary::Percent(totals.average_attendance_pct),
        ),
        ("Complete", Summary::Text(completeness(report))),
    ];
    for table in TableKind::ALL {
        let sheets = sheet_count(report.row_count(table), rows_per_sheet);
        if sheets > 1 {
            let names: Vec<String> = (0..sheets).map(|part| sheet_name(table, part)).collect();
            lines.push((
                "Continued",
                Summary::Text(format!(
                    "{} rows on sheets {}",
                    report.row_count(table),
                    names.join(", ")
                )),
            ));
        }
    }
    for (row, (label, value)) in lines.iter().enumerate() {
        let row = row as u32 + 2;
        sheet.write_string_with_format(row, 0, *label, &styles.label)?;
        match value {
            Summary::Text(text) => sheet.write_string(row, 1, text)?,
            Summary::Count(count) => {
                sheet.write_number_with_format(row, 1, *count as f64, &styles.left)?
            }
            Summary::Hours(hours) => {
                sheet.write_number_with_format(row, 1, *hours, &styles.hours)?
            }
            Summary::Percent(Some(value)) => sheet.write_number_with_format(
                row,
                1,
                round_percent(*value) / 100.0,
                &styles.left_percent,
            )?,
            Summary::Percent(None) => sheet,
        };
    }
    Ok(())
}

/// One figure of the Summary sheet, typed so Excel can compute with it.
enum Summary {
    Text(String),
    Count(usize),
    Hours(f64),
    Percent(Option<f64>),
}

/// The Summary sheet's answer to "is anything missing?".
fn completeness(report: &Report) -> String {
    match (report.is_complete, report.problems.len()) {
        (true, _) => "yes".to_string(),
        (false, 0) => "NO: the fetch did not finish, so meeting instances may be missing; \
                       run the same command again to complete it"
            .to_string(),
        (false, missing) => format!("NO: {missing} meeting instance(s) missing, see Problems"),
    }
}

/// One sheet of a table: rows `first..first + count` of it.
struct SheetPart {
    table: TableKind,
    part: usize,
    first: usize,
    count: usize,
}

/// Writes every table's sheets, each on a thread of its own, and returns them in order.
///
/// Filling cells is most of the time a workbook takes, and the sheets are independent:
/// constant-memory sheets made by the workbook share its formats and can be filled apart.
fn write_tables(
    report: &Report,
    workbook: &mut Workbook,
    styles: &Styles,
    limits: Limits,
) -> Result<Vec<Worksheet>> {
    let rows_per_sheet = limits.rows_per_sheet;
    let parts: Vec<SheetPart> = TableKind::ALL
        .into_iter()
        .flat_map(|table| {
            let total = report.row_count(table);
            (0..sheet_count(total, rows_per_sheet)).map(move |part| SheetPart {
                table,
                part,
                first: part * rows_per_sheet,
                count: rows_per_sheet.min(total - part * rows_per_sheet),
            })
        })
        .collect();
    let mut sheets = Vec::with_capacity(parts.len());
    for _ in &parts {
        sheets.push(workbook.new_worksheet_with_constant_memory()?);
    }
    std::thread::scope(|scope| {
        let workers: Vec<_> = parts
            .iter()
            .zip(sheets)
            .map(|(part, mut sheet)| {
                scope.spawn(move || -> Result<Worksheet> {
                    write_part(report, part, &mut sheet, styles, limits.table_rows).with_context(
                        || format!("cannot write the {} sheet", part.table.title()),
                    )?;
                    Ok(sheet)
                })
            })
            .collect();
        crate::threads::join_all(workers).into_iter().collect()
    })
}

fn write_part(
    report: &Report,
    part: &SheetPart,
    sheet: &mut Worksheet,
    styles: &Styles,
    table_rows: usize,
) -> Result<()> {
    sheet.set_name(sheet_name(part.table, part.part))?;
    start_sheet(report, sheet, part.table, part.count, styles, table_rows)?;
    let rows = report.rows(part.table).skip(part.first).take(part.count);
    for (row, cells) in (1..).zip(rows) {
        for (column, cell) in cells.iter().enumerate() {
            write_cell(report, sheet, row, column as u16, cell, styles)?;
        }
    }
    Ok(())
}

/// Header, widths, frozen header row and a styled table with autofilter.
///
/// The header is also bold by its own format, for programs (LibreOffice) that ignore table
/// styles, and each sheet prints landscape, one page wide, with gridlines and the header
/// repeated on every page.
fn start_sheet(
    report: &Report,
    sheet: &mut Worksheet,
    table: TableKind,
    rows: usize,
    styles: &Styles,
    table_rows: usize,
) -> Result<(), XlsxError> {
    let columns = table.columns();
    let headers: Vec<String> = columns.iter().map(|c| zoned_header(c, report)).collect();
    for (index, (column, header)) in columns.iter().zip(&headers).enumerate() {
        let width = column_width(column).max(header.chars().count() as f64 + 3.0);
        sheet.set_column_width(index as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_gridlines(true);
    sheet.set_repeat_rows(0, 0)?;
    let last_column = columns.len() as u16 - 1;
    if rows == 0 {
        for (index, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, index as u16, header, &styles.header)?;
        }
        return Ok(());
    }
    let table_columns: Vec<TableColumn> = headers
        .iter()
        .map(|header| {
            TableColumn::new()
                .set_header(header)
                .set_header_format(&styles.header)
        })
        .collect();
    if rows > table_rows {
        for (index, header) in headers.iter().enumerate() {
            sheet.write_string_with_format(0, index as u16, header, &styles.header)?;
        }
        sheet.autofilter(0, 0, rows as u32, last_column)?;
        let bands = ConditionalFormatFormula::new()
            .set_rule("=MOD(ROW(),2)=1")
            .set_format(&styles.band);
        sheet.add_conditional_format(1, 0, rows as u32, last_column, &bands)?;
        return Ok(());
    }
    let excel_table = Table::new()
        .set_style(TableStyle::Medium2)
        .set_columns(&table_columns);
    sheet.add_table(0, 0, rows as u32, last_column, &excel_table)?;
    Ok(())
}

fn write_cell(
    report: &Report,
    sheet: &mut Worksheet,
    row: u32,
    column: u16,
    cell: &Cell,
    styles: &Styles,
) -> Result<()> {
    match cell {
        Cell::Text(text) => sheet.write_string(row, column, excel_text(text))?,
        Cell::Id(id) => sheet.write_string(row, column, excel_text(id))?,
        Cell::Int(n) => sheet.write_number(row, column, *n as f64)?,
        Cell::Seconds(seconds) => {
            let days = *seconds as f64 / 86_400.0;
            sheet.write_number_with_format(row, column, days, &styles.duration)?
        }
        Cell::Percent(Some(value)) => sheet.write_number_with_format(
            row,
            column,
            round_percent(*value) / 100.0,
            &styles.percent,
        )?,
        Cell::Time(Some(time)) => match excel_time(report, *time) {
            Ok(local) => sheet.write_datetime_with_format(row, column, local, &styles.time)?,
            // Excel has no dates before 1900 or after 9999; such a time from Zoom is
            // shown as text rather than costing the whole workbook.
            Err(_) => sheet.write_string(row, column, report.iso_time(*time))?,
        },
        Cell::Percent(None) | Cell::Time(None) | Cell::Empty => sheet,
    };
    Ok(())
}

/// The wall-clock time in the report's zone, as Excel stores times (without a zone).
/// Excel keeps at most 32,767 characters in a cell; a longer text from Zoom is cut, with
/// a mark, rather than costing the workbook. The CSV and JSON keep it whole.
const EXCEL_CELL_CHARACTERS: usize = 32_767;

fn excel_text(text: &str) -> std::borrow::Cow<'_, str> {
    // A text of no more bytes than the limit has no more characters either.
    if text.len() <= EXCEL_CELL_CHARACTERS || text.chars().count() <= EXCEL_CELL_CHARACTERS {
        return text.into();
    }
    let cut = text
        .char_indices()
        .nth(EXCEL_CELL_CHARACTERS - 1)
        .map_or(text.len(), |(index, _)| index);
    format!("{}…", &text[..cut]).into()
}

fn excel_time(report: &Report, time: DateTime<Utc>) -> Result<ExcelDateTime> {
    let local = time.with_timezone(&report.tz).naive_local();
    Ok(ExcelDateTime::from_timestamp(local.and_utc().timestamp())?)
}

/// The instances that could not be fetched, as a styled table like the others.
fn write_problems(report: &Report, sheet: &mut Worksheet, styles: &Styles) -> Result<()> {
    sheet.set_name("Problems")?;
    let headers = [
        "Meeting ID".to_string(),
        "Meeting UUID".to_string(),
        "Topic".to_string(),
        format!("Start time ({})", report.tz.name()),
        "Reason".to_string(),
    ];
    for (index, width) in [14, 28, 36, 24, 70].into_iter().enumerate() {
        sheet.set_column_width(index as u16, width)?;
    }
    for (row, problem) in report.problems.iter().enumerate() {
        let row = row as u32 + 1;
        let start = problem.start().map_or_else(
            || Cell::Text(problem.start_time.as_str().into()),
            |t| Cell::Time(Some(t)),
        );
        sheet.write_string(row, 0, &problem.meeting_id)?;
        sheet.write_string(row, 1, &problem.meeting_uuid)?;
        sheet.write_string(row, 2, &problem.topic)?;
        write_cell(report, sheet, row, 3, &start, styles)?;
        sheet.write_string_with_format(row, 4, &problem.reason, &styles.wrap)?;
    }
    let columns: Vec<TableColumn> = headers
        .iter()
        .map(|title| {
            TableColumn::new()
                .set_header(title)
                .set_header_format(&styles.header)
        })
        .collect();
    let table = Table::new()
        .set_style(TableStyle::Medium3)
        .set_columns(&columns);
    sheet.add_table(0, 0, report.problems.len() as u32, 4, &table)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The column header shown in Excel; times name the zone they are shown in.
fn zoned_header(column: &str, report: &Report) -> String {
    if TIME_COLUMNS.contains(&column) {
        format!("{} ({})", header(column), report.tz.name())
    } else {
        header(column)
    }
}

/// The columns that hold times, shown in the report's zone.
const TIME_COLUMNS: [&str; 8] = [
    "first_seen",
    "last_seen",
    "start_time",
    "end_time",
    "first_join",
    "last_leave",
    "join_time",
    "leave_time",
];

/// The column header shown in Excel.
fn header(column: &str) -> String {
    let label = match column {
        "attended_seconds" => "Attended",
        "total_seconds" => "Total time",
        "duration_seconds" => "Duration",
        "avg_attendance_pct" => "Average attendance",
        "attendance_pct" => "Attendance",
        "duration_minutes" => "Duration (minutes)",
        "meeting_id" => "Meeting ID",
        "meeting_uuid" => "Meeting UUID",
        "participant_user_id" => "Participant user ID",
        "user_id" => "User ID",
        other => return sentence_case(other),
    };
    label.to_string()
}

fn sentence_case(column: &str) -> String {
    let words = column.replace('_', " ");
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn column_width(column: &str) -> f64 {
    match column {
        "name" | "topic" | "host_name" => 30.0,
        "email" | "host_email" => 28.0,
        "meeting_uuid" => 27.0,
        c if TIME_COLUMNS.contains(&c) => 19.0,
        c if c.ends_with("_pct") => 12.0,
        "meeting_id" | "participant_user_id" | "user_id" => 15.0,
        _ => 12.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive;
    use crate::attendance;
    use crate::cli::{GroupBy, Lang};
    use crate::config::DateRange;
    use calamine::{DataType, Reader, Xlsx, open_workbook};

    /// The bundled sample month and its attendance.
    fn sample_month() -> (archive::Archive, attendance::Attendance) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/2024-07");
        let archive = archive::read(&dir).unwrap();
        let attendance =
            attendance::compute(&archive.instances, &archive.sessions, GroupBy::Person).unwrap();
        (archive, attendance)
    }

    fn sample_report<'a>(
        archive: &'a archive::Archive,
        attendance: &'a attendance::Attendance,
    ) -> Report<'a> {
        Report {
            range: DateRange::parse("2024-07-01", "2024-07-31").unwrap(),
            tz: chrono_tz::Tz::UTC,
            lang: Lang::En,
            generated_at: chrono::Utc::now(),
            instances: &archive.instances,
            sessions: &archive.sessions,
            attendance,
            problems: &[],
            is_complete: true,
        }
    }

    /// One file of a workbook's zip, as text.
    fn zip_entry(path: &std::path::Path, name: &str) -> String {
        let file = std::fs::File::open(path).unwrap();
        let mut zip = zip::ZipArchive::new(file).unwrap();
        let mut xml = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut xml).unwrap();
        xml
    }

    #[test]
    fn long_tables_continue_on_numbered_sheets() {
        let (archive, attendance) = sample_month();
        let report = sample_report(&archive, &attendance);
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("split.xlsx");
        let limits = Limits {
            rows_per_sheet: 100,
            table_rows: 50,
        };
        write_with_limits(&report, &path, limits).unwrap();

        let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
        let names = workbook.sheet_names();
        let sessions: Vec<&String> = names.iter().filter(|n| n.starts_with("Sessions")).collect();
        assert_eq!(sessions.len(), 6, "514 rows at 100 a sheet: {names:?}");
        assert_eq!(sessions[5].as_str(), "Sessions (6)");
        let mut rows = 0;
        for name in &sessions {
            let range = workbook.worksheet_range(name).unwrap();
            rows += range.height() - 1;
        }
        assert_eq!(rows, 514, "every row once, each sheet with its header");
        let summary = workbook.worksheet_range("Summary").unwrap();
        let text: Vec<String> = summary
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        assert!(
            text.iter()
                .any(|t| t.contains("514 rows on sheets Sessions, Sessions (2)"))
        );

        // Sheets longer than the table limit filter and band like the tables do.
        let sheet_xml = |index: usize| zip_entry(&path, &format!("xl/worksheets/sheet{index}.xml"));
        let first_sessions = 1 + names.iter().position(|n| n == "Sessions").unwrap();
        let long = sheet_xml(first_sessions);
        assert!(long.contains("<autoFilter ref=\"A1:J101\""), "autofilter");
        assert!(long.contains("MOD(ROW(),2)=1"), "banded rows");
        assert!(!long.contains("<tableParts"), "no table");
        let last_sessions = 1 + names.iter().position(|n| n == "Sessions (6)").unwrap();
        let short = sheet_xml(last_sessions);
        assert!(short.contains("<tableParts"), "14 rows make a table");
    }

    #[test]
    fn texts_beyond_excels_cell_limit_are_cut_with_a_mark() {
        let long = "ễ".repeat(40_000);
        let cut = excel_text(&long);
        assert_eq!(cut.chars().count(), EXCEL_CELL_CHARACTERS);
        assert!(cut.ends_with('…'));
        assert_eq!(excel_text("Nguyễn"), "Nguyễn");
    }

    /// The sheets are filled on threads sharing one format table: every run must give
    /// the same styles, and every duration cell its duration format.
    #[test]
    fn workbooks_filled_on_threads_style_every_cell_alike() {
        let (archive, attendance) = sample_month();
        let report = sample_report(&archive, &attendance);
        let out = tempfile::tempdir().unwrap();
        let mut first_styles = None;
        for run in 0..12 {
            let path = out.path().join(format!("run{run}.xlsx"));
            write(&report, &path).unwrap();
            let styles = zip_entry(&path, "xl/styles.xml");
            assert_eq!(first_styles.get_or_insert_with(|| styles.clone()), &styles);
            let mut workbook: Xlsx<_> = open_workbook(&path).unwrap();
            for (sheet, column) in [("People", 3), ("Attendance", 10), ("Sessions", 6)] {
                let range = workbook.worksheet_range(sheet).unwrap();
                for row in range.rows().skip(1) {
                    let cell = &row[column];
                    assert!(
                        cell.is_empty() || cell.get_datetime().is_some_and(|d| d.is_duration()),
                        "run {run}, {sheet}: {cell:?} is not a duration"
                    );
                }
            }
        }
    }

    #[test]
    fn sheets_split_at_the_row_limit() {
        assert_eq!(sheet_count(0, 10), 1);
        assert_eq!(sheet_count(10, 10), 1);
        assert_eq!(sheet_count(11, 10), 2);
        assert_eq!(sheet_name(TableKind::Sessions, 1), "Sessions (2)");
        // Excel refuses sheet names longer than 31 characters.
        assert!(sheet_name(TableKind::Attendance, 99).len() <= 31);
    }
}
