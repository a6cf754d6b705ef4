/** A node of a PostgreSQL JSON plan (`EXPLAIN (ANALYZE, FORMAT JSON)`). */
export interface PlanNode {
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/**
 * Every node of `plan` that reads `table`, with the rows it read (returned + filtered out, over
 * all loops) and, from a plan taken with `BUFFERS`, the pages it touched over all loops (an
 * index scan that steps over entries inside the index touches their pages without reading
 * their rows).
 */
export function scansOf(
  table: string,
  plan: PlanNode,
): { index: string | undefined; rowsRead: number; pages: number }[] {
  const read = (plan['Actual Rows'] + (plan['Rows Removed by Filter'] ?? 0)) * plan['Actual Loops'];
  const pages = (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
  const here = plan['Relation Name'] === table ? [{ index: plan['Index Name'], rowsRead: read, pages }] : [];
  return [...here, ...(plan.Plans ?? []).flatMap((p) => scansOf(table, p))];
}
