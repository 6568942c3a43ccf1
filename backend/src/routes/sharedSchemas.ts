import { z } from '@hono/zod-openapi';
import { SERVICE_NAME_PATTERN } from '../domain/services.js';

/** A service's catalog name, wherever a request names a service. */
export const ServiceNameSchema = z
  .string()
  .regex(SERVICE_NAME_PATTERN, 'lowercase letters, digits, dot, dash or underscore; at most 63')
  .openapi({ example: 'checkout' });

/**
 * True when an ISO 8601 timestamp names a real instant that Postgres can store: the day exists in its month
 * (JavaScript reads 2026-02-30 as 2 March) and the UTC year is 1–9999 (Postgres has no year 0, and an offset can
 * move 0001-01-01 into it).
 */
export function isStorableInstant(text: string): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0); // day 0 of the next month: the month's last day (years < 100 kept as such)
  const utcYear = new Date(text).getUTCFullYear();
  return day <= lastDay.getUTCDate() && utcYear >= 1 && utcYear <= 9999;
}

/** A timestamp a request sends: ISO 8601 with Z or an offset, naming a real instant Postgres can store. */
export const InstantSchema = z.iso
  .datetime({ offset: true })
  .refine(isStorableInstant, 'must be a real date and time between the years 0001 and 9999 (UTC)');
