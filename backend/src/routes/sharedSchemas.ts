import { z } from '@hono/zod-openapi';
import { SERVICE_NAME_PATTERN } from '../domain/services.js';

/** A service's catalog name, wherever a request names a service. */
export const ServiceNameSchema = z
  .string()
  .regex(SERVICE_NAME_PATTERN, 'lowercase letters, digits, dot, dash or underscore; at most 63')
  .openapi({ example: 'checkout' });
