// The engine's shared-file path (src/transport/shared-files.ts) over loopback, in one
// process: what goes through files, the fallback to the sockets' BULK messages when the
// file system refuses, a part that cannot be read, and which files are kept.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_SHARED_MIN, Engine, FILE_PART_BYTES } from '../../src/comm/engine.js';
import { MpiError } from '../../src/errors.js';
import { LoopbackHub } from '../../src/transport/loopback.js';
import { inRam, SharedFiles } from '../../src/transport/shared-files.js';

const skip = inRam('/dev/shm') ? false : '/dev/shm is not a RAM-backed file system here';

/** Shared files whose writes succeed `writes` times, then refuse (as a full file system does). */
class Refusing extends SharedFiles {
  constructor(
    dir: string,
    rank: number,
    private writes: number,
  ) {
    super(dir, rank);
  }
  override write(id: number, parts: readonly Uint8Array[], offset: number): boolean {
    if (this.writes-- <= 0) return false;
    return super.write(id, parts, offset);
  }
}

/** Shared files that cannot read (the file was removed behind the engine's back). */
class Unreadable extends SharedFiles {
  override read(): void {
    throw new Error('file gone');
  }
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}

describe('shared files in the engine (loopback)', { skip }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync('/dev/shm/tsmpi-engine-');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function pair(files: (rank: number) => SharedFiles, sharedMin?: number): [Engine, Engine] {
    const hub = new LoopbackHub(2, { sharedFiles: files });
    const options = sharedMin === undefined ? {} : { sharedMin };
    return [new Engine(hub.transport(0), options), new Engine(hub.transport(1), options)];
  }

  function kept(): string[] {
    return readdirSync(dir).sort();
  }

  async function transfer(a: Engine, b: Engine, payload: Uint8Array, tag: number): Promise<Uint8Array> {
    const into = new Uint8Array(payload.byteLength);
    const sent = a.send(payload, { dest: 1, context: 0, source: 0, tag, label: 'test' });
    const message = await b.receive({ context: 0, source: 0, tag, label: 'test', into });
    await sent;
    // A file or rendezvous payload is assembled in `into`; an eager one arrives in a frame of its own (Comm copies it, as here).
    const frame = message.frames[0] as Uint8Array;
    if (frame.buffer !== into.buffer) into.set(frame);
    return into;
  }

  it('a payload at the threshold goes through one file (eagerly), kept and reused for the next (rendezvous); a smaller one does not', async () => {
    const [a, b] = pair((rank) => new SharedFiles(dir, rank));
    const payload = bytes(DEFAULT_SHARED_MIN, 1);
    assert.deepEqual(await transfer(a, b, payload, 1), payload);
    assert.deepEqual(kept(), ['0-1-0.bulk']);
    const larger = bytes(2 * FILE_PART_BYTES + 12345, 2);
    assert.deepEqual(await transfer(a, b, larger, 2), larger);
    assert.deepEqual(kept(), ['0-1-0.bulk']);
    const below = bytes(DEFAULT_SHARED_MIN - 8, 3);
    await a.close(new MpiError('ERR_COMM_CLOSED', 'closed'));
    assert.deepEqual(kept(), [], 'close unlinks the kept file');
    const [c, d] = pair((rank) => new SharedFiles(dir, rank));
    assert.deepEqual(await transfer(c, d, below, 3), below);
    assert.deepEqual(kept(), []);
  });

  it('when the file system refuses a part, that part and the rest travel over the socket, every byte intact', async () => {
    for (const writes of [0, 1, 2]) {
      const [a, b] = pair((rank) => new Refusing(dir, rank, writes));
      const payload = bytes(3 * FILE_PART_BYTES + 100, writes);
      assert.deepEqual(await transfer(a, b, payload, 1), payload, `after ${writes} writes`);
      assert.deepEqual(kept(), [], `a file the file system refused is not kept for reuse (after ${writes} writes)`);
      await a.close(new MpiError('ERR_COMM_CLOSED', 'closed'));
    }
    assert.deepEqual(kept(), []);
  });

  it('a part the receiver cannot read fails that receive with ERR_TRANSPORT; the send resolves and the engines go on', async () => {
    const hub = new LoopbackHub(2, { sharedFiles: (rank) => (rank === 1 ? new Unreadable(dir, rank) : new SharedFiles(dir, rank)) });
    const a = new Engine(hub.transport(0));
    const b = new Engine(hub.transport(1));
    const payload = bytes(DEFAULT_SHARED_MIN, 5);
    const sent = a.send(payload, { dest: 1, context: 0, source: 0, tag: 1, label: 'test' });
    await assert.rejects(
      b.receive({ context: 0, source: 0, tag: 1, label: 'test', into: new Uint8Array(payload.byteLength) }),
      (error: unknown) => {
        assert.ok(error instanceof MpiError);
        assert.equal(error.code, 'ERR_TRANSPORT');
        assert.match(error.message, /file gone/);
        return true;
      },
    );
    await sent;
    const small = bytes(100, 6);
    const later = a.send(small, { dest: 1, context: 0, source: 0, tag: 2, label: 'test' });
    const got = await b.receive({ context: 0, source: 0, tag: 2, label: 'test' });
    await later;
    assert.deepEqual(new Uint8Array(b.value(got) as Uint8Array), small);
    await a.close(new MpiError('ERR_COMM_CLOSED', 'closed'));
  });

  it('a rank keeps at most its retention limit of idle files; the rest are unlinked when released', () => {
    const files = new SharedFiles(dir, 0, 100);
    const ids = [files.acquire(1), files.acquire(1), files.acquire(2)];
    for (const id of ids) assert.ok(id !== null && files.write(id, [bytes(60, id)], 0));
    for (const id of ids) files.release(id as number, true);
    assert.deepEqual(kept(), ['0-1-0.bulk'], 'one 60-byte file fits the 100-byte limit');
    assert.equal(files.acquire(1), 0, 'the kept file is reused');
    const abandoned = files.acquire(2);
    assert.equal(abandoned, 3, 'a number is never used again');
    files.release(abandoned as number, false);
    assert.deepEqual(kept(), ['0-1-0.bulk']);
    files.close();
    assert.deepEqual(kept(), []);
    assert.equal(files.acquire(1), null, 'nothing after close');
  });
});
