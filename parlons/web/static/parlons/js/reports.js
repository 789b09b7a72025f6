// Report pages: the Print button (the print stylesheet in reports.css gives a clean page).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
