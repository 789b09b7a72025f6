// Live "time open" values (OPS-8): every <time class="elapsed" datetime="…"> shows how long ago its instant
// was, in the page language ("2 h 14 min", "3 d 2 h" / "3 j 2 h"), refreshed every 30 seconds.
const NBSP = "\u00a0";

export function elapsedText(seconds, language) {
  const s = Math.max(0, Math.floor(seconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const mins = Math.floor((s % 3600) / 60);
  const day = (language || "").toLowerCase().startsWith("fr") ? "j" : "d";
  if (days) return `${days}${NBSP}${day} ${hours}${NBSP}h`;
  if (hours) return `${hours}${NBSP}h ${mins}${NBSP}min`;
  return `${mins}${NBSP}min`;
}

export function refresh(root = document) {
  const language = document.documentElement.lang;
  const now = Date.now();
  for (const el of root.querySelectorAll("time.elapsed[datetime]")) {
    const at = Date.parse(el.getAttribute("datetime"));
    if (!Number.isNaN(at)) {
      const text = elapsedText((now - at) / 1000, language);
      if (el.textContent !== text) el.textContent = text;
    }
  }
}

refresh();
setInterval(refresh, 30000);
document.body.addEventListener("htmx:afterSwap", () => refresh());
