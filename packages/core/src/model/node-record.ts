/** A node as the cluster sees it: registered on start, heartbeating while it runs. */
export interface NodeRecord {
  /** Node id, unique in the cluster. */
  id: string;
  /** Host name. */
  host: string;
  /** Process id. */
  pid: number;
  /** Executor names this node offers. */
  executors: string[];
  /** When it registered, database clock. */
  startedAt: number;
  /** Its latest heartbeat, database clock. */
  heartbeatAt: number;
  /** When it stopped gracefully; null while running or if it died. */
  stoppedAt: number | null;
  /** Its clock's offset from the database clock at the latest heartbeat (node − database), ms. */
  clockOffsetMs: number;
}
