// Search page: the counts (facets) load in a second request after the results (hx-trigger="load"). While they
// load, the live region is marked busy and says so; if the request fails, the link to the counts stays.
function region(event) {
  const elt = event.detail && event.detail.elt;
  return elt && elt.matches && elt.matches("[data-search-counts]") ? elt : null;
}

function loading(elt, on) {
  elt.setAttribute("aria-busy", on ? "true" : "false");
  const note = elt.querySelector("[data-loading]");
  if (note) note.hidden = !on;
}

document.addEventListener("htmx:beforeRequest", (event) => {
  const elt = region(event);
  if (elt) loading(elt, true);
});
document.addEventListener("htmx:afterRequest", (event) => {
  const elt = region(event);
  if (elt) loading(elt, false);
});
