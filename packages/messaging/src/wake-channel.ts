/**
 * The wake-signal channel of a cluster whose tables live in `schema` behind `tablePrefix`:
 * `rookery_wake` where neither is set, else `<schema>.<prefix>wake` (cut to PostgreSQL's 63
 * bytes), so that clusters placed apart on one database do not wake each other.
 */
export function wakeChannel(placement: { schema?: string | undefined; tablePrefix?: string | undefined }): string {
  const { schema, tablePrefix } = placement;
  if (schema === undefined && tablePrefix === undefined) return 'rookery_wake';
  const name = `${schema !== undefined ? `${schema}.` : ''}${tablePrefix ?? 'rookery_'}wake`;
  // Schema and prefix are ASCII: characters are bytes.
  return name.slice(0, 63);
}
