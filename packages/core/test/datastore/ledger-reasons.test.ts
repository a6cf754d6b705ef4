import { describe, expect, it } from 'vitest';
import {
  adoptReason,
  ENQUEUED_REASON,
  MANUAL_RUN_REASON,
  MISSED_DEADLINE_REASON,
  OPERATOR_RETRY_REASON,
  queueWaitReason,
  repairReason,
  replaceCancelReason,
  replaceWaitReason,
  skipBusyReason,
  skipQueueFullReason,
  skipSupersededReason,
  unresolvedReason,
} from '../../src/index.js';

// The words users read in `rookery task show` and the docs quote: every store writes these.
describe('ledger reasons', () => {
  it('reads as the docs quote them', () => {
    expect([
      ENQUEUED_REASON,
      MANUAL_RUN_REASON,
      OPERATOR_RETRY_REASON,
      MISSED_DEADLINE_REASON,
      skipBusyReason('t1'),
      skipQueueFullReason('t2', 't1'),
      skipSupersededReason('t3'),
      queueWaitReason('t1'),
      replaceCancelReason('t3'),
      replaceWaitReason('t1'),
      repairReason('pending', 'owner-a', 1),
      repairReason('abandoned', null, 1),
      repairReason('failed', 'owner-a', 3),
      repairReason('cancelled', 'owner-a', 1, 'replaced by task t3'),
      repairReason('cancelled', 'owner-a', 1),
      adoptReason('owner-a', 'exec-1', 'node-b'),
      unresolvedReason('mail'),
    ]).toEqual([
      'enqueued',
      'manual: run now by an operator',
      'retried by an operator',
      'missed: not started before its starting deadline',
      'skipped: schedule busy with task t1',
      'skipped: task t2 is already queued behind task t1',
      'skipped: replaced by newer task t3',
      'queued: waiting for task t1',
      'replaced by task t3',
      'replacing: waiting for task t1 to end',
      'repaired: lease of owner-a expired; due again (at-least-once)',
      'repaired: lease of no owner expired; abandoned (at-most-once)',
      'repaired: lease of owner-a expired; failed: its attempts were lost with their node 3 times',
      'repaired: lease of owner-a expired; cancelled (a cancel was requested: replaced by task t3)',
      'repaired: lease of owner-a expired; cancelled (a cancel was requested)',
      'adopted: lease of owner-a expired; node node-b watches external execution exec-1',
      'unresolved: no node offers executor mail',
    ]);
  });
});
