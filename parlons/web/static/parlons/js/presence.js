// "Someone is viewing / typing" on a ticket page (issue "Agent workspace", item 6). The page says it is viewing
// every 20 s and typing (at most every 4 s) while the reply box changes; it shows who else is here, politely
// announced to screen readers. Nothing is stored on the server; a person not heard from for 45 s is forgotten.
const box = document.getElementById("presence");
const heading = document.querySelector("[data-ticket-id]");

if (box && heading && window.parlonsLive) {
  const ticket = Number(heading.dataset.ticketId);
  const people = new Map(); // user_id -> {name, state, until}
  const say = (state) => window.parlonsLive.send({ type: "presence", ticket, state });

  function render() {
    const now = Date.now();
    for (const [id, who] of people) if (who.until < now) people.delete(id);
    const typing = [...people.values()].filter((p) => p.state === "typing" && p.typingUntil > now);
    const viewing = [...people.values()].filter((p) => !typing.includes(p));
    const parts = [];
    if (typing.length) parts.push(box.dataset.typing.replace("{names}", typing.map((p) => p.name).join(", ")));
    if (viewing.length) parts.push(box.dataset.viewing.replace("{names}", viewing.map((p) => p.name).join(", ")));
    const text = parts.join(" ");
    if (box.textContent !== text) box.textContent = text;
    box.hidden = !text;
  }

  document.addEventListener("parlons:open", () => say("viewing"));
  document.addEventListener("parlons:message", (event) => {
    const data = event.detail;
    if (data.type !== "presence" || data.ticket !== ticket) return;
    if (data.state === "left") {
      people.delete(data.user_id);
    } else {
      const who = people.get(data.user_id) || { name: data.name };
      who.name = data.name;
      who.until = Date.now() + 45000;
      if (data.state === "typing") {
        who.state = "typing";
        who.typingUntil = Date.now() + 6000;
      } else if (!who.typingUntil || who.typingUntil < Date.now()) {
        who.state = "viewing";
      }
      if (!people.has(data.user_id)) say("viewing"); // so a newcomer learns who was already here
      people.set(data.user_id, who);
    }
    render();
  });

  let lastTyping = 0;
  const composer = document.getElementById("composer-body");
  if (composer) {
    composer.addEventListener("input", () => {
      if (Date.now() - lastTyping > 4000) {
        lastTyping = Date.now();
        say("typing");
      }
    });
  }
  window.setInterval(() => say("viewing"), 20000);
  window.setInterval(render, 2000);
  window.addEventListener("pagehide", () => say("left"));
  say("viewing");
}
