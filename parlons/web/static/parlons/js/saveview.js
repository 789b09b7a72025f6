// "Save these filters as a view": the filters may have been applied without a page load (htmx pushes the new
// address), so the form takes the address's query string at the moment it is sent.
for (const form of document.querySelectorAll("form.save-view")) {
  form.addEventListener("submit", () => {
    const params = new URLSearchParams(window.location.search);
    params.delete("cursor");
    form.querySelector("input[name=q]").value = params.toString();
  });
}
