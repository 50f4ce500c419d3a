// The assistant's chat page: Enter sends the question, the form clears after an answer, and a
// generated answer is streamed into its placeholder (fetch + ReadableStream), then replaced by
// the stored answer with its citations. No inline script: the CSP forbids it.
(() => {
  const scrollTo = (el) => { if (el && el.scrollIntoView) el.scrollIntoView({ behavior: "smooth", block: "start" }); };

  document.addEventListener("keydown", (event) => {
    const el = event.target;
    if (el instanceof HTMLTextAreaElement && el.id === "id_question" && event.key === "Enter"
        && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (el.value.trim()) el.form.requestSubmit();
    }
  });

  document.body.addEventListener("htmx:afterRequest", (event) => {
    const form = event.detail.elt;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-ask") || !event.detail.successful) return;
    if (event.detail.xhr.getResponseHeader("HX-Retarget")) return; // errors: keep what was typed
    const box = document.getElementById("id_question");
    if (box) { box.value = ""; box.focus(); }
    const errors = document.getElementById("ask-errors");
    if (errors) errors.innerHTML = "";
  });

  // The server's own message (e.g. the filters' errors, in the user's language), else the status.
  const reason = async (resp) => {
    const tpl = document.createElement("template");
    tpl.innerHTML = await resp.text();
    return (tpl.content.textContent || "").replace(/\s+/g, " ").trim() || String(resp.status);
  };

  const stream = async (el) => {
    el.setAttribute("data-started", "1");
    const out = el.querySelector("[data-stream-text]");
    const status = el.querySelector("[data-stream-status]");
    try {
      const resp = await fetch(el.dataset.streamUrl, { headers: { Accept: "text/plain" }, credentials: "same-origin" });
      if (!resp.ok || !resp.body) throw new Error(await reason(resp));
      const reader = resp.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out.textContent += decoder.decode(value, { stream: true });
      }
      out.textContent += decoder.decode();
    } catch (err) {
      if (status) status.textContent = err.message || String(err);
    }
    // The stored answer (citations, feedback) replaces what was streamed.
    try {
      const resp = await fetch(el.dataset.finalUrl, { headers: { "HX-Request": "true" }, credentials: "same-origin" });
      if (!resp.ok) throw new Error(String(resp.status));
      const tpl = document.createElement("template");
      tpl.innerHTML = (await resp.text()).trim();
      const fresh = tpl.content.firstElementChild;
      el.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
    } catch (err) {
      if (status) status.textContent = String(err);
    }
  };

  const start = (root) => {
    root.querySelectorAll("[data-stream-url]:not([data-started])").forEach((el) => { stream(el); scrollTo(el); });
  };
  document.addEventListener("DOMContentLoaded", () => start(document));
  document.body.addEventListener("htmx:afterSettle", (event) => {
    start(document);
    const target = event.detail.target;
    if (target && target.id === "exchanges" && target.lastElementChild) scrollTo(target.lastElementChild);
  });
})();
