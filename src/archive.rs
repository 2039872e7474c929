//! The archive: exactly what Zoom returned for a range, kept on disk.
//!
//! A folder holds `manifest.json` (what was asked, when, and what could not be fetched),
//! `meetings.jsonl` (one instance per line, as the meeting report lists it) and
//! `participants.jsonl` (one join row per line, as the participant report returns it, plus
//! the instance's `meeting_uuid`). Reports can be rebuilt from it without the network.
//!
//! A live run appends to the archive as data arrives. An instance's line goes into
//! `meetings.jsonl` only after all of its join rows are in `participants.jsonl`, so after an
//! interruption the instances listed there are exactly the complete ones; join rows of an
//! instance that was cut off are dropped when the archive is read or resumed.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::config::DateRange;
use crate::error::usage;
use crate::zoom::models::{Instance, Session, SessionLine};

pub const MANIFEST: &str = "manifest.json";
pub const MEETINGS: &str = "meetings.jsonl";
pub const PARTICIPANTS: &str = "participants.jsonl";
const FORMAT_NAME: &str = "zoom-report-archive";

/// What was asked for and how it went.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    #[serde(default = "format_name")]
    pub format: String,
    #[serde(default = "format_version")]
    pub format_version: u32,
    #[serde(default)]
    pub tool_version: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[serde(default)]
    pub users: Vec<String>,
    #[serde(default, rename = "type")]
    pub meeting_type: String,
    #[serde(default)]
    pub fetched_at: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub api_url: String,
    /// The zone whose days the range was fetched in: instances near its ends belong to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// False while a run is writing, or when it stopped early.
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub failed_instances: Vec<FailedInstance>,
}

fn format_name() -> String {
    FORMAT_NAME.to_string()
}

fn format_version() -> u32 {
    1
}

/// An instance whose participants could not be fetched, and why.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FailedInstance {
    pub meeting_uuid: String,
    #[serde(default)]
    pub meeting_id: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub start_time: String,
    pub reason: String,
}

impl FailedInstance {
    /// The instance's start, when Zoom's listing gave a readable one.
    pub fn start(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        chrono::DateTime::parse_from_rfc3339(&self.start_time)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }
}

/// An archive read into memory.
#[derive(Debug, Clone)]
pub struct Archive {
    pub manifest: Manifest,
    pub instances: Vec<Instance>,
    pub sessions: Vec<Session>,
}

/// Reads an archive folder.
///
/// Broken JSON is an error naming the file and line, except for a last line cut off by an
/// interrupted run in an archive marked incomplete, which is skipped with a warning.
pub fn read(dir: &Path) -> Result<Archive> {
    let manifest = read_manifest(dir)?;
    let tolerate_cut = !manifest.complete;
    let mut instances = Vec::new();
    let mut seen = HashSet::new();
    for_each_object(&dir.join(MEETINGS), tolerate_cut, |object| {
        if let Some(instance) = Instance::from_json(&object) {
            if seen.insert(instance.uuid.clone()) {
                instances.push(instance);
            }
        }
        Ok(())
    })?;
    let sessions = read_sessions(&dir.join(PARTICIPANTS), tolerate_cut, &seen)?;
    Ok(Archive {
        manifest,
        instances,
        sessions,
    })
}

/// An archive as the raw objects Zoom sent, for commands that print them as they are.
pub struct RawArchive {
    pub manifest: Manifest,
    pub meetings: Vec<Map<String, Value>>,
    /// Join rows, each with its instance's `meeting_uuid`.
    pub participants: Vec<Map<String, Value>>,
}

/// Reads an archive folder without interpreting the objects.
pub fn read_raw(dir: &Path) -> Result<RawArchive> {
    let manifest = read_manifest(dir)?;
    let tolerate_cut = !manifest.complete;
    let mut meetings = Vec::new();
    for_each_object(&dir.join(MEETINGS), tolerate_cut, |object| {
        meetings.push(object);
        Ok(())
    })?;
    let mut participants = Vec::new();
    for_each_object(&dir.join(PARTICIPANTS), tolerate_cut, |object| {
        participants.push(object);
        Ok(())
    })?;
    Ok(RawArchive {
        manifest,
        meetings,
        participants,
    })
}

/// Refuses a range the archive in `dir` does not hold: its report would be silently short.
pub fn check_covers(dir: &Path, manifest: &Manifest, range: DateRange) -> Result<()> {
    if range.from < manifest.from || range.to > manifest.to {
        return Err(usage(
            format!(
                "--input {} holds {} to {}, which does not cover --from {} --to {}",
                dir.display(),
                manifest.from,
                manifest.to,
                range.from,
                range.to
            ),
            format!(
                "ask for a range within {} to {}, or fetch that range",
                manifest.from, manifest.to
            ),
        ));
    }
    Ok(())
}

/// Reads `manifest.json`, refusing folders that are not archives.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|error| {
        usage(
            format!("cannot read {}: {error}", path.display()),
            "give --input a folder written by zoom-report (it holds manifest.json, \
             meetings.jsonl and participants.jsonl)",
        )
    })?;
    // Editors on Windows may add a byte-order mark; it is not part of the JSON.
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let manifest: Manifest = serde_json::from_str(text).map_err(|error| {
        usage(
            format!(
                "{} is not a valid archive manifest: {error}",
                path.display()
            ),
            "restore the file from the run that wrote it, or fetch the range again",
        )
    })?;
    if manifest.format != FORMAT_NAME {
        bail!(usage(
            format!(
                "{} is not a zoom-report archive (format '{}')",
                path.display(),
                manifest.format
            ),
            "give --input a folder written by zoom-report",
        ));
    }
    Ok(manifest)
}

/// Calls `visit` with each JSON object of a JSON Lines file; blank lines are skipped.
fn for_each_object(
    path: &Path,
    tolerate_cut_last_line: bool,
    mut visit: impl FnMut(Map<String, Value>) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(|error| {
        usage(
            format!("cannot read {}: {error}", path.display()),
            "an archive folder holds manifest.json, meetings.jsonl and participants.jsonl",
        )
    })?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = String::new();
    let mut number = 0usize;
    loop {
        line.clear();
        let read = reader
            .read_line(&mut line)
            .with_context(|| format!("cannot read {} after line {number}", path.display()))?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        if number == 1 && line.starts_with('\u{feff}') {
            line.drain(..'\u{feff}'.len_utf8());
        }
        let is_last_and_cut = !line.ends_with('\n');
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line.trim_end_matches(['\n', '\r'])) {
            Ok(Value::Object(object)) => visit(object)?,
            Ok(_) => bail!(broken_line(path, number, "expected a JSON object")),
            Err(_) if is_last_and_cut && tolerate_cut_last_line => {
                tracing::warn!(
                    "{}:{number}: skipping a line cut off by an interrupted run",
                    path.display()
                );
                return Ok(());
            }
            Err(error) => bail!(broken_line(path, number, &error.to_string())),
        }
    }
}

/// Reads the join rows of the instances in `wanted`, in file order, parsing the file in
/// as many pieces as there are cores: on a year of a large account this file holds a
/// million rows, and parsing them is most of the time `--input` takes.
fn read_sessions(
    path: &Path,
    tolerate_cut_last_line: bool,
    wanted: &HashSet<String>,
) -> Result<Vec<Session>> {
    let bytes = std::fs::read(path).map_err(|error| {
        usage(
            format!("cannot read {}: {error}", path.display()),
            "an archive folder holds manifest.json, meetings.jsonl and participants.jsonl",
        )
    })?;
    let text = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let pieces = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunks = line_chunks(text, pieces);
    let parsed: Vec<Result<Vec<Session>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = chunks
            .iter()
            .map(|&(first_line, chunk)| {
                let is_last = chunk.as_ptr_range().end == text.as_ptr_range().end;
                let tolerate_cut = tolerate_cut_last_line && is_last;
                scope.spawn(move || parse_sessions(path, first_line, chunk, tolerate_cut, wanted))
            })
            .collect();
        crate::threads::join_all(workers)
    });
    let mut sessions = Vec::new();
    for piece in parsed {
        sessions.extend(piece?);
    }
    Ok(sessions)
}

/// Splits JSON Lines text into about `pieces` runs of whole lines, each with the number of
/// its first line.
fn line_chunks(bytes: &[u8], pieces: usize) -> Vec<(usize, &[u8])> {
    let target = bytes.len().div_ceil(pieces.max(1)).max(1);
    let mut chunks = Vec::new();
    let (mut start, mut line) = (0, 1);
    while start < bytes.len() {
        let end = match bytes[(start + target).min(bytes.len())..]
            .iter()
            .position(|&b| b == b'\n')
        {
            Some(offset) => (start + target + offset + 1).min(bytes.len()),
            None => bytes.len(),
        };
        let chunk = &bytes[start..end];
        chunks.push((line, chunk));
        line += chunk.iter().filter(|&&b| b == b'\n').count();
        start = end;
    }
    chunks
}

/// Parses one run of lines of `participants.jsonl`; `first_line` numbers its first line.
fn parse_sessions(
    path: &Path,
    first_line: usize,
    chunk: &[u8],
    tolerate_cut_last_line: bool,
    wanted: &HashSet<String>,
) -> Result<Vec<Session>> {
    let mut sessions = Vec::new();
    let mut lines = chunk.split_inclusive(|&b| b == b'\n').peekable();
    let mut number = first_line;
    while let Some(line) = lines.next() {
        let is_last_and_cut = lines.peek().is_none() && !line.ends_with(b"\n");
        if !line.iter().all(u8::is_ascii_whitespace) {
            // Without its line end, serde's "line 1 column N" in a message means this line.
            let json = line.strip_suffix(b"\n").unwrap_or(line);
            let json = json.strip_suffix(b"\r").unwrap_or(json);
            match serde_json::from_slice::<SessionLine>(json) {
                Ok(row) => {
                    let uuid = row.instance_uuid();
                    if wanted.contains(&uuid) {
                        sessions.push(row.session(&uuid));
                    }
                }
                Err(_) if is_last_and_cut && tolerate_cut_last_line => {
                    tracing::warn!(
                        "{}:{number}: skipping a line cut off by an interrupted run",
                        path.display()
                    );
                }
                Err(error) if error.is_data() => {
                    bail!(broken_line(path, number, "expected a JSON object"))
                }
                Err(error) => bail!(broken_line(path, number, &error.to_string())),
            }
        }
        number += 1;
    }
    Ok(sessions)
}

fn broken_line(path: &Path, number: usize, what: &str) -> anyhow::Error {
    usage(
        format!("{}:{number}: broken JSON line: {what}", path.display()),
        "fix or delete that line, or fetch the range again to rebuild the archive",
    )
}

/// Appends to an archive while a live run fetches.
pub struct ArchiveWriter {
    dir: PathBuf,
    manifest: Manifest,
    meetings: BufWriter<File>,
    participants: BufWriter<File>,
}

impl ArchiveWriter {
    /// Starts a new archive in `dir`, replacing one that was there.
    pub fn create(dir: &Path, manifest: Manifest) -> Result<ArchiveWriter> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create archive folder {}", dir.display()))?;
        write_atomically(&dir.join(MANIFEST), |file| {
            serde_json::to_writer_pretty(&mut *file, &manifest)?;
            Ok(file.write_all(b"\n")?)
        })?;
        let open = |name: &str| -> Result<BufWriter<File>> {
            let path = dir.join(name);
            let file =
                File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
            Ok(BufWriter::new(file))
        };
        Ok(ArchiveWriter {
            dir: dir.to_path_buf(),
            meetings: open(MEETINGS)?,
            participants: open(PARTICIPANTS)?,
            manifest,
        })
    }

    /// Starts a new archive in `dir`, first moving an earlier one found there to
    /// `<dir>.previous` (replacing an older one of that name), so that a fresh run which
    /// fails or is cut short never costs the data of the last one.
    pub fn replace(dir: &Path, manifest: Manifest) -> Result<ArchiveWriter> {
        if dir.join(MANIFEST).exists() {
            let mut previous = dir.as_os_str().to_owned();
            previous.push(".previous");
            let previous = PathBuf::from(previous);
            if previous.exists() {
                std::fs::remove_dir_all(&previous)
                    .with_context(|| format!("cannot remove {}", previous.display()))?;
            }
            std::fs::rename(dir, &previous).with_context(|| {
                format!("cannot move {} to {}", dir.display(), previous.display())
            })?;
            tracing::info!("the earlier archive is kept in {}", previous.display());
        }
        ArchiveWriter::create(dir, manifest)
    }

    /// Reopens an interrupted archive, keeping its complete instances.
    ///
    /// Join rows of instances that were cut off are removed, so they can be fetched again
    /// without counting anyone twice. Returns the writer and the archive as read.
    pub fn resume(dir: &Path) -> Result<(ArchiveWriter, Archive)> {
        let archive = read(dir)?;
        let complete: HashSet<&str> = archive.instances.iter().map(|i| i.uuid.as_str()).collect();
        for name in [MEETINGS, PARTICIPANTS] {
            rewrite_complete_lines(&dir.join(name), &complete)?;
        }
        let append = |name: &str| -> Result<BufWriter<File>> {
            let path = dir.join(name);
            let file = OpenOptions::new()
                .append(true)
                .open(&path)
                .with_context(|| format!("cannot reopen {}", path.display()))?;
            Ok(BufWriter::new(file))
        };
        let writer = ArchiveWriter {
            dir: dir.to_path_buf(),
            meetings: append(MEETINGS)?,
            participants: append(PARTICIPANTS)?,
            manifest: archive.manifest.clone(),
        };
        Ok((writer, archive))
    }

    /// Records one instance with all of its join rows; rows first, then the instance.
    pub fn append_instance(
        &mut self,
        meeting: &Map<String, Value>,
        rows: &[Map<String, Value>],
    ) -> Result<()> {
        let uuid = meeting.get("uuid").cloned().unwrap_or(Value::Null);
        let write_rows = |sink: &mut BufWriter<File>| -> Result<()> {
            for row in rows {
                let mut line = row.clone();
                line.insert("meeting_uuid".to_string(), uuid.clone());
                serde_json::to_writer(&mut *sink, &line)?;
                sink.write_all(b"\n")?;
            }
            Ok(sink.flush()?)
        };
        write_rows(&mut self.participants)
            .with_context(|| format!("cannot write {}", self.dir.join(PARTICIPANTS).display()))?;
        let write_meeting = |sink: &mut BufWriter<File>| -> Result<()> {
            serde_json::to_writer(&mut *sink, meeting)?;
            sink.write_all(b"\n")?;
            Ok(sink.flush()?)
        };
        write_meeting(&mut self.meetings)
            .with_context(|| format!("cannot write {}", self.dir.join(MEETINGS).display()))?;
        Ok(())
    }

    /// Rewrites the manifest with the run's outcome.
    pub fn finish(mut self, failed: Vec<FailedInstance>, complete: bool) -> Result<Manifest> {
        self.participants.flush()?;
        self.meetings.flush()?;
        self.manifest.failed_instances = failed;
        self.manifest.complete = complete;
        let manifest = self.manifest.clone();
        write_atomically(&self.dir.join(MANIFEST), |file| {
            serde_json::to_writer_pretty(&mut *file, &manifest)?;
            Ok(file.write_all(b"\n")?)
        })?;
        Ok(manifest)
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }
}

/// Keeps only the complete lines whose instance is in `complete`.
fn rewrite_complete_lines(path: &Path, complete: &HashSet<&str>) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    write_atomically(path, |file| {
        for line in text
            .split_inclusive('\n')
            .filter(|line| line.ends_with('\n'))
        {
            let Ok(Value::Object(object)) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let uuid = object.get("meeting_uuid").or_else(|| object.get("uuid"));
            if uuid
                .and_then(Value::as_str)
                .is_some_and(|uuid| complete.contains(uuid))
            {
                file.write_all(line.as_bytes())?;
            }
        }
        Ok(())
    })
}

/// Writes a file through a temporary file in the same folder, renamed into place at the
/// end, so readers never see half a file and a failure leaves the old one intact.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut File) -> Result<()>) -> Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".zoom-report-");
    // Temporary files are private by default; reports are ordinary files, so they get the
    // usual mode, narrowed by the user's umask.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder
        .tempfile_in(folder)
        .with_context(|| format!("cannot create a temporary file in {}", folder.display()))?;
    let _tracked = crate::interrupt::TemporaryFile::track(temp.path());
    write(temp.as_file_mut()).with_context(|| format!("cannot write {}", path.display()))?;
    temp.as_file_mut()
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    temp.persist(path)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}
