"""The 字数 rule (spec §4): one set of vectors against Python and JavaScript.

The JavaScript side runs in one long-lived ``node`` process that answers
JSON requests line by line, so the whole module starts node once.
"""

import json
import os
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.forms.wordcount import count_chars, count_words, is_east_asian, normalize

ROOT = Path(__file__).resolve().parents[1]
JS_PATH = ROOT / "campaign" / "static" / "js" / "wordcount.js"
VECTORS = json.loads((ROOT / "tests" / "data" / "wordcount_vectors.json").read_text(encoding="utf-8"))
BY_NAME = {v["name"]: v for v in VECTORS}

# Reads one JSON request per line, writes one ASCII-only JSON answer per line.
NODE_SCRIPT = r"""
const wc = require(process.argv[1]);
const readline = require('readline');
const ascii = (s) => s.replace(/[\u007f-\uffff]/g,
  (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
const ops = {
  count: (req) => req.texts.map((t) => [wc.countWords(t), wc.countChars(t), wc.normalize(t)]),
  // Every code point between two Han characters: its counts, and the NFC
  // result wherever NFC changes the character on its own.
  scan: (req) => {
    const codes = [];
    const changed = {};
    for (const [lo, hi] of req.ranges) {
      for (let cp = lo; cp <= hi; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) continue;
        const ch = String.fromCodePoint(cp);
        const s = '\u4e00' + ch + '\u4e00';
        codes.push(wc.countWords(s) * 16 + wc.countChars(s));
        if (ch.normalize('NFC') !== ch) changed[cp] = ch.normalize('NFC');
      }
    }
    return {codes, changed};
  },
};
readline.createInterface({input: process.stdin, terminal: false}).on('line', (line) => {
  const req = JSON.parse(line);
  process.stdout.write(ascii(JSON.stringify(ops[req.op](req))) + '\n');
});
"""


class NodeRunner:
    def __init__(self, node: str):
        self.proc = subprocess.Popen(
            [node, "-e", NODE_SCRIPT, str(JS_PATH)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            encoding="utf-8",
        )

    def ask(self, op: str, **payload):
        self.proc.stdin.write(json.dumps({"op": op, **payload}) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=10)
            pytest.fail(f"node exited with {self.proc.returncode}: {self.proc.stderr.read()}")
        return json.loads(line)

    def count(self, texts: list[str]) -> list[tuple[int, int, str]]:
        return [tuple(r) for r in self.ask("count", texts=texts)]

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.fixture(scope="module")
def node():
    path = shutil.which("node")
    if path is None:
        if "CI" in os.environ:
            pytest.fail("node is required to check wordcount.js when CI is set")
        pytest.skip("node is not installed")
    runner = NodeRunner(path)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def js_vector_results(node):
    results = node.count([v["text"] for v in VECTORS])
    return {v["name"]: r for v, r in zip(VECTORS, results)}


# --- the vectors -------------------------------------------------------------

def test_vectors_are_many_and_uniquely_named():
    assert len(VECTORS) >= 50
    assert len(BY_NAME) == len(VECTORS)


@pytest.mark.parametrize("name", list(BY_NAME))
def test_python_matches_vector(name):
    vector = BY_NAME[name]
    assert (count_words(vector["text"]), count_chars(vector["text"])) == (
        vector["words"],
        vector["chars"],
    )


@pytest.mark.parametrize("name", list(BY_NAME))
def test_js_matches_vector(name, js_vector_results):
    vector = BY_NAME[name]
    words, chars, normalized = js_vector_results[name]
    assert (words, chars) == (vector["words"], vector["chars"])
    assert normalized == normalize(vector["text"])


# --- the Python API ----------------------------------------------------------

def test_normalize_turns_crlf_and_cr_into_lf_and_composes():
    assert normalize("a\r\nb\rc\n\r\nd") == "a\nb\nc\n\nd"
    assert normalize("Cafe\u0301") == "Caf\u00e9"


def test_normalize_keeps_ignored_code_points():
    assert normalize("a\u200bb\ufeff") == "a\u200bb\ufeff"


@pytest.mark.parametrize(
    "ch, expected",
    [
        ("中", True),
        ("\U00020bb7", True),
        ("、", True),
        ("，", True),
        ("“", True),
        ("·", True),
        ("㈱", True),
        ("가", True),
        ("\u3000", False),
        ("a", False),
        (",", False),
        ("😀", False),
        ("\ufe50", False),
    ],
)
def test_is_east_asian(ch, expected):
    assert is_east_asian(ch) is expected


@pytest.mark.parametrize("bad", ["", "ab", "e\u0301"])
def test_is_east_asian_wants_one_code_point(bad):
    with pytest.raises(ValueError):
        is_east_asian(bad)


# --- Python and JavaScript agree everywhere ------------------------------------

def test_python_and_js_agree_on_every_code_point(node):
    """Each code point of planes 0-3 and 14 between two Han characters.

    Characters whose NFC differs between the two Unicode databases (Python's
    may be older than node's ICU) are skipped; they must be unassigned in
    Python's, since NFC of an assigned character never changes.
    """
    ranges = [(0, 0x3FFFF), (0xE0000, 0xE0FFF)]
    answer = node.ask("scan", ranges=ranges)
    changed = {int(cp): nfc for cp, nfc in answer["changed"].items()}
    code_points = [
        cp for lo, hi in ranges for cp in range(lo, hi + 1) if not 0xD800 <= cp <= 0xDFFF
    ]
    assert len(answer["codes"]) == len(code_points)
    mismatches = []
    for cp, code in zip(code_points, answer["codes"]):
        ch = chr(cp)
        if unicodedata.normalize("NFC", ch) != changed.get(cp, ch):
            assert unicodedata.category(ch) == "Cn", f"NFC differs for U+{cp:04X}"
            continue
        text = "\u4e00" + ch + "\u4e00"
        if count_words(text) * 16 + count_chars(text) != code:
            mismatches.append(f"U+{cp:04X}")
    assert mismatches == []


def _chars(lo: int, hi: int) -> st.SearchStrategy[str]:
    # Only characters assigned in Python's Unicode database: their NFC is the
    # same in every later Unicode version, so node's ICU agrees.
    return st.characters(min_codepoint=lo, max_codepoint=hi, exclude_categories=("Cs", "Cn"))


_SPECIAL = list(
    " \t\n\r\u3000\u00a0\u0085\u2028\u202f\u001f"  # whitespace, and one that is not
    "\u200b\ufeff\ufe0f\ufe0e\U000e0100"  # ignored
    "\u200d\u200c\u0301\u0323\u3099\u1100\u1161\u11ab\u2329\u0387\uf900"  # NFC and joiners
    "“”‘’—…·―※◇○□△☆℃№，,！!。、（）()《》"
    "👨👩👧👍🏽🇨🇳🔥❤"
)

MIXED_CHAR = st.one_of(
    st.sampled_from(_SPECIAL),
    _chars(0x20, 0x7E),  # ASCII
    _chars(0x4E00, 0x9FFF),  # Han
    _chars(0x20000, 0x2A6DF),  # Han Extension B (astral)
    _chars(0x3040, 0x30FF),  # kana
    _chars(0xAC00, 0xD7A3),  # hangul
    _chars(0xFF01, 0xFFEF),  # full-width and half-width forms
    _chars(0x1F300, 0x1F64F),  # emoji
    _chars(0, sys.maxunicode),  # anything assigned
)
MIXED_TEXT = st.text(alphabet=MIXED_CHAR, max_size=40)


@settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(MIXED_TEXT, min_size=25, max_size=25))
def test_python_and_js_agree_on_generated_text(node, batch):
    expected = [(count_words(t), count_chars(t), normalize(t)) for t in batch]
    assert node.count(batch) == expected


# --- properties ----------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(a=MIXED_TEXT, b=MIXED_TEXT)
def test_a_space_adds_the_counts_of_both_sides(a, b):
    assert count_words(a + " " + b) == count_words(a) + count_words(b)
    assert count_chars(a + " " + b) == count_chars(a) + count_chars(b)


@settings(deadline=None, max_examples=200)
@given(text=MIXED_TEXT)
def test_counting_is_stable_under_normalize(text):
    once = normalize(text)
    assert normalize(once) == once
    assert count_words(once) == count_words(text)
    assert count_chars(once) == count_chars(text)


@settings(deadline=None, max_examples=200)
@given(text=MIXED_TEXT)
def test_every_word_has_a_character(text):
    assert 0 <= count_words(text) <= count_chars(text)


# --- the live counter in a browser ------------------------------------------

@pytest.mark.browser
def test_live_counter_sums_fields_and_warns(tmp_path, page):
    page_file = tmp_path / "counter.html"
    page_file.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8">
<script src="{JS_PATH.as_uri()}"></script></head><body>
<form>
<textarea name="intro"></textarea><input name="body"><textarea name="other"></textarea>
<p id="counter" data-wordcount data-wordcount-fields="intro body" data-limit="10"></p>
</form></body></html>""",
        encoding="utf-8",
    )
    page.goto(page_file.as_uri())
    counter = page.locator("#counter")
    assert counter.get_attribute("aria-live") == "polite"
    assert counter.inner_text() == "字数 0 / 10\u3000字符数（不计空格）0"

    page.fill("textarea[name=intro]", "使用 Adobe Photoshop")
    page.fill("input[name=body]", "打开")
    page.fill("textarea[name=other]", "不计入的字段")
    assert counter.inner_text() == "字数 6 / 10\u3000字符数（不计空格）18"
    assert counter.get_attribute("class") in (None, "")

    page.fill("input[name=body]", "打开图片很多")
    assert counter.inner_text() == "字数 10 / 10\u3000字符数（不计空格）22"
    assert counter.get_attribute("class") == "is-warning"

    page.fill("input[name=body]", "打开图片很多很多 GB/T 9704-2012")
    assert counter.inner_text() == (
        "字数 14 / 10\u3000字符数（不计空格）37\u3000已超出 4 字，还需删减 4 字"
    )
    assert counter.get_attribute("class") == "is-over"

    page.fill("input[name=body]", "")
    assert counter.inner_text() == "字数 4 / 10\u3000字符数（不计空格）16"
    assert "is-over" not in (counter.get_attribute("class") or "")
