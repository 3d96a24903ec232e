"""The page's root font size from the configured screen, so every glyph is at least 12 mm tall.

The kiosk guideline asks for glyphs of at least 12 mm. A CSS pixel is not a fixed
length: it is one device pixel (at a device pixel ratio of 1), whose size depends
on the panel. The screen's diagonal and resolution give device pixels per
millimetre; the page divides by its devicePixelRatio (OS scaling) itself.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from assistant.config import KioskSettings

MM_PER_INCH = 25.4
# A Hangul syllable's ink ("한") over its font size: 0.86-0.96 across the kiosk's
# fonts (NanumSquareRound, Noto Sans CJK KR); the smallest keeps every font above the minimum.
HANGUL_INK_RATIO = 0.86
# 글자 크게: the MSIT kiosk notice asks for enlargement to 200 %.
ENLARGED = 2.0


@dataclass(frozen=True)
class ScreenScale:
    px_per_mm: float  # device pixels per millimetre of the panel
    root_px: int  # the page's 1rem at a device pixel ratio of 1

    def stylesheet(self) -> str:
        return (f"/* {self.px_per_mm:.2f} px/mm: 1rem = {self.root_px}px keeps Hangul ink at "
                f"{self.root_px * HANGUL_INK_RATIO / self.px_per_mm:.1f} mm or more. */\n"
                f":root {{ --px-per-mm: {self.px_per_mm:.4f}; --root-px: {self.root_px}px; "
                f"--enlarged: {ENLARGED}; }}\n")


def screen_scale(kiosk: KioskSettings) -> ScreenScale:
    width, height = kiosk.screen_resolution
    px_per_mm = math.hypot(width, height) / (kiosk.screen_diagonal_in * MM_PER_INCH)
    return ScreenScale(px_per_mm, math.ceil(kiosk.min_glyph_mm * px_per_mm / HANGUL_INK_RATIO))
