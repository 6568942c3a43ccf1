import { validationIssues, type ApiError } from '../../api/errors';
import type { ValidationIssue } from '../../api/types';

const pathOf = (issue: ValidationIssue) => (Array.isArray(issue.path) ? issue.path.join('.') : issue.path);

/**
 * A 400's issues placed on the form's fields: an issue whose path starts with a field's key (`settings.port`,
 * `secrets.url`, `events`) goes to that field; `rest` holds the ones no field shows, so they are not lost.
 */
export function fieldErrorsFrom(
  error: ApiError,
  fieldKeys: readonly string[]
): { fields: Record<string, string>; rest: string[] } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  for (const issue of validationIssues(error)) {
    const path = pathOf(issue);
    const key = fieldKeys.find((k) => path === k || path.startsWith(`${k}.`));
    if (key) {
      fields[key] = fields[key] ? `${fields[key]}; ${issue.message}` : issue.message;
    } else {
      rest.push(path ? `${path}: ${issue.message}` : issue.message);
    }
  }
  return { fields, rest };
}

/** `details.current` of a 409 VERSION_CONFLICT, when it has the shape the caller needs. */
export function conflictCurrent<T extends { id: string; version: number }>(error: ApiError): T | null {
  const current = error.details?.current as Partial<T> | undefined;
  return error.code === 'VERSION_CONFLICT' && current && typeof current.version === 'number' ? (current as T) : null;
}
