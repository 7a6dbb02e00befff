// A user's walk through the web UI in headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core: log in with password and TOTP, see the dashboard chart, answer an item and
// see the conflict marker the evidence raises, switch to English (<html lang> follows), download
// the XLSX report through a job with progress, check the chart's text alternative, and walk the
// UI with the keyboard only at 1366×768 (keyboardWalk).
// Screenshots go to MM_ARTIFACTS. Usage: node walk.mjs URL USER PASSWORD TOTP_SECRET
import { chromium } from "playwright-core";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const [url, user, password, secret] = process.argv.slice(2);
const artifacts = process.env.MM_ARTIFACTS || "artifacts";
fs.mkdirSync(artifacts, { recursive: true });

function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

function totp(key, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac("sha1", base32(key)).update(msg).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, "0");
}

function check(cond, what) {
  if (!cond) throw new Error("check failed: " + what);
  console.log("ok - " + what);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-extensions", "--no-first-run"],
});
let failed = false;
const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true, locale: "ja-JP" });
const page = await context.newPage();
const errors = [];
page.on("pageerror", (e) => errors.push(String(e)));
// The first GET /api/v1/session before logging in answers 401 by design; any other failed
// request or script error fails the walk.
page.on("console", (m) => {
  if (m.type() === "error" && !/status of 401/.test(m.text())) errors.push(m.text());
});
/* Keyboard only, at 1366×768: log in with TOTP, reach the checklist from the menu, open an
 * item's answer form, choose 該当なし and save — Tab, arrow keys and Enter, no mouse. */
async function keyboardWalk() {
  const kctx = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: "ja-JP" });
  const k = await kctx.newPage();
  k.on("pageerror", (e) => errors.push(String(e)));
  const focused = () => k.evaluate(() => {
    const a = document.activeElement;
    if (!a) return {};
    const s = getComputedStyle(a);
    return { tag: a.tagName, id: a.id, href: a.getAttribute("href") || "", text: (a.textContent || "").trim().slice(0, 40),
      answerSummary: !!a.closest("details.answer-box") && a.tagName === "SUMMARY",
      item: (a.closest("article.item") || {}).id || "", name: a.getAttribute("name") || "",
      type: a.getAttribute("type") || "", outline: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0 };
  });
  const tabTo = async (pred, what, max = 400) => {
    for (let i = 0; i < max; i++) {
      await k.keyboard.press("Tab");
      const f = await focused();
      if (pred(f)) return f;
    }
    throw new Error("Tab never reached " + what);
  };
  await k.goto(url);
  await k.waitForSelector("#login-form");
  check((await focused()).id === "login-user", "keyboard: the login form starts in the user name field");
  await k.keyboard.type(user);
  await k.keyboard.press("Tab");
  await k.keyboard.type(password);
  await k.keyboard.press("Tab");
  check((await focused()).id === "login-code", "keyboard: Tab goes on to the one-time code");
  // The step after the one the mouse walk used: the server accepts ±1 step but never one twice.
  await k.keyboard.type(totp(secret, Math.floor(Date.now() / 30000) + 1));
  await k.keyboard.press("Enter");
  await k.waitForSelector("svg.chart");
  check(true, "keyboard: logged in with password and TOTP");
  const link = await tabTo((f) => f.href === "#/checklist", "the checklist link");
  check(link.outline, "keyboard: the focused menu link shows a visible focus outline");
  await k.keyboard.press("Enter");
  await k.waitForSelector("article.item");
  const h1 = await focused();
  check(h1.tag === "H1", "keyboard: the checklist heading has the focus after the menu");
  const sum = await tabTo((f) => f.answerSummary, "an answer form");
  check(sum.outline, "keyboard: the answer summary shows a visible focus outline");
  const before = await k.evaluate((id) => document.querySelectorAll(`#${id} .item-head .a-na`).length, sum.item);
  check(before === 0, "keyboard: " + sum.item + " is not answered 該当なし yet");
  await k.keyboard.press("Enter");
  const sel = await tabTo((f) => f.name === "answer", "the answer select", 5);
  check(sel.tag === "SELECT", "keyboard: Tab moves into the opened answer form");
  await k.keyboard.press("End");
  const value = await k.evaluate(() => document.activeElement.value);
  check(value === "na", "keyboard: arrow keys choose 該当なし");
  await tabTo((f) => f.tag === "BUTTON" && f.type === "submit", "the save button", 20);
  await k.keyboard.press("Enter");
  const itemId = sum.item;
  await k.waitForFunction((id) => {
    const el = document.getElementById(id);
    return el && el.querySelector(".item-head .a-na");
  }, itemId, { timeout: 15000 });
  check(true, "keyboard: the answer 該当なし is saved and shown on " + itemId);
  const after = await focused();
  check(after.item === itemId && after.answerSummary, "keyboard: focus stays on the item just answered");
  const sizes = await k.evaluate(() => ({ w: document.documentElement.scrollWidth, vw: window.innerWidth }));
  check(sizes.w <= sizes.vw, `at 1366×768 nothing overflows sideways (${sizes.w} ≤ ${sizes.vw})`);
  await k.screenshot({ path: path.join(artifacts, "09-keyboard-1366x768.png"), fullPage: false });
  // Every form control on the answer form and the ledger has an accessible name.
  await k.goto(url + "#/ledger");
  await k.waitForSelector("#ledger-q");
  const unnamed = await k.evaluate(() => [...document.querySelectorAll("input, select, textarea, button")]
    .filter((el) => !el.labels?.length && !el.getAttribute("aria-label") && !(el.textContent || "").trim())
    .map((el) => el.outerHTML.slice(0, 80)));
  check(unnamed.length === 0, "every ledger control has a label: " + unnamed.join(" "));
  await k.screenshot({ path: path.join(artifacts, "10-ledger-1366x768.png"), fullPage: false });
  await kctx.close();
}

const shot = (name) => page.screenshot({ path: path.join(artifacts, name + ".png"), fullPage: false });
try {
  await page.goto(url);
  await page.waitForSelector("#login-form");
  await shot("01-login");
  await page.fill("#login-user", user);
  await page.fill("#login-password", password);
  await page.fill("#login-code", totp(secret, Math.floor(Date.now() / 30000)));
  await page.press("#login-password", "Enter");
  await page.waitForSelector("svg.chart");
  check(await page.locator("nav a").count() >= 6, "logged in with TOTP: the admin sees the whole menu");
  check((await page.locator("svg.chart rect").count()) > 3, "dashboard shows the progress chart as inline SVG");
  const alt = await page.evaluate(() => {
    const svg = document.querySelector("svg.chart");
    const desc = document.getElementById(svg.getAttribute("aria-describedby"));
    return { role: svg.getAttribute("role"), desc: desc ? desc.textContent : "",
      rows: document.querySelectorAll(".chart-table tbody tr").length };
  });
  check(alt.role === "img" && alt.desc.includes("/") && alt.rows > 3,
    "the chart has a text alternative (description and a table of its numbers)");
  await shot("02-dashboard");

  // Answer 2-⑤ はい: the evidence (enabled accounts of staff who left) contradicts it.
  await page.goto(url + "#/checklist/2-5");
  const item = page.locator("#item-2-5-all");
  await item.waitFor();
  check(await item.locator(".conflict").count() === 0, "2-⑤ (いいえ) has no conflict marker yet");
  await item.locator("form.answer select[name=answer]").selectOption("yes");
  await item.locator("form.answer button[type=submit]").click();
  await page.locator("#item-2-5-all .conflict").waitFor({ timeout: 15000 });
  const text = await page.locator("#item-2-5-all .conflict").innerText();
  check(text.includes("矛盾"), "after answering はい the conflict marker appears: " + text.slice(0, 60));
  check(await page.locator("#item-2-5-all .a-yes").count() === 1, "the new answer はい is shown");
  await page.locator("#item-2-5-all").scrollIntoViewIfNeeded();
  await shot("03-checklist-conflict");
  // The item's answer history lists the answer just given, with who gave it.
  await page.locator("#item-2-5-all details.history > summary").click();
  await page.locator("#item-2-5-all .history-body tbody tr").first().waitFor();
  const last = await page.locator("#item-2-5-all .history-body tbody tr").last().innerText();
  check(last.includes(user) && last.includes("はい"), "the answer history shows the new answer and who gave it");

  // Keyboard: the skip link and the menu are reachable with Tab.
  await page.keyboard.press("Tab");
  check(await page.evaluate(() => document.activeElement && document.activeElement.tagName) !== "BODY",
    "keyboard focus moves with Tab");

  // English.
  await page.click("#lang");
  await page.waitForFunction(() => document.querySelector("nav a") && document.querySelector("nav a").textContent === "Dashboard");
  check(true, "the English switch translates the menu");
  check(await page.evaluate(() => document.documentElement.lang) === "en", "<html lang> follows the switch to English");
  await shot("04-checklist-en");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "ja");
  check(true, "<html lang> is ja again after switching back");

  // Ledger with a search.
  await page.goto(url + "#/ledger");
  await page.waitForSelector("#ledger-q");
  await page.fill("#ledger-q", "FW-01");
  await page.press("#ledger-q", "Enter");
  await page.waitForFunction(() => document.querySelectorAll("tbody tr").length === 1);
  check(true, "ledger search narrows the assets to FW-01");
  await shot("05-ledger");
  // Column filter: network equipment only.
  await page.click("#ledger-clear");
  await page.waitForFunction(() => document.querySelector("#ledger-q") && document.querySelector("#ledger-q").value === "" &&
    document.querySelectorAll("tbody tr").length > 1);
  await page.selectOption("#lf-kind", "network");
  await page.click("#ledger-search button[type=submit]");
  await page.waitForFunction(() => document.querySelector("#lf-kind") && document.querySelector("#lf-kind").value === "network");
  const kinds = await page.locator("tbody tr td:first-child").allInnerTexts();
  check(kinds.length > 0 && kinds.every((k) => k === "network"), "the kind filter shows only network equipment: " + kinds.length);
  await page.click("#ledger-clear");

  // Findings: run the evaluators from the UI; a progress area shows the job until it ends.
  await page.goto(url + "#/findings");
  await page.waitForSelector("#run-evaluate");
  await page.click("#run-evaluate");
  await page.locator("#job-status progress").waitFor({ state: "attached", timeout: 15000 }).catch(() => {});
  await page.waitForFunction(() => /評価しました/.test(document.querySelector("#toast").textContent), null, { timeout: 60000 });
  check(true, "evaluation started from the UI shows its progress, finishes and reports its result");
  await shot("06b-findings-evaluated");

  // Reports: download the XLSX.
  await page.goto(url + "#/reports");
  await page.waitForSelector("[data-report='checklist.xlsx']");
  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 60000 }),
    page.click("[data-report='checklist.xlsx']"),
  ]);
  const file = path.join(artifacts, "checklist.xlsx");
  await download.saveAs(file);
  const head = fs.readFileSync(file).subarray(0, 2).toString();
  check(download.suggestedFilename() === "checklist.xlsx" && head === "PK", "the XLSX report downloads");
  await page.waitForFunction(() => /✓/.test(document.querySelector("#job-status").textContent));
  check(await page.locator("#job-status").isVisible(), "the report job's progress area shows it finished");
  await shot("06-reports");

  // Alerts from the demo's access logs: the dashboard counts the unreviewed serious ones; review
  // one with a note, and it leaves the unreviewed list and lands in the audit trail.
  await page.goto(url + "#/alerts");
  await page.waitForSelector("#review-form input[name=alert]");
  const before = await page.locator("#review-form input[name=alert]").count();
  await page.locator("td", { hasText: "ログオン失敗の連続の後に成功" }).first().locator("xpath=..").locator("input[name=alert]").check();
  await page.fill("#review-note", "tanaka 本人に確認。本人の操作ではないためパスワードを変更");
  await page.click("#review-form button[type=submit]");
  await page.waitForFunction((n) => document.querySelectorAll("#review-form input[name=alert]").length === n - 1, before);
  check(true, "an alert reviewed from the UI leaves the unreviewed list");
  await shot("06c-alerts");

  await page.goto(url + "#/audit");
  await page.waitForSelector("table tbody tr");
  check((await page.locator("td", { hasText: "alert.review" }).count()) >= 1, "the audit trail shows the alert review");
  check((await page.locator("td", { hasText: "answer.record" }).count()) >= 1, "the audit trail shows the answer");
  await shot("07-audit");

  // A vendor user sees only its own sheet and ledger rows, and no hospital screens.
  if (process.env.VENDOR_USER) {
    const vctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const vpage = await vctx.newPage();
    vpage.on("pageerror", (e) => errors.push(String(e)));
    await vpage.goto(url);
    await vpage.waitForSelector("#login-form");
    await vpage.fill("#login-user", process.env.VENDOR_USER);
    await vpage.fill("#login-password", process.env.VENDOR_PASSWORD);
    await vpage.press("#login-password", "Enter");
    await vpage.waitForSelector("svg.chart");
    const menu = await vpage.locator("nav a").allInnerTexts();
    check(menu.join(",") === "ダッシュボード,チェックリスト,台帳,報告書,パスワード変更", "the vendor's menu has no hospital screens: " + menu);
    await vpage.goto(url + "#/checklist");
    await vpage.waitForSelector("article.item");
    const label = await vpage.locator("main p.muted").first().innerText();
    check(label.includes("事業者確認用") && !(await vpage.locator("#sheet-select").count()), "the vendor sees only its 事業者確認用 sheet");
    await vpage.screenshot({ path: path.join(artifacts, "08-vendor-checklist.png") });
    await vctx.close();
  }
  await keyboardWalk();
  check(errors.length === 0, "no JavaScript errors: " + errors.join(" | "));
} catch (e) {
  failed = true;
  console.error("not ok - " + e.message);
  await shot("failure").catch(() => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
