"""A confirmation code as a picture, so it reaches the marketer's eyes and not a script.

The Campaigns tab shows the code for approving or sending only as this image (digits
shifted, turned and crossed by lines), never as text in the page or in an event's
response: a client replaying the UI's HTTP calls gets pixels, not a code to echo back.
"""

from __future__ import annotations

import base64
import html
import io
import random

from PIL import Image, ImageDraw, ImageFont

DIGIT_SIZE = 40  # px of each digit's cell
FONT_SIZE = 30


def code_png(code: str) -> bytes:
    """The PNG of ``code``: each character shifted and turned a little, with noise lines."""
    rng = random.Random()
    font = ImageFont.load_default(size=FONT_SIZE)
    width, height = DIGIT_SIZE * len(code) + 20, DIGIT_SIZE + 16
    image = Image.new("RGB", (width, height), "#f1f3f4")
    for index, char in enumerate(code):
        cell = Image.new("RGBA", (DIGIT_SIZE, DIGIT_SIZE), (0, 0, 0, 0))
        ImageDraw.Draw(cell).text((DIGIT_SIZE / 2, DIGIT_SIZE / 2), char, font=font,
                                  fill="#202124", anchor="mm")
        cell = cell.rotate(rng.uniform(-20, 20), resample=Image.Resampling.BICUBIC)
        image.paste(cell, (10 + index * DIGIT_SIZE + rng.randint(-3, 3),
                           8 + rng.randint(-6, 6)), cell)
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        draw.line([(rng.randint(0, width), rng.randint(0, height)),
                   (rng.randint(0, width), rng.randint(0, height))], fill="#9aa0a6", width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def code_html(code: str, prompt: str) -> str:
    """``prompt`` and the code's image, ready for a ``gr.HTML``."""
    data = base64.b64encode(code_png(code)).decode("ascii")
    return (f'<div class="confirm-code"><p>{html.escape(prompt)}</p>'
            f'<img src="data:image/png;base64,{data}" alt="confirmation code: type the '
            f'digits shown" width="{DIGIT_SIZE * len(code) + 20}"></div>')
