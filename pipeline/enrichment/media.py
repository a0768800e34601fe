"""The lab's review photos and videos on disk, and which review each belongs to.

The lab keeps them as ``review/images/Review (N).png`` and ``review/videos/Review Video (N).mp4``
and joins them to review N with ``REGEXP_EXTRACT(uri, r'Review.*\\((\\d+)\\)')``; the same
patterns are used here and in the warehouse join.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.enrichment.store import MEDIA_ID_PATTERNS

MIME_TYPES = {
    ".png": ("image", "image/png"), ".jpg": ("image", "image/jpeg"),
    ".jpeg": ("image", "image/jpeg"), ".webp": ("image", "image/webp"),
    ".mp4": ("video", "video/mp4"), ".mov": ("video", "video/quicktime"),
    ".webm": ("video", "video/webm"),
}
INLINE_LIMIT_BYTES = 19 * 1024 * 1024  # Gemini's inline request limit is 20 MB


@dataclass(frozen=True)
class MediaFile:
    """One photo or video of a review."""

    path: Path
    kind: str  # image or video
    mime_type: str

    @property
    def uri(self) -> str:
        return str(self.path)

    @property
    def review_id(self) -> int | None:
        """The review the file belongs to, by the lab's file-name pattern."""
        found = re.search(MEDIA_ID_PATTERNS[self.kind], self.path.name)
        return int(found.group(1)) if found else None


def find_media(folder: Path | None) -> list[MediaFile]:
    """Every photo and video under ``folder`` (none when it is unset or missing)."""
    if folder is None or not Path(folder).is_dir():
        return []
    found = []
    for path in sorted(Path(folder).resolve().rglob("*")):
        known = MIME_TYPES.get(path.suffix.lower())
        if known and path.is_file():
            found.append(MediaFile(path=path, kind=known[0], mime_type=known[1]))
    return found
