import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import { Alert, Button, ConfirmModal, Drawer, LoadingPlaceholder, useStyles2 } from '@grafana/ui';
import { updateService } from '../../api/client';
import { deleteEscalationPolicy } from '../../api/escalation';
import { toApiError, type ApiError } from '../../api/errors';
import type { EscalationPolicy, Service } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';
import { useWriteAccess } from '../../components/useWriteAccess';
import { PoliciesTable } from './PoliciesTable';
import { PolicyForm } from './PolicyForm';
import { ServicePolicies } from './ServicePolicies';
import type { TargetOptions } from './StepEditor';
import { useEscalationPolicies } from './useEscalationPolicies';

const ids = testIds.escalationPolicies;

type Open = { policy?: EscalationPolicy } | null;

/** Who gets paged, in which order and after how long (admins change policies), and which service uses which. */
export function EscalationPoliciesPage() {
  const styles = useStyles2(getStyles);
  const data = useEscalationPolicies();
  const access = useWriteAccess();
  const [open, setOpen] = useState<Open>(null);
  const [deleting, setDeleting] = useState<EscalationPolicy | null>(null);
  const [actionError, setActionError] = useState<{ title: string; error: ApiError } | null>(null);
  const [pendingService, setPendingService] = useState<string | null>(null);
  const { isReadOnly } = access;

  const options = useMemo<TargetOptions>(
    () => ({
      schedule: data.schedules.map((s) => ({ value: s.id, label: s.name })),
      person: data.people.map((p) => ({ value: p.id, label: p.name, description: p.login })),
      channel: data.channels.map((c) => ({ value: c.id, label: c.name, description: c.kind })),
    }),
    [data.schedules, data.people, data.channels]
  );

  const fail = (title: string, e: unknown) => {
    const error = toApiError(e);
    if (!access.noteRefusal(error)) {
      setActionError({ title, error });
    }
  };

  const confirmDelete = async () => {
    const policy = deleting;
    setDeleting(null);
    if (!policy) {
      return;
    }
    try {
      await deleteEscalationPolicy(policy.id);
      data.removePolicy(policy.id);
    } catch (e) {
      fail(`${policy.name} was not deleted`, e);
    }
  };

  const attach = async (service: Service, policyId: string | null) => {
    setPendingService(service.name);
    setActionError(null);
    try {
      data.upsertService(await updateService(service.name, { escalationPolicyId: policyId }));
    } catch (e) {
      fail(`The policy of ${service.name} was not changed`, e);
    } finally {
      setPendingService(null);
    }
  };

  return (
    <PluginPage>
      <div className={styles.page} data-testid={ids.container}>
        {isReadOnly && (
          <Alert severity="info" title="Read only" data-testid={ids.readOnly}>
            {access.refusal
              ? `Changing escalation was refused: ${access.refusal.message} Ask an admin to change policies.`
              : 'Your role can see the escalation policies but not change them.'}
          </Alert>
        )}
        {data.error && (
          <ApiErrorAlert
            error={data.error}
            title="Could not load the escalation policies"
            testId={ids.pageError}
            onRetry={data.reload}
          />
        )}
        {data.phase === 'loading' && <LoadingPlaceholder text="Loading escalation policies…" />}
        {actionError && (
          <ApiErrorAlert
            error={actionError.error}
            title={actionError.title}
            testId={ids.actionError}
            onDismiss={() => setActionError(null)}
          />
        )}
        {data.phase === 'ready' && (
          <>
            <section className={styles.section} aria-labelledby="escalation-policies">
              <div className={styles.heading}>
                <h3 id="escalation-policies">Policies</h3>
                {!isReadOnly && (
                  <Button icon="plus" onClick={() => setOpen({})} data-testid={ids.add}>
                    Add policy
                  </Button>
                )}
              </div>
              {data.policies.length === 0 ? (
                <p className={styles.secondary} data-testid={ids.empty}>
                  No escalation policies yet: incidents page nobody. A policy pages a schedule&apos;s on-call, a person
                  or a channel, then the next one after a wait, until someone acknowledges.
                </p>
              ) : (
                <PoliciesTable
                  policies={data.policies}
                  services={data.services}
                  lookups={data.lookups}
                  isReadOnly={isReadOnly}
                  onEdit={(policy) => setOpen({ policy })}
                  onDelete={setDeleting}
                />
              )}
            </section>
            <section className={styles.section} aria-labelledby="escalation-services">
              <h3 id="escalation-services">Services</h3>
              {data.services.length === 0 ? (
                <p className={styles.secondary} data-testid={ids.servicesEmpty}>
                  No services in the catalog yet. Add them on the Services page, then pick their policy here.
                </p>
              ) : (
                <ServicePolicies
                  services={data.services}
                  policies={data.policies}
                  isReadOnly={isReadOnly}
                  pendingName={pendingService}
                  onAttach={(service, policyId) => void attach(service, policyId)}
                />
              )}
            </section>
          </>
        )}
      </div>
      {open && (
        <Drawer
          title={open.policy ? `Edit ${open.policy.name}` : 'Add an escalation policy'}
          size="md"
          onClose={() => setOpen(null)}
        >
          <PolicyForm
            policy={open.policy}
            options={options}
            lookups={data.lookups}
            onSaved={(policy) => {
              data.upsertPolicy(policy);
              setOpen(null);
            }}
            onCancel={() => setOpen(null)}
            onRefused={(error) => {
              const isHandled = access.noteRefusal(error);
              if (isHandled) {
                setOpen(null);
              }
              return isHandled;
            }}
          />
        </Drawer>
      )}
      <ConfirmModal
        isOpen={deleting !== null}
        title="Delete escalation policy"
        body={`Delete ${deleting?.name ?? ''}? Escalations under way keep their copy of the steps.`}
        confirmText="Delete"
        onConfirm={() => void confirmDelete()}
        onDismiss={() => setDeleting(null)}
      />
    </PluginPage>
  );
}

export default EscalationPoliciesPage;

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  section: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(1) }),
  heading: css({ display: 'flex', justifyContent: 'space-between', alignItems: 'center', h3: { margin: 0 } }),
  secondary: css({ color: theme.colors.text.secondary }),
});
