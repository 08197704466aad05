"""Characters that only decorate a letter, left out wherever words or values are compared (the
index's words in analysis.py, facet values and notes in query/facets.py), so `Café` is `cafe`:
accents of Latin, Greek and Cyrillic letters (in decomposed text), Hebrew and Arabic vowel points,
the Arabic tatweel, joiners and variation selectors. Marks that are part of a letter are kept:
Indic vowel signs, viramas and nuktas, Thai vowels and tone marks, … (`नमस्ते` is not `नमसते`)."""

from __future__ import annotations

DECORATIONS: tuple[tuple[int, int], ...] = (
    (0x0300, 0x036F),  # combining diacritical marks: the accents of Latin, Greek, Cyrillic
    (0x0483, 0x0489),  # Cyrillic titlo and signs over letters
    (0x0591, 0x05C7),  # Hebrew cantillation and vowel points
    (0x0640, 0x0640),  # Arabic tatweel: a stretch, no letter
    (0x064B, 0x065F),  # Arabic vowel points
    (0x0670, 0x0670),  # Arabic superscript alef
    (0x1AB0, 0x1AFF),  # combining diacritical marks extended
    (0x1DC0, 0x1DFF),  # combining diacritical marks supplement
    (0x200C, 0x200D),  # zero-width non-joiner and joiner
    (0x20D0, 0x20FF),  # combining marks for symbols (the keycap too)
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFE20, 0xFE2F),  # combining half marks
)

# For str.translate: every decorating character deleted.
DELETED: dict[int, None] = dict.fromkeys(
    code for low, high in DECORATIONS for code in range(low, high + 1)
)
