/**
 * Keys of a job started by a foreign launcher. Every rank derives them on its own from
 * a secret its user shares with the job's processes and from the (public) job key, so
 * nothing secret travels over the network or through the launcher:
 *
 * - the secret is TSMPI_SECRET if set, else the contents of TSMPI_SECRET_FILE, else of
 *   `~/.tsmpi/secret` (created with 32 random bytes, mode 0600, on first use); at least
 *   16 bytes wherever it comes from. A home
 *   directory shared across the cluster's nodes shares the secret, as with ssh keys or
 *   Erlang's cookie;
 * - `authKey` = HMAC-SHA256(secret, "tsmpi auth" + jobKey) authenticates rendezvous
 *   messages (challenge–response, so a recorded exchange cannot be replayed);
 * - the CURVE key pair: secret key = HMAC-SHA256(secret, "tsmpi curve" + jobKey), public
 *   key its X25519 point. Every inbox is a CURVE server with it, and only a process that
 *   knows it completes the handshake.
 */
import { createHmac, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto';
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { MpiError } from '../errors.js';
import { ENV } from './env.js';

export interface JobKeys {
  readonly authKey: Buffer;
  readonly curve: { readonly publicKey: string; readonly secretKey: string };
}

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';

/** Z85 (ZeroMQ RFC 32) text of bytes whose length is a multiple of 4. */
export function z85Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4) {
    let value = (((bytes[i] ?? 0) << 24) >>> 0) + ((bytes[i + 1] ?? 0) << 16) + ((bytes[i + 2] ?? 0) << 8) + (bytes[i + 3] ?? 0);
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85[value % 85] as string);
      value = Math.floor(value / 85);
    }
    out += chunk.join('');
  }
  return out;
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** The job's keys from the shared secret and the job key (pure). */
export function deriveJobKeys(secret: Uint8Array, jobKey: string): JobKeys {
  const authKey = createHmac('sha256', secret).update(`tsmpi auth\n${jobKey}`).digest();
  const curveSecret = createHmac('sha256', secret).update(`tsmpi curve\n${jobKey}`).digest();
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, curveSecret]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const curvePublic = spki.subarray(spki.length - 32);
  return { authKey, curve: { publicKey: z85Encode(curvePublic), secretKey: z85Encode(curveSecret) } };
}

/** The shortest secret accepted, from TSMPI_SECRET and from a file alike. */
export const MIN_SECRET_BYTES = 16;

/**
 * The secret shared by the user's processes (see the module comment for where it comes from).
 * @throws ERR_INIT when the secret has fewer than {@link MIN_SECRET_BYTES} bytes (one rule for
 *   TSMPI_SECRET and the file), or the secret file is readable by others or cannot be read or created
 */
export function readSecret(env: Readonly<Record<string, string | undefined>>): Buffer {
  const text = env[ENV.secret];
  if (text !== undefined && text !== '') {
    const secret = Buffer.from(text, 'utf8');
    if (secret.length < MIN_SECRET_BYTES)
      throw new MpiError(
        'ERR_INIT',
        `init: ${ENV.secret} holds ${secret.length} byte${secret.length === 1 ? '' : 's'}, fewer than ${MIN_SECRET_BYTES}; use a random one, e.g. $(openssl rand -base64 24)`,
      );
    return secret;
  }
  const path = env[ENV.secretFile] || join(homedir(), '.tsmpi', 'secret');
  try {
    createSecretFile(path);
    const mode = statSync(path).mode & 0o077;
    if (mode !== 0)
      throw new MpiError(
        'ERR_INIT',
        `init: the secret file ${path} is readable by other users (mode ${(statSync(path).mode & 0o777).toString(8)}); chmod 600 it`,
      );
    const secret = readFileSync(path);
    if (secret.length < MIN_SECRET_BYTES)
      throw new MpiError(
        'ERR_INIT',
        `init: the secret file ${path} holds ${secret.length} byte${secret.length === 1 ? '' : 's'}, fewer than ${MIN_SECRET_BYTES}`,
      );
    return secret;
  } catch (error) {
    if (error instanceof MpiError) throw error;
    throw new MpiError('ERR_INIT', `init: cannot read or create the secret file ${path}; set ${ENV.secret} or ${ENV.secretFile}`, {
      cause: error,
    });
  }
}

/** Create the secret file if absent; several ranks may race here, and exactly one file wins whole. */
function createSecretFile(path: string): void {
  try {
    statSync(path);
    return;
  } catch {
    // absent: create it below
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  try {
    linkSync(temporary, path); // atomic: a rank that loses the race reads the winner's file
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}
