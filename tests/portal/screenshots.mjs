// Takes the README's screenshots of a running portal (e.g. `hattama-demo --keep`, 10,000
// stations), in headless Chromium at 1,280 px:
//   node screenshots.mjs <portal url> <output dir> [station id]
// writes the README's docs/ files: portal.png (English) and portal-kk.png (Kazakh), the top of
// the page (the figures, the night's charts, the map coloured by turnout), and, given a station
// id, portal-station-ru.png (the top of its page, in Russian).
import { chromium } from 'playwright-core';

const [url, out, station] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node screenshots.mjs <portal url> <output dir> [station id]');
  process.exit(2);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const ready = async (page) => {
    await page.waitForSelector('#bars .bar');
    await page.waitForSelector('#map .tile');
    await page.waitForFunction(() => document.getElementById('progress').dataset.state, null,
                               {timeout: 30000});
    await page.waitForTimeout(500);  // the bars' width transition
  };
  for (const [lang, file] of [['en', 'portal.png'], ['kk', 'portal-kk.png']]) {
    const page = await browser.newPage({viewport: {width: 1280, height: 1000}});
    await page.goto(`${url}/?lang=${lang}`);
    await ready(page);
    // The map coloured by turnout (every region's leading list is the same in the demo).
    await page.selectOption('#measure', 'turnout');
    await page.waitForSelector('#map svg[data-measure="turnout"]');
    const bottom = await page.evaluate(() => {
      const legend = document.getElementById('map-legend').getBoundingClientRect();
      return Math.ceil(legend.bottom + window.scrollY + 16);
    });
    await page.screenshot({path: `${out}/${file}`, fullPage: true,
                           clip: {x: 0, y: 0, width: 1280, height: bottom}});
    console.log(`${out}/${file}`);
    await page.close();
  }
  if (station) {
    const page = await browser.newPage({viewport: {width: 1280, height: 1180}});
    await page.goto(`${url}/?lang=ru#station=${encodeURIComponent(station)}`);
    await page.waitForSelector('#station h2[data-station]');
    await page.screenshot({path: `${out}/portal-station-ru.png`});
    console.log(`${out}/portal-station-ru.png`);
    await page.close();
  }
} finally {
  await browser.close();
}
