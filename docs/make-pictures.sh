#!/usr/bin/env bash
# Regenerates the README's pictures from the bundled sample month:
#   docs/report.png        the top of the HTML report as headless Chromium draws it
#   docs/people-sheet.png  the workbook's People sheet as LibreOffice Calc prints it
# Needs chromium, libreoffice-calc-nogui and poppler-utils, which .ci/run installs.
# pngquant, when installed, shrinks both files to about a third.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stem="$work/zoom-report_2024-07-01_2024-07-31"

# Hanoi time, where the sample's training centre is, so meetings show at office hours.
cargo run --quiet -- --from 2024-07-01 --to 2024-07-31 --format html,xlsx \
  --input samples/2024-07 --tz Asia/Ho_Chi_Minh --out "$work" >/dev/null

# Nothing may leave the machine: every host name resolves nowhere.
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --disable-extensions --hide-scrollbars \
  --host-resolver-rules='MAP * ~NOTFOUND' --user-data-dir="$work/chromium" \
  --window-size=1280,1600 --screenshot=docs/report.png "file://$stem.html" 2>/dev/null

# One page per sheet, so the People sheet's columns are not spread over several pages.
libreoffice --headless --norestore -env:UserInstallation="file://$work/libreoffice" \
  --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' \
  --outdir "$work" "$stem.xlsx" >/dev/null 2>&1
# Page 2 is the People sheet: its full width and about the first 35 people.
pdftoppm -png -r 90 -f 2 -l 2 -x 0 -y 0 -W 1800 -H 660 -singlefile "$stem.pdf" \
  docs/people-sheet

if command -v pngquant >/dev/null 2>&1; then
  pngquant --force --skip-if-larger --strip --ext .png docs/report.png docs/people-sheet.png
fi
ls -l docs/report.png docs/people-sheet.png
