/**
 * `npm run cli -- import oncall`: Grafana OnCall's users, schedules (rotations and web overrides), escalation chains
 * and integrations as the studio's people, schedules, escalation policies and services, written through the store
 * as the CLI's other commands are. What exists already (a person by login, the rest by name) is left as it is and
 * reused, so a second run creates only what is new; whatever has no studio equivalent is reported with why.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { isValidTimeZone, type Layer } from '../domain/rotations.js';
import type { Sql } from '../store/db.js';
import { createPolicy, listPolicies } from '../store/escalationPolicies.js';
import { createPerson, listPeople, type ContactMethod } from '../store/people.js';
import { createOverrides, createSchedule, listOverrides, listSchedules, type NewOverride } from '../store/schedules.js';
import { createService, listServices, updateService } from '../store/services.js';
import type { OnCallExport, OnCallRoute, OnCallSchedule, OnCallUser } from './oncallApi.js';
import { policyFromChain, serviceNameOf } from './oncallEscalation.js';
import { layersFromShift, overrideFromShift, type MappedPerson, type Note } from './oncallMapping.js';

/** One thing the import did, e.g. `{ subject: 'person alex', detail: 'alex@example.com' }`. */
export interface Done {
  subject: string;
  detail?: string;
}

export interface ImportReport {
  created: Done[];
  updated: Done[];
  /** Found in the studio by login or name, and left as it is. */
  unchanged: Done[];
  notMapped: Note[];
}

/** The studio's API takes up to 20 steps in a policy and 20 layers in a schedule. */
const MAX_STEPS = 20;
const MAX_LAYERS = 20;
const FAR_FUTURE = new Date('9999-01-01T00:00:00Z');
const DESCRIPTION = 'Imported from Grafana OnCall';

const isEmail = (text: string) => z.email().safeParse(text).success;
const studioName = (name: string) => name.trim().slice(0, 100);
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * True the first time a studio name comes up in this run. Two OnCall items can share one (chains of different
 * teams, integrations whose names make the same service name): the second is reported, not merged into the first.
 */
function isFirstWithName(taken: Set<string>, name: string, subject: string, report: ImportReport): boolean {
  if (!taken.has(name)) {
    taken.add(name);
    return true;
  }
  report.notMapped.push({
    subject,
    reason: 'another OnCall item of this kind has the same name here: rename one and run again',
  });
  return false;
}

/** Writes what `source` describes into the studio; `now` decides which overrides and rotations are over. */
export async function importOnCall(
  sql: Sql,
  source: OnCallExport,
  actor: Actor,
  now = Date.now()
): Promise<ImportReport> {
  const report: ImportReport = { created: [], updated: [], unchanged: [], notMapped: [] };
  const people = await importPeople(sql, source.users, actor, report);
  const personOf = (id: string) => people.get(id);
  const schedules = await importSchedules(sql, source, personOf, actor, now, report);
  const policies = await importPolicies(sql, source, personOf, (id) => schedules.get(id), actor, report);
  await importServices(sql, source, (id) => policies.get(id), report);
  return report;
}

async function importPeople(
  sql: Sql,
  users: OnCallUser[],
  actor: Actor,
  report: ImportReport
): Promise<Map<string, MappedPerson>> {
  const byLogin = new Map((await listPeople(sql)).map((p) => [p.login, p]));
  const mapped = new Map<string, MappedPerson>();
  const taken = new Set<string>();
  for (const user of users) {
    const login = user.username.trim().slice(0, 100);
    const subject = `person ${login || user.id}`;
    if (!login) {
      report.notMapped.push({ subject, reason: 'a studio person needs a login, and its username is empty' });
      continue;
    }
    if (!isFirstWithName(taken, login, subject, report)) continue;
    const existing = byLogin.get(login);
    if (existing) {
      mapped.set(user.id, existing);
      report.unchanged.push({ subject });
      continue;
    }
    if (!isEmail(user.email)) {
      report.notMapped.push({
        subject,
        reason: `a studio person needs an email address, and ${JSON.stringify(user.email)} is not one`,
      });
      continue;
    }
    const timeZone = user.timezone && isValidTimeZone(user.timezone) ? user.timezone : 'UTC';
    // OnCall pages by email among other ways; the studio sends it through its first email channel.
    const contactMethods: ContactMethod[] = [{ kind: 'email', target: user.email }];
    const { person } = await createPerson(
      sql,
      { login, name: login, email: user.email, timeZone, contactMethods },
      actor
    );
    mapped.set(user.id, person);
    report.created.push({ subject, detail: `${user.email}, ${timeZone}` });
    const slackIds = [user.slack ?? []].flat().map((s) => s.user_id);
    if (slackIds.length) {
      report.notMapped.push({
        subject: `Slack identity of ${login}`,
        reason: `a slack contact method needs a studio Slack channel: add <@${slackIds[0]}> to ${login} with one`,
      });
    }
  }
  return mapped;
}

async function importSchedules(
  sql: Sql,
  source: OnCallExport,
  personOf: (id: string) => MappedPerson | undefined,
  actor: Actor,
  now: number,
  report: ImportReport
): Promise<Map<string, string>> {
  const byName = new Map((await listSchedules(sql)).map((s) => [s.name, s]));
  const mapped = new Map<string, string>();
  const taken = new Set<string>();
  for (const schedule of source.schedules) {
    const name = studioName(schedule.name);
    const subject = `schedule "${name}"`;
    if (!name) {
      report.notMapped.push({ subject: `schedule ${schedule.id}`, reason: 'it has no name' });
      continue;
    }
    if (!isFirstWithName(taken, name, subject, report)) continue;
    const existing = byName.get(name);
    if (!existing && schedule.type === 'ical') {
      report.notMapped.push({
        subject,
        reason: `an iCalendar schedule: import its calendar with POST /api/schedules/import, then run this again to use it`,
      });
      continue;
    }
    const shifts = source.shifts.filter((s) => s.schedule === schedule.id || schedule.shifts?.includes(s.id));
    const overrides = overridesOf(schedule, shifts, personOf, now, report);
    if (existing) {
      mapped.set(schedule.id, existing.id);
      const added = await addMissingOverrides(sql, existing.id, overrides, actor, now);
      if (added) report.updated.push({ subject, detail: count(added, 'new override') });
      else report.unchanged.push({ subject });
      continue;
    }
    // OnCall's higher level wins where shifts overlap; the studio's later layer does.
    const rotations = shifts.filter((s) => s.type !== 'override').sort((a, b) => (a.level ?? 0) - (b.level ?? 0));
    const layers: Layer[] = [];
    for (const shift of rotations) {
      const mapped = layersFromShift(shift, schedule, personOf, now);
      report.notMapped.push(...mapped.notes);
      layers.push(...mapped.layers.map((layer) => ({ ...layer, id: randomUUID() })));
    }
    if (layers.length > MAX_LAYERS) {
      const left = layers.splice(0, layers.length - MAX_LAYERS).map((l) => l.name);
      report.notMapped.push({
        subject,
        reason: `the studio takes ${MAX_LAYERS} layers: kept the top ones, not ${left.join(', ')}`,
      });
    }
    const timeZone = schedule.time_zone && isValidTimeZone(schedule.time_zone) ? schedule.time_zone : 'UTC';
    const created = await createSchedule(sql, { name, description: DESCRIPTION, timeZone, layers }, actor, overrides);
    mapped.set(schedule.id, created.schedule.id);
    report.created.push({
      subject,
      detail: `${count(layers.length, 'layer')}, ${count(overrides.length, 'override')}`,
    });
  }
  return mapped;
}

function overridesOf(
  schedule: OnCallSchedule,
  shifts: OnCallExport['shifts'],
  personOf: (id: string) => MappedPerson | undefined,
  now: number,
  report: ImportReport
): NewOverride[] {
  const overrides: NewOverride[] = [];
  let past = 0;
  for (const shift of shifts.filter((s) => s.type === 'override')) {
    const mapped = overrideFromShift(shift, schedule, personOf, now);
    report.notMapped.push(...mapped.notes);
    if (mapped.override) overrides.push(mapped.override);
    if (mapped.past) past += 1;
  }
  if (past) {
    report.notMapped.push({
      subject: `schedule "${studioName(schedule.name)}"`,
      reason: `${past} override${past === 1 ? ' is' : 's are'} over already`,
    });
  }
  return overrides;
}

/** Overrides not in the schedule yet (the same person, start and end), added; how many. */
async function addMissingOverrides(
  sql: Sql,
  scheduleId: string,
  overrides: NewOverride[],
  actor: Actor,
  now: number
): Promise<number> {
  const key = (o: { personId: string; startsAt: Date; endsAt: Date }) =>
    `${o.personId} ${o.startsAt.getTime()} ${o.endsAt.getTime()}`;
  const present = new Set((await listOverrides(sql, scheduleId, new Date(now), FAR_FUTURE)).map(key));
  const missing = overrides.filter((o) => !present.has(key(o)));
  const withPaths = missing.map((o) => ({ ...o, path: 'personId' }));
  if (missing.length) await createOverrides(sql, scheduleId, withPaths, actor);
  return missing.length;
}

async function importPolicies(
  sql: Sql,
  source: OnCallExport,
  personOf: (id: string) => MappedPerson | undefined,
  scheduleOf: (id: string) => string | undefined,
  actor: Actor,
  report: ImportReport
): Promise<Map<string, string>> {
  const byName = new Map((await listPolicies(sql)).map((p) => [p.name, p]));
  const mapped = new Map<string, string>();
  const taken = new Set<string>();
  for (const chain of source.chains) {
    const name = studioName(chain.name);
    const subject = `escalation policy "${name}"`;
    if (!name) {
      report.notMapped.push({ subject: `escalation chain ${chain.id}`, reason: 'it has no name' });
      continue;
    }
    if (!isFirstWithName(taken, name, subject, report)) continue;
    const existing = byName.get(name);
    if (existing) {
      mapped.set(chain.id, existing.id);
      report.unchanged.push({ subject });
      continue;
    }
    const chainSteps = source.policySteps.filter((s) => s.escalation_chain_id === chain.id);
    const { steps, repeat, notes } = policyFromChain(name, chainSteps, personOf, scheduleOf);
    report.notMapped.push(...notes);
    if (!steps.length) {
      report.notMapped.push({ subject, reason: 'none of its steps has a studio equivalent: not created' });
      continue;
    }
    if (steps.length > MAX_STEPS) {
      report.notMapped.push({
        subject,
        reason: `the studio takes ${MAX_STEPS} steps: steps after the ${MAX_STEPS}th left out`,
      });
    }
    const policy = await createPolicy(
      sql,
      { name, description: DESCRIPTION, steps: steps.slice(0, MAX_STEPS), repeat },
      actor
    );
    mapped.set(chain.id, policy.id);
    report.created.push({
      subject,
      detail: `${count(policy.steps.length, 'step')}, repeat ${repeat}`,
    });
  }
  return mapped;
}

async function importServices(
  sql: Sql,
  source: OnCallExport,
  policyOf: (chainId: string) => string | undefined,
  report: ImportReport
): Promise<void> {
  const byName = new Map((await listServices(sql)).map((s) => [s.name, s]));
  const taken = new Set<string>();
  const chainName = (id: string | null | undefined) => source.chains.find((c) => c.id === id)?.name ?? id ?? '(none)';
  for (const integration of source.integrations) {
    const name = serviceNameOf(integration.name);
    if (!name) {
      report.notMapped.push({
        subject: `integration "${integration.name}"`,
        reason: 'its name makes no service name (letters or digits needed)',
      });
      continue;
    }
    const subject = `service ${name}`;
    if (!isFirstWithName(taken, name, `${subject} (integration "${integration.name}")`, report)) continue;
    const isOtherRoute = (route: OnCallRoute) =>
      route.integration_id === integration.id && !route.is_the_last_route && route.id !== integration.default_route?.id;
    for (const route of source.routes.filter(isOtherRoute)) {
      report.notMapped.push({
        subject: `route "${route.routing_regex ?? route.id}" of integration "${integration.name}"`,
        reason: `routes by alert content to chain "${chainName(route.escalation_chain_id)}"; the studio picks a policy by service and severity: set ${name}'s escalationPolicies by hand`,
      });
    }
    const chainId = integration.default_route?.escalation_chain_id;
    const policyId = chainId ? policyOf(chainId) : undefined;
    if (chainId && !policyId) {
      report.notMapped.push({
        subject,
        reason: `its chain "${chainName(chainId)}" was not imported, so it names no policy`,
      });
    }
    const existing = byName.get(name);
    if (!existing) {
      const description = `Grafana OnCall integration "${integration.name}" (${integration.type})`.slice(0, 2000);
      await createService(sql, { name, description, escalationPolicyId: policyId ?? null });
      report.created.push({ subject, detail: policyId ? `policy "${chainName(chainId)}"` : 'no policy' });
    } else if (policyId && !existing.escalationPolicyId) {
      await updateService(sql, name, { escalationPolicyId: policyId });
      report.updated.push({ subject, detail: `policy "${chainName(chainId)}"` });
    } else {
      report.unchanged.push({ subject });
      if (policyId && existing.escalationPolicyId !== policyId) {
        report.notMapped.push({
          subject,
          reason: `it names another policy already; left as it is, not "${chainName(chainId)}"`,
        });
      }
    }
  }
}

/** The report as the CLI prints it: a summary line, then what was done, then what was not and why. */
export function formatReport(report: ImportReport): string {
  const lines = [
    `Grafana OnCall import: ${report.created.length} created, ${report.updated.length} updated, ` +
      `${report.unchanged.length} already there, ${report.notMapped.length} not mapped`,
  ];
  const section = (title: string, items: string[]) => {
    if (items.length) lines.push('', `${title}:`, ...items.map((item) => `  ${item}`));
  };
  const done = (d: Done) => (d.detail ? `${d.subject} (${d.detail})` : d.subject);
  section('Created', report.created.map(done));
  section('Updated', report.updated.map(done));
  section('Already there, left as they are', report.unchanged.map(done));
  section(
    'Not mapped',
    report.notMapped.map((n) => `${n.subject}: ${n.reason}`)
  );
  return `${lines.join('\n')}\n`;
}
