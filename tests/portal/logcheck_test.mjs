// The portal's own log checks (services/publication/portal/logcheck.js) against published
// known answers, in node's WebCrypto (the same API as the browser's): RFC 6962 inclusion proofs of
// transparency-dev/merkle's test tree, the README's signed checkpoint and verifier key, and the
// leaf entry format. The browser test (check_portal.mjs) runs them against a real log.
//   node --test logcheck_test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';

const require = createRequire(import.meta.url);
const log = require('../../services/publication/portal/logcheck.js');

const unhex = (h) => Uint8Array.from(h.match(/../g) || [], (b) => parseInt(b, 16));

// transparency-dev/merkle testonly/constants.go: the leaves, and the roots of the first n.
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657',
                '606162636465666768696a6b6c6d6e6f'];
const ROOTS = {
  1: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  2: 'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  3: 'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  5: '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  8: '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
};
// testonly/reference_test.go (TestRefInclusionProof), 0-based.
const PROOFS = [
  [0, 1, []],
  [0, 2, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7']],
  [1, 2, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d']],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [1, 5, ['6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
  [0, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
          '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
          '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [5, 8, ['bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
          'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
          'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
];

test('inclusion proofs of the RFC 6962 test tree lead to its published roots', async () => {
  for (const [index, size, proof] of PROOFS) {
    const leaf = await log.leafHash(unhex(LEAVES[index]));
    const root = await log.rootFromInclusion(index, size, leaf, proof.map(unhex));
    assert.equal(log.hex(root), ROOTS[size], `leaf ${index} of ${size}`);
  }
});

test('a proof with a changed hash, a hash too many or too few reaches no published root', async () => {
  const [index, size, proof] = PROOFS[6];
  const leaf = await log.leafHash(unhex(LEAVES[index]));
  const changed = proof.map(unhex);
  changed[1][0] ^= 1;
  assert.notEqual(log.hex(await log.rootFromInclusion(index, size, leaf, changed)), ROOTS[size]);
  await assert.rejects(log.rootFromInclusion(index, size, leaf, [...proof, proof[0]].map(unhex)),
                       /more hashes/);
  await assert.rejects(log.rootFromInclusion(index, size, leaf, proof.slice(1).map(unhex)),
                       /too few/);
  await assert.rejects(log.rootFromInclusion(8, 8, leaf, proof.map(unhex)), /not in a tree/);
});

// README "The checkpoint": a test log of 300 records and its verifier key.
const KEY = 'hattama.test/log+dd091983+AeBquSLnUVHvrIeQNnoXu1wGLjkJ5N/JnUkNot7NzkcS';
const NOTE = 'hattama.test/log\n300\nswzos5AY/DBN5jRAoEg7AAlQEHhcMJUQ0WZZuDACWzQ=\n\n' +
    '\u2014 hattama.test/log 3QkZg95uNORX9aAzQ8SqzmnMSBOV/ni0S8Xi9HPlCse5rPkBs6cCaaLTY/nsFeUUxm31kPAgi+kgUN1awb4KAu9RmQ4=\n';

test('the README\'s checkpoint verifies with its key, and not once its text changed', async () => {
  assert.equal(await log.hasEd25519(), true, 'node offers Ed25519 in WebCrypto');
  const note = log.parseNote(NOTE);
  assert.equal(note.origin, 'hattama.test/log');
  assert.equal(note.treeSize, 300);
  assert.equal(await log.verifyNote(NOTE, KEY), 'verified');
  await assert.rejects(log.verifyNote(NOTE.replace('\n300\n', '\n301\n'), KEY), /does not verify/);
  await assert.rejects(log.verifyNote(NOTE, KEY.replace('+dd091983+', '+dd091984+')), /key hash/);
  await assert.rejects(log.verifyNote(NOTE, 'other.log+dd091983+AeBquSLnUVHvrIeQNnoXu1wGLjkJ5N/JnUkNot7NzkcS'),
                       /key hash/);
});

// Signs `text` as a log named `name` would, with a new key whose base64 holds a '+' (as most do).
async function signedNote(name, text) {
  for (;;) {
    const pair = await crypto.subtle.generateKey({name: 'Ed25519'}, true, ['sign', 'verify']);
    const key = Uint8Array.of(1, ...new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey)));
    const encoded = Buffer.from(key).toString('base64');
    if (!encoded.includes('+')) continue;
    const hash = (await log.sha256(new TextEncoder().encode(`${name}\n`), key)).subarray(0, 4);
    const signature = await crypto.subtle.sign({name: 'Ed25519'}, pair.privateKey, new TextEncoder().encode(text));
    const line = Buffer.from(Uint8Array.of(...hash, ...new Uint8Array(signature))).toString('base64');
    return {key: `${name}+${log.hex(hash)}+${encoded}`, note: `${text}\n\u2014 ${name} ${line}\n`};
  }
}

test('a key with a \'+\' in its base64 verifies a note it signed', async () => {
  const {key, note} = await signedNote('example.org/log', 'example.org/log\n5\nq80tUYsTKvVm6d6ekBSlhwk7aaqivr0iyHoZxBsH1lE=\n');
  assert.equal(await log.verifyNote(note, key), 'verified');
});

// An entry as the README's table lays it out.
function entry({partition = 2, offset = 77n, id = 'sub-1', record = Uint8Array.of(1, 2, 3),
                included = true, recordSha256}) {
  const idBytes = new TextEncoder().encode(id);
  const bytes = new Uint8Array(48 + idBytes.length + (included ? record.length : 0));
  const view = new DataView(bytes.buffer);
  bytes[0] = 1;
  view.setInt32(1, partition);
  view.setBigInt64(5, offset);
  bytes.set(recordSha256, 13);
  bytes[45] = included ? 1 : 0;
  view.setUint16(46, idBytes.length);
  bytes.set(idBytes, 48);
  if (included) bytes.set(record, 48 + idBytes.length);
  return bytes;
}

test('an entry decodes field by field, and its record is held to its SHA-256', async () => {
  const record = new TextEncoder().encode('a record');
  const good = await log.decodeEntry(entry({id: 'UIK-1/obs', record, recordSha256: await log.sha256(record)}));
  assert.deepEqual([good.sourcePartition, good.sourceOffset, good.submissionId, good.recordIncluded,
                    good.recordHashMatches], [2, '77', 'UIK-1/obs', true, true]);
  const other = await log.decodeEntry(entry({record, recordSha256: new Uint8Array(32)}));
  assert.equal(other.recordHashMatches, false);
  const large = await log.decodeEntry(entry({included: false, recordSha256: new Uint8Array(32)}));
  assert.deepEqual([large.recordIncluded, large.recordHashMatches, large.record.length], [false, null, 0]);
  const bad = entry({recordSha256: new Uint8Array(32)});
  bad[0] = 2;
  await assert.rejects(log.decodeEntry(bad), /version 2/);
  await assert.rejects(log.decodeEntry(new Uint8Array(47)), /fewer than the 48/);
});

// A log of one leaf, as GetInclusionProof answers for it: the entry, no hashes, the signed
// checkpoint whose root is the leaf's hash.
async function oneLeafAnswer(id) {
  const record = new TextEncoder().encode(`the record of ${id}`);
  const bytes = entry({id, record, recordSha256: await log.sha256(record)});
  const root = Buffer.from(await log.leafHash(bytes)).toString('base64');
  const {key, note} = await signedNote('example.org/log', `example.org/log\n1\n${root}\n`);
  const checkpoint = {signed_note: note, origin: 'example.org/log', tree_size: '1', root_hash: root};
  const answer = {leaf_index: '0', tree_size: '1', hashes: [], checkpoint,
                  entry: {entry: Buffer.from(bytes).toString('base64'), source_partition: 2,
                          source_offset: '77', submission_id: id, record_included: true,
                          record: {submission: {submission_id: id}}}};
  return {answer, key, checkpoint};
}

test('an answer is verified against both checkpoints, and an altered one names its failed check', async () => {
  const {answer, key, checkpoint} = await oneLeafAnswer('UIK-7/obs');
  const good = await log.checkInclusion(answer, {submissionId: 'UIK-7/obs', checkpoint, verifierKey: key});
  assert.deepEqual(good.failed, []);
  assert.equal(good.verified, true);
  assert.deepEqual(good.checks.map((c) => [c.name, c.ok]), [
    ['entry format', true], ['submission id', true], ['record hash', true], ['decoded fields', true],
    ['audit path', true], ['root of the answer\'s checkpoint', true],
    ['root of the portal\'s checkpoint', true], ['log signature', true]]);

  const failedOf = async (change, options = {}) => {
    const altered = structuredClone(answer);
    change(altered);
    const result = await log.checkInclusion(altered, {submissionId: 'UIK-7/obs', checkpoint, verifierKey: key,
                                                      ...options});
    assert.equal(result.verified, false);
    return result.failed.map((c) => c.name);
  };
  const flipLast = (base64) => {
    const bytes = Buffer.from(base64, 'base64');
    bytes[bytes.length - 1] ^= 1;
    return bytes.toString('base64');
  };
  assert.deepEqual(await failedOf((a) => { a.entry.entry = flipLast(a.entry.entry); }),
                   ['record hash', 'root of the answer\'s checkpoint', 'root of the portal\'s checkpoint']);
  assert.deepEqual(await failedOf((a) => { a.entry.submission_id = 'other'; }), ['decoded fields']);
  assert.deepEqual(await failedOf(() => {}, {submissionId: 'UIK-8/obs'}), ['submission id']);
  assert.deepEqual(await failedOf((a) => { a.checkpoint.signed_note = a.checkpoint.signed_note.replace('\n1\n', '\n2\n'); }),
                   ['root of the answer\'s checkpoint', 'log signature']);
});

test('without Ed25519 in WebCrypto the signature is left to hattama-verify, the proof still checked', async () => {
  const {answer, key, checkpoint} = await oneLeafAnswer('UIK-9/obs');
  const subtle = globalThis.crypto.subtle;
  const importKey = subtle.importKey;
  subtle.importKey = async (...args) => {
    if (args[2] && args[2].name === 'Ed25519') throw new DOMException('unsupported', 'NotSupportedError');
    return importKey.apply(subtle, args);
  };
  try {
    assert.equal(await log.hasEd25519(), false);
    const result = await log.checkInclusion(answer, {submissionId: 'UIK-9/obs', checkpoint, verifierKey: key});
    assert.equal(result.verified, true);
    const signature = result.checks.find((c) => c.name === 'log signature');
    assert.equal(signature.ok, null);
    assert.match(signature.detail, /hattama-verify/);
  } finally {
    delete subtle.importKey;
  }
});
