"""Hypothesis strategies for what people type, shared by the fuzz tests."""
from hypothesis import strategies as st

from campaign.forms.submission import MAX_FIELD_CHARS

TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
HUGE = st.sampled_from(["字" * (MAX_FIELD_CHARS + 1), "a " * 60_000, "𠮷" * 5000])
VALUE = st.one_of(TEXT, TEXT, TEXT, HUGE)
