import { ACTIVE_STATUSES, INCIDENT_STATUSES, nextStatuses, STATUS_TRANSITIONS } from '../../contract/incidents';

// contract/ is shared with the sidecar, which enforces the same table (409 STATUS_TRANSITION_INVALID otherwise).
describe('incident status transitions (contract/incidents.ts)', () => {
  test('offer the lifecycle moves, in lifecycle order', () => {
    expect(nextStatuses('open')).toEqual(['investigating', 'identified', 'monitoring', 'resolved']);
    expect(nextStatuses('investigating')).toEqual(['identified', 'monitoring', 'resolved']);
    expect(nextStatuses('identified')).toEqual(['investigating', 'monitoring', 'resolved']);
    expect(nextStatuses('monitoring')).toEqual(['investigating', 'identified', 'resolved']);
    expect(nextStatuses('resolved')).toEqual(['open', 'investigating']);
  });

  test('never offer staying in the same status', () => {
    for (const status of INCIDENT_STATUSES) {
      expect(STATUS_TRANSITIONS[status]).not.toContain(status);
    }
  });

  test('active means not resolved', () => {
    expect(ACTIVE_STATUSES).toEqual(['open', 'investigating', 'identified', 'monitoring']);
  });
});
