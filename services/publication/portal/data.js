// Where the portal's figures come from. Served by a web server from publication's snapshot
// files (README "The portal's files"): /data/index.json names, for every API call the portal
// makes, an immutable file holding exactly that call's JSON answer; the portal looks a call up
// there and fetches the file, and polls the index for what changed. Without an index (a 404, as
// from publication's own HTTP server) or for a call the index does not name, it asks /v1/<Method>.
'use strict';

const HattamaData = (() => {
  const INDEX_URL = '/data/index.json';
  // Answers of immutable files by path: a file read once is never fetched again. Bounded so that
  // a long night of changing files does not grow the page: past the bound the oldest go.
  const MAX_CACHED = 4000;
  const cache = new Map();
  let index = null;  // the last index read: {sequence, files}; null in API mode

  // The index key of a call (README "The portal's files"): Method, then the parameters sorted by
  // name, those at their default value (empty, 0, false) left out.
  function key(method, params) {
    const entries = Object.entries(params || {})
        .filter(([, v]) => v !== undefined && v !== null && v !== '' && v !== 0 && v !== false)
        .map(([k, v]) => [k, String(v)])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const query = new URLSearchParams(entries).toString();
    return query ? `${method}?${query}` : method;
  }

  class ApiError extends Error {
    constructor(code, message) {
      super(`${code}: ${message}`);
      this.code = code;
    }
  }

  async function fromApi(method, params) {
    const query = new URLSearchParams(params || {}).toString();
    const response = await fetch(`/v1/${method}${query ? '?' + query : ''}`);
    let body;
    try {
      body = await response.json();
    } catch (e) {
      // Not JSON: a web server that serves only the files (no /v1/ behind it).
      throw new ApiError(response.status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE',
                         `HTTP ${response.status} for /v1/${method}`);
    }
    if (!response.ok) throw new ApiError(body.code, body.message);
    return body;
  }

  function fromFile(path) {
    let answer = cache.get(path);
    if (!answer) {
      answer = fetch(new URL(path, new URL(INDEX_URL, location.href))).then((response) => {
        if (!response.ok) throw new ApiError('UNAVAILABLE', `HTTP ${response.status} for ${path}`);
        return response.json();
      });
      answer.catch(() => cache.delete(path));  // a failed read is tried again next time
      cache.set(path, answer);
      if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value);
    }
    return answer;
  }

  // Reads the index; null when there is none (publication's own server, or snapshots off).
  async function readIndex() {
    const response = await fetch(INDEX_URL, {cache: 'no-cache'});
    if (!response.ok) return null;
    const body = await response.json().catch(() => null);
    return body && body.format === 1 && body.files ? body : null;
  }

  return {
    key,
    ApiError,
    // 'files' while an index is read, 'api' otherwise.
    get mode() { return index ? 'files' : 'api'; },
    get sequence() { return index ? index.sequence : null; },
    // Reads the index once, at start: decides the mode.
    async start() {
      try {
        index = await readIndex();
      } catch (e) {
        index = null;
      }
      return index ? 'files' : 'api';
    },
    // The answer of `method` with `params`: from its snapshot file when the index names it.
    // `used`, a Set, collects the index keys a drawing read, so that it is redrawn when one of
    // them changes.
    read(method, params, used) {
      const k = key(method, params);
      if (used) used.add(k);
      const file = index && index.files[k];
      return file ? fromFile(file) : fromApi(method, params);
    },
    // Reads the index again; the keys whose file changed (or appeared, or went), or null when it
    // did not change (same sequence) or cannot be read now (the old one stays in use).
    async poll() {
      let next;
      try {
        next = await readIndex();
      } catch (e) {
        return null;
      }
      if (!next || !index || next.sequence === index.sequence) return null;
      const changed = new Set();
      for (const [k, file] of Object.entries(next.files)) if (index.files[k] !== file) changed.add(k);
      for (const k of Object.keys(index.files)) if (!(k in next.files)) changed.add(k);
      index = next;
      return changed;
    },
    // Where a call's answer can be read as a link: its file, or its /v1/ URL.
    href(method, params) {
      const file = index && index.files[key(method, params)];
      if (file) return new URL(file, new URL(INDEX_URL, location.href)).pathname;
      const query = new URLSearchParams(params || {}).toString();
      return `/v1/${method}${query ? '?' + query : ''}`;
    },
    indexUrl: INDEX_URL,
  };
})();

if (typeof module !== 'undefined') module.exports = HattamaData;
