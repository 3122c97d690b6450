/**
 * One collective call's view of the engine: the CollPort its algorithm runs on and the
 * link its agreement round runs on, both on the communicator's collective context and
 * the call's tag. Every message carries a control block naming the call (sequence
 * number and description, src/collectives/control.ts); an error marker travels as that
 * block's error flag with no payload, so nothing internal is ever read out of a user's
 * value, and a received message is checked against the call before it is used.
 */
import type { AgreeLink, AgreeState } from '../collectives/agree.js';
import { decodeControl, encodeControl, type Control } from '../collectives/control.js';
import { ErrorMarker, isMarker } from '../collectives/marker.js';
import type { CollPort, SendOptions } from '../collectives/port.js';
import { MpiError } from '../errors.js';
import type { Engine, Message } from './engine.js';

/** Where a call's messages go and what the call is. */
export interface CallSite {
  readonly engine: Engine;
  /** The communicator's collective context. */
  readonly context: number;
  /** The call's sequence number on the communicator, used as its tag. */
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

/** The port and agreement link of one collective call. */
export function callPorts(site: CallSite): { port: CollPort; link: AgreeLink } {
  const { engine, context, seq, rank, size, name, call } = site;
  // The same bytes head every data message of the call: encode them once.
  const data = encodeControl({ kind: 'data', seq, call, error: null });
  const send = (value: unknown, dest: number, control: Uint8Array, options?: SendOptions): Promise<void> =>
    engine.send(value, {
      dest: site.worldRank(dest),
      context,
      source: rank,
      tag: seq,
      mode: options?.owned === true ? 'owned' : 'standard',
      label: name,
      control,
    });
  const receive = (source: number, doing: string): Promise<Message> =>
    engine.receive(context, source, seq, `${name} (${doing} rank ${source})`);

  const port: CollPort = {
    rank,
    size,
    send: (value, dest, options) => {
      if (!isMarker(value)) return send(value, dest, data, options);
      return send(null, dest, encodeControl({ kind: 'data', seq, call, error: { code: value.code, message: value.message } }));
    },
    recv: async (source) => {
      const message = await receive(source, 'waiting for');
      const control = controlOf(message, site);
      if (control.kind !== 'data' || control.call !== call) {
        // The agreement round makes this unreachable; it is checked so a value is never misread.
        const theirs = control.kind === 'data' ? control.call : 'the agreement round';
        throw new MpiError('ERR_COLL_MISMATCH', `${name}: rank ${source} sent ${theirs} where rank ${rank} is in ${call}`);
      }
      if (control.error !== null) return new ErrorMarker(control.error.code, control.error.message);
      return engine.value(message);
    },
  };

  const link: AgreeLink = {
    send: (state, dest) => send(null, dest, encodeControl({ kind: 'agree', seq, calls: state.calls, error: state.error })),
    recv: async (source): Promise<AgreeState> => {
      const control = controlOf(await receive(source, 'checking the call with'), site);
      if (control.kind !== 'agree') throw new MpiError('ERR_INTERN', `${name}: rank ${source} sent data before the agreement round ended`);
      return { calls: control.calls, error: control.error };
    },
  };
  return { port, link };
}
