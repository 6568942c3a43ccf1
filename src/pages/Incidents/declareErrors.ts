import { issueField, validationIssues, type ApiError } from '../../api/errors';
import type { ValidationIssue } from '../../api/types';

export const DECLARE_FIELDS = ['title', 'severity', 'description', 'services', 'commander'] as const;
export type DeclareField = (typeof DECLARE_FIELDS)[number];
export type FieldErrors = Partial<Record<DeclareField, string>>;

export interface DeclareErrors {
  fields: FieldErrors;
  /** Issues that belong to no field of the form (shown in the form's alert). */
  other: ValidationIssue[];
}

const isDeclareField = (name: string): name is DeclareField => (DECLARE_FIELDS as readonly string[]).includes(name);

/** Splits a 400 VALIDATION_FAILED into messages per form field and the rest; several issues on a field are joined. */
export function declareErrorsFrom(error: ApiError): DeclareErrors {
  const result: DeclareErrors = { fields: {}, other: [] };
  for (const issue of validationIssues(error)) {
    const field = issueField(issue);
    if (isDeclareField(field)) {
      const previous = result.fields[field];
      result.fields[field] = previous ? `${previous} ${issue.message}` : issue.message;
    } else {
      result.other.push(issue);
    }
  }
  return result;
}
