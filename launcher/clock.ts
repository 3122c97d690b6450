/**
 * Time for the launcher's core (the job supervisor, the ssh spawner's heartbeats), passed
 * in so that unit tests drive it by hand instead of waiting.
 */

/** Reading the time and one-shot timers. */
export interface Clock {
  /** Milliseconds since a fixed moment (the real clock: the Unix epoch). */
  now(): number;
  /**
   * Call `callback` once, `ms` from now; the handle is for {@link Clock.clear}. `unref`:
   * the timer alone does not keep the process running (a guard, e.g. a heartbeat).
   */
  set(callback: () => void, ms: number, options?: { readonly unref?: boolean }): unknown;
  clear(handle: unknown): void;
}

/** The clock of the process: Date.now and setTimeout. */
export const realClock: Clock = {
  now: () => Date.now(),
  set: (callback, ms, options) => {
    const timer = setTimeout(callback, ms);
    if (options?.unref === true) timer.unref();
    return timer;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
