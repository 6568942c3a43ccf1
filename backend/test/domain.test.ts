import { describe, expect, it } from 'vitest';
import { AppError } from '../src/domain/errors.js';
import { applyChanges, INCIDENT_STATUSES, STATUS_TRANSITIONS, type IncidentState } from '../src/domain/incidents.js';

const base: IncidentState = {
  title: 't',
  description: '',
  severity: 'high',
  status: 'open',
  commander: null,
  acknowledgedAt: null,
  resolvedAt: null,
};
const now = new Date('2026-11-23T10:00:00Z');

describe('status transitions', () => {
  it('allows forward skips, steps back among active states, and reopening, but never back to open', () => {
    expect(STATUS_TRANSITIONS.open).toContain('resolved');
    expect(STATUS_TRANSITIONS.monitoring).toContain('investigating');
    expect(STATUS_TRANSITIONS.resolved).toEqual(['open', 'investigating']);
    for (const from of INCIDENT_STATUSES.filter((s) => s !== 'resolved')) {
      expect(STATUS_TRANSITIONS[from]).not.toContain('open');
      expect(STATUS_TRANSITIONS[from]).not.toContain(from);
    }
  });

  it('rejects a move the table does not allow with STATUS_TRANSITION_INVALID', () => {
    const attempt = () => applyChanges({ ...base, status: 'resolved', resolvedAt: now }, { status: 'monitoring' }, now);
    expect(attempt).toThrow(AppError);
    expect(attempt).toThrow(/cannot go from resolved to monitoring/);
  });
});

describe('applyChanges', () => {
  it('stamps acknowledgement on leaving open, and only the first time', () => {
    const { next } = applyChanges(base, { status: 'investigating' }, now);
    expect(next.acknowledgedAt).toEqual(now);
    const later = new Date('2026-11-23T11:00:00Z');
    const again = applyChanges({ ...next, status: 'resolved', resolvedAt: later }, { status: 'open' }, later);
    const reack = applyChanges(again.next, { status: 'investigating' }, new Date('2026-11-23T12:00:00Z'));
    expect(reack.next.acknowledgedAt).toEqual(now);
  });

  it('describes each real change once and ignores fields equal to their value', () => {
    const { events } = applyChanges(base, { severity: 'high', commander: 'ana', title: 'new', description: '' }, now);
    expect(events.map((e) => e.type)).toEqual(['commander_changed', 'details_changed']);
    expect(events[1]!.data).toEqual({ fields: ['title'] });
  });
});
