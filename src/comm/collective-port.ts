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
 * is copied or handed over at once (eager, eager through a file, owned): a payload that would wait
 * for its receiver (rendezvous) waits for the agreement first, so a call some rank
 * abandons never leaves a send waiting. When the round finds a mismatch, {@link CallPorts.conclude}
 * withdraws the algorithm's pending receives, refuses its later sends, and has the engine
 * drop the call's messages.
 *
 * A *fused* call ({@link CallPorts.fused}) has no separate round: its algorithm follows the
 * round's pattern step for step (src/collectives/agree.ts, agreementSteps), and each of its
 * messages travels on the round's tag carrying the sender's agreement state as well as the
 * payload. A received payload is handed to the algorithm only while the merged state still
 * shows one call and no error; otherwise the algorithm gets an error marker in its place
 * (the verdict, which every rank reaches at the end, replaces whatever it computed). An
 * algorithm's step that has nothing for its partner sends {@link PLACEHOLDER}: the message
 * then carries the state alone (not flagged FUSED, so a trace counts it as the round's).
 */
import { merge, verdict, type AgreeLink, type AgreeState } from '../collectives/agree.js';
import { decodeControl, encodeControl, type AgreeControl, type Control } from '../collectives/control.js';
import { PLACEHOLDER } from '../collectives/fused.js';
import { ErrorMarker, isMarker, marker } from '../collectives/marker.js';
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

function controlOf(message: Message, site: CallSite, callOf?: (bytes: Uint8Array) => string | undefined): Control {
  if (message.control === null) {
    throw new MpiError('ERR_INTERN', `${site.name}: a message from rank ${message.source} on the collective context has no control block`);
  }
  const control = decodeControl(message.control, callOf);
  if (control.seq !== site.seq) {
    throw new MpiError('ERR_INTERN', `${site.name}: rank ${message.source} sent a message of call ${control.seq} as call ${site.seq}`);
  }
  return control;
}

/** The payload of a message that carries the agreement state alone (never decoded; typed, so msgpack is not needed). */
const NOTHING = new Uint8Array(0);

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

/** A fused call's port, and the agreement state its messages have gathered so far. */
export interface FusedPort {
  readonly port: CollPort;
  /** This rank's state: its own contribution merged with every state received so far. */
  readonly state: () => AgreeState;
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
  /**
   * A port for an algorithm that follows the agreement round's steps exactly: its
   * messages are the round's (see above), starting from this rank's contribution `mine`.
   */
  fused(mine: AgreeState): FusedPort;
}

/** The port and agreement link of one collective call. */
export function callPorts(site: CallSite): CallPorts {
  const { engine, context, seq, rank, size, name, call } = site;
  // The call's own description, encoded once: every message names it, and received ones are recognised by its bytes.
  const callBytes = Buffer.from(call, 'utf8');
  const ownBytes = (text: string): Uint8Array | undefined => (text === call ? callBytes : undefined);
  const ownCall = (bytes: Uint8Array): string | undefined => (sameBytes(bytes, callBytes) ? call : undefined);
  // The same bytes head every data message of the call: encode them once.
  const data = encodeControl({ kind: 'data', seq, call, error: null }, ownBytes);
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
  const receive = (source: number, tag: number, doing: string, withdraw?: Withdrawal, into?: Uint8Array): Promise<Message> =>
    engine.receive({ context, source, tag, label: `${name} (${doing} rank ${source})`, withdrawal: withdraw, into });
  /** Send on the algorithm's tag, a payload that would wait for its receiver only once the ranks agree. */
  const dataSend = async (value: unknown, dest: number, control: Uint8Array, options?: SendOptions): Promise<void> => {
    if (withdrawal.withdrawn) throw withdrawal.withdrawn;
    if (concluded || options?.owned === true) return send(value, dest, control, seq, options);
    const encoded = encode(value, name);
    if (engine.waitsForReceiver(site.worldRank(dest), encoded.byteLength)) {
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
      return dataSend(
        null,
        dest,
        encodeControl({ kind: 'data', seq, call, error: { code: value.code, message: value.message } }, ownBytes),
      );
    },
    recv: async (source, into) => {
      const message = await receive(source, seq, 'waiting for', withdrawal, into);
      // The common case, a data message of this very call, is recognised by its bytes.
      if (message.control !== null && sameBytes(message.control, data)) return engine.value(message);
      const control = controlOf(message, site, ownCall);
      if (control.kind !== 'data' || control.call !== call) {
        const theirs = control.kind === 'data' ? control.call : 'the agreement round';
        throw new MpiError('ERR_COLL_MISMATCH', `${name}: rank ${source} sent ${theirs} where rank ${rank} is in ${call}`);
      }
      if (control.error !== null) return new ErrorMarker(control.error.code, control.error.message);
      return engine.value(message);
    },
  };

  const tag = agreementTag(seq);
  const stateOf = async (source: number, into?: Uint8Array): Promise<{ state: AgreeState; control: AgreeControl; message: Message }> => {
    const message = await receive(source, tag, 'checking the call with', undefined, into);
    const control = controlOf(message, site, ownCall);
    if (control.kind !== 'agree') throw new MpiError('ERR_INTERN', `${name}: rank ${source} sent data on the agreement round's tag`);
    return { state: { calls: control.calls, error: control.error }, control, message };
  };
  const link: AgreeLink = {
    send: (state, dest) =>
      send(
        NOTHING,
        dest,
        encodeControl({ kind: 'agree', seq, calls: state.calls, error: state.error, fused: false, marker: null }, ownBytes),
        tag,
      ),
    recv: async (source) => (await stateOf(source)).state,
  };

  const fused = (mine: AgreeState): FusedPort => {
    let state = mine;
    const fusedPort: CollPort = {
      rank,
      size,
      send: (value, dest, options) => {
        const flagged = isMarker(value) ? { code: value.code, message: value.message } : null;
        // A placeholder step carries the state alone: it is the round's, not the algorithm's.
        const carries = value !== PLACEHOLDER;
        const control = encodeControl(
          { kind: 'agree', seq, calls: state.calls, error: state.error, fused: carries, marker: flagged },
          ownBytes,
        );
        return send(flagged === null && carries ? value : NOTHING, dest, control, tag, options);
      },
      recv: async (source, into) => {
        const { state: theirs, control, message } = await stateOf(source, into);
        state = merge(state, theirs);
        // Another call, or an argument error, somewhere: the payload is not this call's data.
        const error = verdict(state, name, seq);
        if (error !== null) return marker(error);
        if (control.marker !== null) return new ErrorMarker(control.marker.code, control.marker.message);
        return control.fused ? engine.value(message) : PLACEHOLDER;
      },
      disagrees: () => verdict(state, name, seq) !== null,
    };
    return { port: fusedPort, state: () => state };
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
  return { port, link, conclude, fused };
}
