// What a browser check of one portal view needs (pvt_check.mjs, observers_check.mjs,
// reforms_check.mjs): the API to compare
// with, English number formats as the portal writes them for en-GB, a comparison that names what
// differs, a bounded retry while nginx's files catch up with the API, a table's rows by a data-*
// key, and the browser run itself, which fails the check on a page error or a request to /v1/.
import { chromium } from 'playwright-core';

// The command line every view check takes: <portal url> <publication HTTP url>.
export function urls(script) {
  const [url, apiUrl] = process.argv.slice(2);
  if (!url || !apiUrl) {
    console.error(`usage: node ${script} <portal url> <publication HTTP url>`);
    process.exit(2);
  }
  return {url, apiUrl};
}

export const apiOf = (apiUrl) => async (method, params) => {
  const response = await fetch(`${apiUrl}/v1/${method}?${new URLSearchParams(params || {})}`);
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
};

const num = (v) => Number(v || 0);
export const pct = (v) => new Intl.NumberFormat('en-GB', {style: 'percent', minimumFractionDigits: 2,
                                                          maximumFractionDigits: 2}).format(num(v) / 100);
export const decimal = (v) => new Intl.NumberFormat('en-GB', {minimumFractionDigits: 2,
                                                              maximumFractionDigits: 2}).format(num(v));
export const fmt = (v) => new Intl.NumberFormat('en-GB').format(num(v));
export const nameIn = (item, lang) => (item.localized_names || {})[lang] || item.name;

// Equal as JSON with every object's keys in order; else an error showing both.
const canonical = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
export function same(what, want, got) {
  if (canonical(want) !== canonical(got)) {
    throw new Error(`${what}: the page shows\n${JSON.stringify(got)}\nthe API says\n${JSON.stringify(want)}`);
  }
}

// `check` again every 300 ms until it passes or `ms` have gone (then its last error).
export async function eventually(page, ms, check) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await page.waitForTimeout(300);
    }
  }
}

// The rows of table#`table` that have a data-`key`, keyed by it, each its cells' text (a table may
// hold rows of several kinds, each kind with its own key).
export const rows = (page, table, key) => page.evaluate(([table, key]) => {
  const out = {};
  for (const tr of document.querySelectorAll(`#${table} tbody tr`)) {
    if (tr.dataset[key] === undefined) continue;
    out[tr.dataset[key]] = [...tr.querySelectorAll('td, th')].map((td) => td.textContent);
  }
  return out;
}, [table, key]);

// Headless Chromium as every portal check runs it ($CHROMIUM, else Debian's /usr/bin/chromium).
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Opens `url` in headless Chromium at 1,280 px in English and hands the page to `check`, whose
// answer is printed after `name`; exits non-zero when it throws, the page threw, or a page read
// through nginx (url !== apiUrl) asked /v1/.
export async function runView(name, {url, apiUrl}, check) {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({locale: 'en-US'});
    const page = await context.newPage();
    await page.setViewportSize({width: 1280, height: 1500});
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const apiCalls = [];
    page.on('request', (r) => { if (r.url().startsWith(`${url}/v1/`)) apiCalls.push(r.url()); });
    await page.goto(url);
    const said = await check(page);
    if (url !== apiUrl && apiCalls.length) throw new Error(`the page asked /v1/: ${apiCalls[0]}`);
    if (errors.length) throw new Error(`errors on the page: ${errors.join('; ')}`);
    console.log(`${name} ${said}`);
  } catch (e) {
    console.error(e.message);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}
