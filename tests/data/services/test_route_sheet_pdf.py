"""The route sheet as an A4 PDF: every part of the sheet is in the file's text, in order."""

from __future__ import annotations

import fnmatch
import io
import re
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import cast

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject

from data.services.route_sheet_pdf import (
    _EAST_ASIAN_FILE,
    _FONT_FILES,
    printable,
    route_sheet_pdf,
)
from data.services.route_sheets import (
    FROM_CREW,
    NEW,
    TIME_CHANGED,
    RemovedVisit,
    RouteSheet,
    SheetBreak,
    SheetCarer,
    SheetVisit,
    VisitChange,
)

A4_POINTS = (595, 842)


def a_visit(
    number: int, *, change: VisitChange | None = None, code: str | None = "4711"
) -> SheetVisit:
    """Visit `number` of the round, a quarter of an hour after the one before, in Welshpool."""
    minute = 15 * number
    at = f"{(23 + minute // 60) % 24:02d}:{minute % 60:02d}"
    return SheetVisit(
        number=number,
        call_id=f"n{number}",
        arrive=at,
        start=at,
        end=at,
        earliest="23:00",
        latest="02:00",
        person_name=f"Mrs Jones {number}",
        address=f"{number} Severn Street, Welshpool",
        lat=52.66 + 0.01 * number,
        lon=-3.15 + 0.01 * number,
        tasks=("reposition", "medication"),
        care_minutes=20,
        drive_minutes=4 + number,
        access_notes=f"gate {number} sticks" if code else None,
        key_safe_code=f"{code}{number}" if code else None,
        change=change,
    )


def a_sheet(**overrides: object) -> RouteSheet:
    """Crew 2 of Montgomeryshire: three visits, a break after the second, and changes marked
    against version 1 (one new, one moved in time, one taken over; two taken off)."""
    visits = (
        a_visit(1, change=VisitChange(NEW)),
        a_visit(2, change=VisitChange(TIME_CHANGED, was_arrive="23:05", was_start="23:10")),
        a_visit(3, change=VisitChange(FROM_CREW, was_crew_number=1, was_arrive="00:20")),
    )
    sheet = RouteSheet(
        plan_id=8,
        version=2,
        status="published",
        area_id=4,
        area_name="Montgomeryshire",
        night=date(2026, 12, 1),
        crew_number=2,
        crew_id="montgomeryshire-car-2",
        carers=(SheetCarer("Siân Ŵyn", "07700 900123"), SheetCarer("Beth", None)),
        base_lat=52.66,
        base_lon=-3.15,
        shift_start="22:00",
        shift_end="07:00",
        depart="22:50",
        return_at="01:10",
        visits=visits,
        rest_break=SheetBreak(start="23:50", end="00:20", after_visits=2),
        drive_minutes=26,
        return_drive_minutes=8,
        care_minutes=60,
        superseded=False,
        current_plan_id=None,
        secrets_shown=True,
        night_over=False,
        previous_version=1,
        removed=(
            RemovedVisit("n7", "Mr Price", ("settle",), "23:40", 1),
            RemovedVisit("o9", "Mr Owen", (), "01:30", None),
        ),
    )
    return replace(sheet, **overrides)  # type: ignore[arg-type]


def pdf_text(pdf: bytes) -> tuple[PdfReader, str]:
    """The parsed PDF and the text of all its pages, whitespace runs as single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    return reader, re.sub(r"\s+", " ", text)


def page_fonts(reader: PdfReader) -> dict[str, DictionaryObject]:
    """The fonts the pages use by their names, without a subset's six-letter prefix."""
    fonts: dict[str, DictionaryObject] = {}
    for page in reader.pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for reference in cast(DictionaryObject, resources["/Font"].get_object()).values():
            font = cast(DictionaryObject, reference.get_object())
            fonts[re.sub(r"^/[A-Z]{6}\+", "", str(font["/BaseFont"]))] = font
    return fonts


def test_the_pdf_is_a4_and_holds_everything_the_sheet_holds_in_order() -> None:
    """Crew, carers, base, shift; each visit with arrival, window, person, address, tasks,
    access notes, code and drive; the break between visits 2 and 3; totals; the drawing."""
    pdf = route_sheet_pdf(a_sheet())
    assert pdf.startswith(b"%PDF-")
    reader, text = pdf_text(pdf)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == A4_POINTS
    assert "Crew 2 — Montgomeryshire" in text
    assert "Night of Tuesday 1 December 2026 · plan version 2 (published)" in text
    assert "Siân Ŵyn (07700 900123), Beth" in text
    assert "52.6600, -3.1500" in text and "Shift 22:00–07:00" in text
    assert "Leave base 22:50" in text and "Back at base 01:10" in text
    for number in (1, 2, 3):
        assert f"{number} Severn Street, Welshpool" in text
        assert f"gate {number} sticks" in text and f"4711{number}" in text
        assert f"Drive {4 + number} min from" in text
    assert "Window 23:00–02:00" in text and "reposition, medication (20 min)" in text
    positions = [text.index(s) for s in ("1. 23:15 · Mrs Jones 1", "2. 23:30 · Mrs Jones 2")]
    positions += [text.index("Break 23:50–00:20"), text.index("3. 23:45 · Mrs Jones 3")]
    positions += [text.index("Back to base: 8 min drive, arrive 01:10.")]
    positions += [text.index("Totals"), text.index("Driving 26 min"), text.index("Care 60 min")]
    positions += [text.index("Route")]
    assert positions == sorted(positions)
    assert reader.metadata is not None and "Montgomeryshire" in str(reader.metadata.title)


def test_changes_since_the_previous_version_are_marked_and_removed_visits_listed() -> None:
    """Each marked visit says how it changed; the visits taken off the round say where to."""
    _, text = pdf_text(route_sheet_pdf(a_sheet()))
    assert "Changes since version 1: 3 visits marked, 2 taken off this round" in text
    assert "Changed: new " in text
    assert "Changed: care start changed from 23:10" in text
    assert "Changed: new to this crew (was crew 1's at 00:20)" in text
    assert "Taken off this round since version 1" in text
    assert "23:40 · Mr Price (settle): now crew 1's" in text
    assert "01:30 · Mr Owen: no longer planned" in text
    unchanged = a_sheet(visits=(a_visit(1),), removed=())
    _, quiet = pdf_text(route_sheet_pdf(unchanged))
    assert "No changes to this round since version 1." in quiet and "Changed:" not in quiet
    _, first = pdf_text(route_sheet_pdf(a_sheet(previous_version=None, removed=())))
    assert "since version" not in first


def test_a_superseded_or_finished_sheet_says_so_and_the_pdf_holds_no_code_it_was_not_given() -> (
    None
):
    """A superseded version links to the current sheet; a sheet without secrets (night over)
    has no code or access note anywhere in the file."""
    visits = tuple(a_visit(n, code=None) for n in (1, 2, 3))
    pdf = route_sheet_pdf(
        a_sheet(
            superseded=True,
            current_plan_id=9,
            secrets_shown=False,
            night_over=True,
            visits=visits,
        ),
        current_url="/plans/9/crews/2/sheet.pdf",
    )
    reader, text = pdf_text(pdf)
    assert "This version is superseded — see the current sheet: /plans/9/crews/2/sheet.pdf" in text
    assert "This night is over: access notes and key-safe codes are no longer shown." in text
    assert "sticks" not in text and "Key safe" not in text
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in reader.pages
        for annotation in page.get("/Annots", [])
    ]
    # One link on each line the notice wraps onto, all to the current sheet.
    assert links and set(links) == {"/plans/9/crews/2/sheet.pdf"}


def test_the_drawing_is_vector_lines_and_circles_and_a_long_round_spans_pages() -> None:
    """Forty visits need more than one page; no visit is split between pages, every page
    is numbered, and the last page has the drawing (no embedded image)."""
    visits = tuple(a_visit(n) for n in range(1, 41))
    pdf = route_sheet_pdf(a_sheet(visits=visits, removed=(), rest_break=None))
    reader, _ = pdf_text(pdf)
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) > 3
    for i, page in enumerate(pages, start=1):
        assert f"page {i} of {len(pages)}" in page
    for number in range(1, 41):
        holding = [p for p in pages if re.search(rf"(?<!\d){number} Severn Street", p)]
        assert len(holding) == 1 and f"4711{number}" in holding[0]
    assert "Route" in pages[-1]
    last = reader.pages[-1]
    assert "/XObject" not in str(last["/Resources"])
    contents = last.get_contents()
    assert contents is not None
    drawn = contents.get_data().decode("latin-1")
    assert len(re.findall(r" c\b", drawn)) >= 4 * 40  # four Bézier arcs per visit's circle


def test_names_in_welsh_polish_greek_russian_chinese_and_japanese_print_as_written() -> None:
    """A person, carers and a visit taken off named in six scripts: each name is in the PDF's
    text exactly as given (in the bold visit heading too), from the shipped fonts, which the
    file embeds; no built-in font is used."""
    names = {
        "person": "Gwenllïan Ŵyn",
        "carer": "Zofia Łukasiewicz",
        "chinese": "王秀英",
        "traditional": "陳志強",
        "japanese": "さくら",
        "greek": "Νίκος Παπαδόπουλος",
        "russian": "Сергей Ильин",
    }
    visit = replace(
        a_visit(1), person_name=names["person"], address="Tŷ Newydd, Llanfair Caereinion"
    )
    second = replace(a_visit(2), person_name=names["traditional"])
    pdf = route_sheet_pdf(
        a_sheet(
            visits=(visit, second),
            rest_break=None,
            carers=(
                SheetCarer(names["carer"], None),
                SheetCarer(names["chinese"], None),
                SheetCarer(names["greek"], None),
            ),
            removed=(
                RemovedVisit("n7", names["japanese"], (), "23:40", 1),
                RemovedVisit("n8", names["russian"], (), "00:40", None),
            ),
        )
    )
    reader, text = pdf_text(pdf)
    assert f"{names['carer']}, {names['chinese']}, {names['greek']}" in text
    assert f"1. 23:15 · {names['person']}" in text
    assert f"2. 23:30 · {names['traditional']}" in text
    assert "Tŷ Newydd, Llanfair Caereinion" in text
    assert f"23:40 · {names['japanese']}: now crew 1's" in text
    assert f"00:40 · {names['russian']}: no longer planned" in text
    assert "?" not in text
    fonts = page_fonts(reader)
    assert set(fonts) == {
        "DejaVuSansBook",
        "DejaVuSansBold",
        "DejaVuSansMonoBold",
        "DroidSansFallback",
    }
    for font in fonts.values():
        first = cast(ArrayObject, font["/DescendantFonts"])[0]
        descendant = cast(DictionaryObject, first.get_object())
        descriptor = cast(DictionaryObject, descendant["/FontDescriptor"].get_object())
        assert "/FontFile2" in descriptor


def test_a_latin_sheet_does_not_carry_the_east_asian_font() -> None:
    """Only a sheet with a character the text font lacks loads and embeds the large font."""
    reader, _ = pdf_text(route_sheet_pdf(a_sheet()))
    assert set(page_fonts(reader)) == {"DejaVuSansBook", "DejaVuSansBold", "DejaVuSansMonoBold"}


def test_key_safe_codes_print_in_the_monospaced_font_unless_it_lacks_a_character() -> None:
    """A code of digits and letters is in DejaVu Sans Mono; one with a Ł in the text font."""
    plain = a_sheet(visits=(a_visit(1, code="O0l1"),), rest_break=None, removed=())
    reader, text = pdf_text(route_sheet_pdf(plain))
    assert "Key safe O0l11" in text and "DejaVuSansMonoBold" in page_fonts(reader)
    polish = replace(plain, visits=(replace(a_visit(1), key_safe_code="ŁÓDŹ 7"),))
    reader, text = pdf_text(route_sheet_pdf(polish))
    assert "Key safe ŁÓDŹ 7" in text and "DejaVuSansMonoBold" not in page_fonts(reader)


def test_characters_no_shipped_font_has_print_as_their_plain_letters_or_a_question_mark() -> None:
    """Welsh, Polish and Chinese pass; a circumflex typed as a combining mark is composed;
    Korean and an emoji, which no shipped font has, are "?"; a ligature becomes its letters."""
    assert printable("Siân – £5 — Ŵyn Llŷr, Łódź, 王秀英") == "Siân – £5 — Ŵyn Llŷr, Łódź, 王秀英"
    assert printable("W\u0302yn") == "Ŵyn"
    assert printable("김민준 🙂") == "??? ?"
    assert printable("\ufb01sh") == "fish"
    assert printable("line one\nline two") == "line one\nline two"


def test_the_fonts_and_their_licences_are_package_data() -> None:
    """A non-editable install carries the fonts and their licences: pyproject.toml's package
    data of `data` takes every file in data/fonts but the script that makes them, and every
    font the PDF loads is there."""
    root = Path(__file__).resolve().parents[3]
    with (root / "pyproject.toml").open("rb") as file:
        patterns = tomllib.load(file)["tool"]["setuptools"]["package-data"]["data"]
    shipped = sorted(
        p.name for p in (root / "data" / "fonts").iterdir() if p.name != "make_fonts.py"
    )
    assert shipped and all(
        any(fnmatch.fnmatch(f"fonts/{name}", pattern) for pattern in patterns) for name in shipped
    )
    used = [name for *_, name in _FONT_FILES] + [_EAST_ASIAN_FILE]
    assert set(used) <= set(shipped)
    assert {"LICENSE-DejaVu.txt", "LICENSE-DroidSansFallback.txt"} <= set(shipped)


def test_a_visit_with_long_access_notes_is_not_split_between_pages() -> None:
    """Access notes wrapping onto several lines are measured as drawn: each of twenty visits
    has its address and its code on the same page."""
    notes = "Side gate, then the blue door; " * 8
    visits = tuple(replace(a_visit(n), access_notes=f"{notes}{n}") for n in range(1, 21))
    reader, _ = pdf_text(route_sheet_pdf(a_sheet(visits=visits, removed=(), rest_break=None)))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) > 4
    for number in range(1, 21):
        holding = [p for p in pages if re.search(rf"(?<!\d){number} Severn Street", p)]
        assert len(holding) == 1 and f"4711{number}" in holding[0]


def visit_texts(text: str, count: int) -> list[str]:
    """The text of each of the first `count` visits: from its heading to the next one's."""
    starts = [text.index(f"{n}. {a_visit(n).arrive} · Mrs Jones {n}") for n in range(1, count + 1)]
    ends = [*starts[1:], text.index("Back to base:")]
    return [text[start:end] for start, end in zip(starts, ends, strict=True)]


def test_a_critical_call_its_skills_and_the_persons_risk_notes_are_on_its_visit_only() -> None:
    """Visit 2 is critical, takes a hoist and the person has oxygen in: its block says so in
    words; visits 1 and 3 say none of it. Risk notes print without the secrets, as on the
    HTML sheet, since the crew must know them even after the codes are withdrawn."""
    risky = replace(
        a_visit(2),
        priority="critical",
        skills=("hoist", "medication"),
        risk_notes="oxygen in use; no naked flames",
    )
    for secrets in (True, False):
        visits: tuple[SheetVisit, ...] = (a_visit(1), risky, a_visit(3))
        if not secrets:
            visits = tuple(replace(v, access_notes=None, key_safe_code=None) for v in visits)
        _, text = pdf_text(route_sheet_pdf(a_sheet(visits=visits, secrets_shown=secrets)))
        first, second, third = visit_texts(text, 3)
        assert "2. 23:30 · Mrs Jones 2 · critical call" in second
        assert "Needs hoist, medication" in second
        assert "Risk: oxygen in use; no naked flames" in second
        for other in (first, third):
            assert "critical" not in other and "Needs" not in other
            assert "Risk" not in other and "oxygen" not in other
            assert "hoist" not in other
    assert text.count("oxygen") == 1 and text.count("critical") == 1


def test_risk_notes_print_in_bold() -> None:
    """The risk note is in DejaVu Sans Bold, as its label, not in the book weight."""
    risky = replace(a_visit(1), risk_notes="dog in the kitchen")
    reader, _ = pdf_text(route_sheet_pdf(a_sheet(visits=(risky,), removed=(), rest_break=None)))
    weights: list[str] = []

    def note_font(
        text: str, cm: object, tm: object, font: DictionaryObject | None, size: float
    ) -> None:
        if "dog in the kitchen" in text and font is not None:
            weights.append(str(font["/BaseFont"]))

    reader.pages[0].extract_text(visitor_text=note_font)
    assert weights and all(w.endswith("DejaVuSansBold") for w in weights)


def test_a_visit_with_long_risk_notes_is_not_split_between_pages() -> None:
    """Risk notes and skills are measured with the visit: each of twenty visits, with notes
    of four to eight lines, has its address, its risk note's end and its code on the same
    page."""
    note = "Oxygen in use, no naked flames, cylinders in the hall; "
    visits = tuple(
        replace(a_visit(n), skills=("hoist",), risk_notes=f"{note * (n % 5 + 4)}end {n}")
        for n in range(1, 21)
    )
    reader, _ = pdf_text(route_sheet_pdf(a_sheet(visits=visits, removed=(), rest_break=None)))
    pages = [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]
    assert len(pages) > 4
    for number in range(1, 21):
        holding = [p for p in pages if re.search(rf"(?<!\d){number} Severn Street", p)]
        assert len(holding) == 1
        assert re.search(rf"end {number}(?!\d)", holding[0]) and f"4711{number}" in holding[0]
