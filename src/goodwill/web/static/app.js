// goodwill dashboard: small progressive enhancement. Everything works without it; nothing here parses HTML
// from the server or from user text (textContent and .value only).
"use strict";

function span(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return "<1 min";
  if (minutes < 120) return minutes + " min";
  if (minutes < 48 * 60) return Math.floor(minutes / 60) + " h";
  return Math.floor(minutes / 1440) + " d";
}

// SLA clocks tick: "due in 12 min" turns into "breached 1 min ago" without a reload.
function tickClocks() {
  const now = Date.now();
  for (const el of document.querySelectorAll(".sla[data-due]")) {
    const left = (Date.parse(el.dataset.due) - now) / 1000;
    el.textContent = left > 0 ? "due in " + span(left) : "breached " + span(-left) + " ago";
    if (left <= 0) { el.classList.remove("sla-ok", "sla-at_risk"); el.classList.add("sla-breached"); }
  }
}

// The inbox: j/k select a row, Enter/o open it, e resolve, a take; rows open on click.
function inboxRows() { return Array.from(document.querySelectorAll("#inbox tr.row")); }
let selected = -1;
function select(index) {
  const rows = inboxRows();
  if (!rows.length) return;
  selected = Math.max(0, Math.min(rows.length - 1, index));
  rows.forEach((r, i) => r.classList.toggle("selected", i === selected));
  rows[selected].scrollIntoView({ block: "nearest" });
}
function clickKey(scope, key) {
  const button = scope.querySelector('button[data-key="' + key + '"]');
  if (button) button.click();
}

let pendingG = false;
const GO = { i: "/inbox", a: "/approvals", p: "/people", n: "/nudges", c: "/calendar", u: "/audit", s: "/settings" };

function onKey(event) {
  const t = event.target;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) {
    if (event.key === "Escape") t.blur();
    return;
  }
  if (pendingG) { pendingG = false; if (GO[event.key]) { location.href = GO[event.key]; } return; }
  const rows = inboxRows();
  const row = rows[selected];
  switch (event.key) {
    case "g": pendingG = true; return;
    case "j": select(selected + 1); break;
    case "k": select(selected - 1); break;
    case "o": case "Enter": if (row) location.href = row.dataset.href; else return; break;
    case "e": clickKey(row || document, "e"); break;
    case "a": clickKey(row || document, "a"); break;
    case "r": { const box = document.getElementById("reply"); if (box) box.focus(); else return; break; }
    case "/": { const f = document.querySelector("#filters select, .filters input"); if (f) f.focus(); else return; break; }
    case "?": { const d = document.getElementById("keys"); if (d && !d.open) d.showModal(); break; }
    default: return;
  }
  event.preventDefault();
}

// The composer: suggestions fill the reply box; the tone guard checks the draft as it is written.
function composer() {
  const box = document.getElementById("composer");
  const reply = document.getElementById("reply");
  const list = document.getElementById("findings");
  if (!box || !reply || !list) return;
  let timer = 0;
  let seq = 0;
  async function check() {
    const mine = ++seq;
    const text = reply.value.trim();
    if (!text) { list.replaceChildren(); return; }
    const body = new FormData();
    body.set("text", text);
    const response = await fetch(box.dataset.checkUrl, {
      method: "POST", body, credentials: "same-origin", headers: { "X-CSRF-Token": box.dataset.csrf },
    });
    if (!response.ok || mine !== seq) return;
    const found = (await response.json()).data;
    const items = found.map((f) => {
      const li = document.createElement("li");
      li.className = f.level;
      li.textContent = f.level + ": " + f.message + (f.suggestion ? " → " + f.suggestion : "");
      return li;
    });
    if (!items.length) {
      const ok = document.createElement("li");
      ok.className = "ok";
      ok.textContent = "Tone guard: no findings.";
      items.push(ok);
    }
    list.replaceChildren(...items);
  }
  reply.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 350); });
  for (const button of box.querySelectorAll("button.use")) {
    button.addEventListener("click", () => { reply.value = button.dataset.text; reply.focus(); check(); });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  tickClocks();
  setInterval(tickClocks, 15000);
  document.addEventListener("keydown", onKey);
  for (const row of inboxRows()) {
    row.addEventListener("click", (event) => {
      if (event.target.closest("a, button, form")) return;
      location.href = row.dataset.href;
    });
  }
  composer();
});
