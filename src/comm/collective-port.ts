/**
 * One collective call's view of the engine: the CollPort its algorithm runs on and the
 * link its agreement round runs on, both on the communicator's collective context. Every
 * message carries a control block naming the call (sequence number and description,
 * src/collectives/control.ts); an error marker travels as that block's error flag with no
 * payload, so nothing internal is ever read out of a user's value, and a received message
 * is checked against the call before it is used.
 *
 * The algorithm runs while the agreement round is still under way (Comm.collective), so
 * the two use tags of their own: the algorithm the call's sequence number, the round
 * {@link agreementTag} of it. Until the round has agreed, the algorithm only sends what
 * is copied or handed over at once (eager and owned messages): a payload that would wait
 * for its receiver (rendezvous) waits for the agreement first, so a call some rank
 * abandons never leaves a send waiting. When the round finds a mismatch, {@link CallPorts.conclude}
 * withdraws the algorithm's pending receives, refuses its later sends, and has the engine
 * drop the call's messages.
 */
import type { AgreeLink, AgreeState } from '../collectives/agree.js';
import { decodeControl, encodeControl, type Control } from '../collectives/control.js';
import { ErrorMarker, isMarker } from '../collectives/marker.js';
import type { CollPort, SendOptions } from '../collectives/port.js';
import { encode, type Encoded } from '../codec/codec.js';
import { MpiError } from '../errors.js';
import { Withdrawal, type Engine, type Message } from './engine.js';

/** Where a call's messages go and what the call is. */
export interface CallSite {
  readonly engine: Engine;
  /** The communicator's collective context. */
  readonly context: number;
  /** The call's sequence number on the communicator (below 2³⁰), the tag of its algorithm's messages. */
  readonly seq: number;
  readonly rank: number;
  readonly size: number;
  /** World rank of a communicator rank. */
  readonly worldRank: (rank: number) => number;
  /** The operation, e.g. `bcast`. */
  readonly name: string;
  /** The call's description, e.g. `bcast(root 0)`: calls match when these are equal. */
  readonly call: string;
}

function controlOf(message: Message, site: CallSite): Control {
  if (message.control === null) {
    throw new MpiError('ERR_INTERN', `${site.name}: a message from rank ${message.source} on the collective context has no control block`);
  }
  const control = decodeControl(message.control);
  if (control.seq !== site.seq) {
    throw new MpiError('ERR_INTERN', `${site.name}: rank ${message.source} sent a message of call ${control.seq} as call ${site.seq}`);
  }
  return control;
}

/**
 * The tag of a call's agreement round: negative (never a user's tag, never ANY_TAG) and
 * distinct for every sequence number below 2³⁰.
 */
export function agreementTag(seq: number): number {
  return -2 - seq;
}

/** Equal bytes (control blocks are a few dozen bytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A call's port and link, and how the call learns the agreement round's verdict. */
export interface CallPorts {
  readonly port: CollPort;
  readonly link: AgreeLink;
  /**
   * The agreement round's verdict: null lets sends that wait for their receiver go ahead;
   * an error abandons the call on this rank (pending receives reject with it, later sends
   * are refused, the engine drops the call's messages). Call once.
   */
  conclude(verdict: MpiError | null): void;
}

/** The port and agreement link of one collective call. */
export function callPorts(site: CallSite): CallPorts {
  const { engine, context, seq, rank, size, name, call } = site;
  // The same bytes head every data message of the call: encode them once.
  const data = encodeControl({ kind: 'data', seq, call, error: null });
  const withdrawal = new Withdrawal();
  let agreed: (() => void) | null = null;
  const agreement = new Promise<void>((resolve) => (agreed = resolve));
  let concluded = false;
  const send = (value: unknown, dest: number, control: Uint8Array, tag: number, options?: SendOptions, encoded?: Encoded): Promise<void> =>
    engine.send(value, {
      dest: site.worldRank(dest),
      context,
      source: rank,
      tag,
      mode: options?.owned === true ? 'owned' : 'standard',
      label: name,
      control,
      ...(encoded === undefined ? {} : { encoded }),
    });
  const receive = (source: number, tag: number, doing: string, withdraw?: Withdrawal): Promise<Message> =>
    engine.receive({ context, source, tag, label: `${name} (${doing} rank ${source})`, withdrawal: withdraw });
  /** Send on the algorithm's tag, a payload that would wait for its receiver only once the ranks agree. */
  const dataSend = async (value: unknown, dest: number, control: Uint8Array, options?: SendOptions): Promise<void> => {
    if (withdrawal.withdrawn) throw withdrawal.withdrawn;
    if (concluded || options?.owned === true) return send(value, dest, control, seq, options);
    const encoded = encode(value, name);
    if (encoded.byteLength > engine.eagerLimit) {
      await agreement;
      if (withdrawal.withdrawn) throw withdrawal.withdrawn;
    }
    return send(value, dest, control, seq, options, encoded);
  };

  const port: CollPort = {
    rank,
    size,
    send: (value, dest, options) => {
      if (!isMarker(value)) return dataSend(value, dest, data, options);
      return dataSend(null, dest, encodeControl({ kind: 'data', seq, call, error: { code: value.code, message: value.message } }));
    },
    recv: async (source) => {
      const message = await receive(source, seq, 'waiting for', withdrawal);
      // The common case, a data message of this very call, is recognised by its bytes.
      if (message.control !== null && sameBytes(message.control, data)) return engine.value(message);
      const control = controlOf(message, site);
      if (control.kind !== 'data' || control.call !== call) {
        const theirs = control.kind === 'data' ? control.call : 'the agreement round';
        throw new MpiError('ERR_COLL_MISMATCH', `${name}: rank ${source} sent ${theirs} where rank ${rank} is in ${call}`);
      }
      if (control.error !== null) return new ErrorMarker(control.error.code, control.error.message);
      return engine.value(message);
    },
  };

  const tag = agreementTag(seq);
  const link: AgreeLink = {
    send: (state, dest) => send(null, dest, encodeControl({ kind: 'agree', seq, calls: state.calls, error: state.error }), tag),
    recv: async (source): Promise<AgreeState> => {
      const control = controlOf(await receive(source, tag, 'checking the call with'), site);
      if (control.kind !== 'agree') throw new MpiError('ERR_INTERN', `${name}: rank ${source} sent data on the agreement round's tag`);
      return { calls: control.calls, error: control.error };
    },
  };

  const conclude = (verdict: MpiError | null): void => {
    if (concluded) return;
    concluded = true;
    if (verdict !== null) {
      withdrawal.withdraw(verdict);
      engine.abandon(context, seq);
    }
    agreed?.();
  };
  return { port, link, conclude };
}
