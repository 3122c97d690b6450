/**
 * The recorder of one rank (tracing on): the engine, the communicators and requests call
 * it when an operation is posted and when it settles, and it keeps one small array per
 * call in memory (src/trace/events.ts), up to a cap. With tracing off there is no
 * recorder at all: the callers test one field for null and do nothing else.
 */
import { isAgreementOnly } from '../collectives/control.js';
import { Phase, type CollectiveCall, type RankEvent, type RankTrace } from './events.js';

/**
 * The call a collective message belongs to, as its tag: the agreement round runs on tag
 * −2 − seq beside the algorithm's tag seq (src/comm/collective-port.ts).
 */
function callTag(context: number, tag: number): number {
  return context % 2 === 1 && tag <= -2 ? -2 - tag : tag;
}

function phaseOf(context: number, control: Uint8Array | null): Phase {
  if (context % 2 === 0) return Phase.P2p;
  // A fused call's messages carry the round and the algorithm's data: they count as data.
  if (control !== null && isAgreementOnly(control)) return Phase.Agree;
  return Phase.Data;
}

/** What a received message tells the recorder (a structural slice of the engine's Message). */
export interface Received {
  readonly origin: number;
  readonly context: number;
  readonly tag: number;
  readonly byteLength: number;
  readonly control: Uint8Array | null;
}

export class Recorder {
  private readonly events: RankEvent[] = [];
  private cappedAt: number | null = null;
  private stopped = false;
  /** Each data message's number among those that arrived from its sender (see MessageEvent). */
  private readonly arrivals = new WeakMap<object, number>();
  private offsetMs = 0;
  private rttMs = 0;
  private readonly startMs = performance.now();

  /**
   * @param limit most events kept; later calls are not recorded and the trace says when the cap was reached
   */
  constructor(readonly limit: number) {}

  /** The recorder's clock (ms, this process's `performance.now()`). */
  now(): number {
    return performance.now();
  }

  /** The clock offset to rank 0 measured at wire-up (src/comm/clock.ts). */
  setClock(offsetMs: number, rttMs: number): void {
    this.offsetMs = offsetMs;
    this.rttMs = rttMs;
  }

  /** Stop recording (before the trace's own collection traffic). */
  stop(): void {
    this.stopped = true;
  }

  /** A data message arrived; `n` is its number among the data messages from its sender. */
  arrived(message: object, n: number): void {
    this.arrivals.set(message, n);
  }

  /** Record a send posted at `t0` once `sent` settles; passes `sent` on unchanged. */
  sent(
    sent: Promise<void>,
    t0: number,
    dest: number,
    n: number,
    context: number,
    tag: number,
    bytes: number,
    label: string,
    control: Uint8Array | null,
  ): Promise<void> {
    const phase = phaseOf(context, control);
    const record = (): void => this.push(['send', t0, this.now(), dest, n, context, callTag(context, tag), bytes, label, phase]);
    sent.then(record, record);
    return sent;
  }

  /** Record a receive posted at `t0` once `received` settles; passes it on unchanged. */
  received<M extends Received>(received: Promise<M>, t0: number, context: number, tag: number, label: string): Promise<M> {
    received.then(
      (message) => {
        const n = this.arrivals.get(message) ?? 0;
        this.push([
          'recv',
          t0,
          this.now(),
          message.origin,
          n,
          message.context,
          callTag(message.context, message.tag),
          message.byteLength,
          label,
          phaseOf(message.context, message.control),
        ]);
      },
      () =>
        this.push([
          'recv',
          t0,
          this.now(),
          -1,
          0,
          context,
          callTag(context, tag),
          0,
          label,
          tag <= -2 && context % 2 === 1 ? Phase.Agree : phaseOf(context, null),
        ]),
    );
    return received;
  }

  /** Record a probe posted at `t0` once `probed` settles. */
  probed<T>(probed: Promise<T>, t0: number, context: number, source: number, tag: number, label: string): Promise<T> {
    const record = (): void => this.push(['probe', t0, this.now(), context, source, tag, label]);
    probed.then(record, record);
    return probed;
  }

  /** Record a wait on requests that began at `t0` and ends now. */
  waited(t0: number, label: string): void {
    this.push(['wait', t0, this.now(), label]);
  }

  /** Record a collective call that began at `t0` and ends now. */
  collective(t0: number, ...call: CollectiveCall): void {
    this.push(['coll', t0, this.now(), ...call]);
  }

  /** Everything recorded, with what places this rank's clock. */
  snapshot(rank: number, size: number, host: string): RankTrace {
    return {
      rank,
      size,
      host,
      pid: process.pid,
      timeOrigin: performance.timeOrigin,
      offsetMs: this.offsetMs,
      rttMs: this.rttMs,
      limit: this.limit,
      cappedAt: this.cappedAt,
      startMs: this.startMs,
      endMs: this.now(),
      events: this.events,
    };
  }

  private push(event: RankEvent): void {
    if (this.stopped) return;
    if (this.events.length >= this.limit) {
      this.cappedAt ??= event[2];
      return;
    }
    this.events.push(event);
  }
}

/**
 * The recorder of this process, for the few places that have no engine at hand
 * (Request's waits); null when tracing is off.
 */
export const tracing: { current: Recorder | null } = { current: null };
