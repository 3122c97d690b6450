// The rank program of the point-to-point benchmark (run by bench/p2p.ts under
// `tsmpirun -np 2`). Ranks 0 and 1 ping-pong the same sizes three ways, interleaved
// round by round so machine load hits all variants alike:
//   raw     — bare zeromq DEALER→ROUTER over ipc, no tsmpi layer (the baseline)
//   typed   — comm.Send / comm.Recv on a Uint8Array
//   object  — comm.send / comm.recv of { payload: Uint8Array }
// and then measure streaming bandwidth (many sends, one final ack). An untimed warm-up comes first.
// Prints one JSON line on rank 0: { latency: {variant: {bytes: median half-RTT µs}}, stream: {...} }.
// BENCH_ROUNDS, BENCH_SIZES (bytes, comma-separated), BENCH_VARIANTS (e.g. raw,typed) and
// BENCH_STREAM=off narrow it down (the comparison table of bench/run.ts uses them);
// BENCH_WARMUP_ROUNDS untimed rounds (default 6) come first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zmq from 'zeromq';
import { init, Wtime } from '../src/index.js';
import { median } from './util.js';

const comm = await init();
if (comm.size !== 2) throw new Error('run with -np 2');
const other = 1 - comm.rank;
const sizes = (process.env.BENCH_SIZES ?? `8,1024,${64 * 1024},${1024 * 1024},${16 * 1024 * 1024}`).split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? 11);
const chosen = (process.env.BENCH_VARIANTS ?? 'raw,typed,object').split(',');

// Raw zeromq: each rank binds its own inbox; addresses are exchanged once through tsmpi.
const dir = mkdtempSync(join(tmpdir(), 'tsmpi-bench-'));
const inbox = new zmq.Router({ receiveHighWaterMark: 0 });
await inbox.bind(`ipc://${dir}/raw.sock`);
const peerAddress = (await comm.sendrecv(`ipc://${dir}/raw.sock`, other, 1, other, 1)) as string;
const outbox = new zmq.Dealer({ sendHighWaterMark: 0 });
outbox.connect(peerAddress);
// Warm the raw path up.
await outbox.send([Buffer.alloc(1)]);
await inbox.receive();

function repetitions(bytes: number): number {
  if (bytes >= 16 * 1024 * 1024) return 4;
  if (bytes >= 1024 * 1024) return 20;
  if (bytes >= 64 * 1024) return 200;
  return 1000;
}

async function raw(buffer: Uint8Array, reps: number): Promise<number> {
  const start = Wtime();
  for (let i = 0; i < reps; i++) {
    if (comm.rank === 0) {
      await outbox.send(buffer);
      await inbox.receive();
    } else {
      await inbox.receive();
      await outbox.send(buffer);
    }
  }
  return (Wtime() - start) / reps / 2;
}

async function typed(buffer: Uint8Array, reps: number): Promise<number> {
  const start = Wtime();
  for (let i = 0; i < reps; i++) {
    if (comm.rank === 0) {
      await comm.Send(buffer, other);
      await comm.Recv(buffer, other);
    } else {
      await comm.Recv(buffer, other);
      await comm.Send(buffer, other);
    }
  }
  return (Wtime() - start) / reps / 2;
}

async function object(buffer: Uint8Array, reps: number): Promise<number> {
  const start = Wtime();
  for (let i = 0; i < reps; i++) {
    if (comm.rank === 0) {
      await comm.send({ payload: buffer }, other);
      await comm.recv(other);
    } else {
      await comm.recv(other);
      await comm.send({ payload: buffer }, other);
    }
  }
  return (Wtime() - start) / reps / 2;
}

const variants = Object.fromEntries(Object.entries({ raw, typed, object }).filter(([name]) => chosen.includes(name)));
// Untimed warm-up rounds, the same as the timed ones (as OSU's benchmarks skip their first
// iterations): tsmpi's first few thousand small round trips run slower while V8 compiles its
// path on both ranks at once, and a large message in between sends it down other branches that
// the small ones' path must be compiled anew without. Raw zeromq.js (native code) hardly has
// that. The mpi4py twin warms up alike.
const warmupRounds = Number(process.env.BENCH_WARMUP_ROUNDS ?? 6);
const samples: Record<string, Record<number, number[]>> = {};
// One buffer per size for the whole job: a fresh 16 MiB one each round would add the
// benchmark's own garbage to what the collector must deal with during the small rounds.
const buffers = new Map(sizes.map((bytes) => [bytes, new Uint8Array(bytes)]));
for (let round = -warmupRounds; round < rounds; round++) {
  for (const bytes of sizes) {
    const buffer = buffers.get(bytes) as Uint8Array;
    for (const [name, run] of Object.entries(variants)) {
      const seconds = await run(buffer, repetitions(bytes));
      if (round >= 0) ((samples[name] ??= {})[bytes] ??= []).push(seconds * 1e6);
    }
  }
}

// Streaming: rank 0 sends `count` messages back to back, rank 1 acks the last one.
async function stream(name: 'raw' | 'typed', bytes: number, count: number): Promise<number> {
  const buffer = new Uint8Array(bytes);
  const start = Wtime();
  if (comm.rank === 0) {
    for (let i = 0; i < count; i++) {
      if (name === 'raw') await outbox.send(buffer);
      else await comm.Send(buffer, other);
    }
    if (name === 'raw') await inbox.receive();
    else await comm.recv(other, 2);
  } else {
    for (let i = 0; i < count; i++) {
      if (name === 'raw') await inbox.receive();
      else await comm.Recv(buffer, other);
    }
    if (name === 'raw') await outbox.send(Buffer.alloc(1));
    else await comm.send('done', other, 2);
  }
  return (bytes * count) / (Wtime() - start) / 1e6;
}
const streamSamples: Record<string, Record<number, number[]>> = { raw: {}, typed: {} };
for (let round = 0; round < (process.env.BENCH_STREAM === 'off' ? 0 : rounds); round++) {
  for (const [bytes, count] of [
    [1024 * 1024, 100],
    [16 * 1024 * 1024, 10],
  ] as const) {
    for (const name of ['raw', 'typed'] as const) ((streamSamples[name] ??= {})[bytes] ??= []).push(await stream(name, bytes, count));
  }
}

function medians(table: Record<string, Record<number, number[]>>): Record<string, Record<number, number>> {
  return Object.fromEntries(
    Object.entries(table).map(([name, bySize]) => [
      name,
      Object.fromEntries(Object.entries(bySize).map(([bytes, values]) => [bytes, median(values)])),
    ]),
  );
}

/**
 * tsmpi's overhead per size as the median of per-round ratios typed/raw: each round
 * measures both back to back, so the VM's slow drifts (other load, a core waking up)
 * cancel out of the ratio instead of landing on one variant's median.
 */
function pairedOverhead(): Record<number, number> {
  const out: Record<number, number> = {};
  for (const bytes of sizes) {
    const raws = samples.raw?.[bytes] ?? [];
    const typeds = samples.typed?.[bytes] ?? [];
    out[bytes] = median(raws.map((rawValue, i) => (typeds[i] ?? Number.NaN) / rawValue - 1));
  }
  return out;
}

/** Streaming: the median of per-round ratios typed/raw, paired the same way. */
function pairedStream(): Record<number, number> {
  const out: Record<number, number> = {};
  for (const [bytes, raws] of Object.entries(streamSamples.raw ?? {})) {
    const typeds = streamSamples.typed?.[Number(bytes)] ?? [];
    out[Number(bytes)] = median(raws.map((rawValue, i) => (typeds[i] ?? Number.NaN) / rawValue));
  }
  return out;
}

if (comm.rank === 0)
  console.log(
    JSON.stringify({ latency: medians(samples), overhead: pairedOverhead(), stream: medians(streamSamples), streamRatio: pairedStream() }),
  );
outbox.close();
inbox.close();
rmSync(dir, { recursive: true, force: true });
