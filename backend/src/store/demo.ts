import type { Actor } from '../domain/actor.js';
import type { Sql } from './db.js';
import { createIncident, updateIncident } from './incidents.js';
import { seedDemoEvidence } from './demoEvidence.js';
import { createService } from './services.js';

const DEMO_ACTOR: Actor = { name: 'demo', source: 'system' };

const SERVICES = [
  { name: 'checkout', team: 'payments', tier: 1, description: 'Takes orders and payments' },
  { name: 'payments-api', team: 'payments', tier: 1, description: 'Card and wallet payments' },
  { name: 'search', team: 'discovery', tier: 2, description: 'Product search' },
  { name: 'notifications', team: 'platform', tier: 3, description: 'E-mail and push notifications' },
];

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

/**
 * A small, believable data set so a first look at the product is not an empty page. Seeds only an empty
 * catalog, so restarts never duplicate it.
 */
export async function seedDemoData(sql: Sql): Promise<boolean> {
  const [existing] = await sql`select 1 from services limit 1`;
  if (existing) return false;
  for (const s of SERVICES) await createService(sql, { ...s, labels: { service: s.name } });

  const checkout = await createIncident(
    sql,
    {
      title: 'Checkout error rate above 5%',
      description: 'HTTP 5xx on POST /orders since the 14:02 deploy.',
      severity: 'critical',
      commander: 'alex',
      services: ['checkout', 'payments-api'],
      startedAt: minutesAgo(42),
    },
    DEMO_ACTOR
  );
  await updateIncident(sql, checkout.id, checkout.version, { status: 'investigating' }, DEMO_ACTOR);
  await seedDemoEvidence(sql, checkout);

  await createIncident(
    sql,
    { title: 'Search latency p95 over 800 ms', severity: 'medium', services: ['search'], startedAt: minutesAgo(180) },
    DEMO_ACTOR
  );
  const mail = await createIncident(
    sql,
    { title: 'Notification e-mails delayed', severity: 'low', services: ['notifications'], startedAt: minutesAgo(60 * 26) },
    DEMO_ACTOR
  );
  await updateIncident(sql, mail.id, mail.version, { status: 'resolved' }, DEMO_ACTOR);
  return true;
}
