import { lastValueFrom } from 'rxjs';
import { getBackendSrv } from '@grafana/runtime';
import { call, incidentUrl, listEveryPage, type CallOptions } from './client';
import { toApiError } from './errors';
import type {
  CorrelationResult,
  Hypothesis,
  HypothesisInput,
  HypothesisUpdate,
  PinInput,
  Postmortem,
  PostmortemEdits,
  ServiceImpact,
  TimelineEvent,
} from './types';

/** GET /api/incidents/:id/correlations: the latest correlation run and its ranked findings (`run: null` if none yet). */
export function getCorrelations(id: string, options?: CallOptions): Promise<CorrelationResult> {
  return call({ url: `${incidentUrl(id)}/correlations` }, options);
}

/** POST /api/incidents/:id/correlate (editor): runs the correlation now and answers with the new result. */
export function runCorrelation(id: string, options?: CallOptions): Promise<CorrelationResult> {
  return call({ url: `${incidentUrl(id)}/correlate`, method: 'POST', data: {} }, options);
}

/**
 * POST /api/incidents/:id/correlations/:findingId/pin: freezes the finding (its result data included) onto the
 * timeline and answers with that `evidence_pinned` entry.
 */
export function pinFinding(
  id: string,
  findingId: string,
  input: PinInput = {},
  options?: CallOptions
): Promise<TimelineEvent> {
  return call(
    { url: `${incidentUrl(id)}/correlations/${encodeURIComponent(findingId)}/pin`, method: 'POST', data: input },
    options
  );
}

/** GET /api/incidents/:id/hypotheses, oldest first, every page. */
export function listHypotheses(id: string, options?: CallOptions): Promise<Hypothesis[]> {
  return listEveryPage(`${incidentUrl(id)}/hypotheses`, options, { limit: 500 });
}

/** POST /api/incidents/:id/hypotheses → the new hypothesis (status `open`). */
export function addHypothesis(id: string, input: HypothesisInput, options?: CallOptions): Promise<Hypothesis> {
  return call({ url: `${incidentUrl(id)}/hypotheses`, method: 'POST', data: input }, options);
}

/**
 * PATCH /api/incidents/:id/hypotheses/:hid with the version the user saw; a stale one gets 409 VERSION_CONFLICT
 * whose `details.current` is the hypothesis as it is now. A decision (`status`) may carry a `note` for the timeline.
 */
export function updateHypothesis(
  id: string,
  hypothesisId: string,
  update: HypothesisUpdate,
  options?: CallOptions
): Promise<Hypothesis> {
  return call(
    { url: `${incidentUrl(id)}/hypotheses/${encodeURIComponent(hypothesisId)}`, method: 'PATCH', data: update },
    options
  );
}

/** GET /api/incidents/:id/postmortem: the draft (generated sections plus what people wrote). */
export function getPostmortem(id: string, options?: CallOptions): Promise<Postmortem> {
  return call({ url: `${incidentUrl(id)}/postmortem` }, options);
}

/** PUT /api/incidents/:id/postmortem with the version the user saw (0 before the first save); 409 when stale. */
export function savePostmortem(
  id: string,
  edits: PostmortemEdits & { version: number },
  options?: CallOptions
): Promise<Postmortem> {
  return call({ url: `${incidentUrl(id)}/postmortem`, method: 'PUT', data: edits }, options);
}

/**
 * GET /api/incidents/:id/postmortem?format=md as text. The sidecar renders the Markdown so that the download and
 * any bot asking for it read the same document.
 */
export async function getPostmortemMarkdown(id: string, options: CallOptions = {}): Promise<string> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<string>({
        url: `${incidentUrl(id)}/postmortem`,
        params: { format: 'md' },
        responseType: 'text',
        showErrorAlert: false,
        showSuccessAlert: false,
        abortSignal: options.signal,
      })
    );
    return response.data;
  } catch (e) {
    throw toApiError(withParsedEnvelope(e));
  }
}

/** With responseType text, Grafana hands an error body over as a string (or `{ response: string }`): parse it back. */
function withParsedEnvelope(e: unknown): unknown {
  const err = e as { data?: unknown } | null;
  if (!err || typeof err !== 'object') {
    return e;
  }
  const raw = typeof err.data === 'string' ? err.data : (err.data as { response?: unknown } | undefined)?.response;
  if (typeof raw !== 'string') {
    return e;
  }
  try {
    return { ...err, data: JSON.parse(raw) };
  } catch {
    return e;
  }
}

/**
 * GET /api/incidents/:id/impact: the services the incident touches (declared, named by its alerts, or pointed at by
 * correlation), declared ones first.
 */
export function getImpact(id: string, options?: CallOptions): Promise<ServiceImpact[]> {
  return listEveryPage(`${incidentUrl(id)}/impact`, options, { limit: 500 });
}
