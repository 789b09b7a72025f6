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

function onEvent(data) {
  const heading = document.querySelector("[data-ticket-id]");
  if (heading) {
    const id = Number(heading.dataset.ticketId);
    if (data.id === id || data.ticket_id === id) announce(region.dataset.textTicket);
    return;
  }
  if (String(data.type || "").startsWith("ticket.") || data.type === "message.created") refreshList();
}

let delay = 1000;
function connect() {
  if (!region) return;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}${region.dataset.wsPath}`);
  socket.addEventListener("open", () => {
    delay = 1000;
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
