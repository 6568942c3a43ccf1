import { makeOnCall, makePerson, segment } from '../../testUtils/onCallFixtures';
import { formatMinutes, previewSentence, type PreviewLookups } from './preview';

const alex = makePerson('alex');
const sam = makePerson('sam');
const primary = makeOnCall('Primary', segment(alex, -1, 5), null);
const gappy = makeOnCall('Nights', segment(null, -1, 5), null);
const lookups: PreviewLookups = {
  people: new Map([[sam.id, 'sam']]),
  channels: new Map([['c1', '#payments']]),
  onCall: new Map([
    [primary.scheduleId, primary],
    [gappy.scheduleId, gappy],
  ]),
};

describe('previewSentence', () => {
  test("names the schedule's on-call now, the person and the channel, each at the sum of the waits before it", () => {
    const steps = [
      { target: { kind: 'schedule' as const, scheduleId: primary.scheduleId }, waitMinutes: 5 },
      { target: { kind: 'person' as const, personId: sam.id }, waitMinutes: 10 },
      { target: { kind: 'channel' as const, channelId: 'c1' }, waitMinutes: 0 },
    ];
    expect(previewSentence({ steps, repeat: 0 }, lookups, 'checkout')).toBe(
      'If checkout paged now: alex at 0 min, sam at 5 min, #payments at 15 min.'
    );
  });

  test('says when a schedule has nobody now, and how a repeated policy starts over', () => {
    const steps = [
      { target: { kind: 'schedule' as const, scheduleId: gappy.scheduleId }, waitMinutes: 0.5 },
      { target: { kind: 'person' as const, personId: 'gone' }, waitMinutes: 9.5 },
    ];
    expect(previewSentence({ steps, repeat: 2 }, lookups)).toBe(
      'If paged now: nobody (Nights has a gap now) at 0 min, an unknown person at 30 s, then again from the first step every 10 min, 2 more times.'
    );
  });

  test('formats waits as minutes, or seconds under one minute', () => {
    expect([0, 0.05, 1.25, 15].map(formatMinutes)).toEqual(['0 min', '3 s', '1.3 min', '15 min']);
  });
});
