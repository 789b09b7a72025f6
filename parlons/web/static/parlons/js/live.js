// Live updates (UI-2, OPS-8): listen to /ws/events/ and refresh the open list (htmx) or tell the reader that the
// ticket on screen changed. Every change is announced politely in the aria-live region.
const region = document.getElementById("live-region");

function announce(text) {
  if (!region || !text) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 50);
}

let timer = null;
function refreshList() {
  const list = document.getElementById("ticket-list");
  if (!list || !window.htmx) return;
  if (list.querySelector("input[type=checkbox]:checked")) {
    announce(region.dataset.textWaiting);
    return;
  }
  window.clearTimeout(timer);
  timer = window.setTimeout(() => {
    window.htmx
      .ajax("GET", window.location.pathname + window.location.search, { target: "#ticket-list", swap: "outerHTML" })
      .then(() => announce(region.dataset.textUpdated));
  }, 300);
}

let refreshing = null;
function refreshTimeline() {
  // Another agent's reply, note or change on the ticket on screen: re-read the conversation (not the composer,
  // so nothing being typed is lost) and say so.
  const timeline = document.querySelector("ol.timeline");
  if (!timeline) {
    announce(region.dataset.textTicket);
    return;
  }
  window.clearTimeout(refreshing);
  refreshing = window.setTimeout(async () => {
    try {
      const response = await fetch(window.location.pathname, { headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error(String(response.status));
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("ol.timeline");
      if (!fresh) throw new Error("no timeline");
      timeline.innerHTML = fresh.innerHTML;
      announce(region.dataset.textTicketRefreshed || region.dataset.textTicket);
    } catch {
      announce(region.dataset.textTicket);
    }
  }, 300);
}

function onEvent(data) {
  document.dispatchEvent(new CustomEvent("parlons:message", { detail: data }));
  if (data.type === "presence" || data.type === "notification") return;
  const heading = document.querySelector("[data-ticket-id]");
  if (heading) {
    const id = Number(heading.dataset.ticketId);
    if (data.id === id || data.ticket_id === id) refreshTimeline();
    return;
  }
  if (String(data.type || "").startsWith("ticket.") || data.type === "message.created") refreshList();
}

let delay = 1000;
let socket = null;
// Other modules (presence.js) send through this page's one socket and hear its messages as
// "parlons:message" events; "parlons:open" tells them the socket (re)connected.
window.parlonsLive = {
  send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  },
};
function connect() {
  if (!region) return;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  socket = new WebSocket(`${scheme}//${window.location.host}${region.dataset.wsPath}`);
  socket.addEventListener("open", () => {
    delay = 1000;
    document.dispatchEvent(new CustomEvent("parlons:open"));
  });
  socket.addEventListener("message", (message) => {
    try {
      onEvent(JSON.parse(message.data));
    } catch {
      // Not an event of ours: ignore it.
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4403) return;
    window.setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  });
}

connect();
