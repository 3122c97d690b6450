/**
 * Ctrl-C in the node REPL interrupts a Cluster's calls instead of ending anything.
 * On a terminal the REPL turns Ctrl-C into its own 'SIGINT' event (and abandons the
 * `await` in progress); with the REPL reading a pipe, Ctrl-C is a real SIGINT. Outside
 * the REPL nothing is installed: Ctrl-C ends the program, and with it the engines.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { join } from 'node:path';

interface ReplServer extends EventEmitter {
  readonly terminal?: boolean;
  breakEvalOnSigint?: boolean | undefined;
}

/** The node REPL's server when this process is the REPL (`node` with no script), else undefined. */
function replServer(): ReplServer | undefined {
  // createRequire from the working directory: works in both builds (no import.meta, no require).
  const repl = createRequire(join(process.cwd(), 'noop.js'))('node:repl') as { repl?: ReplServer };
  return repl.repl;
}

/** Call `onInterrupt` on Ctrl-C while this process is the node REPL; returns the uninstaller. */
export function installReplInterrupt(onInterrupt: () => void): () => void {
  const server = replServer();
  if (server === undefined) return () => {};
  if (server.terminal === true) {
    server.on('SIGINT', onInterrupt);
    return () => server.off('SIGINT', onInterrupt);
  }
  // Reading a pipe, the REPL evaluates each line under vm's breakOnSigint, whose watchdog
  // leaves SIGINT at its default action afterwards (Node 20): the process would die on the
  // next Ctrl-C despite our listener. Lines typed here are short; the cluster's calls are not.
  const breakEvalOnSigint = server.breakEvalOnSigint;
  server.breakEvalOnSigint = false;
  process.on('SIGINT', onInterrupt);
  return () => {
    process.off('SIGINT', onInterrupt);
    server.breakEvalOnSigint = breakEvalOnSigint;
  };
}
