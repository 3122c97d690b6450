/** Assertions on rejections: tests branch on an MpiError's code, never on its text. */
import assert from 'node:assert/strict';
import { MpiError } from '../../src/index.js';

/** Await `promise`, which must reject with an MpiError of `code`; returns that error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<MpiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MpiError, `expected an MpiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected a rejection with ${code}`);
}
