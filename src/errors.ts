/**
 * Every error thrown by tsmpi is an {@link MpiError} with a stable string `code`.
 * Branch on `code`, never on the message text.
 */
export type ErrorCode =
  | 'ERR_RANK'
  | 'ERR_TAG'
  | 'ERR_ROOT'
  | 'ERR_TRUNCATE'
  | 'ERR_COUNT'
  | 'ERR_BUFFER'
  | 'ERR_OP'
  | 'ERR_COLL_MISMATCH'
  | 'ERR_ARG'
  | 'ERR_CODEC'
  | 'ERR_PEER_LOST'
  | 'ERR_NOT_RECEIVED'
  | 'ERR_TRANSPORT'
  | 'ERR_COMM_CLOSED'
  | 'ERR_INIT'
  | 'ERR_CLUSTER'
  | 'ERR_ENGINE'
  | 'ERR_CLOSURE'
  | 'ERR_INTERRUPTED'
  | 'ERR_INTERN';

/** The error type of tsmpi: message shaped `<operation>: <what is wrong> (<values>)[; <how to fix>]`. */
export class MpiError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MpiError';
    this.code = code;
  }
}
