/**
 * A service's catalog name: lowercase, as Prometheus, Loki and Tempo label values usually name services, and safe
 * in URLs and queries unescaped. The services table checks the same pattern.
 */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/;
