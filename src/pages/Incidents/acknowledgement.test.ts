import { makeIncident } from '../../testUtils/fixtures';
import { unacknowledgedFirst } from './acknowledgement';

const ACKED = '2026-03-02T10:00:00.000Z';

describe('unacknowledgedFirst', () => {
  const newestAcked = makeIncident({ title: 'acked, newest', acknowledgedAt: ACKED, status: 'investigating' });
  const waiting = makeIncident({ title: 'waiting' });
  const olderAcked = makeIncident({ title: 'acked, older', acknowledgedAt: ACKED });
  const oldestWaiting = makeIncident({ title: 'waiting, oldest', status: 'identified' });
  const list = [newestAcked, waiting, olderAcked, oldestWaiting];

  test('among active incidents, the unacknowledged ones come first, each group in the sort order', () => {
    expect(unacknowledgedFirst(list, 'active').map((i) => i.title)).toEqual([
      'waiting',
      'waiting, oldest',
      'acked, newest',
      'acked, older',
    ]);
    expect(unacknowledgedFirst(list, 'open').map((i) => i.title)[0]).toBe('waiting');
  });

  test('lists with resolved incidents keep the order the sidecar gave', () => {
    const resolved = makeIncident({ title: 'resolved', status: 'resolved' });
    expect(unacknowledgedFirst([newestAcked, resolved, waiting], 'all')).toEqual([newestAcked, resolved, waiting]);
    expect(unacknowledgedFirst([resolved], 'resolved')).toEqual([resolved]);
  });
});
