import { config } from '@grafana/runtime';

/**
 * Whether the signed-in user may change things (Grafana's proxy lets only Editors and Admins write, see plugin.json
 * routes). Viewers get the page without the controls rather than controls that always fail. Outside Grafana (tests)
 * there is no role: editing is allowed and the sidecar still decides.
 */
export function canEdit(): boolean {
  const role = config.bootData?.user?.orgRole;
  return role !== 'Viewer' && role !== 'None';
}
