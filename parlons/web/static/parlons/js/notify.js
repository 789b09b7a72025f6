// Notifications (OPS-13): keep the bell's unread count current, announce new notifications politely to screen
// readers, show desktop notifications when this browser allows them (asked only by a click on the preferences
// page), and mark a notification read when its desktop notification is clicked. The server already applied
// mute and "do not disturb": it pushes only what this person wants to see now, to their own group only.
const bell = document.getElementById("notification-bell");
const count = document.getElementById("notification-count");
const link = document.getElementById("notification-bell-link");
const live = document.getElementById("notification-live");

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

function setUnread(n) {
  if (!count || !link) return;
  count.textContent = String(n);
  const template = link.dataset.labelTemplate || "";
  if (template) link.setAttribute("aria-label", template.replace("%(count)s", String(n)));
}

function announce(text) {
  if (!live || !text) return;
  live.textContent = "";
  window.setTimeout(() => {
    live.textContent = text;
  }, 50);
}

function markRead(id) {
  if (!bell) return Promise.resolve();
  const body = new URLSearchParams({ id: String(id) });
  return fetch(bell.dataset.readUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    body,
  })
    .then((response) => (response.ok ? response.json() : null))
    .then((data) => {
      if (data && typeof data.unread === "number") setUnread(data.unread);
    })
    .catch(() => {});
}

function showDesktop(data) {
  if (!("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(data.title || "Parlons", {
    body: data.body || "",
    tag: `parlons-${data.notification}`,
    lang: document.documentElement.lang || "",
  });
  note.addEventListener("click", () => {
    window.focus();
    markRead(data.notification).finally(() => {
      if (data.link) window.location.assign(data.link);
    });
    note.close();
  });
}

function onMessage(data) {
  if (!data || data.type !== "notification") return;
  if (typeof data.unread === "number") setUnread(data.unread);
  announce(`${bell ? bell.dataset.textNew : ""} ${data.title || ""}`.trim());
  showDesktop(data);
}

let delay = 1000;
function connect() {
  if (!bell) return;
  const region = document.getElementById("live-region");
  const path = (region && region.dataset.wsPath) || "/ws/events/";
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${window.location.host}${path}`);
  socket.addEventListener("open", () => {
    delay = 1000;
  });
  socket.addEventListener("message", (message) => {
    try {
      onMessage(JSON.parse(message.data));
    } catch {
      // Not a payload of ours: ignore it.
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4403) return;
    window.setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  });
}

// The preferences page: ask for the browser's permission only when the person clicks the button.
function permissionState() {
  const state = document.getElementById("desktop-state");
  const button = document.getElementById("desktop-permission");
  if (!state) return;
  if (!("Notification" in window)) {
    state.textContent = state.dataset.textUnsupported;
    if (button) button.hidden = true;
    return;
  }
  const current = Notification.permission;
  state.textContent = state.dataset[`text${current.charAt(0).toUpperCase()}${current.slice(1)}`] || "";
  if (button) button.hidden = current === "granted";
}

const permissionButton = document.getElementById("desktop-permission");
if (permissionButton) {
  permissionButton.addEventListener("click", () => {
    if (!("Notification" in window)) return permissionState();
    const asked = Notification.requestPermission(permissionState);
    if (asked && typeof asked.then === "function") asked.then(permissionState);
  });
  permissionState();
}

connect();
