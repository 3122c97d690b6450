/**
 * A non-blocking operation in progress (MPI_Request). Obtained from `isend`, `irecv`,
 * `Isend`, `Irecv` and the non-blocking collectives. The operation proceeds in the
 * background whether or not anybody waits; `wait()` resolves with its result.
 *
 * `test()` is synchronous: it reports whether the operation has completed by the last
 * time the event loop ran, so a polling loop must await something between tests.
 */
import { tracing } from '../trace/recorder.js';
import { Status } from './status.js';

export class Request<T = unknown> {
  private state: 'pending' | 'done' | 'failed' = 'pending';
  private result: T | undefined;
  private failure: unknown;
  private readonly status = new Status();
  private readonly settled: Promise<void>;

  /**
   * @param operation the operation; it fills `status` when it learns the message envelope.
   */
  constructor(operation: (status: Status) => Promise<T>) {
    this.settled = operation(this.status).then(
      (value) => {
        this.state = 'done';
        this.result = value;
      },
      (error: unknown) => {
        this.state = 'failed';
        this.failure = error;
      },
    );
  }

  /** Wait for completion; resolves with the received value (undefined for sends). Rejects with the operation's error. */
  async wait(status?: Status): Promise<T> {
    await traced(this.settled, 'wait');
    return this.finish(status);
  }

  /** `[true, value]` if the operation has completed, else `[false, undefined]`. Throws the operation's error. */
  test(status?: Status): [boolean, T | undefined] {
    if (this.state === 'pending') return [false, undefined];
    return [true, this.finish(status)];
  }

  /** True once the operation has completed or failed. */
  get done(): boolean {
    return this.state !== 'pending';
  }

  private finish(status: Status | undefined): T {
    if (this.state === 'failed') throw this.failure;
    if (status !== undefined) Object.assign(status, this.status);
    return this.result as T;
  }

  /** Wait for all requests; resolves with their values in order. Rejects with the first failure. */
  static async waitall<V>(requests: readonly Request<V>[], statuses?: Status[]): Promise<V[]> {
    await traced(Promise.all(requests.map((request) => request.settled)), 'waitall');
    return requests.map((request, index) => request.finish(statuses?.[index]));
  }

  /** Wait for any one request; resolves with `[index, value]` of the first to complete (lowest index on ties). */
  static async waitany<V>(requests: readonly Request<V>[], status?: Status): Promise<[number, V]> {
    if (requests.length === 0) throw new RangeError('waitany: no requests');
    const ready = requests.findIndex((request) => request.done);
    if (ready < 0) await traced(Promise.race(requests.map((request) => request.settled)), 'waitany');
    const index = requests.findIndex((request) => request.done);
    const request = requests[index] as Request<V>;
    return [index, request.finish(status)];
  }

  /** `[true, values]` if every request has completed, else `[false, undefined]`. */
  static testall<V>(requests: readonly Request<V>[], statuses?: Status[]): [boolean, V[] | undefined] {
    if (!requests.every((request) => request.done)) return [false, undefined];
    return [true, requests.map((request, index) => request.finish(statuses?.[index]))];
  }
}

/** Await `settled`, recorded as a wait when tracing is on. */
async function traced(settled: Promise<unknown>, label: string): Promise<void> {
  const recorder = tracing.current;
  if (recorder === null) {
    await settled;
    return;
  }
  const t0 = recorder.now();
  await settled;
  recorder.waited(t0, label);
}
