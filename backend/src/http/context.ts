import { OpenAPIHono } from '@hono/zod-openapi';
import type { Actor, Role } from '../domain/actor.js';
import { findUnstorable } from '../domain/storable.js';
import { unstorableError, validationError } from './errors.js';

/** Who is calling, established by the auth middleware. */
export interface Principal {
  role: Role;
  actor: Actor;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}

/**
 * A router whose request validation failures become the envelope's VALIDATION_FAILED (400) with the failing
 * fields, like every other error. Every route file builds its sub-app with this. Valid input is also checked for
 * strings Postgres cannot store as given (domain/storable.ts), so no route can fail on them later with a 500. A
 * router that makes such strings storable itself (alert intake) says so with `isUnstorableTextAccepted`.
 */
export function createRouter(options: { isUnstorableTextAccepted?: boolean } = {}): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      const where = { json: 'body', query: 'query', param: 'path' }[result.target as string] ?? result.target;
      if (!result.success) throw validationError(result.error, where);
      if (options.isUnstorableTextAccepted) return;
      const path = findUnstorable(result.data);
      if (path) throw unstorableError(where, path);
    },
  });
}
