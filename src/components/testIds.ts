/**
 * The one list of test ids, shared by the jest tests and the Playwright tests. Every value is a plain string of the
 * form 'data-testid <area> <thing>' (the create-plugin convention); lists of rows reuse one id per kind of row and
 * carry the item's identity in data attributes (see `incidents.row`).
 */
export const testIds = {
  app: {
    /** The root error boundary's fallback alert (something threw while rendering a page). */
    errorBoundary: 'data-testid app error-boundary',
  },
  appConfig: {
    container: 'data-testid config container',
    sidecarUrl: 'data-testid config sidecar-url',
    sidecarToken: 'data-testid config sidecar-token',
    /** Optional public ws(s):// URL of the sidecar's /live endpoint. */
    liveUrl: 'data-testid config live-url',
    /** Datasource uid for Explore links; carries `data-mode` (picker: Grafana's datasources; text: typed in). */
    datasource: {
      prometheus: 'data-testid config datasource prometheus',
      loki: 'data-testid config datasource loki',
      tempo: 'data-testid config datasource tempo',
    },
    save: 'data-testid config save',
    /** Inline alert when saving the settings failed. */
    saveError: 'data-testid config save-error',
    testConnection: 'data-testid config test-connection',
    /** Inline alert with the outcome of "Test connection" (success or error). */
    testResult: 'data-testid config test-result',
  },
  incidents: {
    container: 'data-testid incidents container',
    /** The table of incidents (absent while loading, on error and when empty). */
    list: 'data-testid incidents list',
    /**
     * One per incident; carries `data-incident-id`, `data-incident-reference`, `data-incident-status` and
     * `data-acknowledged` (true, false).
     */
    row: 'data-testid incidents row',
    /** Inside a row: the "Not acknowledged" badge of an active incident nobody has acknowledged. */
    unacknowledged: 'data-testid incidents unacknowledged',
    /** Inside a row: the button that opens the menu of valid next statuses (menu items have role "menuitem"). */
    rowStatusSelect: 'data-testid incidents row-status',
    /** Status filter (radio buttons: Active, All, Open, Investigating, Identified, Monitoring, Resolved). */
    statusFilter: 'data-testid incidents status-filter',
    /** The filters bar (status, severity, service, started, search, sort). */
    filters: 'data-testid incidents filters',
    /** Severity checkboxes (Critical, High, Medium, Low); none checked means every severity. */
    severityFilter: 'data-testid incidents severity-filter',
    /** Service combobox ("All services" or one from the catalog). */
    serviceFilter: 'data-testid incidents service-filter',
    /** Started-within radio buttons (Any time, 1h, 6h, 24h, 7d, 30d; a custom range from a shared link). */
    rangeFilter: 'data-testid incidents range-filter',
    /** Text search in title and description. */
    search: 'data-testid incidents search',
    /** Sort radio buttons (Newest, Oldest, Severity, Status, Duration). */
    sort: 'data-testid incidents sort',
    clearFilters: 'data-testid incidents clear-filters',
    /** The scrolling box around the virtualized table. */
    scroller: 'data-testid incidents scroller',
    /** Shown when there are no incidents for the filter. */
    empty: 'data-testid incidents empty',
    /** Page-level error: the list could not be loaded (sidecar down, refused, ...). */
    pageError: 'data-testid incidents page-error',
    /** Error of an action on a row (status change failed, version conflict). */
    actionError: 'data-testid incidents action-error',
    /** Confirmation after an incident was declared. */
    declaredNotice: 'data-testid incidents declared-notice',
    loadMore: 'data-testid incidents load-more',
    declareButton: 'data-testid incidents declare',
    /** The live link indicator; carries `data-live-state` (connecting, live, reconnecting, down, off). */
    liveStatus: 'data-testid incidents live-status',
    /** Warning shown while the live link is down (the list may be stale). */
    liveDown: 'data-testid incidents live-down',
    /** Notice shown for a while after the live link came back. */
    liveRecovered: 'data-testid incidents live-recovered',
  },
  declareForm: {
    form: 'data-testid declare form',
    title: 'data-testid declare title',
    /** Radio buttons: Critical, High (default), Medium, Low. */
    severity: 'data-testid declare severity',
    description: 'data-testid declare description',
    /** Multi-select of services from the catalog. */
    services: 'data-testid declare services',
    commander: 'data-testid declare commander',
    submit: 'data-testid declare submit',
    cancel: 'data-testid declare cancel',
    /** Errors that do not belong to one field (sidecar down, refused, unmapped validation issues). */
    error: 'data-testid declare error',
  },
  services: {
    container: 'data-testid services container',
    add: 'data-testid services add',
    list: 'data-testid services list',
    /** One per service; carries `data-service-name`. */
    row: 'data-testid services row',
    /** Inside a row: opens the edit drawer. */
    edit: 'data-testid services edit',
    savedNotice: 'data-testid services saved-notice',
    pageError: 'data-testid services page-error',
  },
  slos: {
    container: 'data-testid slos container',
    /** The SLO cards, least budget left first. */
    list: 'data-testid slos list',
    /** One per SLO; carries `data-slo-name`. */
    card: 'data-testid slos card',
    sli: 'data-testid slos sli',
    /** Budget left, as a percentage and in minutes. */
    budget: 'data-testid slos budget',
    /** The incidents that burned the SLO's budget. */
    incidents: 'data-testid slos incidents',
    /** Inside a card: its live status could not be had. */
    statusError: 'data-testid slos status-error',
    /** Page-level warning: no SLO has live figures (Prometheus not configured or down). */
    unavailable: 'data-testid slos unavailable',
    pageError: 'data-testid slos page-error',
  },
  alerts: {
    container: 'data-testid alerts container',
    list: 'data-testid alerts list',
    /** One per alert; carries `data-alert-id` and `data-alert-status` (firing, resolved). */
    row: 'data-testid alerts row',
    /** Radio buttons All, Firing, Resolved. */
    statusFilter: 'data-testid alerts status-filter',
    severityFilter: 'data-testid alerts severity-filter',
    sourceFilter: 'data-testid alerts source-filter',
    /** Radio buttons Any, With incident, Without. */
    incidentFilter: 'data-testid alerts incident-filter',
    alertname: 'data-testid alerts alertname',
    empty: 'data-testid alerts empty',
    loadMore: 'data-testid alerts load-more',
    pageError: 'data-testid alerts page-error',
  },
  notifications: {
    container: 'data-testid notifications container',
    /** Page-level error: channels or rules could not be loaded. */
    pageError: 'data-testid notifications page-error',
    /** Shown instead of the controls when the sidecar or Grafana refused a change (403) or the user is a Viewer. */
    readOnly: 'data-testid notifications read-only',
    /** A change that failed (not a version conflict): delete, mute, redeliver. */
    actionError: 'data-testid notifications action-error',
    /** 409 VERSION_CONFLICT on a mute or unmute from a table: "changed by someone else". */
    conflict: 'data-testid notifications conflict',
    addChannel: 'data-testid notifications add-channel',
    channelList: 'data-testid notifications channel-list',
    /** One per channel; carries `data-channel-id`, `data-channel-name`, `data-channel-kind` and `data-muted`. */
    channelRow: 'data-testid notifications channel-row',
    /** Inside a channel row: how many deliveries were given up on; carries `data-count`. */
    deadCount: 'data-testid notifications dead-count',
    sendTest: 'data-testid notifications send-test',
    /** The outcome of "Send test message", under its channel; carries `data-delivered` (true, false). */
    testResult: 'data-testid notifications test-result',
    editChannel: 'data-testid notifications edit-channel',
    /** Mute or Unmute, by the row's state. */
    muteChannel: 'data-testid notifications mute-channel',
    deleteChannel: 'data-testid notifications delete-channel',
    showDeliveries: 'data-testid notifications show-deliveries',
    channelsEmpty: 'data-testid notifications channels-empty',
    addRule: 'data-testid notifications add-rule',
    ruleList: 'data-testid notifications rule-list',
    /** One per rule; carries `data-rule-id`, `data-rule-name` and `data-muted`. */
    ruleRow: 'data-testid notifications rule-row',
    editRule: 'data-testid notifications edit-rule',
    muteRule: 'data-testid notifications mute-rule',
    deleteRule: 'data-testid notifications delete-rule',
    rulesEmpty: 'data-testid notifications rules-empty',
  },
  onCall: {
    container: 'data-testid oncall container',
    /** Page-level error: who is on call could not be loaded. */
    pageError: 'data-testid oncall page-error',
    /** Shown instead of the take/cover controls for Viewers and after a refused (403) override. */
    readOnly: 'data-testid oncall read-only',
    /** A take-the-pager or cover that failed. */
    actionError: 'data-testid oncall action-error',
    /** Confirmation of a taken pager or a cover, naming who and until when. */
    actionDone: 'data-testid oncall action-done',
    /** The list of gaps starting soon; absent when there are none. */
    gapWarnings: 'data-testid oncall gap-warnings',
    /** One per gap; carries `data-schedule-id`. */
    gapWarning: 'data-testid oncall gap-warning',
    /** "Send me a test page", and the outcome per contact method after it. */
    testPage: 'data-testid oncall test-page',
    testPageResult: 'data-testid oncall test-page-result',
    /** No schedules yet. */
    empty: 'data-testid oncall empty',
    /** One card per schedule; carries `data-schedule-id` and `data-schedule-name`. */
    schedule: 'data-testid oncall schedule',
    /** Inside a card: who is on call now; carries `data-person-id` (empty for a gap). */
    now: 'data-testid oncall now',
    /** Inside a card: who takes over next and when; carries `data-person-id`. */
    next: 'data-testid oncall next',
    /** Inside a card: the two-week timeline. */
    timeline: 'data-testid oncall timeline',
    timelineError: 'data-testid oncall timeline-error',
    /** One per timeline row; carries `data-row` (layer, overrides, combined) and `data-row-name`. */
    timelineRow: 'data-testid oncall timeline-row',
    /** One per bar in a row; carries `data-person-id`, `data-start`, `data-end` and `data-gap` (true, false). */
    bar: 'data-testid oncall bar',
    /** "Take the pager": opens a menu of how long (menu items have role "menuitem"). */
    takePager: 'data-testid oncall take-pager',
    /** "Cover for…": opens the cover form. */
    coverFor: 'data-testid oncall cover-for',
    /** Why the take-the-pager button is off: the signed-in Grafana login is not among the people. */
    notAPerson: 'data-testid oncall not-a-person',
  },
  coverForm: {
    form: 'data-testid cover-form form',
    /** Who covers (a person picker). */
    person: 'data-testid cover-form person',
    /** Wrappers of the two date-time pickers (their input is Grafana's own test id inside). */
    start: 'data-testid cover-form start',
    end: 'data-testid cover-form end',
    submit: 'data-testid cover-form submit',
    cancel: 'data-testid cover-form cancel',
    error: 'data-testid cover-form error',
  },
  escalationPolicies: {
    container: 'data-testid escalation-policies container',
    pageError: 'data-testid escalation-policies page-error',
    readOnly: 'data-testid escalation-policies read-only',
    /** A change from the tables that failed: delete, attach to a service. */
    actionError: 'data-testid escalation-policies action-error',
    add: 'data-testid escalation-policies add',
    empty: 'data-testid escalation-policies empty',
    list: 'data-testid escalation-policies list',
    /** One per policy; carries `data-policy-id` and `data-policy-name`. */
    row: 'data-testid escalation-policies row',
    /** Inside a row: "if <service> paged now: …". */
    preview: 'data-testid escalation-policies preview',
    edit: 'data-testid escalation-policies edit',
    delete: 'data-testid escalation-policies delete',
    /** The services table (which policy each one's incidents start). */
    services: 'data-testid escalation-policies services',
    /** One per service; carries `data-service-name` and `data-policy-id` (empty: none). */
    serviceRow: 'data-testid escalation-policies service-row',
    /** Inside a service row: the policy picker. */
    servicePolicy: 'data-testid escalation-policies service-policy',
    servicesEmpty: 'data-testid escalation-policies services-empty',
  },
  policyForm: {
    form: 'data-testid policy-form form',
    name: 'data-testid policy-form name',
    description: 'data-testid policy-form description',
    /** One per step; carries `data-step-index`. The fields inside use the ids below. */
    step: 'data-testid policy-form step',
    /** Radio buttons: On-call of a schedule, Person, Channel. */
    stepKind: 'data-testid policy-form step-kind',
    /** Picker of the schedule, person or channel. */
    stepTarget: 'data-testid policy-form step-target',
    stepWait: 'data-testid policy-form step-wait',
    /** Radio buttons High, Low. */
    stepUrgency: 'data-testid policy-form step-urgency',
    removeStep: 'data-testid policy-form remove-step',
    addStep: 'data-testid policy-form add-step',
    repeat: 'data-testid policy-form repeat',
    /** The preview sentence as the form stands. */
    preview: 'data-testid policy-form preview',
    submit: 'data-testid policy-form submit',
    cancel: 'data-testid policy-form cancel',
    error: 'data-testid policy-form error',
  },
  channelForm: {
    form: 'data-testid channel-form form',
    name: 'data-testid channel-form name',
    /** Radio buttons, one per kind (Webhook, Slack, Teams, Email, ntfy); only when adding. */
    kind: 'data-testid channel-form kind',
    /** Prefix: `… setting <key>` / `… secret <key>` follow. */
    setting: 'data-testid channel-form setting',
    secret: 'data-testid channel-form secret',
    muted: 'data-testid channel-form muted',
    submit: 'data-testid channel-form submit',
    cancel: 'data-testid channel-form cancel',
    error: 'data-testid channel-form error',
    conflict: 'data-testid channel-form conflict',
    conflictRetry: 'data-testid channel-form conflict-retry',
  },
  deliveries: {
    panel: 'data-testid deliveries panel',
    /** Radio buttons Dead, Failed, All. */
    stateFilter: 'data-testid deliveries state-filter',
    /** One per delivery; carries `data-delivery-id` and `data-state`. */
    row: 'data-testid deliveries row',
    redeliver: 'data-testid deliveries redeliver',
    empty: 'data-testid deliveries empty',
    error: 'data-testid deliveries error',
  },
  ruleForm: {
    form: 'data-testid rule-form form',
    name: 'data-testid rule-form name',
    events: 'data-testid rule-form events',
    severities: 'data-testid rule-form severities',
    services: 'data-testid rule-form services',
    teams: 'data-testid rule-form teams',
    /** One `name=value` a line. */
    labels: 'data-testid rule-form labels',
    channels: 'data-testid rule-form channels',
    muted: 'data-testid rule-form muted',
    submit: 'data-testid rule-form submit',
    cancel: 'data-testid rule-form cancel',
    error: 'data-testid rule-form error',
    conflict: 'data-testid rule-form conflict',
    conflictRetry: 'data-testid rule-form conflict-retry',
  },
  panel: {
    /** The Active incidents panel's body (absent while loading and on error). */
    container: 'data-testid panel active-incidents',
    /** One per incident; carries `data-incident-reference`. */
    row: 'data-testid panel active-incidents row',
    empty: 'data-testid panel active-incidents empty',
    error: 'data-testid panel active-incidents error',
  },
  serviceForm: {
    form: 'data-testid service-form form',
    name: 'data-testid service-form name',
    team: 'data-testid service-form team',
    /** Radio buttons Tier 1–4. */
    tier: 'data-testid service-form tier',
    description: 'data-testid service-form description',
    /** One `name=value` a line. */
    labels: 'data-testid service-form labels',
    runbookUrl: 'data-testid service-form runbook-url',
    /** Prefix: the query key follows (`… query errorRatio`). */
    query: 'data-testid service-form query',
    submit: 'data-testid service-form submit',
    error: 'data-testid service-form error',
  },
  warRoom: {
    container: 'data-testid warroom container',
    /** Page-level error: the incident could not be loaded. */
    pageError: 'data-testid warroom page-error',
    header: 'data-testid warroom header',
    /** The incident's title; carries `data-version` (the incident version the page holds). */
    title: 'data-testid warroom title',
    editTitle: 'data-testid warroom edit-title',
    titleInput: 'data-testid warroom title-input',
    /** Button opening the severity menu; carries `data-severity`. */
    severity: 'data-testid warroom severity',
    /** Button opening the menu of valid next statuses; carries `data-status`. */
    status: 'data-testid warroom status',
    commander: 'data-testid warroom commander',
    editCommander: 'data-testid warroom edit-commander',
    commanderInput: 'data-testid warroom commander-input',
    /** Save button of the inline title / commander editor. */
    saveEdit: 'data-testid warroom save-edit',
    duration: 'data-testid warroom duration',
    services: 'data-testid warroom services',
    /** 409 VERSION_CONFLICT: "changed by someone else", with the current value and a retry. */
    conflict: 'data-testid warroom conflict',
    conflictRetry: 'data-testid warroom conflict-retry',
    /** Any other failed change of the header. */
    editError: 'data-testid warroom edit-error',
    wallboardButton: 'data-testid warroom wallboard-button',
    reviewLink: 'data-testid warroom review-link',
    /** Shown when live updates are unavailable and the page refreshes itself on a timer instead. */
    polling: 'data-testid warroom polling',
    /** The Acknowledge button, while nobody has acknowledged the incident. */
    acknowledge: 'data-testid warroom acknowledge',
    /** "Acknowledged by X at T" once someone has (here, by API, or by an acknowledge link). */
    acknowledged: 'data-testid warroom acknowledged',
    acknowledgeError: 'data-testid warroom acknowledge-error',
  },
  paging: {
    /** The war room's paging panel; carries `data-state` (active, acknowledged, resolved, exhausted, none). */
    panel: 'data-testid paging panel',
    /** No escalation: the incident's services name no policy and nobody asked to page. */
    empty: 'data-testid paging empty',
    error: 'data-testid paging error',
    /** One per step fired; carries `data-step`, `data-pass` and `data-trigger`. */
    step: 'data-testid paging step',
    /** One per page of a step; carries `data-state` (pending, sending, delivered, failed, dead). */
    page: 'data-testid paging page',
    /** When the next step fires, while the escalation is active. */
    nextStep: 'data-testid paging next-step',
    escalateNow: 'data-testid paging escalate-now',
    escalateError: 'data-testid paging escalate-error',
  },
  timeline: {
    list: 'data-testid timeline list',
    /** One per event; carries `data-event-type` and `data-event-id`. */
    entry: 'data-testid timeline entry',
    empty: 'data-testid timeline empty',
    error: 'data-testid timeline error',
    noteInput: 'data-testid timeline note-input',
    noteSubmit: 'data-testid timeline note-submit',
    noteError: 'data-testid timeline note-error',
  },
  evidence: {
    panel: 'data-testid evidence panel',
    /** One per source; carries `data-source` and `data-source-status` (ok, degraded, failed, skipped). */
    source: 'data-testid evidence source',
    /** No correlation run yet. */
    empty: 'data-testid evidence empty',
    error: 'data-testid evidence error',
    rerun: 'data-testid evidence rerun',
    /** One per source that has findings; carries `data-source`. */
    group: 'data-testid evidence group',
    /** One per finding; carries `data-finding-id`, `data-source`, `data-rank`. */
    finding: 'data-testid evidence finding',
    sparkline: 'data-testid evidence sparkline',
    query: 'data-testid evidence query',
    explore: 'data-testid evidence explore',
    pin: 'data-testid evidence pin',
    actionError: 'data-testid evidence action-error',
  },
  hypotheses: {
    board: 'data-testid hypotheses board',
    /** One per hypothesis; carries `data-hypothesis-id`, `data-status` and `data-origin`. */
    card: 'data-testid hypotheses card',
    statementInput: 'data-testid hypotheses statement-input',
    ownerInput: 'data-testid hypotheses owner-input',
    add: 'data-testid hypotheses add',
    confirm: 'data-testid hypotheses confirm',
    refute: 'data-testid hypotheses refute',
    reopen: 'data-testid hypotheses reopen',
    /** Optional note of a decision, and the button that records it. */
    decisionNote: 'data-testid hypotheses decision-note',
    decide: 'data-testid hypotheses decide',
    conflict: 'data-testid hypotheses conflict',
    error: 'data-testid hypotheses error',
  },
  wallboard: {
    container: 'data-testid wallboard container',
    exit: 'data-testid wallboard exit',
  },
  review: {
    container: 'data-testid review container',
    pageError: 'data-testid review page-error',
    summary: 'data-testid review summary',
    impact: 'data-testid review impact',
    rootCause: 'data-testid review root-cause',
    lessons: 'data-testid review lessons',
    /** One per follow-up row. */
    followUp: 'data-testid review follow-up',
    addFollowUp: 'data-testid review add-follow-up',
    save: 'data-testid review save',
    saved: 'data-testid review saved',
    conflict: 'data-testid review conflict',
    saveError: 'data-testid review save-error',
    download: 'data-testid review download',
    downloadError: 'data-testid review download-error',
    timeline: 'data-testid review timeline',
    hypotheses: 'data-testid review hypotheses',
    pinned: 'data-testid review pinned',
    budget: 'data-testid review budget',
  },
} as const;
