"use strict";
// A link like /#key=atd_... logs in directly; the fragment never reaches the server.
const fromLink = new URLSearchParams(location.hash.slice(1)).get("key");
if (fromLink) { localStorage.setItem("atende-key", fromLink); history.replaceState(null, "", location.pathname); }
let key = localStorage.getItem("atende-key") || "";
let current = null;
const $ = (id) => document.getElementById(id);

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { "Authorization": "Bearer " + key, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (response.status === 401) { logout(); throw new Error("unauthorized"); }
  if (!response.ok) throw new Error((await response.json()).detail || response.statusText);
  return response.json();
}

// Lists come a page at a time ({items, next}); a thread is read to its end, page by page.
async function allPages(path) {
  const items = [];
  let next = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page = await api(`${path}${sep}limit=200${next ? "&cursor=" + encodeURIComponent(next) : ""}`);
    items.push(...page.items);
    next = page.next;
  } while (next);
  return items;
}

// Other lists show their first 200 rows, most recent first where it matters.
const firstPage = (path) => api(`${path}${path.includes("?") ? "&" : "?"}limit=200`);

const STATUS = { received: "recebida", queued: "na fila", sending: "enviando", sent: "enviada",
                 delivered: "entregue", read: "lida", failed: "não enviada" };

function when(iso) {
  return iso ? new Date(iso).toLocaleString("pt-BR", { dateStyle: "short", timeStyle: "short" }) : "";
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

function table(target, headers, rows) {
  const t = $(target);
  t.replaceChildren(el("tr", {}, ...headers.map((h) => el("th", { textContent: h }))));
  if (!rows.length) { t.append(el("tr", {}, el("td", { className: "empty", colSpan: headers.length, textContent: "Nada por aqui ainda." }))); return; }
  for (const row of rows) t.append(el("tr", {}, ...row.map((v) => v instanceof Node ? el("td", {}, v) : el("td", { textContent: v ?? "" }))));
}

async function loadConversations() {
  const { items } = await firstPage("/api/conversations");
  if (current === null && items.length) { current = items[0].id; loadThread().catch(() => {}); }
  const list = $("list");
  list.replaceChildren();
  if (!items.length) list.append(el("p", { className: "empty", textContent: "Nenhuma conversa ainda." }));
  for (const c of items) {
    const badge = el("span", { className: "badge " + c.state, textContent: c.state === "human" ? "atendente" : "robô" });
    const row = el("div", { className: "conv" + (current === c.id ? " on" : "") },
      el("div", {}, el("span", { className: "phone", textContent: c.contact_phone }), badge),
      el("div", { className: "when", textContent: when(c.last_message_at) }));
    row.onclick = () => { current = c.id; loadConversations(); loadThread(); };
    list.append(row);
    if (current === c.id) {
      $("thread-phone").textContent = c.contact_phone;
      $("thread-state").textContent = badge.textContent;
      $("thread-state").className = badge.className;
      $("handoff").hidden = c.state === "human";
      $("release").hidden = c.state !== "human";
    }
  }
}

async function loadThread() {
  if (current === null) return;
  const items = await allPages(`/api/conversations/${current}/messages`);
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren(...items.map((m) => el("div", { className: `msg ${m.direction} ${m.status}` },
    el("div", { textContent: m.body || (m.kind === "text" ? "" : `[${m.kind}]`) }),
    el("div", { className: "meta", textContent: `${m.author === "operator" ? "atendente · " : ""}${when(m.created_at)} · ${STATUS[m.status] || m.status}` }))));
  if (atBottom) box.scrollTop = box.scrollHeight;
  $("thread-top").hidden = false;
  $("compose").hidden = false;
}

async function loadTab(tab) {
  if (tab === "bookings") {
    const { items } = await firstPage("/api/bookings");
    const BOOKING = { booked: "agendado", confirmed: "confirmado ✅", cancelled: "cancelado", completed: "concluído", no_show: "não compareceu" };
    const mark = (b, status, label, notify = false) => {
      const button = el("button", { className: "alt", textContent: label });
      button.onclick = () => api(`/api/bookings/${b.id}/status`, { method: "POST", body: JSON.stringify({ status, notify }) })
        .then(() => loadTab("bookings")).catch((e) => alert(e.message));
      return button;
    };
    const on = (b) => b.status === "booked" || b.status === "confirmed";
    const actions = (b) => on(b) && new Date(b.starts_at) <= new Date()
      ? el("span", {}, mark(b, "completed", "pet pronto 🐾", true), " ", mark(b, "completed", "compareceu"), " ",
        mark(b, "no_show", "faltou")) : "";
    table("bookings", ["Quando", "Serviço", "Pet", "Cliente", "Situação", ""],
      items.map((b) => [when(b.starts_at), b.service, b.pet_name, b.contact_phone, BOOKING[b.status] || b.status, actions(b)]));
  } else if (tab === "pets") {
    const { items } = await firstPage("/api/pets");
    table("pets", ["Nome", "Espécie", "Raça", "Tutor"], items.map((p) => [p.name, p.species, p.breed, p.owner_phone]));
  } else if (tab === "brain") {
    const u = await api("/api/monitoring/llm-usage");
    const share = u.turns ? Math.round(100 * u.turns_without_llm / u.turns) : 100;
    $("usage").textContent = `Últimos ${u.days} dias: ${u.turns} respostas, ${share}% sem chamar o modelo · ` +
      `${u.calls} chamadas ao modelo (${u.errors} falhas) · ${u.prompt_tokens + u.completion_tokens} tokens · US$ ${u.cost_usd}`;
    const { items } = await firstPage("/api/knowledge");
    table("knowledge", ["Documento", "Tipo", "Trechos", "Caracteres"], items.map((d) => [d.name, d.kind, d.passages, d.chars]));
  } else if (tab === "failed") {
    const { items } = await firstPage("/api/monitoring/failed");
    table("failed", ["Mensagem", "Tentativas", "Erro", "Quando"], items.map((m) => [m.body, m.attempts, m.error_code, when(m.updated_at)]));
  }
}

function show(tab) {
  document.querySelectorAll("nav button").forEach((b) => b.classList.toggle("on", b.dataset.tab === tab));
  document.querySelectorAll("[data-view]").forEach((v) => { v.hidden = v.dataset.view !== tab; });
  loadTab(tab).catch(() => {});
}

async function enter() {
  key = $("key").value.trim() || key;
  try {
    await api("/api/services");
  } catch (e) {
    $("login-error").textContent = "Chave inválida.";
    return;
  }
  localStorage.setItem("atende-key", key);
  $("login").hidden = true;
  $("app").hidden = false;
  await loadConversations();
  setInterval(() => { loadConversations().catch(() => {}); loadThread().catch(() => {}); }, 3000);
}

function logout() {
  localStorage.removeItem("atende-key");
  location.reload();
}

$("enter").onclick = enter;
$("key").onkeydown = (e) => { if (e.key === "Enter") enter(); };
$("logout").onclick = (e) => { e.preventDefault(); logout(); };
document.querySelectorAll("nav button").forEach((b) => { b.onclick = () => show(b.dataset.tab); });
$("handoff").onclick = async () => { await api(`/api/conversations/${current}/handoff`, { method: "POST" }); loadConversations(); };
$("release").onclick = async () => { await api(`/api/conversations/${current}/release`, { method: "POST" }); loadConversations(); };
$("retry").onclick = async () => {
  const { requeued } = await api("/api/monitoring/retry-failed", { method: "POST", body: JSON.stringify({ hours: 24 }) });
  $("retry-result").textContent = `${requeued.length} mensagem(ns) de volta na fila.`;
  loadTab("failed");
};
$("compose").onsubmit = async (e) => {
  e.preventDefault();
  const body = $("reply").value.trim();
  if (!body) return;
  await api(`/api/conversations/${current}/messages`, { method: "POST", body: JSON.stringify({ body }) });
  $("reply").value = "";
  loadThread();
};
if (key) enter();
