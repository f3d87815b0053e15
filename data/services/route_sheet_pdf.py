"""A crew's route sheet as an A4 PDF: the same contents as the HTML page, for printing.

Drawn with fpdf2 (pure Python) in fonts shipped in `data/fonts` and embedded (as subsets) in
each PDF, so the file is self-contained and prints people's and carers' names as written:
DejaVu Sans for Latin (Welsh's ŵ ŷ, Polish, Vietnamese), Greek, Cyrillic, Armenian and
Georgian; Droid Sans Fallback for Chinese and Japanese; DejaVu Sans Mono for key-safe codes.
A character none of them has (Korean, or scripts that need shaping or right-to-left layout,
such as Arabic and Hebrew) prints as its plain letter if it has one, otherwise as "?", never as
an empty box. The route is drawn as vector lines and circles from the same projection as the
SVG drawing. The PDF holds only what the sheet holds: access notes and codes
are there exactly when `RouteSheet.secrets_shown` put them there.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import cast

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

from data.services.route_sheets import RouteSheet, SheetVisit, route_drawing

_FONTS = Path(__file__).resolve().parent.parent / "fonts"
_SANS = "DejaVu"
_MONO = "DejaVuMono"
_EAST_ASIAN = "DroidFallback"
# (family, style, file)
_FONT_FILES = (
    (_SANS, "", "DejaVuSans.woff"),
    (_SANS, "B", "DejaVuSans-Bold.woff"),
    (_MONO, "B", "DejaVuSansMono-Bold.woff"),
)
_EAST_ASIAN_FILE = "DroidSansFallback.woff"
_MARGIN = 12.0  # mm, as the HTML page's print style
_LABEL = 32.0  # mm, the width of the labels on the left of each visit
_LINE = 5.5  # mm between lines of 11 pt text
_DRAWING = 110.0  # mm, the side of the route drawing's square
_DRAWING_UNITS = 400  # the drawing's own box, as the SVG's viewBox
_RED = (170, 0, 0)
_BLUE = (6, 69, 173)
_BLACK = (17, 17, 17)
_GREY = (68, 68, 68)


@cache
def _characters(*files: str) -> frozenset[int]:
    """The characters every one of these font files has a glyph for."""
    sets = [frozenset(TTFont(_FONTS / name, lazy=True).getBestCmap()) for name in files]
    return frozenset.intersection(*sets)


def _latin_characters() -> frozenset[int]:
    """What the text font has in both its weights."""
    return _characters("DejaVuSans.woff", "DejaVuSans-Bold.woff")


def _text_characters() -> frozenset[int]:
    """What the sheet's text can print: in the text font, or in the East Asian fallback."""
    return _latin_characters() | _characters(_EAST_ASIAN_FILE)


def _strings(value: object) -> Iterator[str]:
    """Every string in a sheet: its fields, its visits' and carers' fields, and so on."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def printable(text: str) -> str:
    """`text` as the sheet's fonts can print it: composed (NFC), each character they have kept,
    any other as its plain letters (ﬁ as fi; a Korean or Arabic letter has none) or "?"."""
    have = _text_characters()
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if ord(char) in have or char in "\n\t":
            out.append(char)
            continue
        plain = unicodedata.normalize("NFKD", char)
        letters = "".join(c for c in plain if ord(c) in have and not unicodedata.combining(c))
        out.append(letters or "?")
    return "".join(out)


class _SheetDocument(FPDF):
    """An A4 page with the sheet's name and the page number at the foot of every page."""

    def __init__(self, sheet: RouteSheet, *, east_asian: bool) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.sheet = sheet
        # While not None, write_line, fact and gap only add the height they would take.
        self.measured: float | None = None
        for family, style, name in _FONT_FILES:
            self.add_font(family, style, _FONTS / name)
        # The East Asian font is large to read: loaded only for a sheet that needs it, then
        # fpdf2 takes each character the text font lacks from it, in either weight.
        if east_asian:
            self.add_font(_EAST_ASIAN, "", _FONTS / _EAST_ASIAN_FILE)
            self.set_fallback_fonts([_EAST_ASIAN], exact_match=False)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=_MARGIN + 6)
        self.alias_nb_pages()

    def footer(self) -> None:
        """Crew, area, night and version, and "page n of N", on every page."""
        self.set_y(-_MARGIN - 3)
        self.set_font(_SANS, size=8)
        self.set_text_color(*_GREY)
        sheet = self.sheet
        self.cell(
            0,
            4,
            printable(
                f"Crew {sheet.crew_number}, {sheet.area_name}, night of "
                f"{sheet.night.isoformat()}, plan version {sheet.version} - "
                f"page {self.page_no()} of {{nb}}"
            ),
            align="C",
        )

    def write_line(
        self, text: str, *, size: float = 11, style: str = "", height: float = _LINE
    ) -> None:
        """A paragraph across the page, wrapped."""
        self.set_font(_SANS, style=style, size=size)
        self._paragraph(self.epw, height, printable(text))

    def _paragraph(self, width: float, height: float, text: str) -> None:
        """`text` wrapped in `width` from here, or its height added while measuring."""
        if self.measured is None:
            self.multi_cell(width, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.measured += cast(
                float,
                self.multi_cell(width, height, text, dry_run=True, output=MethodReturnValue.HEIGHT),
            )

    def gap(self, height: float) -> None:
        """Empty space down the page."""
        if self.measured is None:
            self.ln(height)
        else:
            self.measured += height

    def heading(self, text: str) -> None:
        """A section heading with a rule under it, kept with at least a few lines after it."""
        if self.will_page_break(30):
            self.add_page()
        self.ln(3)
        self.set_text_color(*_BLACK)
        self.write_line(text, size=13, style="B", height=7)
        y = self.get_y()
        self.set_draw_color(*_BLACK)
        self.set_line_width(0.5)
        self.line(self.l_margin, y, self.w - self.r_margin, y)
        self.ln(2)

    def fact(self, label: str, value: str, *, code: bool = False, strong: bool = False) -> None:
        """A label and its value on one row (the value wraps under itself); a `strong` value is
        in bold, as the label."""
        self.set_font(_SANS, style="B", size=11)
        if self.measured is None:
            self.cell(_LABEL, _LINE, printable(label))
        width = self.epw - _LABEL
        if code:
            # A code in the monospaced font, whose 0 and O, 1 and l differ; in the text font
            # if it has a character the monospaced font lacks.
            mono = _characters("DejaVuSansMono-Bold.woff")
            family = _MONO if all(ord(c) in mono for c in value) else _SANS
            self.set_font(family, style="B", size=16)
            self._paragraph(width, 8, printable(value))
        else:
            self.set_font(_SANS, style="B" if strong else "", size=11)
            self._paragraph(width, _LINE, printable(value))


def route_sheet_pdf(sheet: RouteSheet, *, current_url: str | None = None) -> bytes:
    """The sheet as an A4 PDF: header and notices, crew, visits in order with the break,
    visits taken off the round, totals, and the route drawn. `current_url` is the link a
    superseded version points to."""
    wanted = {ord(char) for text in _strings(sheet) for char in unicodedata.normalize("NFC", text)}
    east_asian = not (wanted - _latin_characters()).isdisjoint(_characters(_EAST_ASIAN_FILE))
    pdf = _SheetDocument(sheet, east_asian=east_asian)
    pdf.set_title(
        f"Crew {sheet.crew_number} route sheet, {sheet.area_name}, "
        f"night of {sheet.night.isoformat()}"
    )
    pdf.set_lang("en-GB")
    pdf.set_creator("nightcare")
    pdf.add_page()
    _header(pdf, sheet, current_url)
    _crew(pdf, sheet)
    _visits(pdf, sheet)
    _removed(pdf, sheet)
    _totals(pdf, sheet)
    _drawing(pdf, sheet)
    return bytes(pdf.output())


def _header(pdf: _SheetDocument, sheet: RouteSheet, current_url: str | None) -> None:
    pdf.set_text_color(*_BLACK)
    pdf.write_line(f"Crew {sheet.crew_number} — {sheet.area_name}", size=18, style="B", height=9)
    night = sheet.night
    pdf.write_line(
        f"Night of {night.strftime('%A')} {night.day} {night.strftime('%B %Y')} · "
        f"plan version {sheet.version} ({sheet.status})"
    )
    if sheet.superseded:
        where = (
            f"current sheet: {current_url}"
            if current_url
            else "there is no current plan for this night."
        )
        pdf.ln(2)
        pdf.set_draw_color(*_RED)
        pdf.set_line_width(0.8)
        pdf.set_fill_color(255, 238, 238)
        pdf.set_font(_SANS, style="B", size=12)
        pdf.multi_cell(
            0,
            7,
            printable(f"This version is superseded — see the {where}"),
            border=1,
            fill=True,
            padding=2,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
            link=current_url or "",
        )
    if sheet.secrets_withheld and not sheet.night_over:
        pdf.set_text_color(*_GREY)
        reason = sheet.secrets_withheld
        pdf.write_line(f"{reason[:1].upper()}{reason[1:]}.")
        pdf.set_text_color(*_BLACK)
    if sheet.night_over:
        pdf.set_text_color(*_GREY)
        pdf.write_line("This night is over: access notes and key-safe codes are no longer shown.")
        pdf.set_text_color(*_BLACK)
    if sheet.changes_summary is not None:
        pdf.write_line(sheet.changes_summary, style="B")


def _crew(pdf: _SheetDocument, sheet: RouteSheet) -> None:
    pdf.heading("Crew")
    carers = (
        ", ".join(f"{c.name} ({c.phone})" if c.phone else c.name for c in sheet.carers)
        or "none named"
    )
    pdf.fact("Carers", carers)
    pdf.fact("On call", sheet.on_call_phone or "no number given: ask your coordinator")
    pdf.fact("Base", sheet.base_address or f"{sheet.base_lat:.4f}, {sheet.base_lon:.4f}")
    pdf.fact("Shift", f"{sheet.shift_start}–{sheet.shift_end}")
    pdf.fact("Leave base", sheet.depart)
    pdf.fact("Back at base", sheet.return_at)


def _visits(pdf: _SheetDocument, sheet: RouteSheet) -> None:
    pdf.heading(f"Visits ({len(sheet.visits)})")
    if not sheet.visits:
        pdf.write_line("No visits tonight.")
    for visit in sheet.visits:
        if sheet.rest_break is not None and sheet.rest_break.after_visits == visit.number - 1:
            _break(pdf, sheet)
        # A visit is never split across pages: measured first, and moved to a new page if it
        # would not fit (cheaper than fpdf2's offset_rendering(), which copies the fonts).
        if pdf.will_page_break(_visit_height(pdf, visit)):
            pdf.add_page()
        _visit(pdf, visit)
    if sheet.rest_break is not None and sheet.rest_break.after_visits >= len(sheet.visits):
        _break(pdf, sheet)
    pdf.write_line(
        f"Back to base: {sheet.return_drive_minutes} min drive, arrive {sheet.return_at}."
    )


def _break(pdf: _SheetDocument, sheet: RouteSheet) -> None:
    assert sheet.rest_break is not None
    pdf.set_fill_color(238, 238, 255)
    pdf.set_font(_SANS, style="B", size=11)
    pdf.multi_cell(
        0,
        _LINE + 1,
        printable(f"Break {sheet.rest_break.start}–{sheet.rest_break.end}"),
        fill=True,
        padding=1,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)


def _visit_height(pdf: _SheetDocument, visit: SheetVisit) -> float:
    """How far down the page the visit would take, drawing nothing."""
    pdf.measured = 0.0
    try:
        _visit(pdf, visit)
        return pdf.measured
    finally:
        pdf.measured = None


def _visit(pdf: _SheetDocument, visit: SheetVisit) -> None:
    top = pdf.get_y()
    pdf.set_text_color(*_BLACK)
    # Critical in words on the visit's first line, so it reads the same printed in grey.
    critical = " · critical call" if visit.priority == "critical" else ""
    pdf.write_line(
        f"{visit.number}. {visit.arrive} · {visit.person_name}{critical}",
        size=13,
        style="B",
        height=7,
    )
    if visit.change is not None:
        pdf.set_text_color(*_RED)
        pdf.write_line(f"Changed: {visit.change.text}", style="B")
        pdf.set_text_color(*_BLACK)
    pdf.fact("Address", visit.address or f"{visit.lat:.5f}, {visit.lon:.5f}")
    pdf.fact("Arrive", f"{visit.arrive} (care {visit.start}–{visit.end})")
    pdf.fact("Window", f"{visit.earliest}–{visit.latest}")
    tasks = ", ".join(visit.tasks) if visit.tasks else "see care plan"
    pdf.fact("Care", f"{tasks} ({visit.care_minutes} min)")
    if visit.skills:
        pdf.fact("Needs", ", ".join(visit.skills))
    # Shown whenever the person has them, as on the HTML sheet: not one of the secrets.
    if visit.risk_notes:
        pdf.fact("Risk:", visit.risk_notes, strong=True)
    where = "base" if visit.number == 1 else "the previous stop"
    pdf.fact("Drive", f"{visit.drive_minutes} min from {where}")
    if visit.access_notes:
        pdf.fact("Access", visit.access_notes)
    if visit.key_safe_code:
        pdf.fact("Key safe", visit.key_safe_code, code=True)
    if visit.phone:
        who = f" ({visit.contact_name})" if visit.contact_name else ""
        pdf.fact("Phone", f"{visit.phone}{who}")
    if pdf.measured is None:
        bottom = pdf.get_y() + 1
        pdf.set_draw_color(*(_RED if visit.change is not None else _GREY))
        pdf.set_line_width(0.6 if visit.change is not None else 0.2)
        pdf.line(pdf.l_margin - 2, top, pdf.l_margin - 2, bottom)
    pdf.gap(3)


def _removed(pdf: _SheetDocument, sheet: RouteSheet) -> None:
    if not sheet.removed:
        return
    pdf.heading(f"Taken off this round since version {sheet.previous_version}")
    for gone in sheet.removed:
        tasks = f" ({', '.join(gone.tasks)})" if gone.tasks else ""
        pdf.write_line(f"{gone.was_arrive} · {gone.person_name}{tasks}: {gone.text}")


def _totals(pdf: _SheetDocument, sheet: RouteSheet) -> None:
    pdf.heading("Totals")
    pdf.fact("Driving", f"{sheet.drive_minutes} min")
    pdf.fact("Care", f"{sheet.care_minutes} min")


def _drawing(pdf: _SheetDocument, sheet: RouteSheet) -> None:
    if pdf.will_page_break(_DRAWING + 20):
        pdf.add_page()
    pdf.heading("Route")
    left, top = pdf.l_margin, pdf.get_y()
    scale = _DRAWING / _DRAWING_UNITS
    stops = [
        (s.number, left + s.x * scale, top + s.y * scale)
        for s in route_drawing(sheet, width=_DRAWING_UNITS, height=_DRAWING_UNITS)
    ]
    pdf.set_draw_color(204, 204, 204)
    pdf.set_line_width(0.3)
    pdf.rect(left, top, _DRAWING, _DRAWING)
    if len(stops) > 1:
        pdf.set_draw_color(*_BLUE)
        pdf.set_line_width(0.6)
        pdf.polyline([(x, y) for _, x, y in stops], polygon=True)
    _, base_x, base_y = stops[0]
    pdf.set_fill_color(*_BLACK)
    pdf.rect(base_x - 2.2, base_y - 2.2, 4.4, 4.4, style="F")
    pdf.set_font(_SANS, size=8)
    pdf.set_text_color(*_BLACK)
    pdf.text(base_x - pdf.get_string_width("base") / 2, base_y + 6, "base")
    pdf.set_draw_color(*_RED)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_line_width(0.5)
    for number, x, y in stops[1:]:
        pdf.circle(x, y, 2.8, style="DF")
        label = str(number)
        pdf.text(x - pdf.get_string_width(label) / 2, y + 1.1, label)
    pdf.set_y(top + _DRAWING + 2)
    pdf.set_font(_SANS, size=9)
    pdf.set_text_color(*_GREY)
    pdf.write_line("Base (square) and visits in order (numbered circles); lines are not roads.")
