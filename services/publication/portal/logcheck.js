// The transparency log's checks, done by the browser itself with WebCrypto, so that a visitor need
// not trust publication or the log server for them (README "Checking Hattama's figures
// yourself"): the leaf entry's format, RFC 6962 hashing and inclusion proofs, and the signed
// checkpoint note. No drawing here; app.js shows the results. Also loaded by node in the tests.
'use strict';

const HattamaLog = (() => {
  const subtle = () => {
    if (!globalThis.crypto || !globalThis.crypto.subtle) {
      throw new Error('this browser offers no WebCrypto here (it needs HTTPS)');
    }
    return globalThis.crypto.subtle;
  };

  function fromBase64(text) {
    const raw = atob(text || '');
    return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
  }
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

  async function sha256(...parts) {
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { joined.set(p, at); at += p.length; }
    return new Uint8Array(await subtle().digest('SHA-256', joined));
  }
  const leafHash = (entry) => sha256(Uint8Array.of(0), entry);
  const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);

  // The root an inclusion proof leads to: RFC 9162 §2.1.3.2 (Go's tlog.CheckRecord). Throws
  // when the proof cannot be a proof of leaf `index` in a tree of `size` leaves.
  async function rootFromInclusion(index, size, leaf, proof) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
      throw new Error(`leaf ${index} is not in a tree of ${size} leaves`);
    }
    // Sizes stay below 2^53, so halving by division is exact where >> would cut at 32 bits.
    const half = (n) => Math.floor(n / 2);
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0) throw new Error(`the proof has more hashes (${proof.length}) than the tree needs`);
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn);
      sn = half(sn);
    }
    if (sn !== 0) throw new Error(`the proof has ${proof.length} hashes, too few for the tree`);
    return r;
  }

  // The leaf entry, version 1 (README "The leaf entry"). Throws naming what is wrong.
  async function decodeEntry(bytes) {
    if (bytes.length < 48) throw new Error(`${bytes.length} bytes, fewer than the 48 of the header`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes[0] !== 1) throw new Error(`version ${bytes[0]}, not 1`);
    const included = bytes[45];
    if (included > 1) throw new Error(`"record included" is ${included}, neither 0 nor 1`);
    const idLength = view.getUint16(46);
    if (48 + idLength > bytes.length) throw new Error(`the id's length ${idLength} runs past the end`);
    const record = bytes.subarray(48 + idLength);
    if (!included && record.length) throw new Error('bytes follow the id of an entry without its record');
    let submissionId;
    try {
      submissionId = new TextDecoder('utf-8', {fatal: true}).decode(bytes.subarray(48, 48 + idLength));
    } catch (e) {
      throw new Error('the submission id is not UTF-8');
    }
    return {
      sourcePartition: view.getInt32(1),
      sourceOffset: view.getBigInt64(5).toString(),
      recordSha256: bytes.slice(13, 45),
      recordIncluded: included === 1,
      submissionId,
      record,
      recordHashMatches: included === 1 ? equal(await sha256(record), bytes.subarray(13, 45)) : null,
    };
  }

  // A checkpoint note: its signed text (origin, size, root, one a line) and its signature lines.
  function parseNote(note) {
    const split = note.indexOf('\n\n');
    if (split < 0) throw new Error('the note has no blank line before its signatures');
    const text = note.slice(0, split + 1);
    const lines = text.split('\n');
    if (lines.length < 4 || !/^[1-9][0-9]*$|^0$/.test(lines[1])) {
      throw new Error('the note is no checkpoint (origin, size, root)');
    }
    const signatures = note.slice(split + 2).split('\n').filter(Boolean).map((line) => {
      const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!match) throw new Error(`a signature line is malformed: ${line}`);
      return {name: match[1], bytes: fromBase64(match[2])};
    });
    return {text, origin: lines[0], treeSize: Number(lines[1]), root: fromBase64(lines[2]), signatures};
  }

  // `<name>+<key hash, 8 hex digits>+<base64(0x01 || 32-byte Ed25519 public key)>`; the key hash
  // is checked, as note.NewVerifier does.
  async function parseVerifierKey(key) {
    // The name holds no '+'; the base64 may.
    const parts = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec((key || '').trim());
    if (!parts) throw new Error('the verifier key is not <name>+<8 hex digits>+<base64 key>');
    const [, name, hash, encoded] = parts;
    const key1 = fromBase64(encoded);
    if (key1.length !== 33 || key1[0] !== 1) throw new Error('the verifier key is not an Ed25519 key');
    const computed = await sha256(new TextEncoder().encode(name + '\n'), key1);
    if (hex(computed.subarray(0, 4)) !== hash) throw new Error('the verifier key\'s key hash is wrong');
    return {name, keyHash: computed.subarray(0, 4), publicKey: key1.subarray(1)};
  }

  // Whether this browser verifies Ed25519 in WebCrypto (Chromium 137, Firefox 129, Safari 17).
  async function hasEd25519() {
    try {
      await subtle().importKey('raw', new Uint8Array(32), {name: 'Ed25519'}, false, ['verify']);
      return true;
    } catch (e) {
      return false;
    }
  }

  // The log's signature on a checkpoint note: 'verified', or 'unsupported' when the browser has
  // no Ed25519. Throws when it does not verify.
  async function verifyNote(note, verifierKey) {
    const key = await parseVerifierKey(verifierKey);
    const parsed = parseNote(note);
    const line = parsed.signatures.find((s) => s.name === key.name && s.bytes.length === 68 &&
                                                equal(s.bytes.subarray(0, 4), key.keyHash));
    if (!line) throw new Error(`the note carries no signature by ${key.name} with this key`);
    if (!(await hasEd25519())) return 'unsupported';
    const publicKey = await subtle().importKey('raw', key.publicKey, {name: 'Ed25519'}, false, ['verify']);
    const ok = await subtle().verify({name: 'Ed25519'}, publicKey, line.bytes.subarray(4),
                                     new TextEncoder().encode(parsed.text));
    if (!ok) throw new Error(`the signature by ${key.name} does not verify`);
    return 'verified';
  }

  // A checkpoint as the APIs give it (SignedCheckpoint in JSON), its fields held to its note.
  function checkpointOf(json) {
    const note = parseNote(json.signed_note || '');
    if (note.origin !== json.origin || note.treeSize !== Number(json.tree_size || 0) ||
        !equal(note.root, fromBase64(json.root_hash))) {
      throw new Error('its fields differ from its signed note');
    }
    return note;
  }

  // Every check of one GetInclusionProof answer, in order. `checkpoint`: the checkpoint the
  // portal shows (SignedCheckpoint JSON) or null. Each check: {name, ok, detail}; ok null when it
  // could not be made here. The result is verified when no check failed and the proof reached a
  // checkpoint's root.
  async function checkInclusion(answer, {submissionId, checkpoint, verifierKey}) {
    const checks = [];
    const check = async (name, run) => {
      try {
        const outcome = await run();
        checks.push({name, ok: outcome.ok === undefined ? true : outcome.ok, detail: outcome.detail});
      } catch (e) {
        checks.push({name, ok: false, detail: e.message});
      }
    };
    const entryJson = answer.entry || {};
    const bytes = fromBase64(entryJson.entry);
    const index = Number(answer.leaf_index || 0);
    const size = Number(answer.tree_size || 0);
    let entry = null;
    let root = null;

    await check('entry format', async () => {
      entry = await decodeEntry(bytes);
      return {detail: `version 1, ${bytes.length} bytes, from partition ${entry.sourcePartition} ` +
                      `offset ${entry.sourceOffset}`};
    });
    if (entry) {
      await check('submission id', async () => ({
        ok: entry.submissionId === submissionId,
        detail: `the entry names "${entry.submissionId}"`}));
      await check('record hash', async () => (entry.recordIncluded
          ? {ok: entry.recordHashMatches,
             detail: `SHA-256 of the included record ${entry.recordHashMatches ? 'is' : 'is not'} ` +
                     `the entry's ${hex(entry.recordSha256).slice(0, 16)}…`}
          : {ok: null, detail: 'the record was too large to include: only its SHA-256 is logged'}));
      await check('decoded fields', async () => {
        const record = entryJson.record && entryJson.record.submission;
        const agree = Number(entryJson.leaf_index || 0) === index &&
            Number(entryJson.source_partition || 0) === entry.sourcePartition &&
            String(entryJson.source_offset || '0') === entry.sourceOffset &&
            (entryJson.submission_id || '') === entry.submissionId &&
            Boolean(entryJson.record_included) === entry.recordIncluded &&
            (!record || record.submission_id === entry.submissionId);
        return {ok: agree, detail: agree ? 'the answer\'s decoding agrees with the bytes'
                                         : 'the answer\'s decoding differs from the bytes'};
      });
    }
    await check('audit path', async () => {
      const leaf = await leafHash(bytes);
      root = await rootFromInclusion(index, size, leaf, (answer.hashes || []).map(fromBase64));
      return {detail: `${(answer.hashes || []).length} hashes from leaf ${index} up to the root ` +
                      `${hex(root).slice(0, 16)}… of a tree of ${size}`};
    });
    let reached = false;
    const compare = async (name, json, origin) => {
      if (!json || !json.signed_note) return;
      await check(name, async () => {
        const note = checkpointOf(json);
        if (note.treeSize !== size) {
          return {ok: null, detail: `${origin} is of size ${note.treeSize}, the proof of size ${size}`};
        }
        if (!root) return {ok: false, detail: 'no root computed from the path'};
        if (!equal(root, note.root)) {
          return {ok: false, detail: `the path leads to ${hex(root).slice(0, 16)}…, ${origin} ` +
                                     `has ${hex(note.root).slice(0, 16)}…`};
        }
        reached = true;
        return {detail: `the path leads to the root of ${origin}`};
      });
    };
    await compare('root of the answer\'s checkpoint', answer.checkpoint, 'the checkpoint in the answer');
    await compare('root of the portal\'s checkpoint', checkpoint, 'the checkpoint the portal shows');
    const signed = answer.checkpoint && answer.checkpoint.signed_note ? answer.checkpoint : checkpoint;
    if (signed && !verifierKey) {
      checks.push({name: 'log signature', ok: null, detail: 'no verifier key given'});
    } else if (signed) {
      await check('log signature', async () => {
        const outcome = await verifyNote(signed.signed_note, verifierKey);
        return outcome === 'verified'
            ? {detail: 'the checkpoint is signed with the verifier key'}
            : {ok: null, detail: 'this browser has no Ed25519: hattama-verify checks the signature'};
      });
    }
    if (!reached && !checks.some((c) => c.ok === false)) {
      checks.push({name: 'checkpoint', ok: false, detail: `no checkpoint of size ${size} to compare the root with`});
    }
    const failed = checks.filter((c) => c.ok === false);
    return {verified: failed.length === 0, failed, checks, index, size,
            root: root ? hex(root) : '', entry};
  }

  return {fromBase64, hex, sha256, leafHash, nodeHash, rootFromInclusion, decodeEntry, parseNote,
          parseVerifierKey, hasEd25519, verifyNote, checkpointOf, checkInclusion};
})();

if (typeof module !== 'undefined') module.exports = HattamaLog;
