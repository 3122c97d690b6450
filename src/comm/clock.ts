/**
 * Clock offsets for tracing: each rank measures how far its wall clock is from rank 0's
 * at wire-up, so that the timestamps of every rank can be put on one time line (ranks on
 * other hosts have other clocks). As NTP does: a rank sends a few pings to rank 0
 * (CLOCK messages, wire.ts), rank 0 answers each with its own time, and the rank keeps
 * the ping with the smallest round trip: rank 0's time then lay within that round trip,
 * so the error of `offset = theirs − (sent + back) / 2` is at most half of it.
 */
import { MpiError } from '../errors.js';
import { clockTime, type Message } from './wire.js';
import type { Engine } from './engine.js';

/** Pings each rank sends. */
export const CLOCK_PINGS = 8;

/** This process's wall clock in milliseconds (sub-microsecond resolution). */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** One ping: sent and answered on our clock, rank 0's time in between. */
export interface ClockSample {
  readonly sent: number;
  readonly theirs: number;
  readonly back: number;
}

/** The offset (add to our clock to get rank 0's) and round trip of the sample with the smallest round trip (pure). */
export function bestOffset(samples: readonly ClockSample[]): { offsetMs: number; rttMs: number } {
  let best: ClockSample | undefined;
  for (const sample of samples) if (best === undefined || sample.back - sample.sent < best.back - best.sent) best = sample;
  if (best === undefined) return { offsetMs: 0, rttMs: 0 };
  return { offsetMs: best.theirs - (best.sent + best.back) / 2, rttMs: best.back - best.sent };
}

/**
 * Measure this rank's clock offset to rank 0 (every rank of the world calls it, once,
 * right after wire-up): rank 0 answers `CLOCK_PINGS` pings from every other rank, the
 * others ping. Rank 0 gets offset 0.
 */
export async function measureClock(engine: Engine, clock: () => number = wallClock): Promise<{ offsetMs: number; rttMs: number }> {
  if (engine.size === 1) return { offsetMs: 0, rttMs: 0 };
  const release = engine.keepReceiving();
  try {
    if (engine.rank === 0) {
      let left = (engine.size - 1) * CLOCK_PINGS;
      await new Promise<void>((resolve, reject) => {
        engine.clockHandler = (message: Message) => {
          if (message.tag !== 0) return;
          engine.sendClock(message.origin, message.seq, true, clock()).catch(reject);
          if (--left === 0) resolve();
        };
      });
      return { offsetMs: 0, rttMs: 0 };
    }
    const samples: ClockSample[] = [];
    for (let seq = 1; seq <= CLOCK_PINGS; seq++) {
      const answered = new Promise<Message>((resolve) => {
        engine.clockHandler = (message) => {
          if (message.tag === 1 && message.seq === seq) resolve(message);
        };
      });
      const sent = clock();
      await engine.sendClock(0, seq, false, sent);
      const answer = await answered;
      const back = clock();
      const theirs = clockTime(answer);
      if (theirs === null) throw new MpiError('ERR_INIT', 'init: rank 0 answered a clock ping without its time');
      samples.push({ sent, theirs, back });
    }
    return bestOffset(samples);
  } finally {
    engine.clockHandler = null;
    release();
  }
}
