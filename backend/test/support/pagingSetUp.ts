/**
 * The on-call set-up the escalation game day and bench share: Ana, on call in `payments-primary`, paged by signed
 * webhook (`/ana-phone` on the receiver), and the team's room (`/payments-room`); a `payments` service whose policy
 * pages the schedule's on-call, waits, pages the room, waits, and runs again `repeat` times.
 */
export type Create = (path: string, json: unknown) => Promise<{ id: string }>;

export async function setUpPaging(
  create: Create,
  options: { receiverOrigin: string; signingSecret: string; waitMinutes: number; repeat?: number }
): Promise<{ policyId: string }> {
  const hook = (name: string) =>
    create('/api/channels', {
      kind: 'webhook',
      name,
      secrets: { url: `${options.receiverOrigin}/${name}`, signingSecret: options.signingSecret },
    });
  const phone = await hook('ana-phone');
  const room = await hook('payments-room');
  const ana = await create('/api/people', {
    login: 'ana',
    name: 'Ana',
    email: 'ana@example.com',
    timeZone: 'UTC',
    contactMethods: [{ kind: 'webhook', target: 'ana-phone', channelId: phone.id }],
  });
  const schedule = await create('/api/schedules', {
    name: 'payments-primary',
    timeZone: 'UTC',
    layers: [
      {
        name: 'week',
        participants: [ana.id],
        shiftLength: { unit: 'weeks', count: 1 },
        handOffTime: '09:00',
        startDate: '2026-01-05',
      },
    ],
  });
  const policy = await create('/api/escalation-policies', {
    name: 'payments',
    repeat: options.repeat ?? 0,
    steps: [
      { target: { kind: 'schedule', scheduleId: schedule.id }, waitMinutes: options.waitMinutes, urgency: 'high' },
      { target: { kind: 'channel', channelId: room.id }, waitMinutes: options.waitMinutes, urgency: 'high' },
    ],
  });
  await create('/api/services', { name: 'payments', escalationPolicyId: policy.id });
  return { policyId: policy.id };
}
