#!/usr/bin/env python3
"""Checks the audit report's DOM as Chromium rendered it (tests/process/demo_report_test.sh).

Shares no code with the report's writer: the names come from the test's own provinces.tsv and
the page is read with Python's HTML parser.
  demo_report_check.py DOM.html PROVINCES.tsv
"""
import re
import sys
from html.parser import HTMLParser


class Report(HTMLParser):
    """Collects the text of every region cell, the KPI blocks and the anomaly table's rows."""

    def __init__(self):
        super().__init__()
        self.region_cells = []  # text of <td class="region">
        self.kpis = []  # (number, label) of <span class="kpi"><b>N</b>label</span>
        self.headings = []
        self.anomaly_rows = 0
        self._capture = None
        self._text = ""
        self._in_anomalies = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "td" and "region" in classes:
            self._start("region")
        elif tag == "span" and "kpi" in classes:
            self._start("kpi")
        elif tag == "h2":
            self._start("h2")
        elif tag == "table" and self.headings and self.headings[-1].startswith("Anomaly flags"):
            self._in_anomalies = True
        elif tag == "tr" and self._in_anomalies:
            self.anomaly_rows += 1

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_anomalies = False
        if (tag, self._capture) in (("td", "region"), ("span", "kpi"), ("h2", "h2")):
            text = self._text.strip()
            if self._capture == "region":
                self.region_cells.append(text)
            elif self._capture == "kpi":
                self.kpis.append(text)
            else:
                self.headings.append(text)
            self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._text += data

    def _start(self, what):
        self._capture = what
        self._text = ""


def main():
    dom_path, provinces_path = sys.argv[1], sys.argv[2]
    names = {}
    with open(provinces_path, encoding="utf-8") as provinces:
        next(provinces)
        for line in provinces:
            code, zh, en = line.rstrip("\n").split("\t")[:3]
            names[code] = (zh, en)
    report = Report()
    with open(dom_path, encoding="utf-8") as dom:
        report.feed(dom.read())

    failures = []
    if not report.region_cells:
        failures.append("no region cells in the rendered report (did Chromium render it?)")
    shown = set()
    for cell in report.region_cells:
        match = re.fullmatch(r"(\d{6}) (\S+) (.+)", cell)
        if not match or match.group(1) not in names:
            failures.append(f"region cell without a known code and names: {cell!r}")
            continue
        code, zh, en = match.groups()
        shown.add(code)
        if (zh, en) != names[code]:
            failures.append(f"{code} shown as {zh} {en}, provinces.tsv says {names[code]}")
    missing = sorted(set(names) - shown)
    if missing:
        failures.append(f"regions of the default demo never named in the report: {missing}")

    flags = [k for k in report.kpis if k.endswith("anomaly flags")]
    if len(flags) != 1:
        failures.append(f"expected one 'anomaly flags' figure, found {flags}")
    else:
        count = int(re.match(r"\d+", flags[0]).group(0))
        rows = report.anomaly_rows - 1  # the header row
        print(f"anomaly flags: {count} (rows in the table: {rows})")
        if count != rows:
            failures.append(f"the figure says {count} flags, the table lists {rows}")
        if count >= 5:
            failures.append(f"{count} anomaly flags on a clean default run (fewer than 5 wanted)")
    print(f"region cells checked: {len(report.region_cells)}, regions named: {len(shown)}")
    for failure in failures:
        print("FAIL:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
