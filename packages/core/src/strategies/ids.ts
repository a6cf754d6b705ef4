import { randomUUID } from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Makes primary keys. The default is a time-ordered UUID v7. */
export type IdStrategy = (now: number) => string;

/** Makes the lease owner id of a node. The default is a UUID v5 of host, process and a nonce. */
export type LeaseIdStrategy = (nodeId: string) => string;

/** Random bytes drawn from the system at a time and handed out ten per UUID v7: a system call per id was a third of a bulk enqueue's client time. */
const RANDOM_POOL_BYTES = 4_096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** Ten fresh random bytes, from {@link randomPool} (refilled when spent). */
function tenRandomBytes(): Buffer {
  if (randomOffset + 10 > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  randomOffset += 10;
  return randomPool.subarray(randomOffset - 10, randomOffset);
}

/** Two lower-case hex digits of each byte value. */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** UUID v7: 48 bits of epoch ms, then random bits (RFC 9562). */
export const uuidV7: IdStrategy = (now) => {
  const ms = Math.max(0, Math.floor(now));
  const time = ms.toString(16).padStart(12, '0').slice(-12);
  const r = tenRandomBytes();
  const h = (i: number): string => HEX[r[i] ?? 0] ?? '00';
  const version = HEX[((r[0] ?? 0) & 0x0f) | 0x70] ?? '70';
  const variant = HEX[((r[2] ?? 0) & 0x3f) | 0x80] ?? '80';
  return `${time.slice(0, 8)}-${time.slice(8)}-${version}${h(1)}-${variant}${h(3)}-${h(4)}${h(5)}${h(6)}${h(7)}${h(8)}${h(9)}`;
};

const LEASE_NAMESPACE = '6f1c3a52-8d4e-4b7a-9c1e-2f0a5b3d7e91';

/** UUID v5 (SHA-1, RFC 9562) of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name).digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Lease owner = UUID v5 of host, pid, node id and a per-process nonce: unique per node run. */
export const hostLeaseId: LeaseIdStrategy = (nodeId) =>
  uuidV5(`${hostname()}/${process.pid}/${nodeId}/${randomUUID()}`, LEASE_NAMESPACE);
