import { randomUUID } from 'node:crypto';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** Makes primary keys. The default is a time-ordered UUID v7. */
export type IdStrategy = (now: number) => string;

/** Makes the lease owner id of a node. The default is a UUID v5 of host, process and a nonce. */
export type LeaseIdStrategy = (nodeId: string) => string;

/** UUID v7: 48 bits of epoch ms, then random bits (RFC 9562). */
export const uuidV7: IdStrategy = (now) => {
  const bytes = randomBytes(16);
  const ms = BigInt(Math.max(0, Math.floor(now)));
  for (let i = 0; i < 6; i += 1) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
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
