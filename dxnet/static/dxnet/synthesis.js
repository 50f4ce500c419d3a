// Completeness grid: select the units to urge, count them, and apply filters on change.
(() => {
  const count = (form) => {
    const n = form.querySelectorAll("input[data-urgeable]:checked").length;
    form.querySelectorAll("[data-selected-count]").forEach((el) => { el.textContent = String(n); });
  };
  document.addEventListener("change", (event) => {
    const el = event.target;
    if (!(el instanceof HTMLInputElement)) return;
    if (el.hasAttribute("data-autosubmit-check")) {
      el.form.requestSubmit();
      return;
    }
    if (el.hasAttribute("data-check-all")) {
      el.form.querySelectorAll("input[data-urgeable]").forEach((box) => { box.checked = el.checked; });
    }
    if (el.hasAttribute("data-check-all") || el.hasAttribute("data-urgeable")) count(el.form);
  });
  // After htmx swaps a page of the grid in, the counter starts again from the boxes shown.
  document.addEventListener("htmx:afterSwap", () => {
    document.querySelectorAll("form[data-testid='urge-form']").forEach(count);
  });
})();
