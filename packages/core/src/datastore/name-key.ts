/**
 * The canonical form that schedule names are compared in: Unicode NFC, then lower case. Two
 * names with the same key are the same name on every dialect.
 */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
