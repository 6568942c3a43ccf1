/**
 * A reader of Grafana OnCall's public API (https://grafana.com/docs/oncall/latest/oncall-api-reference/): the lists
 * the importer maps, every page of each, checked against the shapes the reference documents.
 */
import { z } from 'zod';
import { retryAfterMs } from '../telemetry/http.js';

/** Why the import stopped before writing anything: one line for the operator. */
export class OnCallError extends Error {}

const Id = z.string().min(1);
const NaiveDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'a yyyy-MM-ddTHH:mm:ss time');

/** `slack` is a list in the reference's examples and one object (or null) in the serializer: both are read. */
const SlackIdentity = z.object({ user_id: z.string() });

export const UserSchema = z.object({
  id: Id,
  email: z.string(),
  username: z.string(),
  timezone: z.string().nullish(),
  slack: z.union([z.array(SlackIdentity), SlackIdentity]).nullish(),
});

export const ScheduleSchema = z.object({
  id: Id,
  name: z.string(),
  type: z.string(),
  time_zone: z.string().nullish(),
  shifts: z.array(Id).nullish(),
});

export const ShiftSchema = z.object({
  id: Id,
  name: z.string(),
  type: z.string(),
  schedule: Id.nullish(),
  time_zone: z.string().nullish(),
  level: z.number().int().nullish(),
  start: NaiveDateTime,
  rotation_start: NaiveDateTime.nullish(),
  duration: z.number().int().positive(),
  frequency: z.string().nullish(),
  interval: z.number().int().positive().nullish(),
  until: NaiveDateTime.nullish(),
  week_start: z.string().nullish(),
  by_day: z.array(z.string()).nullish(),
  by_month: z.array(z.number()).nullish(),
  by_monthday: z.array(z.number()).nullish(),
  users: z.array(Id).nullish(),
  rolling_users: z.array(z.array(Id)).nullish(),
  start_rotation_from_user_index: z.number().int().min(0).nullish(),
});

export const ChainSchema = z.object({ id: Id, name: z.string() });

export const PolicyStepSchema = z.object({
  id: Id,
  escalation_chain_id: Id,
  position: z.number().int(),
  type: z.string(),
  duration: z.number().nullish(),
  important: z.boolean().nullish(),
  persons_to_notify: z.array(Id).nullish(),
  persons_to_notify_next_each_time: z.array(Id).nullish(),
  notify_on_call_from_schedule: Id.nullish(),
});

export const IntegrationSchema = z.object({
  id: Id,
  name: z.string(),
  type: z.string(),
  default_route: z.object({ id: Id, escalation_chain_id: Id.nullish() }).nullish(),
});

export const RouteSchema = z.object({
  id: Id,
  integration_id: Id,
  escalation_chain_id: Id.nullish(),
  routing_regex: z.string().nullish(),
  is_the_last_route: z.boolean().nullish(),
});

export type OnCallUser = z.infer<typeof UserSchema>;
export type OnCallSchedule = z.infer<typeof ScheduleSchema>;
export type OnCallShift = z.infer<typeof ShiftSchema>;
export type OnCallChain = z.infer<typeof ChainSchema>;
export type OnCallPolicyStep = z.infer<typeof PolicyStepSchema>;
export type OnCallIntegration = z.infer<typeof IntegrationSchema>;
export type OnCallRoute = z.infer<typeof RouteSchema>;

/** Everything the importer reads, each list complete (every page). */
export interface OnCallExport {
  users: OnCallUser[];
  schedules: OnCallSchedule[];
  shifts: OnCallShift[];
  chains: OnCallChain[];
  policySteps: OnCallPolicyStep[];
  integrations: OnCallIntegration[];
  routes: OnCallRoute[];
}

export interface OnCallClientOptions {
  /** OnCall's API URL (OnCall → Settings), with or without `/api/v1`. */
  url: string;
  /** An OnCall API token, sent as `Authorization: <token>` as the reference says (no `Bearer`). */
  token: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

const MAX_PAGES = 10_000;
const MAX_RATE_LIMIT_WAITS = 3;
const MAX_RATE_LIMIT_WAIT_MS = 60_000;

const Page = z.object({ next: z.string().nullish(), results: z.array(z.unknown()) });

/** Reads every list the importer maps, one after another (OnCall allows 300 requests per 5 minutes per token). */
export async function readOnCall(options: OnCallClientOptions): Promise<OnCallExport> {
  const base = new URL(options.url.replace(/\/+$/, '').replace(/\/api\/v1$/, '') + '/');
  const list = <T extends z.ZodType>(path: string, schema: T) => readList(base, path, schema, options);
  return {
    users: await list('api/v1/users/', UserSchema),
    schedules: await list('api/v1/schedules/', ScheduleSchema),
    shifts: await list('api/v1/on_call_shifts/', ShiftSchema),
    chains: await list('api/v1/escalation_chains/', ChainSchema),
    policySteps: await list('api/v1/escalation_policies/', PolicyStepSchema),
    integrations: await list('api/v1/integrations/', IntegrationSchema),
    routes: await list('api/v1/routes/', RouteSchema),
  };
}

async function readList<T extends z.ZodType>(
  base: URL,
  path: string,
  schema: T,
  options: OnCallClientOptions
): Promise<Array<z.infer<T>>> {
  const items: Array<z.infer<T>> = [];
  const seen = new Set<string>();
  let next: URL | null = new URL(path, base);
  while (next) {
    if (seen.has(next.href) || seen.size >= MAX_PAGES) {
      throw new OnCallError(`OnCall's pages of /${path} do not end (${next.href})`);
    }
    seen.add(next.href);
    const body = await getJson(next, options);
    const page = Page.safeParse(body);
    if (!page.success) {
      throw new OnCallError(`OnCall answered /${path} without a page of results: is ${base.href} OnCall's API URL?`);
    }
    for (const item of page.data.results) {
      const parsed = schema.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const where = `item ${items.length} (${issue.path.join('.') || 'itself'})`;
        throw new OnCallError(`OnCall's /${path} ${where} is not as its API reference documents: ${issue.message}`);
      }
      items.push(parsed.data);
    }
    next = page.data.next ? sameOrigin(new URL(page.data.next, next), base) : null;
  }
  return items;
}

/**
 * Behind a proxy OnCall may build `next` from its own host name; the token goes only to the URL it was given for,
 * so the page is asked of that origin.
 */
function sameOrigin(next: URL, base: URL): URL {
  if (next.origin === base.origin) return next;
  return new URL(next.pathname + next.search, base.origin);
}

async function getJson(url: URL, options: OnCallClientOptions): Promise<unknown> {
  for (let waits = 0; ; waits += 1) {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: options.token, accept: 'application/json' },
        signal: AbortSignal.any([
          AbortSignal.timeout(options.timeoutMs ?? 30_000),
          ...(options.signal ? [options.signal] : []),
        ]),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why =
        err instanceof Error && err.name === 'TimeoutError'
          ? 'no answer in time'
          : (cause?.code ?? cause?.message ?? String(err));
      throw new OnCallError(`cannot reach OnCall at ${url.origin}: ${why}`);
    }
    if (res.status === 429 && waits < MAX_RATE_LIMIT_WAITS) {
      await res.body?.cancel();
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(retryAfterMs(res.headers.get('retry-after')) ?? 5000, MAX_RATE_LIMIT_WAIT_MS))
      );
      continue;
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new OnCallError(
        `OnCall refused the token (HTTP ${res.status} for ${url.pathname}): check --token (OnCall → Settings → API tokens)`
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      const hint = res.status === 404 ? `: is ${url.origin} OnCall's API URL?` : '';
      throw new OnCallError(`OnCall answered HTTP ${res.status} for ${url.pathname}${hint}`);
    }
    try {
      return await res.json();
    } catch {
      throw new OnCallError(`OnCall's answer for ${url.pathname} is not JSON: is ${url.origin} OnCall's API URL?`);
    }
  }
}
