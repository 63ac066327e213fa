"""The report as a CSV and as a PDF (fpdf2: pure Python, no browser), from `content.Report`."""

from __future__ import annotations

import csv
import io

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from portal.formatting import date_format, format_date
from portal.report.content import CSV_COLUMNS, Report, csv_rows

# The PDF's built-in fonts cover Latin-1 only: the few wider characters the portal writes, in
# plain letters; anything else a client typed (goals in their own words) becomes "?".
_PLAIN = str.maketrans({"–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "•": "-"})


def to_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in csv_rows(report):
        # A cell starting = + - @ is a formula in a spreadsheet: a quote keeps it text.
        writer.writerow({k: ("'" + v if isinstance(v, str) and v and v[0] in "=+-@" else v) for k, v in row.items()})
    return out.getvalue()


def _plain(text: str) -> str:
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _day(value) -> str:
    return date_format(value, "{day} %b %Y")


def to_pdf(report: Report) -> bytes:
    """An A4 document: title, period, goals, per area every score with its label, the sessions,
    and the rules in words."""
    pdf = FPDF(format="A4")
    pdf.set_title(_plain(f"Massage and pain report: {report.client_name}"))
    pdf.set_author("Mesmerising Beauty")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()

    def heading(text: str, size: int = 13) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, 7, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", "", 10)

    def para(text: str) -> None:
        pdf.multi_cell(0, 5, _plain(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    heading(f"Massage and pain report: {report.client_name}", 16)
    para(f"From {format_date(report.start)} to {format_date(report.end)}; made on {format_date(report.made_on)} "
         "by the client from their Mesmerising Beauty account. Pain is on the 0-10 numeric rating scale "
         "(0 no pain, 10 the worst imaginable).")

    heading("What the client hopes to achieve")
    para("; ".join(report.goals) + "." if report.goals else "No goals recorded.")

    heading("Pain by area")
    if not report.areas:
        para("No pain scores in this period.")
    for scores in report.areas:
        heading(scores.title, 11)
        with pdf.table(col_widths=(24, 18, 14, 14, 30, 60), text_align="LEFT", line_height=5) as table:
            table.row(["Date", "What", "Before", "After", "Change", "Two days later"])
            for p in scores.points:
                later = "" if p.later is None else f"{p.later}" + (f": {p.lasted}" if p.lasted else "")
                table.row([_day(p.on), p.kind.capitalize(), _score(p.before), _score(p.after), p.change or "-",
                           later or "-"])
    para(report.change_rule)
    para(report.relief_rule)

    heading("Sessions")
    if not report.sessions:
        para("No sessions in this period.")
    else:
        with pdf.table(col_widths=(24, 45, 30, 81), text_align="LEFT", line_height=5) as table:
            table.row(["Date", "Massage", "Therapist", "Pain, and how much relief lasted"])
            for line in report.sessions:
                table.row([_day(line.on), _plain(line.massage), _plain(line.therapist),
                           _plain(" ".join(line.outcomes)) or "-"])
    return bytes(pdf.output())


def _score(value: int | None) -> str:
    return "-" if value is None else str(value)
