// The document page: bring the cited passage (<mark id="passage">) into view and focus it.
document.addEventListener("DOMContentLoaded", () => {
  const passage = document.getElementById("passage");
  if (!passage) return;
  passage.scrollIntoView({ block: "center" });
  passage.focus({ preventScroll: true });
});
