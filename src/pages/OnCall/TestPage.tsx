import React, { useState } from 'react';
import { Alert, Button } from '@grafana/ui';
import { toApiError, type ApiError } from '../../api/errors';
import { sendTestPage } from '../../api/onCall';
import type { Person, TestPageResult } from '../../api/types';
import { ApiErrorAlert } from '../../components/ApiErrorAlert/ApiErrorAlert';
import { testIds } from '../../components/testIds';

const ids = testIds.onCall;

/**
 * "Send me a test page": every contact method of the signed-in person tried now, in order, so a wrong address or
 * a missing channel shows while setting up rather than during an incident.
 */
export function TestPage({ me }: { me: Person }) {
  const [results, setResults] = useState<TestPageResult[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [isSending, setSending] = useState(false);

  const send = async () => {
    setSending(true);
    setError(null);
    setResults(null);
    try {
      setResults(await sendTestPage(me.id));
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setSending(false);
    }
  };

  const failed = results?.filter((r) => !r.delivered).length ?? 0;
  return (
    <div>
      <Button
        variant="secondary"
        icon="bell"
        onClick={() => void send()}
        disabled={isSending}
        data-testid={ids.testPage}
      >
        {isSending ? 'Sending test pages…' : 'Send me a test page'}
      </Button>
      {error && <ApiErrorAlert error={error} title="The test page was not sent" onDismiss={() => setError(null)} />}
      {results && (
        <Alert
          severity={results.length === 0 || failed > 0 ? 'warning' : 'success'}
          title={
            results.length === 0
              ? 'You have no contact methods: nobody can page you'
              : failed === 0
                ? `Test page sent through all ${results.length} contact method${results.length === 1 ? '' : 's'}`
                : `${failed} of ${results.length} contact methods did not get the test page`
          }
          onRemove={() => setResults(null)}
        >
          <ul>
            {results.map((r, i) => (
              <li key={i} data-testid={ids.testPageResult} data-delivered={r.delivered}>
                {r.delivered ? 'Delivered' : 'Not delivered'}: {r.kind} {r.target}
                {r.channel ? ` through ${r.channel}` : ''}
                {r.error ? ` (${r.error})` : ''}
              </li>
            ))}
          </ul>
        </Alert>
      )}
    </div>
  );
}
