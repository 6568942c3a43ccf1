import { OpenAPIHono } from '@hono/zod-openapi';
import type { Actor, Role } from '../domain/actor.js';
import { validationError } from './errors.js';

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
 * fields, like every other error. Every route file builds its sub-app with this.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = { json: 'body', query: 'query', param: 'path' }[result.target as string] ?? result.target;
        throw validationError(result.error, where);
      }
    },
  });
}
