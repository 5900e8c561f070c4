// End-to-end test of the tabsim web dashboard in a real, headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core; never a
// downloaded browser). tests/web_dashboard_test.cc starts
//   tabsim run --ui web --listen 127.0.0.1:0 --control PATH --tabs 4
//       --page sim://clock --page sim://bounce --page sim://paint --page sim://bounce
// and runs this script with the printed URL:
//   node dashboard_e2e.mjs URL TABSIM_EXE CONTROL_PATH OUT_DIR SCREENSHOT
// It exits 0 when every check passed, 1 with a message otherwise; the C++
// test then checks the PNGs it left in OUT_DIR.
import { chromium } from "playwright-core";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";

const [url, tabsim, controlPath, outDir, screenshot] = process.argv.slice(2);
if (!url || !tabsim || !controlPath || !outDir || !screenshot) {
  console.error("usage: node dashboard_e2e.mjs URL TABSIM_EXE CONTROL_PATH OUT_DIR SCREENSHOT");
  process.exit(2);
}
const executablePath = process.env.TABSIM_CHROMIUM || "/usr/bin/chromium";
const started = Date.now();
const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(2)}] ${text}`);
function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  log(`ok: ${message}`);
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Tab ids of the run (see the header).
const CLOCK = 1, BOUNCE = 2, PAINT = 3, OTHER_BOUNCE = 4;
// sim://paint's stroke colour (tab/paint_page.h: Rgb(30, 30, 90)).
const STROKE = [30, 30, 90];

async function canvasHash(page, id) {
  return page.evaluate((tabId) => {
    const canvas = document.querySelector(`canvas[data-id="${tabId}"]`);
    if (!canvas) return null;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let hash = 2166136261;
    for (let i = 0; i < data.length; i += 4) {
      hash ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16);
      hash = Math.imul(hash, 16777619);
    }
    return hash >>> 0;
  }, id);
}

async function pixel(page, id, x, y) {
  return page.evaluate(([tabId, px, py]) => {
    const canvas = document.querySelector(`canvas[data-id="${tabId}"]`);
    return Array.from(canvas.getContext("2d").getImageData(px, py, 1, 1).data.slice(0, 3));
  }, [id, x, y]);
}

// Waits until the canvas of `id` shows something new, up to `ms`.
async function seesChange(page, id, ms) {
  const before = await canvasHash(page, id);
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    await sleep(50);
    if ((await canvasHash(page, id)) !== before) return true;
  }
  return false;
}

async function waitFor(page, predicate, arg, what, timeout = 10000) {
  try {
    await page.waitForFunction(predicate, arg, { timeout, polling: 50 });
  } catch (error) {
    throw new Error(`timed out waiting for ${what}: ${error.message.split("\n")[0]}`);
  }
  log(`ok: ${what}`);
}

// Tab pixels -> page coordinates of the (possibly scaled) canvas.
async function pagePoint(page, id, x, y) {
  const canvas = page.locator(`canvas[data-id="${id}"]`);
  const box = await canvas.boundingBox();
  const size = await canvas.evaluate((c) => [c.width, c.height]);
  return [box.x + (x + 0.5) * box.width / size[0], box.y + (y + 0.5) * box.height / size[1]];
}

let browser;
try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: 30000,
    // A closed network: nothing may try to reach the internet.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--disable-dev-shm-usage"],
    // playwright-core gives chromium a fresh --user-data-dir of its own.
  });
  log(`chromium ${browser.version()} from ${executablePath}`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => log(`page error: ${error.message}`));
  await page.goto(url);

  // 1. Every tab shows up with a live canvas.
  await waitFor(page, () => window.tabsim.connected, null, "the WebSocket connects");
  await waitFor(page, () => [1, 2, 3, 4].every((id) => (window.tabsim.frames[id] || 0) >= 1),
                null, "a frame on each of the 4 canvases");
  await waitFor(page, () => document.querySelectorAll("#tabstrip .tab").length === 4,
                null, "4 tabs in the tab strip");
  const stripText = await page.locator("#tabstrip").innerText();
  check(/live/.test(stripText) && /Paint/.test(stripText), `tab strip shows states and titles`);
  check(await seesChange(page, BOUNCE, 2000), "sim://bounce's canvas is changing");
  check(await seesChange(page, OTHER_BOUNCE, 2000), "the other sim://bounce's canvas is changing");
  check(await seesChange(page, CLOCK, 2500), "sim://clock's canvas is changing");

  // 2. Several browsers at once; a bad message closes only its sender.
  // The second browser is a context (window) of its own: a second page in
  // the same window could be the one on top and leave the first page
  // hidden, and a hidden dashboard rightly views no tabs.
  const intruderContext = await browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const intruder = await intruderContext.newPage();
  await intruder.goto(url);
  await waitFor(intruder, () => (window.tabsim.frames[2] || 0) >= 2, null,
                "a second browser gets frames too");
  await waitFor(page, () => window.tabsim.state && window.tabsim.state.manager.web_clients === 2,
                null, "the manager counts 2 browsers");
  // Bytes no dashboard sends (a control byte) close that browser; a mere
  // mistake ("mouse 2 explode") would only be answered.
  await intruder.evaluate(() => window.tabsim.send("mouse 2 explode\u0001"));
  await waitFor(intruder, () => window.tabsim.closeReason.includes("bad dashboard command"),
                null, "a malformed message closes that browser, with the reason");
  const updating = await seesChange(page, BOUNCE, 3000);
  if (!updating) {
    // Say what the first browser and the manager saw, then fail.
    const seen = await page.evaluate(() => JSON.stringify({
      visibility: document.visibilityState, connected: window.tabsim.connected,
      viewing: window.tabsim.viewing, frames: window.tabsim.frames,
      closeReason: window.tabsim.closeReason }));
    log(`first browser: ${seen}`);
    log(execFileSync(tabsim, ["ctl", "--control", controlPath, "list"],
                     { encoding: "utf8", timeout: 10000 }));
  }
  check(updating, "the first browser keeps updating");
  await intruderContext.close();

  // 3. Draw into sim://paint with a real mouse drag and type with keys.
  const [x0, y0] = await pagePoint(page, PAINT, 60, 120);
  const [x1, y1] = await pagePoint(page, PAINT, 300, 120);
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  await page.mouse.move(x1, y1, { steps: 24 });
  const [x2, y2] = await pagePoint(page, PAINT, 300, 220);
  await page.mouse.move(x2, y2, { steps: 12 });
  await page.mouse.up();
  await page.keyboard.type("web");
  const deadline = Date.now() + 5000;
  let stroke = null;
  while (Date.now() < deadline) {
    stroke = await pixel(page, PAINT, 180, 120);
    if (stroke.every((v, i) => Math.abs(v - STROKE[i]) <= 2)) break;
    await sleep(50);
  }
  check(stroke.every((v, i) => Math.abs(v - STROKE[i]) <= 2),
        `the stroke shows on the paint canvas (pixel ${stroke})`);
  const corner = await pixel(page, PAINT, 200, 300);
  check(corner.join() === "255,255,255", `paint background stays white (${corner})`);
  await sleep(300);  // let the typed text land too
  const snapshot = path.join(outDir, "paint-snapshot.png");
  execFileSync(tabsim, ["ctl", "--control", controlPath, "snapshot", String(PAINT), snapshot],
               { stdio: "inherit", timeout: 10000 });
  const canvasPng = await page.evaluate((id) =>
      document.querySelector(`canvas[data-id="${id}"]`).toDataURL("image/png"), PAINT);
  writeFileSync(path.join(outDir, "paint-canvas.png"),
                Buffer.from(canvasPng.split(",")[1], "base64"));
  log(`ok: saved the manager's snapshot and the browser's canvas in ${outDir}`);

  // 4. Kill a tab from the task manager: a sad tab, the others live on.
  const otherFrames = await page.evaluate((id) => window.tabsim.frames[id], OTHER_BOUNCE);
  await page.click(`#taskrows tr[data-id="${BOUNCE}"] button[data-act="kill"]`);
  await waitFor(page, (id) => {
    const card = document.querySelector(`.card[data-id="${id}"]`);
    return card && card.classList.contains("crashed") &&
           getComputedStyle(card.querySelector(".sad")).display !== "none";
  }, BOUNCE, "the killed tab shows its sad-tab panel");
  const cause = await page.locator(`.card[data-id="${BOUNCE}"] .sad .cause`).innerText();
  check(/killed by signal 9 \(SIGKILL\)/.test(cause), `the sad tab gives the cause: "${cause}"`);
  const reply = await page.evaluate(() => window.tabsim.replies.map((r) => r.text).join(" | "));
  check(/tab 2: sent SIGKILL to pid [0-9]+/.test(reply), `the kill was acknowledged: "${reply}"`);
  check(await seesChange(page, OTHER_BOUNCE, 2000), "the other sim://bounce keeps updating");
  check(await seesChange(page, CLOCK, 2500), "sim://clock keeps updating");
  check(await seesChange(page, BOUNCE, 800) === false, "the killed tab's canvas is frozen");
  const framesNow = await page.evaluate((id) => window.tabsim.frames[id], OTHER_BOUNCE);
  check(framesNow > otherFrames, `frames keep arriving (${otherFrames} -> ${framesNow})`);
  const manager = await page.evaluate(() => window.tabsim.state.manager);
  check(manager.threads === 1, `the manager runs on ${manager.threads} thread`);
  check(manager.crashed === 1 && manager.running === 3,
        `the task manager counts 3 running and 1 crashed`);

  // 5. The picture for docs/web.md.
  await page.evaluate(() => document.querySelector(`.card[data-id="3"] header`).click());
  await sleep(200);
  await page.screenshot({ path: screenshot, fullPage: true });
  log(`ok: screenshot in ${screenshot}`);
  console.log("E2E PASSED");
} catch (error) {
  console.error(`E2E FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
}
