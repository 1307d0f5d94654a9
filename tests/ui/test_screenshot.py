"""The README's screenshot, made from the real window. Run with GLEANER_UPDATE_SCREENSHOTS=1
to refresh docs/main-window.png."""

from __future__ import annotations

from PySide6.QtGui import QColor

from gleaner.core.capture import capture
from gleaner.ui.reader import HIGHLIGHT_ALPHA

from .conftest import point_of, save_screenshot

CODED = [
    ("thermal cameras", "Security measures"),
    ("120 additional officers", "Security measures"),
    ("tighter controls would push people towards more dangerous routes",
     "Humanitarian concerns"),
    ("For too long the smugglers have treated this coast as an open door",
     "Political responsibility"),
]


def blend_on_white(color: str, alpha: int) -> QColor:
    base = QColor(color)
    mix = lambda c: round(c * alpha / 255 + 255 * (255 - alpha) / 255)  # noqa: E731
    return QColor(mix(base.red()), mix(base.green()), mix(base.blue()))


def test_main_window_screenshot(open_window, archive, tmp_path, sample_article_path,
                                fixtures_dir, qtbot):
    archive.save_article(capture(str(fixtures_dir / "news_page.html")))
    article_id, _ = archive.save_article(capture(str(sample_article_path)))
    text = archive.get_article(article_id).text
    themes = {t.name: t for t in archive.list_themes()}
    for quote, theme in CODED:
        start = text.index(quote)
        archive.add_highlight(article_id, start, start + len(quote), [themes[theme].id])
    window = open_window(archive)
    window.show_article(article_id)
    active = next(h for h in archive.list_highlights(article_id=article_id)
                  if h.exact.startswith("tighter controls"))
    window.select_highlight(active.id)
    window.set_note(active.id, "Aid groups: tighter controls move the danger, not remove it.")
    window.select_highlight(active.id)
    window.library.setFocus()
    qtbot.wait(50)  # let pending layout requests settle, as they would before a repaint

    image = save_screenshot(window, tmp_path / "main-window.png")

    # The first highlight is painted in its theme's colour where the reader shows it.
    first = archive.list_highlights()[0]
    left = window.reader.viewport().mapTo(window, point_of(window.reader, first.start))
    right = window.reader.viewport().mapTo(window, point_of(window.reader, first.start + 7))
    expected = blend_on_white(themes["Security measures"].color, HIGHLIGHT_ALPHA)
    band = [image.pixelColor(x, y) for x in range(left.x() + 1, right.x())
            for y in range(left.y() - 6, left.y() + 6)]
    painted = [p for p in band if max(abs(p.red() - expected.red()), abs(p.green()
               - expected.green()), abs(p.blue() - expected.blue())) <= 6]
    assert len(painted) > len(band) / 3
    assert window.highlight_panel.note.toPlainText().startswith("Aid groups")
    assert window.library.model_.rowCount() == 2
