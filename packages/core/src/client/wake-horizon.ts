/**
 * How soon work must fall due for the client that wrote it to wake the nodes: a job enqueued or
 * a schedule created whose first due time is within this long of now is announced. Work due
 * later is found by the nodes' own polls and peels well before it falls due.
 */
export const WAKE_HORIZON_MS = 60_000;
