// Attendance grid of a conference session: filter the connection points, tick all or none.
(() => {
  const form = document.querySelector("[data-attendance]");
  if (!form) return;
  const items = Array.from(form.querySelectorAll("[data-attendance-item]"));
  const counter = form.querySelector("[data-attendance-count]");
  const fold = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").toLowerCase();
  const names = items.map((el) => fold(el.dataset.name || ""));
  const update = () => {
    const boxes = form.querySelectorAll("input[name=present]");
    const ticked = Array.from(boxes).filter((b) => b.checked).length;
    if (counter) counter.textContent = `${ticked} / ${boxes.length}`;
  };
  const search = form.querySelector("[data-attendance-search]");
  if (search) {
    search.addEventListener("input", () => {
      const q = fold(search.value.trim());
      items.forEach((el, i) => { el.hidden = q !== "" && !names[i].includes(q); });
    });
    // Enter in the search box must not submit the attendance.
    search.addEventListener("keydown", (e) => { if (e.key === "Enter") e.preventDefault(); });
  }
  form.querySelectorAll("[data-attendance-all]").forEach((btn) => {
    btn.addEventListener("click", () => {
      const on = btn.dataset.attendanceAll === "1";
      // Only the points the search shows: "all present" after filtering ticks the visible ones.
      items.forEach((el) => { if (!el.hidden) el.querySelector("input").checked = on; });
      update();
    });
  });
  form.addEventListener("change", update);
  update();
})();
