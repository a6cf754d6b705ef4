/** A node of a PostgreSQL JSON plan (`EXPLAIN (ANALYZE, FORMAT JSON)`). */
export interface PlanNode {
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Every node of `plan` that reads `table`, with the rows it read (returned + filtered out, over all loops). */
export function scansOf(table: string, plan: PlanNode): { index: string | undefined; rowsRead: number }[] {
  const read = (plan['Actual Rows'] + (plan['Rows Removed by Filter'] ?? 0)) * plan['Actual Loops'];
  const here = plan['Relation Name'] === table ? [{ index: plan['Index Name'], rowsRead: read }] : [];
  return [...here, ...(plan.Plans ?? []).flatMap((p) => scansOf(table, p))];
}
