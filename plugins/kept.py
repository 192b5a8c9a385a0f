"""The story plugin's close reading of an article, kept in the store with it: a later article compared
with it reads this back instead of analysing its text again. What is kept is the reading's worked-out
properties, marked with the version of the code that made them (plugins/similarity.py, plugins/text.py
and wordfreq); a reading made by other code is not used, the text is analysed again."""

from __future__ import annotations

import hashlib
import io
import pickle
from collections import Counter
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from plugins import similarity, text
from plugins.similarity import Alignable, Profile, Reading

# properties not kept: what only the others are made from (worked out again if ever asked for), and the
# article's own title and text, which the store has anyway. The body's tokens and their running count
# of words of its own are kept although made from the sentences: the runs of a story's texts that the
# derivation compares with are made from them, and without them each text read back was tokenised and
# weighed again (most of the cover's cost)
_NOT_KEPT = frozenset(
    {
        "title",
        "text",
        "profile",
        "shingles",
        "sentence_words",
        "own",
        "vocabulary_all",
        "_runs",
    }
)
# the only classes a kept reading may hold (anything else in the bytes is refused, not constructed)
_CLASSES = {("plugins.similarity", "Alignable"): Alignable, ("collections", "Counter"): Counter}


@cache
def version() -> bytes:
    """The version of the code that makes a reading: 8 bytes of a hash of its source and of wordfreq's."""
    digest = hashlib.sha1()
    for module in (similarity, text):
        digest.update(Path(str(module.__file__)).read_bytes())
    digest.update(metadata.version("wordfreq").encode())
    return digest.digest()[:8]


def keep(reading: Reading) -> bytes:
    """A reading as kept in the store."""
    state = (
        {k: v for k, v in vars(reading.profile).items() if k not in _NOT_KEPT},
        {k: v for k, v in vars(reading).items() if k not in _NOT_KEPT},
    )
    return version() + pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        found = _CLASSES.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"a kept reading holds no {module}.{name}")
        return found


def restore(data: bytes | None, title: str, body: str) -> Reading | None:
    """The reading of the article with this title and text from what was kept of it; None when
    nothing was kept, or it was made by other code (or cannot be read)."""
    if not data or data[:8] != version():
        return None
    try:
        profile_state, reading_state = _Unpickler(io.BytesIO(memoryview(data)[8:])).load()
    except (pickle.UnpicklingError, ValueError, TypeError, EOFError):
        return None
    profile = Profile(title, body)
    vars(profile).update(profile_state)
    reading = Reading(profile)
    vars(reading).update(reading_state)
    return reading
