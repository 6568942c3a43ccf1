import { formatAge } from './format';
import { parseStatusFilter, statusesFor } from './statusFilter';

describe('formatAge', () => {
  const now = Date.parse('2026-03-10T12:00:00Z');

  test.each([
    ['2026-03-10T11:59:30Z', '0m'],
    ['2026-03-10T11:55:00Z', '5m'],
    ['2026-03-10T11:00:01Z', '59m'],
    ['2026-03-10T09:00:00Z', '3h'],
    ['2026-03-09T12:00:01Z', '23h'],
    ['2026-03-08T12:00:00Z', '2d'],
    ['2026-03-10T12:05:00Z', '0m'],
    ['not a date', '—'],
  ])('%s → %s', (iso, expected) => {
    expect(formatAge(iso, now)).toBe(expected);
  });
});

describe('status filter', () => {
  test.each([
    [null, 'active'],
    ['active', 'active'],
    ['all', 'all'],
    ['resolved', 'resolved'],
    ['bogus', 'active'],
  ])('parses %s as %s', (raw, expected) => {
    expect(parseStatusFilter(raw)).toBe(expected);
  });

  test('maps filters to the API status query', () => {
    expect(statusesFor('active')).toEqual(['open', 'investigating', 'identified', 'monitoring']);
    expect(statusesFor('all')).toBeUndefined();
    expect(statusesFor('monitoring')).toEqual(['monitoring']);
  });
});
