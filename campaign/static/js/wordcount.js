/*
 * The 字数 rule of spec §4, the browser twin of campaign/forms/wordcount.py.
 *
 * 字数 = (East Asian characters) + (runs of other non-space characters);
 * 字符数（不计空格）= code points that are neither whitespace nor ignored.
 * Text is normalised first: CRLF/CR -> LF, then NFC. Ignored code points
 * (U+200B, U+FEFF, U+FE00-FE0F, U+E0100-E01EF) are skipped after NFC and
 * neither count nor separate. The full rationale, and every decision on edge
 * cases, is in the Python module's docstring; both are checked against
 * tests/data/wordcount_vectors.json, so change them together.
 *
 * Node: module.exports = {normalize, countWords, countChars}.
 * Browser: window.Wordcount, plus a live counter for [data-wordcount].
 */
(function (root, factory) {
  'use strict';
  var api = factory();
  if (typeof module === 'object' && module.exports) {
    module.exports = api;
  } else {
    root.Wordcount = api;
  }
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  // Inclusive ranges, sorted; must match EAST_ASIAN_RANGES in wordcount.py.
  var EAST_ASIAN = [
    [0x00B7, 0x00B7],    // · MIDDLE DOT
    [0x1100, 0x11FF],    // Hangul Jamo
    [0x2014, 0x2015],    // — ―
    [0x2018, 0x2019],    // ‘ ’
    [0x201C, 0x201D],    // “ ”
    [0x2026, 0x2026],    // …
    [0x203B, 0x203B],    // ※
    [0x2103, 0x2103],    // ℃
    [0x2116, 0x2116],    // №
    [0x25A1, 0x25A1],    // □
    [0x25B3, 0x25B3],    // △
    [0x25C7, 0x25C7],    // ◇
    [0x25CB, 0x25CB],    // ○
    [0x2606, 0x2606],    // ☆
    [0x2E80, 0x2FFF],    // CJK radicals, Kangxi radicals, ideographic description
    [0x3001, 0x33FF],    // CJK punctuation ... CJK compatibility (not U+3000)
    [0x3400, 0x4DBF],    // CJK Extension A
    [0x4E00, 0x9FFF],    // CJK Unified Ideographs
    [0xA960, 0xA97F],    // Hangul Jamo Extended-A
    [0xAC00, 0xD7FF],    // Hangul Syllables, Hangul Jamo Extended-B
    [0xF900, 0xFAFF],    // CJK Compatibility Ideographs
    [0xFE10, 0xFE1F],    // Vertical Forms
    [0xFE30, 0xFE4F],    // CJK Compatibility Forms
    [0xFF01, 0xFFEF],    // Halfwidth and Fullwidth Forms
    [0x1AFF0, 0x1B16F],  // Kana Extended-B ... Small Kana Extension
    [0x20000, 0x3FFFF]   // Han, planes 2 and 3
  ];

  var OTHER = 0;
  var EAST_ASIAN_CLASS = 1;
  var SPACE = 2;
  var IGNORED = 3;

  function isWhitespace(cp) {
    // Exactly Unicode White_Space (unlike JS \s, which adds U+FEFF and lacks U+0085).
    return (cp >= 0x09 && cp <= 0x0D) || cp === 0x20 || cp === 0x85 ||
      cp === 0xA0 || cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
      cp === 0x2028 || cp === 0x2029 || cp === 0x202F || cp === 0x205F ||
      cp === 0x3000;
  }

  function isIgnored(cp) {
    return cp === 0x200B || cp === 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F) ||
      (cp >= 0xE0100 && cp <= 0xE01EF);
  }

  function isEastAsian(cp) {
    var lo = 0;
    var hi = EAST_ASIAN.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (cp < EAST_ASIAN[mid][0]) {
        hi = mid - 1;
      } else if (cp > EAST_ASIAN[mid][1]) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }

  function classify(cp) {
    if (isWhitespace(cp)) return SPACE;
    if (isIgnored(cp)) return IGNORED;
    if (isEastAsian(cp)) return EAST_ASIAN_CLASS;
    return OTHER;
  }

  function normalize(text) {
    return String(text).replace(/\r\n?/g, '\n').normalize('NFC');
  }

  // Returns [words, chars] in one pass over the code points.
  function tally(text) {
    var s = normalize(text);
    var words = 0;
    var chars = 0;
    var inRun = false;
    for (var i = 0; i < s.length; i++) {
      var cp = s.codePointAt(i);
      if (cp > 0xFFFF) i++;  // astral: skip the low surrogate
      switch (classify(cp)) {
        case IGNORED:
          break;
        case SPACE:
          inRun = false;
          break;
        case EAST_ASIAN_CLASS:
          words++;
          chars++;
          inRun = false;
          break;
        default:
          if (!inRun) words++;
          chars++;
          inRun = true;
      }
    }
    return [words, chars];
  }

  function countWords(text) {
    return tally(text)[0];
  }

  function countChars(text) {
    return tally(text)[1];
  }

  var api = {normalize: normalize, countWords: countWords, countChars: countChars};

  if (typeof document !== 'undefined') {
    // Rows added later call attach() on their own counters.
    api.attach = function (scope) {
      var counters = scope.querySelectorAll('[data-wordcount]');
      for (var i = 0; i < counters.length; i++) { attach(counters[i]); }
    };
    attachWhenReady();
  }
  return api;

  // --- Browser: live counter -------------------------------------------------

  function attachWhenReady() {
    if (document.readyState === 'loading') {
      document.addEventListener('DOMContentLoaded', attachAll);
    } else {
      attachAll();
    }
  }

  function attachAll() {
    var counters = document.querySelectorAll('[data-wordcount]');
    for (var i = 0; i < counters.length; i++) {
      attach(counters[i]);
    }
  }

  function fieldsFor(counter) {
    var names = (counter.getAttribute('data-wordcount-fields') || '')
      .split(/\s+/).filter(Boolean);
    var form = counter.closest('form');
    var candidates = form ? form.elements : document.querySelectorAll('textarea, input');
    var fields = [];
    for (var i = 0; i < candidates.length; i++) {
      var el = candidates[i];
      var tag = el.tagName;
      if ((tag === 'TEXTAREA' || tag === 'INPUT') && names.indexOf(el.name) !== -1) {
        fields.push(el);
      }
    }
    return fields;
  }

  function parseLimit(value) {
    var n = parseInt(value || '', 10);
    return n > 0 ? n : null;
  }

  function attach(counter) {
    if (counter.getAttribute('data-wordcount-attached') === '1') return;
    counter.setAttribute('data-wordcount-attached', '1');
    counter.setAttribute('aria-live', 'polite');

    var fields = fieldsFor(counter);
    var limit = parseLimit(counter.getAttribute('data-limit'));
    var compact = counter.hasAttribute('data-wordcount-compact');  // a part's count beside a total
    if (compact) { counter.removeAttribute('aria-live'); }
    var summary = document.createElement('span');
    summary.className = 'wordcount-summary';
    var excess = document.createElement('span');
    excess.className = 'wordcount-excess';
    excess.hidden = true;
    counter.textContent = '';
    counter.appendChild(summary);
    counter.appendChild(excess);

    function update() {
      // Sum of per-field counts, as the server sums count_words per field.
      var words = 0;
      var chars = 0;
      for (var i = 0; i < fields.length; i++) {
        var t = tally(fields[i].value || '');
        words += t[0];
        chars += t[1];
      }
      var text = compact ? String(words) : '字数 ' + words + (limit ? ' / ' + limit : '') +
        '\u3000字符数（不计空格）' + chars;
      var over = limit !== null && words > limit;
      var warning = limit !== null && !over && words * 10 >= limit * 9;
      var excessText = over
        ? '\u3000已超出 ' + (words - limit) + ' 字，还需删减 ' + (words - limit) + ' 字'
        : '';
      // Only touch the live region when something changed, so screen
      // readers are not interrupted on every keystroke.
      if (summary.textContent !== text) summary.textContent = text;
      if (excess.textContent !== excessText) excess.textContent = excessText;
      excess.hidden = !over;
      counter.classList.toggle('is-warning', warning);
      counter.classList.toggle('is-over', over);
    }

    for (var i = 0; i < fields.length; i++) {
      fields[i].addEventListener('input', update);
      fields[i].addEventListener('change', update);
    }
    update();
  }
});
