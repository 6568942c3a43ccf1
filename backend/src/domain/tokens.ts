import { SYSTEM_ACTOR, type Role } from './actor.js';

export const ROLES = ['viewer', 'editor', 'admin', 'integration'] as const satisfies readonly Role[];

/** Token names are recorded as the author of every change a token makes, so they stay short and plain. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// Names the sidecar already uses for its own actors: a token called "admin" would be indistinguishable, in the
// audit trail and in rate-limit budgets, from the proxy token used without X-Grafana-User.
const RESERVED_NAMES = new Set(['admin', SYSTEM_ACTOR.name]);

/** Why a token name cannot be used, or undefined when it can. */
export function tokenNameProblem(name: string): string | undefined {
  if (!TOKEN_NAME_PATTERN.test(name)) {
    return 'must be 1–64 letters, digits, dot, dash or underscore, starting with a letter or digit';
  }
  if (RESERVED_NAMES.has(name.toLowerCase())) return `"${name}" is reserved for the sidecar's own actors`;
  return undefined;
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
