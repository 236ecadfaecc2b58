// The portal's words (services/publication/portal/i18n.js) in node: every language has every
// label, with the same {placeholders}; the language is chosen from ?lang=, the stored choice or
// the browser's languages; numbers follow the language. The browser test (check_portal.mjs)
// switches languages in Chromium.
//   node --test i18n_test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';

const require = createRequire(import.meta.url);
const source = require.resolve('../../services/publication/portal/i18n.js');

// A fresh copy of the module in a browser-like setting.
function load({search = '', stored = null, languages = []} = {}) {
  const saved = {};
  globalThis.location = new URL(`http://portal.example/${search}`);
  globalThis.navigator = {languages, language: languages[0]};
  globalThis.localStorage = {getItem: () => stored, setItem: (k, v) => { saved[k] = v; }};
  delete require.cache[source];
  return {i18n: require(source), saved};
}

const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every language has every label, with the same placeholders, none empty', () => {
  const {i18n} = load();
  const en = i18n.table('en');
  for (const lang of ['kk', 'ru']) {
    const table = i18n.table(lang);
    assert.deepEqual(Object.keys(table).sort(), Object.keys(en).sort(), `${lang} has other keys`);
    for (const [key, text] of Object.entries(table)) {
      assert.ok(text.trim(), `${lang}.${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(en[key]), `${lang}.${key}: placeholders`);
    }
  }
});

test('the language: ?lang=, else the stored choice, else the browser\'s, else English', () => {
  assert.equal(load({search: '?lang=kk', stored: 'ru', languages: ['en']}).i18n.lang, 'kk');
  assert.equal(load({search: '?lang=de', stored: 'ru'}).i18n.lang, 'ru');
  assert.equal(load({languages: ['de-DE', 'kk-KZ', 'ru']}).i18n.lang, 'kk');
  assert.equal(load({languages: ['de-DE', 'fr']}).i18n.lang, 'en');
  const {i18n, saved} = load({languages: ['en-US']});
  let told = null;
  i18n.onChange((code) => { told = code; });
  i18n.setLanguage('ru');
  assert.deepEqual([i18n.lang, told, saved['hattama.lang']], ['ru', 'ru', 'ru']);
});

test('labels, numbers and names follow the language', () => {
  const {i18n} = load({search: '?lang=ru'});
  assert.equal(i18n.t('ofTotal', {a: i18n.count(9876), b: i18n.count(10000)}), '9\u00a0876 из 10\u00a0000');
  assert.equal(i18n.percent(31.944), '31,94\u00a0%');
  const area = {name: 'Abai Region', localized_names: {ru: 'Абайская область', kk: 'Абай облысы'}};
  assert.equal(i18n.name(area), 'Абайская область');
  assert.equal(i18n.name({name: 'Astana'}), 'Astana');
  i18n.setLanguage('en');
  assert.equal(i18n.percent(31.944), '31.94%');
  assert.equal(i18n.t('points', {v: i18n.signed(-0.5)}), '-0.50 pt');
  i18n.setLanguage('kk');
  assert.equal(i18n.name(area), 'Абай облысы');
  assert.equal(i18n.t('turnout'), 'Қатысу');
  assert.equal(i18n.count(1234567), '1\u00a0234\u00a0567');
});

test('every check the log panel lists has a name in each language', async () => {
  const {readFile} = await import('node:fs/promises');
  const logcheck = await readFile(require.resolve('../../services/publication/portal/logcheck.js'), 'utf8');
  const names = [...logcheck.matchAll(/(?:check|compare)\('((?:[^'\\]|\\.)*)'|name: '([^']*)', ok/g)]
      .map((m) => (m[1] ?? m[2]).replace(/\\'/g, '\''));
  assert.ok(names.length >= 9, `found ${names.length} checks`);
  const {i18n} = load();
  for (const name of names) assert.ok(i18n.has(`check:${name}`), `no words for the check "${name}"`);
});
