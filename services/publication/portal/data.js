// Where the portal's figures come from. Served by a web server from publication's snapshot
// files (README "Served from the edge"): for every API call the portal makes there is an
// immutable file holding exactly that call's JSON answer. /data/index.json (format 2) names the
// election's and contests' files and the nation's and regions' totals itself; any other call's
// file is named by its bucket file, bucket FNV-1a-32(key) mod count, whose path the index lists.
// The portal looks a call up there and fetches the file, and polls the index for what changed.
// Without an index (a 404, as from publication's own HTTP server) or for a call neither the
// index nor its bucket names, it asks /v1/<Method>.
'use strict';

const HattamaData = (() => {
  const INDEX_URL = '/data/index.json';
  // Answers of immutable files by path: a file read once is never fetched again. Bounded so that
  // a long night of changing files does not grow the page: past the bound the oldest go.
  const MAX_CACHED = 4000;
  const cache = new Map();
  let index = null;  // the last index read: {sequence, files, buckets}; null in API mode
  // Bucket files read, by bucket number: {path, files (once read), read (its promise)}. Only
  // the current index's version of a bucket is kept, so at most `count` of them.
  const buckets = new Map();

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

  // FNV-1a, 32 bits, of the key's UTF-8 bytes (README "Served from the edge"): the bucket of a
  // key is this modulo the index's bucket count.
  function fnv1a(text) {
    let hash = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(text)) hash = Math.imul(hash ^ byte, 0x01000193);
    return hash >>> 0;
  }

  function bucketOf(k, list) {
    return list && list.count > 0 ? fnv1a(k) % list.count : null;
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

  // Every path, in the index and in a bucket, is relative to the index's URL.
  function fetchFile(path) {
    return fetch(new URL(path, new URL(INDEX_URL, location.href))).then((response) => {
      if (!response.ok) throw new ApiError('UNAVAILABLE', `HTTP ${response.status} for ${path}`);
      return response.json();
    });
  }

  function fromFile(path) {
    let answer = cache.get(path);
    if (!answer) {
      answer = fetchFile(path);
      answer.catch(() => cache.delete(path));  // a failed read is tried again next time
      cache.set(path, answer);
      if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value);
    }
    return answer;
  }

  // The bucket file `path` of bucket `b` as read: a map of key -> path (a failed read is tried
  // again by the next call).
  function readBucket(b, path) {
    let bucket = buckets.get(b);
    if (!bucket || bucket.path !== path) {
      bucket = {path, files: null};
      bucket.read = fetchFile(path).then((body) => (bucket.files = (body && body.files) || {}));
      bucket.read.catch(() => { if (buckets.get(b) === bucket) buckets.delete(b); });
      buckets.set(b, bucket);
    }
    return bucket.read;
  }

  // The path of key `k`'s file: from the index, else from its bucket (read once); null when
  // neither names it.
  async function pathOf(k) {
    if (!index) return null;
    if (index.files[k]) return index.files[k];
    const b = bucketOf(k, index.buckets);
    if (b === null || !index.buckets.files[b]) return null;
    return (await readBucket(b, index.buckets.files[b]))[k] || null;
  }

  // Reads the index; null when there is none (publication's own server, or snapshots off).
  // Format 1 (every file in `files`, no buckets) is still read.
  async function readIndex() {
    const response = await fetch(INDEX_URL, {cache: 'no-cache'});
    if (!response.ok) return null;
    const body = await response.json().catch(() => null);
    if (!body || !body.files) return null;
    if (body.format === 2 && body.buckets && Array.isArray(body.buckets.files)) return body;
    return body.format === 1 ? body : null;
  }

  // The keys whose path differs between two versions of one bucket's files.
  function differing(before, after) {
    const changed = [];
    for (const [k, file] of Object.entries(after)) if (before[k] !== file) changed.push(k);
    for (const k of Object.keys(before)) if (!(k in after)) changed.push(k);
    return changed;
  }

  // The keys of the buckets read that `next` changed. A bucket read before is read again in its
  // new version (so that the keys a page shows are compared); one not read holds no key the page
  // used. A bucket that cannot be read now counts all its keys as changed (the next use reads it).
  async function changedInBuckets(next) {
    const changed = [];
    const sameCount = next.buckets && index.buckets && next.buckets.count === index.buckets.count;
    await Promise.all([...buckets.entries()].map(async ([b, bucket]) => {
      const path = sameCount ? next.buckets.files[b] : undefined;
      if (path === bucket.path) return;
      const before = bucket.files || {};
      const after = path ? await readBucket(b, path).catch(() => null) : null;
      if (after) {
        changed.push(...differing(before, after));
      } else {
        buckets.delete(b);
        changed.push(...Object.keys(before));
      }
    }));
    return changed;
  }

  return {
    key,
    ApiError,
    // 'files' while an index is read, 'api' otherwise.
    get mode() { return index ? 'files' : 'api'; },
    get sequence() { return index ? index.sequence : null; },
    // Reads the index once, at start: decides the mode.
    async start() {
      buckets.clear();
      try {
        index = await readIndex();
      } catch (e) {
        index = null;
      }
      return index ? 'files' : 'api';
    },
    // The answer of `method` with `params`: from its snapshot file when the index or the key's
    // bucket names it.
    // `used`, a Set, collects the index keys a drawing read, so that it is redrawn when one of
    // them changes.
    async read(method, params, used) {
      const k = key(method, params);
      if (used) used.add(k);
      const file = await pathOf(k);
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
      const changed = new Set(differing(index.files, next.files));
      for (const k of await changedInBuckets(next)) changed.add(k);
      index = next;
      return changed;
    },
    // Where a call's answer can be read as a link: its file (when the index, or a bucket already
    // read, names it), or its /v1/ URL.
    href(method, params) {
      const k = key(method, params);
      let file = index && index.files[k];
      const b = index && !file ? bucketOf(k, index.buckets) : null;
      const bucket = b === null ? null : buckets.get(b);
      if (bucket && bucket.files && bucket.path === index.buckets.files[b]) file = bucket.files[k];
      if (file) return new URL(file, new URL(INDEX_URL, location.href)).pathname;
      const query = new URLSearchParams(params || {}).toString();
      return `/v1/${method}${query ? '?' + query : ''}`;
    },
    indexUrl: INDEX_URL,
    // The bucket of key `k` among `count` (exported for tests and other readers).
    bucket: (k, count) => fnv1a(k) % count,
  };
})();

if (typeof module !== 'undefined') module.exports = HattamaData;
