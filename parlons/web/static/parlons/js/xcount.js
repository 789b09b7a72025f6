// X reply counter: characters left in a reply post, counted like X (twitter-text v3): a link counts 23,
// most CJK characters and emoji 2, other characters 1. The server (parlons/connectors/x/text.py) decides;
// this is the live hint. Bound to <p data-x-count-for="textarea-id" data-x-max="280" data-left="{n} left" data-over>.
const RANGES = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
// With a scheme any host is a link; without one, only hosts under common top-level domains (an approximation
// of twitter-text's full TLD list).
const URL = new RegExp(
  "https?:\\/\\/[^\\s]+|(?:[\\p{L}\\p{N}-]+\\.)+(?:com|ca|org|net|gov|gc|qc|on|fr|io|co|info|edu|int|ly)\\b(?:\\/[^\\s]*)?",
  "giu",
);
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;

function charWeight(ch) {
  const code = ch.codePointAt(0);
  return RANGES.some(([start, end]) => code >= start && code <= end) ? 1 : 2;
}

export function weightedLength(text) {
  let rest = (text || "").normalize("NFC").replace(/\r\n|\r/g, "\n");
  let length = 0;
  rest = rest.replace(URL, () => {
    length += 23;
    return "";
  });
  const segments = typeof Intl !== "undefined" && Intl.Segmenter
    ? [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(rest)].map((s) => s.segment)
    : [...rest];
  for (const segment of segments) {
    if (EMOJI.test(segment)) {
      length += 2;
    } else {
      for (const ch of segment) length += charWeight(ch);
    }
  }
  return length;
}

function bind(output) {
  if (output.dataset.xBound) return;
  const field = document.getElementById(output.dataset.xCountFor);
  if (!field) return;
  output.dataset.xBound = "1";
  const max = Number(output.dataset.xMax || 280);
  const update = () => {
    const left = max - weightedLength(field.value);
    const template = left >= 0 ? output.dataset.left : output.dataset.over;
    output.textContent = (template || "{n}").replace("{n}", String(Math.abs(left)));
    output.classList.toggle("x-count-over", left < 0);
  };
  field.addEventListener("input", update);
  update();
}

function bindAll() {
  for (const output of document.querySelectorAll("[data-x-count-for]")) bind(output);
}

bindAll();
document.body.addEventListener("htmx:afterSwap", bindAll);
