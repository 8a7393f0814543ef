// The review page's behaviour: plain JavaScript, no build step. Buyer and draft text is only
// ever put into the page as text nodes, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const KEY = "replydesk.key";
const AGENT = "replydesk.agent";
const GLOSS_LANG = "replydesk.gloss-lang";
const state = { id: null, draft: null, checkTimer: null, checkSeq: 0, bannerTimer: null };

function headers(json) {
  const h = json ? { "content-type": "application/json" } : {};
  const key = sessionStorage.getItem(KEY);
  if (key) h.authorization = "Bearer " + key;
  return h;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: headers(body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 || response.status === 403) {
    $("key-form").hidden = false;
    announce("Your API key was refused: enter an agent key.", true);
  }
  return response;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

// A banner says what just happened, then clears: an "Approved" must not stay up while the
// agent reads the next drafts. Problems stay longer than news.
const BANNER_MS = { news: 6000, problem: 15000 };

function announce(text, bad) {
  const status = $("status");
  status.textContent = text;
  status.style.color = bad ? "var(--bad)" : "";
  clearTimeout(state.bannerTimer);
  if (text) {
    state.bannerTimer = setTimeout(() => announce(""), bad ? BANNER_MS.problem : BANNER_MS.news);
  }
}

// ------------------------------------------------------------------ queue
function filterQuery() {
  const params = new URLSearchParams(new FormData($("filters")));
  return params.toString();
}

async function loadQueue() {
  const query = filterQuery();
  history.replaceState(null, "", "/review?" + query + (state.id ? "#" + state.id : ""));
  const response = await api("GET", "/review/queue?" + query);
  if (!response.ok) return;
  $("queue").innerHTML = await response.text(); // our own server-rendered, escaped fragment
  markCurrent();
  tick();
}

function queueButtons() {
  return Array.from(document.querySelectorAll(".queue-open"));
}

function markCurrent() {
  for (const item of document.querySelectorAll(".queue-item")) {
    if (item.dataset.id === state.id) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
}

function move(step) {
  const buttons = queueButtons();
  if (!buttons.length) return;
  const at = buttons.findIndex((b) => b.dataset.id === state.id);
  const next = buttons[Math.min(buttons.length - 1, Math.max(0, at + step))];
  next.focus();
  openDraft(next.dataset.id);
}

function leaveQueue(id) {
  const item = document.querySelector(`.queue-item[data-id="${CSS.escape(id)}"]`);
  if (!item) return;
  const buttons = queueButtons();
  const at = buttons.findIndex((b) => b.dataset.id === id);
  item.remove();
  const count = $("queue-count");
  if (count) {
    const total = Math.max(0, Number(count.dataset.total) - 1);
    count.dataset.total = String(total);
    count.textContent = `${total} draft${total === 1 ? "" : "s"}`;
  }
  const rest = queueButtons();
  const next = rest[Math.min(at, rest.length - 1)];
  if (next) openDraft(next.dataset.id);
  else showEmpty();
}

function timeLeft(respondBy) {
  const seconds = Math.round((new Date(respondBy) - Date.now()) / 1000);
  const minutes = Math.floor(Math.abs(seconds) / 60);
  const span = `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
  return { text: seconds >= 0 ? `${span} left` : `overdue ${span}`, overdue: seconds < 0 };
}

function tick() {
  for (const due of document.querySelectorAll("[data-respond-by]")) {
    const left = timeLeft(due.dataset.respondBy);
    due.textContent = left.text;
    due.classList.toggle("overdue", left.overdue);
  }
}

// ------------------------------------------------------------------ one draft
function showEmpty() {
  state.id = null;
  state.draft = null;
  $("draft-body").hidden = true;
  $("draft-empty").hidden = false;
}

async function openDraft(id) {
  state.id = id;
  markCurrent();
  history.replaceState(null, "", "/review?" + filterQuery() + "#" + id);
  const response = await api("GET", "/drafts/" + encodeURIComponent(id));
  if (!response.ok) {
    announce(`Could not load the draft (${response.status}).`, true);
    return;
  }
  const draft = await response.json();
  if (state.id !== id) return; // the agent moved on meanwhile
  state.draft = draft;
  renderDraft(draft);
}

function fact(dl, name, value) {
  if (value === null || value === undefined || value === "") return;
  dl.append(el("dt", {}, name), el("dd", {}, String(value)));
}

function day(value) {
  return value ? new Date(value).toLocaleString() : null;
}

function renderDraft(draft) {
  $("draft-empty").hidden = true;
  $("draft-body").hidden = false;
  $("draft-title").textContent = `Draft for ${draft.order.buyer_name || "the buyer"} · ${draft.order_id}`;
  const due = $("d-due");
  due.dataset.respondBy = draft.policy.respond_by;
  $("d-intent").textContent = intentLine(draft);
  $("d-language").textContent = draft.language;
  $("d-status").textContent = draft.status;
  const message = $("d-message");
  message.textContent = draft.message.text;
  message.lang = draft.language;
  renderEscalation(draft);
  const order = $("d-order");
  order.replaceChildren();
  const o = draft.order;
  fact(order, "Order ID", o.order_id);
  fact(order, "Marketplace", o.marketplace);
  fact(order, "Buyer", o.buyer_name);
  fact(order, "Status", o.status);
  for (const item of o.items || []) {
    fact(order, "Item", `${item.quantity} × ${item.title || item.sku || ""} ${item.asin ? "(" + item.asin + ")" : ""}`);
  }
  if (o.tracking) fact(order, "Tracking", `${o.tracking.carrier || ""} ${o.tracking.number || ""}`.trim());
  fact(order, "Purchased", day(o.purchase_date));
  fact(order, "Shipped", day(o.shipped_at));
  fact(order, "Delivered", day(o.delivered_at));
  fact(order, "Latest delivery", day(o.latest_delivery_date));
  fact(order, "Fulfilment", o.fulfillment);
  const sources = $("d-sources");
  sources.replaceChildren(
    ...(draft.sources.length
      ? draft.sources.map((s) => el("li", {}, `${s.title} `, el("span", { class: "hint" }, `${s.kind} · ${s.id}`)))
      : [el("li", { class: "empty" }, "No knowledge-base source")])
  );
  renderGenerator(draft.generator);
  $("gloss-box").hidden = true;
  $("gloss-status").textContent = "";
  renderChanges(draft.raw_text, draft.guardrails.findings);
  const text = $("d-text");
  text.value = draft.text;
  text.lang = draft.language;
  $("reject-reason").value = "";
  $("error").replaceChildren();
  $("live").replaceChildren();
  const open = draft.status === "pending" || draft.status === "blocked";
  for (const id of ["approve", "reject", "d-text", "reject-reason", "regenerate", "regen-instructions"]) $(id).disabled = !open;
  // A model wrote the draft, or was asked and failed: one is configured to ask again.
  $("regen").hidden = !(draft.generator.kind === "llm" || draft.generator.fallback_reason);
  $("regen-instructions").value = "";
  const historyList = $("d-history");
  historyList.replaceChildren(
    ...draft.history.map((h) => el("li", {}, `${day(h.at)} · ${h.action} by ${h.actor || "?"}` + (h.details && h.details.reason ? ` · “${h.details.reason}”` : "")))
  );
  tick();
  if (draft.status === "blocked") {
    liveResult({ passed: false, findings: draft.guardrails.findings.filter((f) => f.action === "blocked"), text: draft.text }, true);
  }
}

// Why the draft should go to someone who can act (an A-to-z claim, a legal threat…), the
// 48-hour deadline Amazon allows for returns and claims, and the case pack to file.
function renderEscalation(draft) {
  const escalation = draft.escalation || { recommended: false, reasons: [] };
  const extended = draft.policy.respond_by_extended;
  $("d-escalation").hidden = !(escalation.recommended || extended);
  $("d-reasons").replaceChildren(
    ...(escalation.recommended ? escalation.reasons : []).map((r) => el("li", {}, r.replaceAll("_", " ")))
  );
  const line = $("d-extended");
  line.hidden = !extended;
  line.textContent = extended ? `Extended deadline (returns and A-to-z claims, 48 h): ${day(extended)}` : "";
  $("case-pack").hidden = !escalation.recommended;
}

// Who wrote the draft: the model, or the template, and when a model was asked, why its answer
// was not used (the quality checks it failed, by name and finding).
function intentLine(draft) {
  // An intent the model chose (the classifier was unsure) says so, with the classifier's reading.
  const intent = draft.intent.replaceAll("_", " ");
  const choice = draft.generator.intent_choice;
  if (draft.intent_source !== "llm" || !choice) return intent;
  const before = choice.intent_before.replaceAll("_", " ");
  return `${intent} (chosen by the model; the classifier read ${before})`;
}

function renderGenerator(generator) {
  const line = $("d-generator");
  if (generator.kind === "llm") {
    line.replaceChildren(`Written by the model ${generator.model || ""}`.trim() + ".");
    return;
  }
  if (!generator.fallback_reason) {
    line.replaceChildren("From the knowledge-base template.");
    return;
  }
  const why = generator.fallback_reason.replaceAll("_", " ");
  const checks = (generator.quality || []).map((q) => el("li", {}, `${q.check}: ${q.detail}`));
  line.replaceChildren(
    `From the knowledge-base template: the model's answer was not used (${why}).`,
    ...(checks.length ? [el("ul", { class: "quality" }, ...checks)] : [])
  );
}

async function downloadCasePack() {
  const draft = state.draft;
  if (!draft) return;
  const response = await api("GET", `/drafts/${encodeURIComponent(draft.draft_id)}/case?format=md`);
  if (!response.ok) {
    announce(`Could not make the case pack (${response.status}).`, true);
    return;
  }
  const file = new Blob([await response.text()], { type: "text/markdown" });
  const link = el("a", { href: URL.createObjectURL(file), download: `case-${draft.order_id}.md` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  announce("Case pack downloaded: attach it to your Seller Support case.");
}

// raw_text with each finding marked where it was: removed text struck through, flagged and
// blocked text highlighted, insertions marked; the numbered list beside it gives the reasons.
function renderChanges(raw, findings) {
  const box = $("d-raw");
  const list = $("d-findings");
  box.replaceChildren();
  list.replaceChildren();
  // Offsets count code points (Python); JavaScript strings count UTF-16 units, so an emoji
  // before a finding would shift every highlight after it.
  const chars = Array.from(raw);
  const slice = (start, end) => chars.slice(start, end).join("");
  const ordered = findings.map((f, i) => ({ ...f, n: i + 1 })).sort((a, b) => a.start - b.start || a.end - b.end);
  let pos = 0;
  for (const f of ordered) {
    if (f.start < pos || f.end > chars.length) continue; // overlapping or not in this text: listed only
    box.append(slice(pos, f.start));
    const note = el("sup", {}, String(f.n));
    if (f.start === f.end) {
      box.append(el("span", { class: "insert-mark", title: f.message }, "⁁"), note);
    } else if (f.action === "fixed") {
      box.append(el("del", { title: f.message, "data-rule": f.rule }, slice(f.start, f.end)), note);
    } else {
      box.append(el("mark", { class: f.action, title: f.message, "data-rule": f.rule }, slice(f.start, f.end)), note);
    }
    pos = f.end;
  }
  box.append(slice(pos));
  for (const f of findings) list.append(findingItem(f));
  if (!findings.length) list.append(el("li", { class: "empty" }, "Nothing changed: the draft passed as written."));
}

function findingItem(f) {
  return el("li", { class: f.action, "data-rule": f.rule }, el("span", { class: "action" }, f.action), " ", `${f.rule}: ${f.message}`);
}

// ------------------------------------------------------------------ live check, approve, reject
function scheduleCheck() {
  clearTimeout(state.checkTimer);
  state.checkTimer = setTimeout(liveCheck, 350);
}

async function liveCheck() {
  const draft = state.draft;
  const text = $("d-text").value;
  if (!draft || !text.trim()) return;
  const seq = ++state.checkSeq;
  const response = await api("POST", "/check", {
    text, order_id: draft.order_id, marketplace: draft.marketplace, language: draft.language,
    message_kind: draft.policy.message_kind,
  });
  if (seq !== state.checkSeq || !response.ok) return;
  liveResult(await response.json(), false);
}

function liveResult(report, stored) {
  const live = $("live");
  const head = report.passed
    ? el("p", { class: "ok" }, report.findings.length ? `Passes; on approval: ${report.findings.length} fix(es) below.` : "Passes the guardrails.")
    : el("p", { class: "bad" }, stored ? "Blocked: edit the text until it passes, then approve." : "Blocked: this text cannot be approved yet.");
  live.replaceChildren(head, el("ul", {}, ...report.findings.map(findingItem)));
}

function agentId() {
  const input = $("agent-id");
  const value = input.value.trim();
  if (!value) {
    announce("Enter your agent ID first.", true);
    input.focus();
    return null;
  }
  localStorage.setItem(AGENT, value);
  return value;
}

function showError(body, fallback) {
  const detail = body && body.detail;
  const box = $("error");
  if (detail && typeof detail === "object" && !Array.isArray(detail) && detail.findings) {
    box.replaceChildren(el("p", {}, detail.message), el("ul", {}, ...detail.findings.map(findingItem)));
  } else {
    box.replaceChildren(el("p", {}, typeof detail === "string" ? detail : fallback));
  }
}

async function decide(action) {
  const draft = state.draft;
  if (!draft || $("approve").disabled) return;
  const agent = agentId();
  if (!agent) return;
  const body = { agent_id: agent };
  if (action === "approve") {
    body.text = $("d-text").value;
  } else {
    body.reason = $("reject-reason").value.trim();
    if (!body.reason) {
      $("error").replaceChildren(el("p", {}, "Give a reason to reject."));
      $("reject-reason").focus();
      return;
    }
  }
  const response = await api("POST", `/drafts/${encodeURIComponent(draft.draft_id)}/${action}`, body);
  const result = await response.json().catch(() => null);
  if (response.ok) {
    announce(action === "approve"
      ? `Approved${result.edited ? ` (edited, ${Math.round(result.edit_ratio * 100)} % changed)` : ""}${result.findings.length ? `, ${result.findings.length} fix(es) applied` : ""}.`
      : "Rejected.");
    leaveQueue(draft.draft_id);
  } else if (response.status === 409) {
    announce("Someone else reviewed this draft already.", true);
    leaveQueue(draft.draft_id);
  } else {
    showError(result, `The server answered ${response.status}.`);
    announce(action === "approve" ? "Not approved: see why below." : "Not rejected.", true);
  }
}

// The model drafts again with the agent's instructions; the new draft replaces this one (its
// text stays in the history). When the model fails, nothing changes and the banner says why.
async function regenerate() {
  const draft = state.draft;
  if (!draft || $("regenerate").disabled) return;
  const agent = agentId();
  if (!agent) return;
  const instructions = $("regen-instructions").value.trim();
  if (!instructions) {
    $("error").replaceChildren(el("p", {}, "Say what the new draft should do differently."));
    $("regen-instructions").focus();
    return;
  }
  $("regenerate").disabled = true;
  announce("Asking the model…");
  const response = await api("POST", `/drafts/${encodeURIComponent(draft.draft_id)}/regenerate`, { agent_id: agent, instructions });
  const result = await response.json().catch(() => null);
  $("regenerate").disabled = false;
  if (response.ok && result.regenerated) {
    await openDraft(draft.draft_id);
    announce("New draft from the model: read it before approving.");
  } else if (response.ok) {
    const checks = result.quality.map((q) => q.check).join(", ");
    announce(`The model's new draft was not used (${result.reason.replaceAll("_", " ")}${checks ? ": " + checks : ""}); the draft is unchanged.`, true);
  } else if (response.status === 409) {
    showError(result, "This draft cannot be regenerated.");
    announce("Not regenerated.", true);
  } else {
    showError(result, `The server answered ${response.status}.`);
    announce("Not regenerated.", true);
  }
}

// The buyer's message and the draft in the agent's language, translated by the model (for
// reading: the reply that goes out is the draft's own text).
async function showGloss() {
  const draft = state.draft;
  if (!draft) return;
  const lang = $("gloss-lang").value;
  localStorage.setItem(GLOSS_LANG, lang);
  $("gloss-status").textContent = "Translating…";
  const response = await api("GET", `/drafts/${encodeURIComponent(draft.draft_id)}/gloss?lang=${encodeURIComponent(lang)}`);
  const gloss = await response.json().catch(() => null);
  if (state.draft !== draft) return; // the agent moved on meanwhile
  if (!response.ok || !gloss) {
    $("gloss-status").textContent = `Translation not available (${response.status}).`;
    return;
  }
  if (!gloss.available) {
    $("gloss-box").hidden = true;
    $("gloss-status").textContent = `Translation not available: ${gloss.reason}`;
    return;
  }
  $("g-message").textContent = gloss.message;
  $("g-draft").textContent = gloss.draft;
  for (const id of ["g-message", "g-draft"]) $(id).lang = lang;
  $("gloss-box").hidden = false;
  $("gloss-status").textContent = gloss.model ? `Translated by ${gloss.model}.` : "Already in this language.";
}

// ------------------------------------------------------------------ wiring
function typing(target) {
  return target.closest("input, textarea, select");
}

function onKey(event) {
  if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
    event.preventDefault();
    decide("approve");
    return;
  }
  if (event.key === "Escape" && typing(event.target)) {
    event.target.blur();
    return;
  }
  if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    j: () => move(1), k: () => move(-1), e: () => $("d-text").focus(),
    a: () => decide("approve"), r: () => $("reject-reason").focus(),
  };
  const act = actions[event.key];
  if (act) {
    event.preventDefault();
    act();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("agent-id").value = localStorage.getItem(AGENT) || "";
  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $("api-key").value.trim());
    $("api-key").value = "";
    $("key-form").hidden = true;
    announce("Key saved for this session.");
    loadQueue();
  });
  $("filters").addEventListener("change", loadQueue);
  $("queue").addEventListener("click", (event) => {
    const button = event.target.closest(".queue-open");
    if (button) openDraft(button.dataset.id);
  });
  $("d-text").addEventListener("input", scheduleCheck);
  $("approve").addEventListener("click", () => decide("approve"));
  $("reject").addEventListener("click", () => decide("reject"));
  $("regenerate").addEventListener("click", regenerate);
  $("gloss").addEventListener("click", showGloss);
  $("gloss-lang").value = localStorage.getItem(GLOSS_LANG) || (navigator.language || "en").slice(0, 2);
  if (!$("gloss-lang").value) $("gloss-lang").value = "en";
  $("case-pack").addEventListener("click", downloadCasePack);
  $("reject-reason").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      decide("reject");
    }
  });
  document.addEventListener("keydown", onKey);
  setInterval(tick, 30000);
  const authorized = document.body.dataset.authorized === "true";
  if (!authorized && sessionStorage.getItem(KEY)) {
    $("key-form").hidden = true;
    loadQueue();
  }
  const wanted = location.hash.slice(1);
  if (wanted && (authorized || sessionStorage.getItem(KEY))) openDraft(wanted);
  tick();
});
