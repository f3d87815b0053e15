"""Make the route sheet PDF's fonts in this folder from Debian's fonts-dejavu-core and
fonts-droid-fallback: subsets of the characters names and notes are written in, without
hinting (a printed page does not need it), as WOFF (the same TrueType outlines, zlib
compressed) to keep the package small.

    apt-get install fonts-dejavu-core fonts-droid-fallback
    .venv/bin/python data/fonts/make_fonts.py

Latin (with Welsh's ŵ ŷ ẁ ẃ ỳ), Greek, Cyrillic, Armenian and Georgian come from DejaVu Sans;
Chinese (GB 2312 and Big5's common characters), Japanese kana and JIS level 1 kanji from Droid
Sans Fallback. Scripts that need shaping or right-to-left layout (Arabic, Hebrew, Indic) and
Korean Hangul (not in Droid Sans Fallback) are left out.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DROID = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")

EUROPEAN = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1, Latin Extended-A and -B
    (0x02B0, 0x036F),  # spacing modifiers (ʻ), combining marks
    (0x0370, 0x052F),  # Greek, Cyrillic
    (0x0531, 0x058F),  # Armenian
    (0x10A0, 0x10FF),  # Georgian
    (0x1E00, 0x1EFF),  # Latin Extended Additional: ẁ ẃ ẅ ỳ, Vietnamese
    (0x2000, 0x206F),  # General Punctuation: dashes, quotes, bullet
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x214F),  # letterlike: №, ℃
    (0x2190, 0x21FF),  # arrows
    (0x25A0, 0x25FF),  # geometric shapes
)
CODES = ((0x0020, 0x007E), (0x00A0, 0x00FF))
EAST_ASIAN = (
    (0x3000, 0x30FF),  # CJK punctuation, hiragana, katakana
    (0xFF01, 0xFF5E),  # full-width forms
)


def _ranges(ranges: tuple[tuple[int, int], ...]) -> set[int]:
    return {code for low, high in ranges for code in range(low, high + 1)}


def _ideographs(encoding: str, leads: range, trails: list[int]) -> set[int]:
    """The CJK ideographs a double-byte encoding gives for these lead and trail bytes."""
    found: set[int] = set()
    for lead, trail in itertools.product(leads, trails):
        try:
            char = bytes([lead, trail]).decode(encoding)
        except UnicodeDecodeError:
            continue
        if 0x4E00 <= ord(char) <= 0x9FFF:
            found.add(ord(char))
    return found


def chinese_and_japanese() -> set[int]:
    """GB 2312's 6,763 hanzi, Big5's 5,401 common characters and JIS X 0208's level 1."""
    euc_trails = list(range(0xA1, 0xFF))
    big5_trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    return (
        _ideographs("gb2312", range(0xB0, 0xF8), euc_trails)
        | _ideographs("big5", range(0xA4, 0xC7), big5_trails)
        | _ideographs("euc_jp", range(0xB0, 0xD0), euc_trails)
    )


def write_subset(source: Path, characters: set[int], target: str) -> None:
    """`source` cut down to `characters`, unhinted, saved as WOFF under `target`."""
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters)
    subsetter.subset(font)
    font.flavor = "woff"
    font.save(HERE / target)


def main() -> None:
    """Write the four fonts the route sheet PDF uses."""
    european = _ranges(EUROPEAN)
    write_subset(DEJAVU / "DejaVuSans.ttf", european, "DejaVuSans.woff")
    write_subset(DEJAVU / "DejaVuSans-Bold.ttf", european, "DejaVuSans-Bold.woff")
    write_subset(DEJAVU / "DejaVuSansMono-Bold.ttf", _ranges(CODES), "DejaVuSansMono-Bold.woff")
    write_subset(DROID, _ranges(EAST_ASIAN) | chinese_and_japanese(), "DroidSansFallback.woff")


if __name__ == "__main__":
    main()
