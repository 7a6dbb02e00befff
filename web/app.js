/*
 * Mamori web UI: one page, no build step, no framework. Screens are functions keyed by the URL
 * hash (#/dashboard, #/checklist …) that fetch JSON from /api/v1 and render HTML with every
 * value escaped. Japanese first; the English switch is kept in localStorage. The session is an
 * HttpOnly cookie; state-changing requests send the CSRF token from GET /api/v1/session.
 */
"use strict";

const T = {
  ja: {
    skip: "本文へ移動", logout: "ログアウト", lang: "English", login: "ログイン", user: "利用者名",
    password: "パスワード", code: "確認コード（6桁、登録済みの場合）", dashboard: "ダッシュボード",
    checklist: "チェックリスト", ledger: "台帳", findings: "指摘", reports: "報告書", users: "利用者",
    audit: "監査記録", loading: "読み込み中…", enrol_title: "二要素認証の登録",
    enrol_help: "認証アプリ（Google Authenticator 等）で QR コードを読み取るか、下の secret を入力し、表示された6桁を入力してください。",
    confirm: "登録", answered: "回答済み", yes: "はい", no: "いいえ", na: "該当なし", overdue: "目標日超過",
    conflicts: "証拠との矛盾", targets_open: "対応予定", findings_open: "未解消の指摘", progress: "分野別の進捗",
    deadlines: "期限", days_left: "残り{n}日", met: "達成", not_met: "未達成", none: "なし",
    sheet: "シート", hospital: "医療機関確認用", vendor_sheet: "事業者確認用", answer: "回答", checked: "確認日",
    target: "対応目標日", round: "回", scope: "対象", note: "備考", save: "保存", verdict: "証拠による判定",
    conflict: "矛盾", guidance: "対応のポイント", evidence: "証拠", not_answered: "未回答", saved: "保存しました",
    assets: "機器", accounts: "アカウント", vendors: "事業者", systems: "システム", search: "検索",
    rows: "{n} 件", all_findings: "解消済みも表示", item: "項目", reason: "理由", first_seen: "初回検出",
    download: "ダウンロード", generating: "報告書を作成中…", name: "名前", role: "役割", add_user: "利用者を追加",
    add: "追加", disable: "無効にする", enable: "有効にする", reset_pw: "パスワード再発行",
    new_pw: "初期パスワード（一度だけ表示）: ", at: "日時", actor: "実行者", action: "操作", entity: "対象",
    totp: "二要素", state: "状態", active: "有効", disabled: "無効", report_help: "公式様式のレイアウトで書き出します。",
    filter_kind: "種別", verdict_all: "すべて", session_expired: "セッションが切れました。もう一度ログインしてください。",
    answer_for: "{id} に回答", account: "パスワード変更", current_pw: "現在のパスワード",
    new_pw2: "新しいパスワード（12文字以上）", change: "変更", pw_changed: "パスワードを変更しました",
    progress_label: "進捗", job_step: "{step}/{steps} 段階", elapsed: "{n} 秒経過", job_timeout: "時間がかかりすぎています。あとで報告書画面からやり直してください",
    job_done: "{file} を作成しました", run_evaluate: "証拠を評価し直す", evaluated: "評価しました: 指摘 {n} 件（不適合 {f} 件）",
    report_help_vendor: "自社の事業者確認用シートだけを、公式様式のレイアウトで書き出します。",
    history: "回答の履歴", chart_table: "グラフの数値を表で見る", section: "分野", qr_alt: "二要素認証の登録用 QR コード",
    lang_label: "表示言語を英語に切り替え", save_for: "{id} の回答を保存", user_op: "{name}: {op}", apply: "絞り込む", clear: "条件を消す", paging: "ページ", prev: "前へ", next: "次へ", range: "{a}–{b} 件目 / 全 {n} 件",
    f_kind: "種別", f_location: "設置場所", f_owner: "管理者", f_department: "部署", f_os: "OS", f_vendor: "事業者",
    f_host: "ホスト・システム", f_enabled: "有効", f_admin: "管理者権限", f_older: "最終ログオンがN日より前", f_category: "分類", f_contact: "連絡先",
    o_kind_server: "サーバ", o_kind_pc: "端末", o_kind_network: "ネットワーク機器", o_kind_media: "記録媒体", o_kind_iot: "IoT機器",
    o_enabled_1: "有効", o_enabled_0: "無効", o_admin_1: "あり", o_admin_0: "なし",
    alerts: "検知", alerts_open: "未確認のみ", severity: "重大度", sev_all: "すべて", sev_low: "低", sev_medium: "中", sev_high: "高", sev_critical: "重大",
    alert: "内容", review: "確認", reviewed_by: "{at} {by} 確認済み", not_reviewed: "未確認", review_note: "確認した内容（必須）",
    alerts_serious: "未確認の重大な検知", review_selected: "選んだ検知を確認済みにする", reviewed_n: "{n} 件を確認済みにしました", select_alert: "#{id} を選ぶ", no_alerts: "検知はありません",
    alerts_help: "アクセスログの検知ルールが見つけたものです。確認した人・日時・内容の記録は 2-⑪ の「定期的な確認」の証拠になります。",
  },
  en: {
    skip: "Skip to content", logout: "Log out", lang: "日本語", login: "Log in", user: "User name",
    password: "Password", code: "One-time code (6 digits, if enrolled)", dashboard: "Dashboard",
    checklist: "Checklist", ledger: "Ledger", findings: "Findings", reports: "Reports", users: "Users",
    audit: "Audit trail", loading: "Loading…", enrol_title: "Enrol two-factor authentication",
    enrol_help: "Scan the QR code with an authenticator app (or type the secret below), then enter the 6 digits it shows.",
    confirm: "Enrol", answered: "Answered", yes: "Yes", no: "No", na: "N/A", overdue: "Overdue",
    conflicts: "Conflicts with evidence", targets_open: "Planned", findings_open: "Open findings", progress: "Progress per section",
    deadlines: "Deadlines", days_left: "{n} days left", met: "met", not_met: "not yet met", none: "none",
    sheet: "Sheet", hospital: "Hospital sheet", vendor_sheet: "Vendor sheet", answer: "Answer", checked: "Checked on",
    target: "Target date", round: "Round", scope: "Scope", note: "Note", save: "Save", verdict: "Evidence verdict",
    conflict: "Conflict", guidance: "Guidance", evidence: "Evidence", not_answered: "not answered", saved: "Saved",
    assets: "Assets", accounts: "Accounts", vendors: "Vendors", systems: "Systems", search: "Search",
    rows: "{n} rows", all_findings: "Include resolved", item: "Item", reason: "Reason", first_seen: "First seen",
    download: "Download", generating: "Generating the report…", name: "Name", role: "Role", add_user: "Add a user",
    add: "Add", disable: "Disable", enable: "Enable", reset_pw: "Reset password",
    new_pw: "Initial password (shown once): ", at: "When", actor: "Who", action: "Action", entity: "Entity",
    totp: "2FA", state: "State", active: "active", disabled: "disabled", report_help: "Written in the official sheet layout.",
    filter_kind: "Kind", verdict_all: "all", session_expired: "Your session expired. Please log in again.",
    answer_for: "Answer {id}", account: "Password", current_pw: "Current password",
    new_pw2: "New password (12 characters or more)", change: "Change", pw_changed: "Password changed",
    progress_label: "Progress", job_step: "step {step} of {steps}", elapsed: "{n} s", job_timeout: "This is taking too long; try again later from the reports screen",
    job_done: "{file} is ready", run_evaluate: "Evaluate the evidence again", evaluated: "Evaluated: {n} findings ({f} failing)",
    report_help_vendor: "Your own vendor sheet only, in the official layout.",
    history: "Answer history", chart_table: "Show the chart's numbers as a table", section: "Section", qr_alt: "QR code for enrolling two-factor authentication",
    lang_label: "Switch the display language to Japanese", save_for: "Save the answer to {id}", user_op: "{name}: {op}", apply: "Filter", clear: "Clear", paging: "Pages", prev: "Previous", next: "Next", range: "{a}–{b} of {n}",
    f_kind: "Kind", f_location: "Location", f_owner: "Owner", f_department: "Department", f_os: "OS", f_vendor: "Vendor",
    f_host: "Host / system", f_enabled: "Enabled", f_admin: "Admin rights", f_older: "Last logon older than N days", f_category: "Category", f_contact: "Contact",
    o_kind_server: "server", o_kind_pc: "PC", o_kind_network: "network", o_kind_media: "media", o_kind_iot: "IoT",
    o_enabled_1: "enabled", o_enabled_0: "disabled", o_admin_1: "yes", o_admin_0: "no",
    alerts: "Alerts", alerts_open: "Unreviewed only", severity: "Severity", sev_all: "all", sev_low: "low", sev_medium: "medium", sev_high: "high", sev_critical: "critical",
    alert: "Alert", review: "Review", reviewed_by: "reviewed {at} by {by}", not_reviewed: "not reviewed", review_note: "What was checked and found (required)",
    alerts_serious: "Unreviewed serious alerts", review_selected: "Mark the selected alerts as reviewed", reviewed_n: "{n} alerts marked as reviewed", select_alert: "Select #{id}", no_alerts: "No alerts",
    alerts_help: "What the access-log rules found. The record of who reviewed each, when and what they found is the evidence of regular review for 2-11.",
  },
};

let lang = localStorage.getItem("mamori.lang") === "en" ? "en" : "ja";
let me = null; // {user, csrf, totp_enrolment_required}

function t(key, vars) {
  let s = (T[lang] && T[lang][key]) || T.ja[key] || key;
  for (const k in vars || {}) s = s.replace("{" + k + "}", vars[k]);
  return s;
}

function esc(v) {
  return String(v === null || v === undefined ? "" : v)
    .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const $ = (sel, root) => (root || document).querySelector(sel);

function busy(on, text) {
  $("#busy").hidden = !on;
  $("#busy-text").textContent = text || t("loading");
}

let toastTimer = null;
function toast(msg, ok) {
  const el = $("#toast");
  el.textContent = msg;
  el.className = ok ? "ok" : "";
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.hidden = true; }, ok ? 2500 : 6000);
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || "HTTP " + status);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const opts = { method, headers: {}, credentials: "same-origin" };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  if (method !== "GET" && me && me.csrf) opts.headers["X-CSRF-Token"] = me.csrf;
  const r = await fetch("/api/v1" + path, opts);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  if (r.status === 401 && path !== "/session") {
    me = null;
    toast(t("session_expired"));
    renderLogin();
    throw new ApiError(401, data);
  }
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

/* ---------- frame ---------- */

/* The ledger's column filters per kind (the API's query parameters, docs/api.md). */
const LEDGER_PAGE = 200;
const LEDGER_FILTERS = {
  assets: [{ name: "kind", options: ["server", "pc", "network", "media", "iot"] },
    { name: "location" }, { name: "owner" }, { name: "department" }, { name: "os" }, { name: "vendor", staff: true }],
  accounts: [{ name: "host" }, { name: "enabled", options: ["1", "0"] }, { name: "admin", options: ["1", "0"] },
    { name: "older", number: true }, { name: "vendor", staff: true }],
  systems: [{ name: "category" }, { name: "vendor", staff: true }],
  vendors: [{ name: "contact" }],
};

const SCREENS = [
  { id: "dashboard", roles: ["admin", "assessor", "vendor", "viewer"] },
  { id: "checklist", roles: ["admin", "assessor", "vendor", "viewer"] },
  { id: "ledger", roles: ["admin", "assessor", "vendor", "viewer"] },
  { id: "findings", roles: ["admin", "assessor", "viewer"] },
  { id: "alerts", roles: ["admin", "assessor", "viewer"] },
  { id: "reports", roles: ["admin", "assessor", "vendor", "viewer"] },
  { id: "users", roles: ["admin"] },
  { id: "audit", roles: ["admin", "assessor", "viewer"] },
  { id: "account", roles: ["admin", "assessor", "vendor", "viewer"] },
];

function applyStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  $("#lang").textContent = t("lang");
  $("#lang").setAttribute("aria-label", t("lang_label"));
  $("#lang").setAttribute("lang", lang === "ja" ? "en" : "ja");
}

function renderNav(current) {
  const nav = $("#nav");
  if (!me || me.totp_enrolment_required) { nav.hidden = true; nav.innerHTML = ""; return; }
  nav.hidden = false;
  nav.innerHTML = SCREENS.filter((s) => s.roles.includes(me.user.role))
    .map((s) => `<a href="#/${s.id}"${s.id === current ? ' aria-current="page"' : ""}>${esc(t(s.id))}</a>`)
    .join("");
  $("#who").textContent = me.user.name + "（" + (lang === "en" ? me.user.role : me.user.role_label) + "）";
  $("#logout").hidden = false;
}

let focusMain = false;
async function route() {
  applyStatic();
  if (!me) {
    try { me = await api("GET", "/session"); } catch (e) { me = null; }
  }
  if (!me) return renderLogin();
  if (me.totp_enrolment_required) return renderEnrol();
  let id = (location.hash.match(/^#\/(\w+)/) || [])[1] || "dashboard";
  const screen = SCREENS.find((s) => s.id === id && s.roles.includes(me.user.role));
  if (!screen) id = "dashboard";
  renderNav(id);
  const main = $("#main");
  main.innerHTML = `<p class="muted">${esc(t("loading"))}</p>`;
  busy(true);
  try {
    await VIEWS[id](main);
    if (focusMain) {
      // A screen reached from the menu: focus its heading so Tab continues into the content.
      const h1 = main.querySelector("h1");
      if (h1) { h1.tabIndex = -1; h1.focus({ preventScroll: true }); }
    }
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) {
      main.innerHTML = `<p class="conflict">${esc(e.message)}</p>`;
    }
  } finally {
    busy(false);
  }
}

/* ---------- login and TOTP enrolment ---------- */

function renderLogin() {
  renderNav(null);
  $("#who").textContent = "";
  $("#logout").hidden = true;
  $("#main").innerHTML = `
    <section class="login">
      <h1>${esc(t("login"))}</h1>
      <form id="login-form" autocomplete="on">
        <label>${esc(t("user"))}<input name="user" id="login-user" autocomplete="username" required maxlength="64"></label>
        <label>${esc(t("password"))}<input name="password" id="login-password" type="password" autocomplete="current-password" required></label>
        <label>${esc(t("code"))}<input name="code" id="login-code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6"></label>
        <button class="primary" type="submit">${esc(t("login"))}</button>
        <p id="login-error" class="overdue" role="alert"></p>
      </form>
    </section>`;
  $("#login-user").focus();
  $("#login-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = ev.target;
    const body = { user: f.user.value, password: f.password.value };
    if (f.code.value) body.code = f.code.value;
    f.querySelector("button").disabled = true;
    try {
      me = await api("POST", "/session", body);
      if (!location.hash) location.hash = "#/dashboard";
      route();
    } catch (e) {
      $("#login-error").textContent = e.message;
      f.querySelector("button").disabled = false;
    }
  });
}

async function renderEnrol() {
  renderNav(null);
  $("#logout").hidden = false;
  $("#who").textContent = me.user.name;
  const main = $("#main");
  const e = await api("POST", "/session/totp");
  const img = "data:image/svg+xml;base64," + btoa(e.qr_svg);
  main.innerHTML = `
    <section class="login">
      <h1>${esc(t("enrol_title"))}</h1>
      <p>${esc(t("enrol_help"))}</p>
      <div class="qr"><img alt="${esc(t("qr_alt"))}" src="${esc(img)}"></div>
      <p>secret: <span class="secret" id="totp-secret">${esc(e.secret)}</span></p>
      <form id="enrol-form">
        <label>${esc(t("code"))}<input name="code" id="enrol-code" inputmode="numeric" pattern="[0-9]{6}" maxlength="6" required></label>
        <button class="primary" type="submit">${esc(t("confirm"))}</button>
        <p id="enrol-error" class="overdue" role="alert"></p>
      </form>
    </section>`;
  $("#enrol-code").focus();
  $("#enrol-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      me = await api("POST", "/session/totp/confirm", { code: ev.target.code.value });
      location.hash = "#/dashboard";
      route();
    } catch (err) {
      $("#enrol-error").textContent = err.message;
    }
  });
}

/* ---------- views ---------- */

function verdictBadge(v, label) {
  if (!v || v === "none") return "";
  const names = { pass: { ja: "適合", en: "pass" }, fail: { ja: "不適合", en: "fail" },
    unknown: { ja: "証拠不足", en: "not enough evidence" }, na: { ja: "該当なし", en: "n/a" } };
  const text = label || (names[v] ? names[v][lang] : v);
  return `<span class="badge v-${esc(v)}">${esc(text)}</span>`;
}

/* A stacked horizontal bar per section: はい, いいえ, 該当なし, unanswered. The same numbers
 * are given as text: a summary in the SVG's label and a table under it. */
let chartSeq = 0;
function sectionChart(sections) {
  const rowH = 26, labelW = 170, barW = 420, h = sections.length * rowH + 10;
  const id = "chart-" + (++chartSeq);
  const summary = sections.map((s) => `${s.section}. ${s.title}: ${t("answered")} ${s.answered}/${s.rows}, ${t("yes")} ${s.yes}, ${t("no")} ${s.no}, ${t("na")} ${s.na}`).join("; ");
  let out = `<svg class="chart" role="img" aria-labelledby="${id}-t" aria-describedby="${id}-d" viewBox="0 0 ${labelW + barW + 70} ${h}" width="100%">
    <title id="${id}-t">${esc(t("progress"))}</title><desc id="${id}-d">${esc(summary)}</desc>`;
  sections.forEach((s, i) => {
    const y = 5 + i * rowH;
    let x = labelW;
    out += `<text x="0" y="${y + 15}">${esc(s.section + ". " + s.title)}</text>`;
    const parts = [["yes", s.yes, "#2e7d32"], ["no", s.no, "#c62828"], ["na", s.na, "#90a4ae"],
      ["open", s.rows - s.answered, "#e0e6eb"]];
    for (const [k, n, color] of parts) {
      if (!n) continue;
      const w = (barW * n) / Math.max(1, s.rows);
      out += `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="18" fill="${color}"><title>${esc(k)}: ${n}</title></rect>`;
      x += w;
    }
    out += `<text x="${labelW + barW + 6}" y="${y + 15}">${s.answered}/${s.rows}</text>`;
  });
  out += "</svg>";
  out += `<details class="chart-table"><summary>${esc(t("chart_table"))}</summary><table><caption class="sr-only">${esc(t("progress"))}</caption>
    <thead><tr><th scope="col">${esc(t("section"))}</th><th scope="col">${esc(t("answered"))}</th><th scope="col">${esc(t("yes"))}</th><th scope="col">${esc(t("no"))}</th><th scope="col">${esc(t("na"))}</th><th scope="col">${esc(t("not_answered"))}</th></tr></thead>
    <tbody>${sections.map((s) => `<tr><th scope="row">${esc(s.section + ". " + s.title)}</th><td>${s.answered}/${s.rows}</td><td>${s.yes}</td><td>${s.no}</td><td>${s.na}</td><td>${s.rows - s.answered}</td></tr>`).join("")}</tbody></table></details>`;
  return out;
}

const VIEWS = {
  async dashboard(main) {
    const d = await api("GET", "/dashboard");
    // staff see how many serious alerts nobody has reviewed yet (vendors get no count)
    const serious = d.alerts_serious_open === undefined ? null : d.alerts_serious_open;
    let html = `<h1>${esc(t("dashboard"))} — ${esc(d.facility.name || "")} ${esc(d.fiscal_year)}</h1>`;
    for (const s of d.sheets) {
      const m = s.summary;
      html += `<section class="panel"><h2>${esc(s.sheet_label)}</h2>
        <div class="cards">
          <div class="card"><div class="n">${m.answered}/${m.rows}</div>${esc(t("answered"))}</div>
          <div class="card"><div class="n a-yes">${m.yes}</div>${esc(t("yes"))}</div>
          <div class="card"><div class="n a-no">${m.no}</div>${esc(t("no"))}</div>
          <div class="card"><div class="n">${m.na}</div>${esc(t("na"))}</div>
          <div class="card ${m.overdue ? "warn" : ""}"><div class="n">${m.overdue}</div>${esc(t("overdue"))}</div>
          <div class="card ${m.conflicts ? "warn" : ""}"><div class="n">${m.conflicts}</div>${esc(t("conflicts"))}</div>
          ${s.sheet === "hospital" ? `<div class="card"><div class="n">${d.findings_open}</div>${esc(t("findings_open"))}</div>` : ""}
          ${s.sheet === "hospital" && serious !== null ? `<a class="card ${serious ? "warn" : ""}" href="#/alerts"><div class="n">${serious}</div>${esc(t("alerts_serious"))}</a>` : ""}
        </div>
        <div class="grid2">
          <div><h2>${esc(t("progress"))}</h2>${sectionChart(s.sections)}
            <div class="legend"><span><i class="sw sw-yes"></i>${esc(t("yes"))}</span><span><i class="sw sw-no"></i>${esc(t("no"))}</span><span><i class="sw sw-na"></i>${esc(t("na"))}</span><span><i class="sw sw-open"></i>${esc(t("not_answered"))}</span></div></div>
          <div>
            <h2>${esc(t("overdue"))}</h2>
            ${s.overdue.length ? "<ul>" + s.overdue.map((o) => `<li class="overdue"><a href="#/checklist/${esc(o.id)}">${esc(o.label)}</a> ${esc(o.target)}</li>`).join("") + "</ul>" : `<p class="muted">${esc(t("none"))}</p>`}
            <h2>${esc(t("conflicts"))}</h2>
            ${s.conflicts.length ? "<ul>" + s.conflicts.map((c) => `<li><a href="#/checklist/${esc(c.id)}">⚠ ${esc(c.label)}</a> ${esc(c.text)}</li>`).join("") + "</ul>" : `<p class="muted">${esc(t("none"))}</p>`}
            <h2>${esc(t("deadlines"))}</h2>
            ${s.deadlines.length ? "<ul>" + s.deadlines.map((x) => `<li>${esc(x.label)} ${esc(x.date)} — ${esc(t("days_left", { n: x.days_left }))} (${esc(x.met ? t("met") : t("not_met"))})</li>`).join("") + "</ul>" : `<p class="muted">${esc(t("none"))}</p>`}
          </div>
        </div></section>`;
    }
    main.innerHTML = html;
  },

  async checklist(main) {
    const focusId = (location.hash.match(/^#\/checklist\/([\w-]+)/) || [])[1];
    const params = new URLSearchParams(sessionStorage.getItem("mamori.sheet") || "");
    const q = me.user.role === "vendor" ? "" : "?" + params.toString();
    const d = await api("GET", "/checklist" + q);
    const sheet = d.sheets[0];
    const canAnswer = me.user.role === "admin" ||
      (me.user.role === "assessor" && (!sheet || sheet.sheet === "hospital")) ||
      me.user.role === "vendor";
    let html = `<h1>${esc(t("checklist"))}</h1>`;
    if (me.user.role !== "vendor") {
      const cur = params.get("vendor") || "";
      html += `<div class="toolbar"><label>${esc(t("sheet"))}<select id="sheet-select">
        <option value="">${esc(t("hospital"))}</option>
        ${d.vendors.map((v) => `<option value="${esc(v)}"${v === cur ? " selected" : ""}>${esc(t("vendor_sheet"))}：${esc(v)}</option>`).join("")}
        </select></label></div>`;
    }
    if (!sheet) { main.innerHTML = html + `<p>${esc(t("none"))}</p>`; return bindSheet(); }
    html += `<p class="muted">${esc(sheet.title)} — ${esc(sheet.sheet_label)}</p>`;
    let section = null;
    sheet.rows.forEach((row, idx) => {
      if (row.section !== section) {
        section = row.section;
        html += `<h2>${esc(row.section)}. ${esc(row.section_title)}</h2>`;
      }
      const c = row.checks.filter((x) => x.answered);
      const latest = c.length ? c[c.length - 1] : null;
      const answerText = latest
        ? `<span class="a-${esc(latest.answer)}">${esc(lang === "en" ? latest.answer : latest.label)}</span> ${esc(latest.checked)}${latest.target ? ` → ${esc(t("target"))} ${esc(latest.target)}` : ""}`
        : `<span class="muted">${esc(t("not_answered"))}</span>`;
      const guidance = (row.guidance[lang] || row.guidance.ja || []);
      const findings = row.findings || [];
      html += `<article class="item${row.conflict ? " has-conflict" : ""}" id="item-${esc(row.id)}-${esc(row.scope)}" data-row="${idx}">
        <div class="item-head">
          <span class="item-id">${esc(row.label)}</span>
          <span class="item-text">${esc(row.text)}${row.scope !== "all" ? ` <span class="badge">${esc(row.scope_label)}</span>` : ""}</span>
          <span>${answerText}${row.overdue ? ` <span class="overdue">★${esc(t("overdue"))}</span>` : ""}</span>
          <span>${row.verdict !== "none" ? esc(t("verdict")) + ": " + verdictBadge(row.verdict) : ""}</span>
        </div>
        ${row.conflict ? `<div class="conflict" data-conflict="${esc(row.id)}">⚠ ${esc(t("conflict"))}: ${esc(row.conflict)}</div>` : ""}
        ${row.note ? `<div class="muted">${esc(t("note"))}: ${esc(row.note)}</div>` : ""}
        ${findings.length ? `<details${row.conflict ? " open" : ""}><summary>${esc(t("evidence"))} (${findings.length})</summary><table><tr><th>${esc(t("verdict"))}</th><th>${esc(t("reason"))}</th><th>${esc(t("evidence"))}</th></tr>
          ${findings.map((f) => `<tr><td>${verdictBadge(f.verdict, lang === "en" ? f.verdict : f.verdict_label)}</td><td>${esc(lang === "en" ? f.reason_en : f.reason_ja)}</td><td>${(f.refs || []).map((r) => esc((r.label || r.table || "") + (r.file ? ` (${r.file}:${r.line || "?"})` : ""))).join("<br>")}</td></tr>`).join("")}
          </table></details>` : ""}
        ${guidance.length ? `<details><summary>${esc(t("guidance"))}</summary><ul>${guidance.map((g) => `<li>${esc(g)}</li>`).join("")}</ul></details>` : ""}
        <details class="history" data-history="${esc(row.id)}"><summary>${esc(t("history"))}</summary><div class="history-body" aria-live="polite"></div></details>
        ${canAnswer ? `<details class="answer-box"${row.id === focusId ? " open" : ""}><summary>${esc(t("answer_for", { id: row.label }))}</summary>${answerForm(row, latest)}</details>` : ""}
      </article>`;
    });
    main.innerHTML = html;
    bindSheet();
    main.querySelectorAll("form.answer").forEach((f) => f.addEventListener("submit", (ev) => submitAnswer(ev, sheet)));
    main.querySelectorAll("details.history").forEach((el) => el.addEventListener("toggle", () => {
      if (el.open) showHistory(el, sheet);
    }));
    if (focusId) {
      const el = main.querySelector(`[id^="item-${CSS.escape(focusId)}-"]`);
      if (el) el.scrollIntoView();
    }
  },

  async ledger(main) {
    const kind = sessionStorage.getItem("mamori.ledger") || "assets";
    const state = JSON.parse(sessionStorage.getItem("mamori.ledger.f." + kind) || "{}");
    const offset = Number(sessionStorage.getItem("mamori.ledger.offset") || 0);
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(state)) if (v !== "" && v !== undefined) p.set(k, v);
    p.set("limit", LEDGER_PAGE);
    if (offset) p.set("offset", offset);
    const d = await api("GET", `/evidence/${kind}?` + p.toString());
    const cols = d.rows.length ? Object.keys(d.rows[0]) : [];
    const filters = (LEDGER_FILTERS[kind] || []).filter((f) => !(f.staff && me.user.role === "vendor"));
    const control = (f) => {
      const id = `lf-${f.name}`, v = state[f.name] || "";
      if (f.options) {
        return `<label for="${id}">${esc(t("f_" + f.name))}<select id="${id}" name="${f.name}">
          <option value="">${esc(t("verdict_all"))}</option>
          ${f.options.map((o) => `<option value="${esc(o)}"${o === v ? " selected" : ""}>${esc(t("o_" + f.name + "_" + o))}</option>`).join("")}</select></label>`;
      }
      return `<label for="${id}">${esc(t("f_" + f.name))}<input id="${id}" name="${f.name}" value="${esc(v)}"${f.number ? ' type="number" min="0" max="36500"' : ' maxlength="255"'}></label>`;
    };
    const first = d.total ? d.offset + 1 : 0, last = d.offset + d.count;
    main.innerHTML = `<h1>${esc(t("ledger"))}</h1>
      <div class="tabs" role="tablist" aria-label="${esc(t("ledger"))}">${["assets", "accounts", "systems", "vendors"].map((k) =>
        `<button type="button" class="secondary" role="tab" data-kind="${k}" aria-selected="${k === kind}" tabindex="${k === kind ? 0 : -1}">${esc(t(k))}</button>`).join("")}</div>
      <form class="toolbar" id="ledger-search" role="search">
        <label for="ledger-q">${esc(t("search"))}<input name="q" id="ledger-q" value="${esc(state.q || "")}" maxlength="255"></label>
        ${filters.map(control).join("")}
        <button class="primary" type="submit">${esc(t("apply"))}</button>
        <button class="secondary" type="button" id="ledger-clear">${esc(t("clear"))}</button>
      </form>
      <div class="toolbar" role="navigation" aria-label="${esc(t("paging"))}">
        <span class="muted" id="ledger-count" role="status">${esc(t("range", { a: first, b: last, n: d.total }))}</span>
        <button class="secondary" type="button" id="ledger-prev"${d.offset > 0 ? "" : " disabled"}>${esc(t("prev"))}</button>
        <button class="secondary" type="button" id="ledger-next"${d.truncated ? "" : " disabled"}>${esc(t("next"))}</button>
      </div>
      <div class="table-wrap" tabindex="0" role="region" aria-label="${esc(t(kind))}"><table><caption class="sr-only">${esc(t(kind))}</caption><thead><tr>${cols.map((c) => `<th scope="col">${esc(c)}</th>`).join("")}</tr></thead>
      <tbody>${d.rows.map((r) => `<tr>${cols.map((c) => `<td>${esc(r[c])}</td>`).join("")}</tr>`).join("")}</tbody></table></div>`;
    const tabs = [...main.querySelectorAll("[data-kind]")];
    tabs.forEach((b, i) => {
      b.addEventListener("click", () => {
        sessionStorage.setItem("mamori.ledger", b.dataset.kind);
        sessionStorage.setItem("mamori.ledger.offset", "0");
        route().then(() => { const x = $(`[data-kind="${b.dataset.kind}"]`); if (x) x.focus(); });
      });
      b.addEventListener("keydown", (ev) => {
        const step = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        ev.preventDefault();
        tabs[(i + step + tabs.length) % tabs.length].focus();
      });
    });
    const page = (off) => {
      sessionStorage.setItem("mamori.ledger.offset", String(Math.max(0, off)));
      route().then(() => { const c = $("#ledger-count"); if (c) c.focus(); });
    };
    $("#ledger-count").tabIndex = -1;
    $("#ledger-prev").addEventListener("click", () => page(d.offset - LEDGER_PAGE));
    $("#ledger-next").addEventListener("click", () => page(d.offset + LEDGER_PAGE));
    $("#ledger-search").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = ev.target, next = { q: f.q.value };
      for (const x of filters) next[x.name] = f[x.name].value;
      sessionStorage.setItem("mamori.ledger.f." + kind, JSON.stringify(next));
      sessionStorage.setItem("mamori.ledger.offset", "0");
      route().then(() => { const q = $("#ledger-q"); if (q) q.focus(); });
    });
    $("#ledger-clear").addEventListener("click", () => {
      sessionStorage.removeItem("mamori.ledger.f." + kind);
      sessionStorage.setItem("mamori.ledger.offset", "0");
      route();
    });
  },

  async findings(main) {
    const all = sessionStorage.getItem("mamori.findings.all") === "1";
    const d = await api("GET", "/findings" + (all ? "?all=1" : ""));
    const canRun = me.user.role === "admin" || me.user.role === "assessor";
    main.innerHTML = `<h1>${esc(t("findings"))}</h1>
      <div class="toolbar"><label class="check"><input type="checkbox" id="findings-all"${all ? " checked" : ""}> ${esc(t("all_findings"))}</label>
      ${canRun ? `<button type="button" class="primary" id="run-evaluate">${esc(t("run_evaluate"))}</button>` : ""}</div>
      <div id="job-status" class="job" role="status" aria-live="polite" hidden></div>
      <div class="table-wrap"><table><thead><tr><th>${esc(t("item"))}</th><th>${esc(t("verdict"))}</th><th>${esc(t("reason"))}</th><th>${esc(t("evidence"))}</th><th>${esc(t("first_seen"))}</th></tr></thead><tbody>
      ${d.findings.map((f) => `<tr><td class="nowrap"><a href="#/checklist/${esc(f.item)}">${esc(f.item)}</a></td><td>${verdictBadge(f.verdict, lang === "en" ? f.verdict : f.verdict_label)}${f.resolved_at ? " ✓" : ""}</td>
        <td>${esc(lang === "en" ? f.reason_en : f.reason_ja)}</td><td>${(f.refs || []).map((r) => esc((r.label || "") + (r.file ? ` (${r.file}:${r.line || "?"})` : ""))).join("<br>")}</td><td>${esc(f.first_seen)}</td></tr>`).join("")}
      </tbody></table></div>`;
    if (canRun) {
      $("#run-evaluate").addEventListener("click", async (ev) => {
        const btn = ev.target;
        btn.disabled = true;
        try {
          const j = await runJob({ kind: "evaluate" }, $("#job-status"));
          toast(t("evaluated", { n: j.result.findings, f: j.result.failures }), true);
          await route();
          const again = $("#run-evaluate");
          if (again) again.focus();
        } catch (e) {
          $("#job-status").innerHTML = `<span class="overdue">${esc(e.message)}</span>`;
          btn.disabled = false;
        }
      });
    }
    $("#findings-all").addEventListener("change", (ev) => {
      sessionStorage.setItem("mamori.findings.all", ev.target.checked ? "1" : "0");
      route();
    });
  },

  async alerts(main) {
    const open = sessionStorage.getItem("mamori.alerts.open") !== "0";
    const sev = sessionStorage.getItem("mamori.alerts.sev") || "";
    const q = [open ? "open=1" : "", sev ? "severity=" + encodeURIComponent(sev) : ""].filter(Boolean).join("&");
    const d = await api("GET", "/alerts" + (q ? "?" + q : ""));
    const canReview = me.user.role === "admin" || me.user.role === "assessor";
    const sevs = ["", "low", "medium", "high", "critical"];
    main.innerHTML = `<h1>${esc(t("alerts"))}</h1><p class="muted">${esc(t("alerts_help"))}</p>
      <div class="toolbar"><label class="check"><input type="checkbox" id="alerts-open"${open ? " checked" : ""}> ${esc(t("alerts_open"))}</label>
        <label>${esc(t("severity"))} <select id="alerts-sev">${sevs.map((v) => `<option value="${v}"${v === sev ? " selected" : ""}>${esc(t(v ? "sev_" + v : "sev_all"))}</option>`).join("")}</select></label></div>
      ${d.alerts.length ? `<form id="review-form"><div class="table-wrap"><table><thead><tr>${canReview ? "<th></th>" : ""}<th>#</th><th>${esc(t("severity"))}</th><th>${esc(t("at"))}</th><th>${esc(t("alert"))}</th><th>${esc(t("review"))}</th></tr></thead><tbody>
      ${d.alerts.map((a) => `<tr>${canReview ? `<td>${a.reviewed ? "" : `<input type="checkbox" name="alert" value="${a.id}" aria-label="${esc(t("select_alert", { id: a.id }))}">`}</td>` : ""}
        <td class="nowrap">${a.id}</td><td class="nowrap ${a.severity === "critical" || a.severity === "high" ? "overdue" : ""}">${esc(t("sev_" + a.severity))}</td>
        <td class="nowrap">${esc(jst(a.first_at))}</td>
        <td><strong>${esc(lang === "en" ? a.title_en : a.title_ja)}</strong><br>${esc(lang === "en" ? a.detail_en : a.detail_ja)}
          ${(a.events || []).filter((e) => e.raw).length ? `<details><summary>${esc(t("evidence"))}</summary><pre class="raw">${(a.events || []).filter((e) => e.raw).map((e) => esc(e.raw)).join("\n")}</pre></details>` : ""}</td>
        <td>${a.reviewed ? `${esc(t("reviewed_by", { at: jst(a.reviewed.at), by: a.reviewed.by }))}<br>${esc(a.reviewed.note)}` : `<span class="overdue">${esc(t("not_reviewed"))}</span>`}</td></tr>`).join("")}
      </tbody></table></div>
      ${canReview ? `<p><label for="review-note">${esc(t("review_note"))}</label><br><textarea id="review-note" rows="2" cols="60" maxlength="2000" required></textarea></p>
        <p><button type="submit" class="primary">${esc(t("review_selected"))}</button></p>` : ""}</form>` : `<p>${esc(t("no_alerts"))}</p>`}`;
    $("#alerts-open").addEventListener("change", (ev) => {
      sessionStorage.setItem("mamori.alerts.open", ev.target.checked ? "1" : "0");
      route();
    });
    $("#alerts-sev").addEventListener("change", (ev) => {
      sessionStorage.setItem("mamori.alerts.sev", ev.target.value);
      route();
    });
    const form = $("#review-form");
    if (form && canReview) {
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const ids = [...form.querySelectorAll("input[name=alert]:checked")].map((c) => Number(c.value));
        const note = $("#review-note").value.trim();
        if (!ids.length || !note) { toast(t("review_note"), false); return; }
        try {
          const r = await api("POST", "/alerts/review", { ids, note });
          toast(t("reviewed_n", { n: r.reviewed }), true);
          await route();
        } catch (e) { toast(e.message, false); }
      });
    }
  },

  async reports(main) {
    main.innerHTML = `<h1>${esc(t("reports"))}</h1><p>${esc(t(me.user.role === "vendor" ? "report_help_vendor" : "report_help"))}</p>
      <ul class="panel">${["xlsx", "pdf", "html", "csv"].map((f) =>
        `<li><button type="button" class="secondary" data-report="checklist.${f}">${esc(t("download"))} checklist.${f}</button></li>`).join("")}
        <li><button type="button" class="secondary" data-report="checklist.csv?encoding=cp932">${esc(t("download"))} checklist.csv (CP932)</button></li></ul>
      <div id="job-status" class="job" role="status" aria-live="polite" hidden></div>`;
    main.querySelectorAll("[data-report]").forEach((b) => b.addEventListener("click", () => download(b)));
  },

  async users(main) {
    const d = await api("GET", "/users");
    main.innerHTML = `<h1>${esc(t("users"))}</h1>
      <table><thead><tr><th>${esc(t("name"))}</th><th>${esc(t("role"))}</th><th>${esc(t("vendors"))}</th><th>${esc(t("totp"))}</th><th>${esc(t("state"))}</th><th></th></tr></thead><tbody>
      ${d.users.map((u) => `<tr><td>${esc(u.name)}</td><td>${esc(lang === "en" ? u.role : u.role_label)}</td><td>${esc(u.vendor || "")}</td><td>${u.totp ? "✓" : ""}</td>
        <td>${esc(u.disabled ? t("disabled") : t("active"))}</td>
        <td>${u.name === me.user.name ? "" : `<button type="button" class="secondary" data-user="${esc(u.name)}" data-op="${u.disabled ? "enable" : "disable"}" aria-label="${esc(t("user_op", { name: u.name, op: u.disabled ? t("enable") : t("disable") }))}">${esc(u.disabled ? t("enable") : t("disable"))}</button>
          <button type="button" class="secondary" data-user="${esc(u.name)}" data-op="reset" aria-label="${esc(t("user_op", { name: u.name, op: t("reset_pw") }))}">${esc(t("reset_pw"))}</button>`}</td></tr>`).join("")}
      </tbody></table>
      <h2>${esc(t("add_user"))}</h2>
      <form class="toolbar" id="user-add">
        <label>${esc(t("name"))}<input name="name" required maxlength="64" pattern="[A-Za-z0-9._@-]+"></label>
        <label>${esc(t("role"))}<select name="role"><option>viewer</option><option>assessor</option><option>vendor</option><option>admin</option></select></label>
        <label>${esc(t("vendors"))}<input name="vendor" maxlength="255"></label>
        <button class="primary" type="submit">${esc(t("add"))}</button>
      </form><p id="user-pw" role="status"></p>`;
    $("#user-add").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const f = ev.target;
      try {
        const r = await api("POST", "/users", { name: f.name.value, role: f.role.value, vendor: f.vendor.value || null });
        await VIEWS.users(main);
        $("#user-pw").innerHTML = `${esc(r.user.name)}: ${esc(t("new_pw"))}<span class="pw">${esc(r.password)}</span>`;
      } catch (e) { toast(e.message); }
    });
    main.querySelectorAll("[data-op]").forEach((b) => b.addEventListener("click", async () => {
      const op = b.dataset.op;
      const body = op === "reset" ? { reset_password: true } : { disabled: op === "disable" };
      try {
        const r = await api("POST", "/users/" + encodeURIComponent(b.dataset.user), body);
        await VIEWS.users(main);
        if (r.password) $("#user-pw").innerHTML = `${esc(r.user.name)}: ${esc(t("new_pw"))}<span class="pw">${esc(r.password)}</span>`;
      } catch (e) { toast(e.message); }
    }));
  },

  async account(main) {
    main.innerHTML = `<h1>${esc(t("account"))}</h1>
      <form class="login" id="pw-form">
        <label>${esc(t("current_pw"))}<input type="password" name="current" autocomplete="current-password" required></label>
        <label>${esc(t("new_pw2"))}<input type="password" name="new" autocomplete="new-password" minlength="12" required></label>
        <button class="primary" type="submit">${esc(t("change"))}</button>
      </form>`;
    $("#pw-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        me = await api("POST", "/session/password", { current: ev.target.current.value, new: ev.target.new.value });
        ev.target.reset();
        toast(t("pw_changed"), true);
      } catch (e) { toast(e.message); }
    });
  },

  async audit(main) {
    const d = await api("GET", "/audit?limit=300");
    main.innerHTML = `<h1>${esc(t("audit"))}</h1><div class="table-wrap"><table><thead><tr><th>#</th><th>${esc(t("at"))}</th><th>${esc(t("actor"))}</th><th>${esc(t("action"))}</th><th>${esc(t("entity"))}</th><th>after</th></tr></thead><tbody>
      ${d.entries.map((e) => `<tr><td>${e.seq}</td><td>${esc(e.at)}</td><td>${esc(e.actor)}</td><td>${esc(e.action)}</td><td>${esc(e.entity)}</td><td class="muted">${esc(e.after).slice(0, 300)}</td></tr>`).join("")}
      </tbody></table></div>`;
  },
};

/* A stored UTC time ("2025-11-20T18:12:00Z") as shown to users: JST, "2025-11-21 03:12". */
function jst(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso || "";
  return new Date(ms + 9 * 3600 * 1000).toISOString().slice(0, 16).replace("T", " ");
}

function today() {
  const d = new Date(Date.now() + 9 * 3600 * 1000); // JST
  return d.toISOString().slice(0, 10);
}

function answerForm(row, latest) {
  const id = `${row.id}-${row.scope}`;
  return `<form class="answer" data-item="${esc(row.id)}" data-scope="${esc(row.scope)}">
    <label>${esc(t("answer"))}<select name="answer" id="ans-${esc(id)}">
      ${["yes", "no", "na"].map((v) => `<option value="${v}"${latest && latest.answer === v ? " selected" : ""}>${esc(t(v))}</option>`).join("")}</select></label>
    <label>${esc(t("checked"))}<input type="date" name="checked" required value="${esc(today())}"></label>
    <label>${esc(t("target"))}<input type="date" name="target" value="${esc(latest && latest.target ? latest.target : "")}"></label>
    <label>${esc(t("round"))}<select name="round"><option value="1">1</option><option value="2"${latest && latest.round === 2 ? " selected" : ""}>2</option></select></label>
    <label>${esc(t("note"))}<input name="note" maxlength="2000" size="30" value="${esc(row.note || "")}"></label>
    <button class="primary" type="submit" aria-label="${esc(t("save_for", { id: row.label }))}">${esc(t("save"))}</button>
  </form>`;
}

async function submitAnswer(ev, sheet) {
  ev.preventDefault();
  const f = ev.target;
  const body = {
    item: f.dataset.item, scope: f.dataset.scope, answer: f.answer.value, checked: f.checked.value,
    round: Number(f.round.value), note: f.note.value,
  };
  if (f.answer.value === "no" && f.target.value) body.target = f.target.value;
  if (sheet.sheet === "vendor") { body.sheet = "vendor"; body.vendor = sheet.vendor; }
  const btn = f.querySelector("button");
  btn.disabled = true;
  try {
    await api("POST", "/checklist/answers", body);
    toast(t("saved"), true);
    const key = `item-${f.dataset.item}-${f.dataset.scope}`;
    history.replaceState(null, "", "#/checklist/" + f.dataset.item);
    await route();
    // Keep the keyboard where it was: on the item just answered.
    const s = document.getElementById(key);
    const sum = s && s.querySelector("details.answer-box > summary");
    if (sum) sum.focus();
  } catch (e) {
    toast(e.message);
    btn.disabled = false;
  }
}

/* The append-only answer history of one item, fetched when its <details> opens. */
async function showHistory(el, sheet) {
  const body = el.querySelector(".history-body");
  body.innerHTML = `<p class="muted">${esc(t("loading"))}</p>`;
  const p = new URLSearchParams();
  if (sheet.sheet === "vendor" && me.user.role !== "vendor") p.set("vendor", sheet.vendor);
  try {
    const h = await api("GET", "/checklist/history/" + encodeURIComponent(el.dataset.history) + (p.toString() ? "?" + p : ""));
    if (!h.entries.length) { body.innerHTML = `<p class="muted">${esc(t("none"))}</p>`; return; }
    const label = { yes: t("yes"), no: t("no"), na: t("na") };
    body.innerHTML = `<table><caption class="sr-only">${esc(t("history"))} ${esc(h.label)}</caption><thead><tr>
      <th scope="col">${esc(t("at"))}</th><th scope="col">${esc(t("actor"))}</th><th scope="col">${esc(t("answer"))}</th>
      <th scope="col">${esc(t("checked"))}</th><th scope="col">${esc(t("target"))}</th><th scope="col">${esc(t("round"))}</th>
      <th scope="col">${esc(t("scope"))}</th><th scope="col">${esc(t("note"))}</th></tr></thead><tbody>
      ${h.entries.map((e) => `<tr><td>${esc(e.recorded_at)}</td><td>${esc(e.answerer)}</td><td class="a-${esc(e.answer)}">${esc(label[e.answer] || e.answer)}</td>
        <td>${esc(e.checked)}</td><td>${esc(e.target || "")}</td><td>${esc(e.round)}</td><td>${esc(e.scope)}</td><td>${esc(e.note)}</td></tr>`).join("")}
      </tbody></table>`;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 401)) body.innerHTML = `<p class="conflict">${esc(e.message)}</p>`;
  }
}

function bindSheet() {
  const s = $("#sheet-select");
  if (!s) return;
  s.addEventListener("change", () => {
    const p = new URLSearchParams();
    if (s.value) p.set("vendor", s.value);
    sessionStorage.setItem("mamori.sheet", p.toString());
    route();
  });
}

/* Runs a long operation as a server job and shows its progress in `box` (a <progress> bar,
 * the phase and the seconds elapsed) until it ends: polled every 0.5 s, for at most 10 min. */
async function runJob(body, box) {
  const job0 = await api("POST", "/jobs", body);
  const show = (j) => {
    box.hidden = false;
    box.innerHTML = `<progress max="${j.steps}" value="${j.state === "queued" ? 0 : j.step}" aria-label="${esc(t("progress_label"))}"></progress>
      <span>${esc(t("job_step", { step: j.step, steps: j.steps }))} — ${esc(j.phase)} (${esc(t("elapsed", { n: j.elapsed }))})</span>`;
  };
  let j = job0;
  show(j);
  const deadline = Date.now() + 600000;
  for (let i = 0; i < 1200 && (j.state === "queued" || j.state === "running") && Date.now() < deadline; i++) {
    await new Promise((res) => setTimeout(res, 500));
    j = await api("GET", "/jobs/" + j.id);
    show(j);
  }
  if (j.state === "failed") throw new Error(j.message || "failed");
  if (j.state !== "done") throw new Error(t("job_timeout"));
  return j;
}

async function download(btn) {
  const [file, query] = btn.dataset.report.split("?");
  const body = { kind: "report", file };
  const enc = new URLSearchParams(query || "").get("encoding");
  if (enc) body.encoding = enc;
  const box = $("#job-status");
  document.querySelectorAll("[data-report]").forEach((b) => { b.disabled = true; });
  try {
    const j = await runJob(body, box);
    const r = await fetch(j.url, { credentials: "same-origin" });
    if (!r.ok) {
      let msg = "HTTP " + r.status;
      try { msg = (await r.json()).message; } catch (e) { /* keep the status */ }
      throw new Error(msg);
    }
    const blob = await r.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = file;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    box.innerHTML = `<span>✓ ${esc(t("job_done", { file }))}</span>`;
  } catch (e) {
    box.innerHTML = `<span class="overdue">${esc(e.message)}</span>`;
    if (!(e instanceof ApiError && e.status === 401)) toast(e.message);
  } finally {
    document.querySelectorAll("[data-report]").forEach((b) => { b.disabled = false; });
    btn.focus();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("#lang").addEventListener("click", () => {
    lang = lang === "ja" ? "en" : "ja";
    localStorage.setItem("mamori.lang", lang);
    route();
  });
  $("#logout").addEventListener("click", async () => {
    try { await api("DELETE", "/session"); } catch (e) { /* already gone */ }
    me = null;
    location.hash = "";
    renderLogin();
  });
  window.addEventListener("hashchange", () => {
    focusMain = !/^#\/checklist\/./.test(location.hash);
    route().finally(() => { focusMain = false; });
  });
  route();
});
