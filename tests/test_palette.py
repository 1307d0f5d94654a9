"""Theme colours stay apart for colour-blind readers and keep body text readable.

Colours are compared as a reader sees them: full (bars, margin stripes, chips) and as highlight
fills (the colour laid on the white page at HIGHLIGHT_ALPHA, as Qt blends it). Colour-vision
deficiencies are simulated with colorspacious (Machado et al. 2009; severity 100 is
dichromacy) and differences are measured in CAM02-UCS, where about 1 unit is just noticeable.
"""

from __future__ import annotations

import itertools
import json
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    # colorspacious 1.1.2 has a docstring with "\D" in it, which Python 3.11 warns about
    # whenever the module is compiled: nothing to do with what is measured here.
    warnings.simplefilter("ignore", DeprecationWarning)
    from colorspacious import cspace_convert

from gleaner.core.archive import THEME_PALETTE
from gleaner.core.resources import resource_path
from gleaner.ui.reader import ACTIVE_ALPHA, HIGHLIGHT_ALPHA
from gleaner.ui.themes_panel import text_on

VISIONS = {"normal": None, "protanopia": "protanomaly", "deuteranopia": "deuteranomaly",
           "tritanopia": "tritanomaly"}
DARK_TEXT = "#202124"  # chip text, and no lighter than the reader's body text (black)
WHITE = "#FFFFFF"  # the reader's page
# Smallest difference allowed between two colours of a set: (as full colours, as fills).
PALETTE_MINIMUM = (10.0, 6.0)  # all twelve, measured 10.4 and 6.4 at worst
STARTER_MINIMUM = (12.0, 7.0)  # the starter codebook's eight, measured 12.3 and 7.4
FILL_FROM_PAGE = 12.0  # a fill must stand out from the white page (measured 12.5 at worst)
BODY_TEXT_CONTRAST = 7.0  # WCAG AAA for dark text on a fill (measured 8.2 at worst)
FULL_TEXT_CONTRAST = 4.5  # WCAG AA for dark text on a full colour (measured 4.6 at worst)


def starter_colours() -> list[str]:
    """The colours of the starter codebook that new archives are given, in its order."""
    data = json.loads(resource_path("codebook.json").read_text("utf-8"))
    return [theme["color"] for theme in data["themes"]]


def srgb(color: str) -> np.ndarray:
    """'#RRGGBB' as 0-255 channels."""
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def highlight_fill(color: str, alpha: int = HIGHLIGHT_ALPHA) -> np.ndarray:
    """The colour a highlight paints on the white page: Qt's blend at this alpha (0-255), to
    whole steps."""
    return np.round(srgb(color) * alpha / 255 + 255 * (1 - alpha / 255))


def seen(channels: np.ndarray, vision: str) -> np.ndarray:
    """CAM02-UCS coordinates of 0-255 sRGB colours (rows) as seen with this vision."""
    rgb1 = np.asarray(channels, dtype=float) / 255
    if VISIONS[vision] is not None:
        space = {"name": "sRGB1+CVD", "cvd_type": VISIONS[vision], "severity": 100}
        # The simulation can leave the gamut slightly; a screen shows the clipped colour.
        rgb1 = np.clip(cspace_convert(rgb1, space, "sRGB1"), 0, 1)
    return cspace_convert(rgb1, "sRGB1", "CAM02-UCS")


def closest_pair(colors: list[str], vision: str, fill: bool) -> tuple[float, str, str]:
    """The smallest difference between two of these colours, and which two."""
    channels = np.array([highlight_fill(c) if fill else srgb(c) for c in colors])
    points = seen(channels, vision)
    return min((float(np.linalg.norm(points[i] - points[j])), colors[i], colors[j])
               for i, j in itertools.combinations(range(len(colors)), 2))


def luminance(channels: np.ndarray) -> float:
    """WCAG relative luminance of 0-255 sRGB channels."""
    c = np.asarray(channels, dtype=float) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def contrast(a: np.ndarray, b: np.ndarray) -> float:
    """WCAG contrast ratio of two colours."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


SETS = {"THEME_PALETTE": (THEME_PALETTE, PALETTE_MINIMUM),
        "codebook.json": (starter_colours(), STARTER_MINIMUM)}


def test_starter_colours_open_the_palette_in_order() -> None:
    assert starter_colours() == THEME_PALETTE[:8]
    assert len(THEME_PALETTE) == 12
    assert len({c.upper() for c in THEME_PALETTE}) == 12
    assert all(c == c.upper() and len(c) == 7 and c.startswith("#") for c in THEME_PALETTE)


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("name", SETS)
def test_full_colours_stay_apart(name: str, vision: str) -> None:
    colors, (minimum, _) = SETS[name]
    distance, a, b = closest_pair(colors, vision, fill=False)
    assert distance >= minimum, f"{a} and {b} differ by {distance:.1f} with {vision}"


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("name", SETS)
def test_highlight_fills_stay_apart(name: str, vision: str) -> None:
    colors, (_, minimum) = SETS[name]
    distance, a, b = closest_pair(colors, vision, fill=True)
    assert distance >= minimum, f"fills of {a} and {b} differ by {distance:.1f} with {vision}"


@pytest.mark.parametrize("vision", VISIONS)
def test_highlight_fills_stand_out_from_the_page(vision: str) -> None:
    page = seen(np.array([srgb(WHITE)]), vision)[0]
    for color in THEME_PALETTE:
        distance = float(np.linalg.norm(seen(np.array([highlight_fill(color)]), vision)[0]
                                        - page))
        assert distance >= FILL_FROM_PAGE, f"fill of {color} is {distance:.1f} from white"


def test_dark_text_reads_on_every_highlight_fill() -> None:
    ratios = {c: contrast(srgb(DARK_TEXT), highlight_fill(c)) for c in THEME_PALETTE}
    assert min(ratios.values()) >= BODY_TEXT_CONTRAST, ratios


def test_dark_text_reads_on_every_full_colour() -> None:
    # Dark text lies on the full colour in three places: the highlight open in the side panel
    # (filled at ACTIVE_ALPHA, now opaque), the highlights list's chips (always #202124) and the
    # codebook's chips (text_on picks it): the colours must all be light enough for it.
    for backgrounds in ({c: srgb(c) for c in THEME_PALETTE},
                        {c: highlight_fill(c, ACTIVE_ALPHA) for c in THEME_PALETTE}):
        ratios = {c: contrast(srgb(DARK_TEXT), b) for c, b in backgrounds.items()}
        assert min(ratios.values()) >= FULL_TEXT_CONTRAST, ratios
    assert {text_on(c) for c in THEME_PALETTE} == {DARK_TEXT}


def test_the_measure_sees_the_confusions_it_guards_against() -> None:
    # The tints used before: teal and pink fills look alike with deuteranopia, not otherwise.
    old_teal_and_pink = ["#6FD6CF", "#FF9ED2"]
    assert closest_pair(old_teal_and_pink, "deuteranopia", fill=True)[0] < 2
    assert closest_pair(old_teal_and_pink, "normal", fill=True)[0] > 15
    # Pure red and green collapse for protanopes and deuteranopes but not for tritanopes.
    red_and_green = ["#D03030", "#30A030"]
    normal = closest_pair(red_and_green, "normal", fill=False)[0]
    for vision in ("protanopia", "deuteranopia"):
        assert closest_pair(red_and_green, vision, fill=False)[0] < normal / 2
    assert closest_pair(red_and_green, "tritanopia", fill=False)[0] > normal / 2
